/// Turns what the sandbox observed (exit status, limits hit, harness records) into a `CodeRunResult` with a
/// one-line detail that a repair prompt can quote.
struct CodeRunInterpreter {
    var program: CodeProgram
    var limits: CodeSandboxLimits
    var minimumAssertions: Int
    var outcome: CodeSpawnOutcome
    var records: [CodeHarnessRecord]

    func result() -> CodeRunResult {
        let final = records.last { $0.ev == "result" }
        let count = records.last { $0.ev == "count" }
        let (verdict, detail, line) = verdict(final: final)
        let assertionCount = final?.tests ?? count?.tests ?? 0
        let assertionsRun = verdict == .passed ? assertionCount : (final?.ran ?? 0)
        return CodeRunResult(
            outcome: verdict, detail: detail, line: line,
            seconds: outcome.wallSeconds, cpuSeconds: records.compactMap(\.cpu).max() ?? 0,
            peakMemoryBytes: (records.compactMap(\.rss).max() ?? 0) * 1024,
            assertionCount: assertionCount, assertionsRun: assertionsRun,
            stdout: String(decoding: outcome.stdout, as: UTF8.self),
            stderr: String(decoding: outcome.stderr, as: UTF8.self),
            stdoutTruncated: outcome.stdoutTotal > outcome.stdout.count,
            stderrTruncated: outcome.stderrTotal > outcome.stderr.count,
            exitStatus: outcome.status)
    }

    /// The signal that ended the sandboxed program: bubblewrap reports a child killed by signal N as 128 + N.
    private var signal: Int32? {
        switch outcome.status {
        case .signaled(let signal): return signal
        case .exited(let code) where code > 128 && code < 160: return code - 128
        case .exited: return nil
        }
    }

    /// What the program was doing last: the statement the harness announced before it stopped.
    private var whereStopped: String {
        guard let statement = records.last(where: { $0.ev == "stmt" }), let line = statement.line else { return "" }
        let text = statement.text ?? ""
        return " while running \(program.describeLine(line))" + (text.isEmpty ? "" : ": \(text)")
    }

    private func verdict(final: CodeHarnessRecord?) -> (CodeRunResult.Outcome, String, Int?) {
        if outcome.killedForOutput {
            return (.resourceLimit(.output),
                    "the program wrote more than \(Self.bytes(limits.outputBytes)) of output\(whereStopped)", nil)
        }
        if outcome.killedAtDeadline {
            return (.timeout, "wall time limit of \(Self.seconds(limits.wallSeconds)) exceeded\(whereStopped)", nil)
        }
        if let final, let status = final.status {
            return interpret(status: status, record: final)
        }
        let cpuLimit = Double(limits.effectiveCPUSeconds)
        // SIGXCPU at the soft CPU limit; SIGKILL at the hard one (one second later) if the program caught SIGXCPU.
        let lastCPU = records.compactMap(\.cpu).max() ?? 0
        if signal == 24 || (signal == 9 && (outcome.wallSeconds >= cpuLimit + 1 || lastCPU >= cpuLimit - 0.5)) {
            return (.timeout, "CPU time limit of \(limits.effectiveCPUSeconds) s exceeded\(whereStopped)", nil)
        }
        if signal == 25 {
            return (.resourceLimit(.fileSize),
                    "a file exceeded the \(Self.bytes(limits.fileSizeBytes)) size limit\(whereStopped)", nil)
        }
        let stderr = String(decoding: outcome.stderr, as: UTF8.self)
        if stderr.contains("MemoryError") || stderr.contains("Cannot allocate memory") {
            return (.resourceLimit(.memory),
                    "out of memory (address space limited to \(Self.bytes(limits.memoryBytes)))\(whereStopped)", nil)
        }
        if let signal {
            return (.error(.crashed),
                    "the program was killed by signal \(signal)\(Self.signalName(signal))\(whereStopped)", nil)
        }
        if records.isEmpty {
            let why = stderr.split(separator: "\n").last.map { ": \($0.prefix(300))" } ?? ""
            return (.error(.exitedEarly), "the sandboxed interpreter did not start (\(outcome.status))\(why)", nil)
        }
        return (.error(.exitedEarly),
                "the program ended the process (\(outcome.status)) before the tests finished\(whereStopped)", nil)
    }

