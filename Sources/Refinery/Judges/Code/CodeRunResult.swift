/// Why a program that ran did not pass, short of a failed assertion, a timeout or a resource limit.
public enum CodeRunErrorKind: String, Sendable, Equatable, CaseIterable {
    /// The program does not parse.
    case syntaxError = "syntax_error"
    /// A statement raised an exception (including `exit()`), or an assertion raised instead of comparing.
    case runtimeError = "runtime_error"
    /// Fewer test assertions than required; the program was not run.
    case tooFewTests = "too_few_tests"
    /// The process ended (e.g. `os._exit`) before the harness could report a verdict.
    case exitedEarly = "exited_early"
    /// The interpreter died from a signal (segmentation fault, abort) that no limit explains.
    case crashed = "crashed"
}

/// A limit of the sandbox that stopped the program.
public enum CodeResourceKind: String, Sendable, Equatable, CaseIterable {
    /// Address space (RLIMIT_AS): an allocation failed.
    case memory = "memory_limit"
    /// More bytes on stdout and stderr together than allowed; the sandbox was killed.
    case output = "output_limit"
    /// No process or thread could be started (RLIMIT_NPROC inside the sandbox's user namespace).
    case processes = "process_limit"
    /// A file grew past RLIMIT_FSIZE or the sandbox's /tmp filled up.
    case fileSize = "file_size_limit"
}

/// How the sandbox's top process ended (`.exited(-1)`: unknown, the process was reaped elsewhere).
public enum CodeExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    public var description: String {
        switch self {
        case .exited(let code): return "exit status \(code)"
        case .signaled(let signal): return "signal \(signal)"
        }
    }
}

/// The result of running one program in the sandbox.
public struct CodeRunResult: Sendable, Equatable {
    public enum Outcome: Sendable, Equatable {
        case passed
        /// A test assertion evaluated false; `assertion` is its source text.
        case failed(assertion: String?)
        case error(CodeRunErrorKind)
        /// The wall-clock or CPU time limit was reached; the sandbox was killed.
        case timeout
        case resourceLimit(CodeResourceKind)

        /// The stable reason code (`passed`, `assertion_failed`, `timeout`, or the error/resource kind).
        public var reason: String {
            switch self {
            case .passed: return "passed"
            case .failed: return "assertion_failed"
            case .error(let kind): return kind.rawValue
            case .timeout: return "timeout"
            case .resourceLimit(let kind): return kind.rawValue
            }
        }
    }

    public var outcome: Outcome
    /// One line for people and repair prompts, e.g. `assert total([1, 2]) == 3 failed (got 4)`.
    public var detail: String
    /// 1-based line of the program the detail is about, when there is one.
    public var line: Int?
    /// Wall-clock seconds from launch to exit, sandbox start-up included.
    public var seconds: Double
    /// User plus system CPU seconds of the interpreter and the children it waited for, as the harness measured
    /// them (getrusage inside the sandbox) after each top-level statement; for a run killed from outside, the last
    /// measurement before the kill.
    public var cpuSeconds: Double
    /// Peak resident set of the interpreter (or of a child it waited for, if larger), in bytes, measured the same
    /// way (ru_maxrss inside the sandbox; 0 when the interpreter never started).
    public var peakMemoryBytes: Int
    /// Test assertions (module-level `assert` statements that test something) found in the program.
    public var assertionCount: Int
    /// Test assertions whose statements completed.
    public var assertionsRun: Int
    /// Captured output, cut to the configured number of bytes (see the `…Truncated` flags).
    public var stdout: String
    public var stderr: String
    public var stdoutTruncated: Bool
    public var stderrTruncated: Bool
    public var exitStatus: CodeExitStatus

    public var passed: Bool { outcome == .passed }
}
