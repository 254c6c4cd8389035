import Foundation

/// Continuous batching over one model for many concurrent callers.
///
/// A dedicated thread runs the step loop: between steps it admits waiting requests (while sequence slots and KV
/// pages are free), then builds one forward batch from every decoding sequence's next token plus prompt chunks of
/// prefilling sequences (up to `maxBatchTokens`), samples, finishes requests and frees their cache pages. Kernels
/// run on a persistent worker pool of `threads` threads (the step thread included).
///
/// A request's result depends only on its own prompt and parameters (seed): each token's computation is independent
/// of the other sequences in the batch and of the thread count, and each request samples with its own generator.
public final class InferenceEngine: Sendable {
    private let core: EngineCore

    /// - Parameters:
    ///   - threads: kernel threads in total (the step loop's thread included).
    ///   - maxBatchTokens: most tokens in one forward step (decode tokens plus prefill chunks).
    ///   - maxSequences: most sequences in flight at once.
    ///   - cacheTokens: KV cache capacity in positions over all sequences (default: maxSequences × context).
    ///   - activations: `.int8` (default) multiplies quantised weights with 8-bit activations, the fast path;
    ///     `.float` is the exact path the correctness tests use.
    ///   - kvCache: `.float16` (default) stores keys and values in half precision, half the memory and the bytes
    ///     attention reads; `.float32` stores them exactly (with `.float` activations: the exact path).
    public init(model: any LanguageModel, threads: Int = 2, maxBatchTokens: Int = 512, maxSequences: Int = 16,
                cacheTokens: Int? = nil, activations: ActivationPrecision = .int8,
                kvCache: KVCachePrecision = .float16) {
        let sequences = max(1, maxSequences)
        let capacity = cacheTokens ?? sequences * model.contextLength
        core = EngineCore(model: model, threads: max(1, threads), maxBatchTokens: max(maxBatchTokens, sequences),
                          maxSequences: sequences, cacheTokens: max(capacity, 1), activations: activations,
                          kvCache: kvCache)
    }

    deinit {
        core.shutdown()
    }

    /// Generates from `prompt`, joining the running batch; returns when the request finishes. `shouldStop` sees the
    /// generated tokens after each step and can end generation (e.g. when a stop string appears in their text); it
    /// runs on one of the engine's kernel threads, next to other requests' calls.
    public func generate(prompt: [Int32], parameters: SamplingParameters,
                         shouldStop: (@Sendable ([Int32]) -> Bool)? = nil) async throws -> GenerationResult {
        if parameters.maxTokens <= 0 && !prompt.isEmpty {
            return GenerationResult(tokens: [], finishReason: .length, promptTokens: prompt.count, promptSeconds: 0,
                                    decodeSeconds: 0)
        }
        let output = try await core.submit(EngineRequest(kind: .generate(parameters, shouldStop: shouldStop),
                                                         prompt: prompt, contextLength: core.positionLimit))
        guard case .generation(let result) = output else { throw EngineError.forwardFailed("unexpected output") }
        return result
    }

    /// Log-probability of each token of `continuation` after `prompt` and the continuation tokens before it
    /// (teacher forcing): the likelihood judge's input.
    public func logProbabilities(prompt: [Int32], continuation: [Int32]) async throws -> [Float] {
        guard !continuation.isEmpty else { return [] }
        let output = try await core.submit(EngineRequest(kind: .score(continuation: continuation), prompt: prompt,
                                                         contextLength: core.positionLimit))
        guard case .values(let values) = output else { throw EngineError.forwardFailed("unexpected output") }
        return values
    }

    /// Log-softmax of the next-token distribution after `prompt` (the rubric judge reads score-token probabilities).
    public func nextTokenLogProbabilities(prompt: [Int32]) async throws -> [Float] {
        let output = try await core.submit(EngineRequest(kind: .distribution, prompt: prompt,
                                                         contextLength: core.positionLimit))
        guard case .values(let values) = output else { throw EngineError.forwardFailed("unexpected output") }
        return values
    }

    public var statistics: EngineStatistics { core.currentStatistics() }

    /// Stops the step loop; waiting and running requests fail with `EngineError.shutDown`.
    public func shutdown() { core.shutdown() }
}

/// Log-softmax in double precision.
func logSoftmax<C: Collection>(_ logits: C) -> [Float] where C.Element == Float {
    let maximum = Double(logits.max() ?? 0)
    var sum = 0.0
    for v in logits { sum += Foundation.exp(Double(v) - maximum) }
    let logZ = maximum + Foundation.log(sum)
    return logits.map { Float(Double($0) - logZ) }
}
