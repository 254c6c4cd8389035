import Foundation

/// Pipeline glue for the code judge (Judges/Code): the `code_tests` judge and the code completion parser.
public struct CodeTestsJudge: SampleJudge {
    public let name = CodeJudge.name
    public let version = CodeJudge.version
    private let judge: CodeJudge

    /// The underlying sandboxed judge (shared with difficulty labels).
    public var codeJudge: CodeJudge { judge }

    /// Throws `CodeSandboxError.isolationUnavailable` when bubblewrap cannot isolate here (never runs unsandboxed).
    public init(timeoutSeconds: Double, minTests: Int, memoryMegabytes: Int) throws {
        let limits = CodeSandboxLimits(wallSeconds: timeoutSeconds, memoryBytes: memoryMegabytes << 20)
        judge = CodeJudge(pool: try CodeSandboxPool.shared(), limits: limits, minimumAssertions: minTests)
    }

    public func judge(_ input: JudgeInput) async throws -> Judgment {
        let verdict = try await judge.judge(solution: input.fields.solution, tests: input.fields.tests)
        return Judgment(judge: name, version: version, passed: verdict.passed, reason: verdict.reason,
                        detail: verdict.detail, seconds: verdict.seconds)
    }
}

/// Code completions for the pipeline: task, solution and tests blocks; a fresh solution solves a sample when it
/// passes the sample's own tests in the sandbox.
public struct CodeTaskSupport: TaskSupport {
    private let judge: CodeJudge?

    /// `judge` runs difficulty solves; nil when the pipeline labels no difficulty (no sandbox needed then).
    public init(judge: CodeJudge?) {
        self.judge = judge
    }

    public func parseCompletion(_ text: String) -> Result<ParsedFields, ParseFailure> {
        let parsed = Result { () throws(CodeCompletionParseError) -> CodeCompletion in try CodeCompletion.parse(text) }
        switch parsed {
        case .success(let code):
            return .success(ParsedFields(problem: code.task, solution: code.solution, tests: code.tests))
        case .failure(let error):
            return .failure(ParseFailure(reason: error.reason.rawValue, detail: error.detail))
        }
    }

    public func parseSolution(_ text: String, for problem: ParsedFields) -> Result<ParsedFields, ParseFailure> {
        let parsed = Result { () throws(CodeCompletionParseError) -> CodeSolutionBlock in try CodeSolutionBlock.parse(text) }
        switch parsed {
        case .success(let block):
            return .success(ParsedFields(problem: problem.problem, solution: block.code, tests: problem.tests))
        case .failure(let error):
            return .failure(ParseFailure(reason: error.reason.rawValue, detail: error.detail))
        }
    }

    public func solves(_ attempt: ParsedFields, reference: ParsedFields) async throws -> Bool {
        guard let judge else { throw RefineryError.internal("code difficulty labels need the sandbox") }
        return try await judge.judge(solution: attempt.solution, tests: reference.tests).passed
    }
}
