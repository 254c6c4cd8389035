import Foundation

/// One completion request: a rendered prompt, sampling settings and the derived sampling seed.
public struct GenerationRequest: Sendable, Hashable {
    public var prompt: String
    public var sampling: SamplingConfig
    public var seed: UInt64

    public init(prompt: String, sampling: SamplingConfig, seed: UInt64) {
        self.prompt = prompt
        self.sampling = sampling
        self.seed = seed
    }
}

/// Why a completion ended.
public enum FinishReason: String, Sendable, Codable {
    /// The model emitted its end-of-sequence token.
    case eos
    /// A stop string appeared.
    case stop
    /// `max_tokens` was reached.
    case length
}

public struct GenerationOutput: Sendable, Hashable {
    public var text: String
    public var finishReason: FinishReason
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double

    public init(text: String, finishReason: FinishReason, promptTokens: Int, completionTokens: Int, seconds: Double) {
        self.text = text
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.seconds = seconds
    }
}

/// A request the backend cannot serve (e.g. a prompt longer than the model's context): the sample is rejected
/// with `generate:<reason>` and the run goes on.
public struct GenerationRefusal: Error, Sendable, CustomStringConvertible {
    public var reason: String
    public var detail: String

    public init(reason: String, detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason): \(detail)" }
}

/// Produces completions. Implementations batch concurrent calls themselves (the local runtime decodes all
/// in-flight requests together), so callers simply issue many requests at once.
///
/// The same request (prompt, sampling, seed) must produce the same text every time: resume relies on it.
public protocol Generator: Sendable {
    /// `<model name>@<sha256 prefix>`, recorded with every sample.
    var identity: String { get }
    func generate(_ request: GenerationRequest) async throws -> GenerationOutput
}

/// Reads token probabilities from a model, for model judges.
public protocol ScoringModel: Sendable {
    var identity: String { get }
    /// Natural-log probability of each token of `continuation` given `prompt` (teacher-forced).
    func tokenLogProbabilities(prompt: String, continuation: String) async throws -> [Double]
    /// Natural-log probability of each candidate continuation as a whole, given `prompt`.
    func sequenceLogProbabilities(prompt: String, candidates: [String]) async throws -> [Double]
}

/// What a pipeline generates and judges with.
public struct PipelineBackend: Sendable {
    public var generator: any Generator
    public var scorer: (any ScoringModel)?
    /// Requests kept in flight at once; enough to keep the model's batch full while other samples are judged.
    public var concurrency: Int

    public init(generator: any Generator, scorer: (any ScoringModel)?, concurrency: Int) {
        self.generator = generator
        self.scorer = scorer
        self.concurrency = concurrency
    }
}
