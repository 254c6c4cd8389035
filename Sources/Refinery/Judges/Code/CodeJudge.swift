/// The code judge's verdict on one sample, as stored in the ledger.
public struct CodeJudgment: Sendable, Equatable {
    public var passed: Bool
    /// Stable reason code: `passed`, `assertion_failed`, `syntax_error`, `runtime_error`, `timeout`,
    /// `memory_limit`, `output_limit`, `process_limit`, `file_size_limit`, `too_few_tests`, `exited_early`,
    /// `crashed` or `parse_failed`.
    public var reason: String
    /// One line that a repair prompt can quote verbatim, e.g. `assert total([1, 2]) == 3 failed (got 4)`.
    public var detail: String
    public var seconds: Double
    public var peakMemoryBytes: Int
    /// Test assertions found, and how many of them completed.
    public var assertionCount: Int
    public var assertionsRun: Int
    public var judgeVersion: String

    public init(passed: Bool, reason: String, detail: String, seconds: Double = 0, peakMemoryBytes: Int = 0,
                assertionCount: Int = 0, assertionsRun: Int = 0, judgeVersion: String = CodeJudge.version) {
        self.passed = passed
        self.reason = reason
        self.detail = detail
        self.seconds = seconds
        self.peakMemoryBytes = peakMemoryBytes
        self.assertionCount = assertionCount
        self.assertionsRun = assertionsRun
        self.judgeVersion = judgeVersion
    }

    /// The judgment of a finished run.
    public init(_ result: CodeRunResult) {
        self.init(passed: result.passed, reason: result.outcome.reason, detail: result.detail,
                  seconds: result.seconds, peakMemoryBytes: result.peakMemoryBytes,
                  assertionCount: result.assertionCount, assertionsRun: result.assertionsRun)
    }
}

/// The `code_tests` judge (DESIGN.md §8): parses a code completion and runs solution + tests in the sandbox.
public struct CodeJudge: Sendable {
    /// Judge name in pipeline files and the ledger.
    public static let name = "code_tests"
    /// Changes whenever a verdict could change for the same input (harness, counting rules, reason codes).
    public static let version = "code_tests/1"

    public let pool: CodeSandboxPool
    public var limits: CodeSandboxLimits
    /// Programs with fewer test assertions do not pass (`too_few_tests`).
    public var minimumAssertions: Int

    public init(pool: CodeSandboxPool, limits: CodeSandboxLimits = CodeSandboxLimits(), minimumAssertions: Int = 3) {
        self.pool = pool
        self.limits = limits
        self.minimumAssertions = minimumAssertions
    }

    /// Judges a completion of `code/generate.mustache` (task, solution block, tests block).
    public func judge(completion: String) async throws(CodeSandboxError) -> CodeJudgment {
        let parsed: CodeCompletion
        do {
            parsed = try CodeCompletion.parse(completion)
        } catch {
            return CodeJudgment(passed: false, reason: "parse_failed", detail: "\(error)")
        }
        return try await judge(solution: parsed.solution, tests: parsed.tests)
    }

    /// Judges a solution against a tests block (solve and repair prompts reuse the generated tests).
    public func judge(solution: String, tests: String) async throws(CodeSandboxError) -> CodeJudgment {
        let program = CodeProgram(solution: solution, tests: tests)
        return try await judge(program, assertionsFound: CodePythonScanner(tests).assertionCount)
    }

    /// Judges a whole program whose tests are its module-level asserts.
    public func judge(program: String) async throws(CodeSandboxError) -> CodeJudgment {
        try await judge(CodeProgram(source: program), assertionsFound: CodePythonScanner(program).assertionCount)
    }

    private func judge(_ program: CodeProgram, assertionsFound: Int) async throws(CodeSandboxError) -> CodeJudgment {
        if let rejection = Self.precheck(assertionsFound: assertionsFound, minimum: minimumAssertions) {
            return rejection
        }
        return CodeJudgment(try await pool.run(program, limits: limits, minimumAssertions: minimumAssertions))
    }

    /// Rejects without starting a sandbox when even the lexical count of `assert` statements (an upper bound of
    /// what the harness counts) is below the minimum.
    public static func precheck(assertionsFound: Int, minimum: Int) -> CodeJudgment? {
        guard assertionsFound < minimum else { return nil }
        let plural = assertionsFound == 1 ? "" : "s"
        return CodeJudgment(
            passed: false, reason: CodeRunErrorKind.tooFewTests.rawValue,
            detail: "found \(assertionsFound) test assertion\(plural), at least \(minimum) required",
            assertionCount: assertionsFound)
    }
}
