import Foundation

/// Pipeline glue for the code judge (Judges/Code): the `code_tests` judge and the code completion parser.
public struct CodeTestsJudge: SampleJudge {
    public let name = CodeJudge.name
    public let version = CodeJudge.version
    private let judge: CodeJudge

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

/// Splits a code completion (Prompts/README.md) into problem, solution and tests.
public struct CodeCompletionParser: CompletionParser {
    public init() {}

    public func parse(_ completion: String) -> Result<ParsedFields, ParseFailure> {
        let parsed = Result { () throws(CodeCompletionParseError) -> CodeCompletion in try CodeCompletion.parse(completion) }
        switch parsed {
        case .success(let code):
            return .success(ParsedFields(problem: code.task, solution: code.solution, tests: code.tests))
        case .failure(let error):
            return .failure(ParseFailure(reason: error.reason.rawValue, detail: error.detail))
        }
    }
}
