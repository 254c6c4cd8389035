import Foundation

/// Everything a judge may look at for one sample.
public struct JudgeInput: Sendable {
    public var task: TaskConfig
    public var seed: SeedRecord
    /// The rendered generation prompt.
    public var prompt: String
    /// The raw completion.
    public var completion: String
    public var fields: ParsedFields

    public init(task: TaskConfig, seed: SeedRecord, prompt: String, completion: String, fields: ParsedFields) {
        self.task = task
        self.seed = seed
        self.prompt = prompt
        self.completion = completion
        self.fields = fields
    }
}

/// Maps a sample to pass/fail, an optional score and a reason code.
public protocol SampleJudge: Sendable {
    var name: String { get }
    var version: String { get }
    func judge(_ input: JudgeInput) async throws -> Judgment
}

/// Why a completion could not be split into its fields.
public struct ParseFailure: Error, Sendable, Hashable {
    /// A stable reason code, e.g. `missing_solution`.
    public var reason: String
    public var detail: String

    public init(reason: String, detail: String) {
        self.reason = reason
        self.detail = detail
    }
}

/// Splits a model completion into problem, solution, answer and tests.
public protocol CompletionParser: Sendable {
    func parse(_ completion: String) -> Result<ParsedFields, ParseFailure>
}