    private func interpret(status: String, record: CodeHarnessRecord) -> (CodeRunResult.Outcome, String, Int?) {
        let line = record.line.flatMap { $0 > 0 ? $0 : nil }
        let place = line.map { program.describeLine($0) }
        let exception = record.exception ?? "Exception"
        let message = record.message.map { $0.isEmpty ? exception : "\(exception): \($0)" } ?? exception
        switch status {
        case "passed":
            let count = record.tests ?? 0
            return (.passed, "all \(count) test assertion\(count == 1 ? "" : "s") passed", nil)
        case "assertion_failed":
            let assertion = record.assertion ?? "assertion"
            var detail = "\(assertion) failed"
            if let got = record.got { detail += " (got \(got))" }
            if let text = record.message, !text.isEmpty { detail += ": \(text)" }
            return (.failed(assertion: record.assertion), detail, line)
        case "syntax_error":
            var detail = "\(message)"
            if let place { detail += " at \(place)" }
            if let text = record.text, !text.isEmpty { detail += ": \(text)" }
            return (.error(.syntaxError), detail, line)
        case "too_few_tests":
            let found = record.tests ?? 0
            var detail = "found \(found) test assertion\(found == 1 ? "" : "s"), at least \(minimumAssertions) required"
            if let vacuous = record.vacuous, vacuous > 0 {
                let examples = (record.examples ?? []).joined(separator: "; ")
                detail += "; \(vacuous) assert\(vacuous == 1 ? "" : "s") test nothing (\(examples))"
            }
            return (.error(.tooFewTests), detail, nil)
        default:
            let statement = record.statement ?? ""
            let subject = statement.hasPrefix("assert") ? statement
                : "\(place ?? "the program")\(statement.isEmpty ? "" : " (\(statement))")"
            var detail = "\(subject) raised \(message)"
            if let errorLine = record.errorLine, errorLine != record.line || record.function != "<module>" {
                detail += " (\(program.describeLine(errorLine))"
                if let text = record.errorText, !text.isEmpty { detail += ": \(text)" }
                detail += ")"
            }
            switch status {
            case "memory_limit":
                return (.resourceLimit(.memory),
                        detail + "; address space is limited to \(Self.bytes(limits.memoryBytes))", line)
            case "file_size_limit":
                return (.resourceLimit(.fileSize), detail + "; files are limited to \(Self.bytes(limits.fileSizeBytes))"
                            + " and /tmp to \(Self.bytes(limits.tmpBytes))", line)
            case "process_limit":
                return (.resourceLimit(.processes),
                        detail + "; at most \(limits.processes) processes and threads", line)
            default:
                return (.error(.runtimeError), detail, line)
            }
        }
    }

    static func bytes(_ count: Int) -> String {
        if count >= 1 << 30, count % (1 << 30) == 0 { return "\(count >> 30) GiB" }
        if count >= 1 << 20, count % (1 << 20) == 0 { return "\(count >> 20) MiB" }
        if count >= 1 << 10, count % (1 << 10) == 0 { return "\(count >> 10) KiB" }
        return "\(count) bytes"
    }

    static func seconds(_ value: Double) -> String {
        value == value.rounded() ? "\(Int(value)) s" : "\(value) s"
    }

    static func signalName(_ signal: Int32) -> String {
        let names: [Int32: String] = [4: "SIGILL", 6: "SIGABRT", 7: "SIGBUS", 8: "SIGFPE", 9: "SIGKILL",
                                      11: "SIGSEGV", 13: "SIGPIPE", 15: "SIGTERM", 24: "SIGXCPU", 25: "SIGXFSZ"]
        return names[signal].map { " (\($0))" } ?? ""
    }
}
