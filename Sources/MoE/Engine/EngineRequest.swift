import Foundation

/// One request inside the engine. Fields marked "engine thread" are only touched by the step loop; `cancelled` and
/// `continuation` are guarded by the engine's lock.
final class EngineRequest: @unchecked Sendable {
    enum Kind {
        case generate(SamplingParameters, shouldStop: (@Sendable ([Int32]) -> Bool)?)
        /// Log-probabilities of each continuation token (teacher forcing).
        case score(continuation: [Int32])
        /// Log-softmax of the next-token distribution after the prompt.
        case distribution
    }

    enum Output {
        case generation(GenerationResult)
        case values([Float])
    }

    let kind: Kind
    let prompt: [Int32]
    /// Tokens fed through the model before any sampling: the prompt, plus the continuation (but its last token)
    /// when scoring.
    let inputs: [Int32]
    /// Positions the cache must hold for the whole request.
    let positions: Int

    // Guarded by the engine lock.
    var cancelled = false
    var continuation: CheckedContinuation<Output, Error>?

    // Engine thread.
    var slot: Int?
    var fed = 0
    var generated: [Int32] = []
    var sampler: Sampler?
    var scores: [Float] = []
    var admittedAt = Date()
    var firstTokenAt: Date?

    init(kind: Kind, prompt: [Int32], contextLength: Int) {
        self.kind = kind
        self.prompt = prompt
        switch kind {
        case .generate(let parameters, _):
            inputs = prompt
            positions = min(prompt.count + max(parameters.maxTokens, 0), max(contextLength, prompt.count))
            sampler = Sampler(parameters: parameters)
        case .score(let continuation):
            inputs = prompt + continuation.dropLast()
            positions = inputs.count
        case .distribution:
            inputs = prompt
            positions = prompt.count
        }
    }

    var isPrefilling: Bool { fed < inputs.count }

    var isGenerate: Bool {
        if case .generate = kind { return true }
        return false
    }

    /// Indices (into the chunk [fed, fed + count)) whose logits this request needs.
    func logitIndices(chunkStart: Int, count: Int) -> [Int] {
        switch kind {
        case .generate, .distribution:
            return chunkStart + count == inputs.count ? [count - 1] : []
        case .score:
            let first = prompt.count - 1
            return (0..<count).filter { chunkStart + $0 >= first }
        }
    }
}
