/// The outcome of one generation request.
public struct GenerationResult: Sendable, Hashable {
    public enum FinishReason: String, Sendable, Hashable, Codable {
        /// A stop token (EOS) was sampled; it is not in `tokens`.
        case eos
        /// The caller's `shouldStop` returned true (e.g. a stop string appeared in the decoded text).
        case stop
        /// `maxTokens` reached, or the context is full.
        case length
    }

    public var tokens: [Int32]
    public var finishReason: FinishReason
    public var promptTokens: Int
    /// From admission to the first sampled token (prefill).
    public var promptSeconds: Double
    /// From the first sampled token to the end.
    public var decodeSeconds: Double

    public init(tokens: [Int32], finishReason: FinishReason, promptTokens: Int, promptSeconds: Double,
                decodeSeconds: Double) {
        self.tokens = tokens
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.promptSeconds = promptSeconds
        self.decodeSeconds = decodeSeconds
    }
}

public enum EngineError: Error, Sendable, Equatable, CustomStringConvertible {
    case emptyPrompt
    /// The request needs more positions than the context or the whole KV cache holds.
    case tooLong(positions: Int, limit: Int)
    case tokenOutOfRange(token: Int32, vocabularySize: Int)
    case shutDown
    /// A forward step failed (the message of the underlying error).
    case forwardFailed(String)

    public var description: String {
        switch self {
        case .emptyPrompt: return "the prompt is empty"
        case .tooLong(let positions, let limit): return "request needs \(positions) positions, at most \(limit) fit"
        case .tokenOutOfRange(let token, let size): return "token \(token) outside the vocabulary (0..<\(size))"
        case .shutDown: return "the engine has shut down"
        case .forwardFailed(let message): return "forward step failed: \(message)"
        }
    }
}

/// Counters of an engine since it started.
public struct EngineStatistics: Sendable, Hashable {
    public var steps = 0
    public var promptTokens = 0
    public var generatedTokens = 0
    public var forwardSeconds = 0.0
    /// Largest number of sequences processed in one step.
    public var maxSequencesInStep = 0
    /// Bytes of KV cache pages allocated after the last step (pages of finished sequences stay, for reuse).
    public var kvCacheBytes = 0
}
