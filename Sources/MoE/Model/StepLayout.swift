/// A forward batch flattened into per-token arrays and checked against the cache: every entry's slot exists, its
/// tokens continue the sequence where the cache ends, and it stays within the context length.
struct StepLayout {
    /// Flattened tokens, entry by entry.
    var tokens: [Int32] = []
    var positions: [Int] = []
    var slots: [Int] = []
    /// Flattened indices of the tokens whose logits are returned, in output order.
    var outputTokens: [Int] = []
    /// (slot, length after this step) per entry.
    var newLengths: [(slot: Int, length: Int)] = []
    /// Largest position + 1 of any token.
    var maxContext = 0

    init(batch: ForwardBatch, cache: KVCache, vocabularySize: Int, contextLength: Int) throws {
        var seen = Set<Int>()
        for (entryIndex, entry) in batch.entries.enumerated() {
            guard seen.insert(entry.slot).inserted else {
                throw ModelError.invalidBatch("slot \(entry.slot) appears twice")
            }
            guard let start = cache.length(of: entry.slot) else {
                throw ModelError.invalidBatch("entry \(entryIndex): unknown cache slot \(entry.slot)")
            }
            guard !entry.tokens.isEmpty else { throw ModelError.invalidBatch("entry \(entryIndex) has no tokens") }
            let end = start + entry.tokens.count
            guard end <= min(contextLength, cache.maxPositions) else {
                throw ModelError.invalidBatch("entry \(entryIndex): \(end) positions exceed the context length "
                                              + "\(min(contextLength, cache.maxPositions))")
            }
            let first = tokens.count
            for (i, token) in entry.tokens.enumerated() {
                guard token >= 0, Int(token) < vocabularySize else {
                    throw ModelError.tokenOutOfRange(token: token, vocabularySize: vocabularySize)
                }
                tokens.append(token)
                positions.append(start + i)
                slots.append(entry.slot)
            }
            for index in entry.logitIndices {
                guard index >= 0, index < entry.tokens.count else {
                    throw ModelError.invalidBatch("entry \(entryIndex): logit index \(index) out of range")
                }
                outputTokens.append(first + index)
            }
            newLengths.append((entry.slot, end))
            maxContext = max(maxContext, end)
        }
    }

    /// Reserves cache pages for every entry (no-op when the engine already reserved them).
    func reserve(in cache: KVCache) throws {
        for (slot, length) in newLengths where cache.capacity(of: slot) < length {
            try cache.reserve(slot, positions: length)
        }
    }

    func commit(to cache: KVCache) {
        for (slot, length) in newLengths { cache.setLength(slot, length) }
    }
}
