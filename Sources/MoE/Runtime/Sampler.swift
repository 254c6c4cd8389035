import Foundation

/// How to pick tokens. Temperature 0 is greedy. Filters apply in this order: repetition penalty, temperature,
/// softmax, top-k, top-p, min-p; then one draw from the seeded generator. Everything is deterministic for a given
/// seed: the same logits and history always give the same token.
public struct SamplingParameters: Sendable, Hashable, Codable {
    /// 0 (or less) picks the most likely token (ties to the lower id).
    public var temperature: Float
    /// Keep only the k most likely tokens; 0 disables.
    public var topK: Int
    /// Keep the smallest set of most likely tokens whose probability sums to at least topP; 1 disables.
    public var topP: Float
    /// Drop tokens less likely than minP times the most likely one; 0 disables.
    public var minP: Float
    /// Divide positive (multiply negative) logits of recently seen tokens by this; 1 disables.
    public var repetitionPenalty: Float
    /// How many of the most recent tokens (prompt included) the penalty looks at; 0 means all.
    public var repetitionWindow: Int
    public var seed: UInt64
    /// Most tokens to generate.
    public var maxTokens: Int
    /// Tokens that end generation (EOS); they are not included in the output.
    public var stopTokenIDs: Set<Int32>

    public init(temperature: Float = 1, topK: Int = 0, topP: Float = 1, minP: Float = 0,
                repetitionPenalty: Float = 1, repetitionWindow: Int = 64, seed: UInt64 = 0, maxTokens: Int = 256,
                stopTokenIDs: Set<Int32> = []) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.minP = minP
        self.repetitionPenalty = repetitionPenalty
        self.repetitionWindow = repetitionWindow
        self.seed = seed
        self.maxTokens = maxTokens
        self.stopTokenIDs = stopTokenIDs
    }

    /// Greedy decoding.
    public static func greedy(maxTokens: Int = 256, stopTokenIDs: Set<Int32> = []) -> SamplingParameters {
        SamplingParameters(temperature: 0, maxTokens: maxTokens, stopTokenIDs: stopTokenIDs)
    }
}

/// Samples one token per call with its own seeded generator (one sampler per request).
public struct Sampler: Sendable {
    public let parameters: SamplingParameters
    private var generator: SeededGenerator

    public init(parameters: SamplingParameters) {
        self.parameters = parameters
        self.generator = SeededGenerator(seed: parameters.seed)
    }

    /// Picks the next token from `logits` given the tokens so far (`history`, for the repetition penalty).
    public mutating func sample<C: Collection>(logits: C, history: [Int32]) -> Int32 where C.Element == Float {
        var values = logits.map { $0.isNaN ? -Float.infinity : $0 }
        guard !values.isEmpty else { return 0 }
        applyPenalty(&values, history: history)
        if parameters.temperature <= 0 { return Int32(Self.argmax(values)) }

        let inverseTemperature = 1 / Double(parameters.temperature)
        let maximum = Double(values.max() ?? 0)
        guard maximum.isFinite else { return Int32(Self.argmax(values)) }
        var weights = values.map { exp((Double($0) - maximum) * inverseTemperature) }
        let total = weights.reduce(0, +)
        for i in weights.indices { weights[i] /= total }

        let usesTopK = parameters.topK > 0 && parameters.topK < values.count
        let usesTopP = parameters.topP < 1
        var candidates: [Int]
        if usesTopK || usesTopP {
            candidates = Self.sortedCandidates(weights, topP: parameters.topP, topK: usesTopK ? parameters.topK : 0)
            if usesTopK, candidates.count > parameters.topK {
                candidates.removeLast(candidates.count - parameters.topK)
            }
            if usesTopP {
                // Probabilities renormalised over what top-k kept (the whole distribution without top-k).
                let kept = usesTopK ? candidates.reduce(0) { $0 + weights[$1] } : 1.0
                var cumulative = 0.0, keep = 0
                for index in candidates {
                    cumulative += weights[index] / kept
                    keep += 1
                    if cumulative >= Double(parameters.topP) { break }
                }
                candidates.removeLast(candidates.count - max(keep, 1))
            }
        } else {
            candidates = Array(weights.indices)
        }
        if parameters.minP > 0 {
            let best = candidates.reduce(0.0) { max($0, weights[$1]) }
            let threshold = Double(parameters.minP) * best
            candidates = candidates.filter { weights[$0] >= threshold }
        }
        let mass = candidates.reduce(0) { $0 + weights[$1] }
        let target = generator.nextUnit() * mass
        var cumulative = 0.0
        for index in candidates {
            cumulative += weights[index]
            if target < cumulative { return Int32(index) }
        }
        return Int32(candidates.last(where: { weights[$0] > 0 }) ?? candidates.last ?? 0)
    }

    private func applyPenalty(_ values: inout [Float], history: [Int32]) {
        let penalty = parameters.repetitionPenalty
        guard penalty != 1, penalty > 0, !history.isEmpty else { return }
        let window = parameters.repetitionWindow > 0 ? history.suffix(parameters.repetitionWindow) : history[...]
        for token in Set(window) where token >= 0 && Int(token) < values.count {
            let i = Int(token)
            values[i] = values[i] > 0 ? values[i] / penalty : values[i] * penalty
        }
    }

    /// Index of the largest value; the lowest index wins ties.
    static func argmax(_ values: [Float]) -> Int {
        var best = 0
        for i in values.indices where values[i] > values[best] { best = i }
        return best
    }

    /// Token indices by decreasing probability (ties: lower index first). To avoid sorting the whole vocabulary it
    /// first sorts only tokens above a probability floor, widening the floor until the kept set is certainly a
    /// prefix of the full order that the filters need.
    static func sortedCandidates(_ weights: [Double], topP: Float, topK: Int) -> [Int] {
        let order: (Int, Int) -> Bool = { weights[$0] > weights[$1] || (weights[$0] == weights[$1] && $0 < $1) }
        var floor = 1e-6
        while floor > 1e-300 {
            let kept = weights.indices.filter { weights[$0] >= floor }
            let mass = kept.reduce(0) { $0 + weights[$1] }
            let enoughForK = topK > 0 && kept.count >= topK
            let enoughForP = topP < 1 && mass >= Double(topP)
            if enoughForK || enoughForP { return kept.sorted(by: order) }
            floor *= 1e-6
        }
        return weights.indices.sorted(by: order)
    }
}
