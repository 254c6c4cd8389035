import Foundation

/// MinHash signatures over word n-gram shingles of normalized text.
///
/// Hash family: each shingle (its normalized UTF-8 bytes, words joined by single spaces) is hashed once with
/// xxHash64; permutation i maps the top 32 bits x of that hash to `(a_i · x + b_i) mod 2^32`, with a random odd
/// `a_i` and random `b_i` drawn from SplitMix64(seed). With `a_i` odd this is a bijection of the 32-bit values, and
/// because x is already a well-mixed hash (no structure left for the multiply to preserve) the minimum falls on each
/// shingle with near-uniform probability; `MinHashTests` checks that estimated Jaccard similarities of pairs with
/// known similarity are unbiased with the binomial spread √(J(1−J)/k). Why this family: one multiply, one add and
/// one compare per shingle and permutation, eight permutations per SIMD step even on baseline x86-64 (SSE2), about
/// 2× the scalar 64-bit multiply-add and over 10× the `(a·x + b) mod (2^61 − 1)` family, whose 128-bit products and
/// reductions dominate the loop. 32-bit values are what datasketch keeps too; two distinct shingles of a pair share
/// a 32-bit key with probability ~|A∪B|²/2^33, far below the estimator's own noise.
///
/// Shingles: runs of `ngram` consecutive words; a text with fewer words than `ngram` is one shingle of all of its
/// words; a text with no words has no shingles and an empty signature (all values `UInt32.max`).
public struct MinHasher: Sendable, Hashable {
    public let ngram: Int
    public let permutations: Int
    public let normalization: TextNormalization
    public let seed: UInt64
    let multipliers: [UInt32]
    let increments: [UInt32]
    /// `increments[i] ^ 0x8000_0000`, the form the SIMD kernel takes.
    let biasedIncrements: [UInt32]

    /// Seed of the shingle hash; fixed so shingle sets are comparable across runs and settings.
    static let shingleSeed: UInt64 = 0x5368_696E_676C_6531  // "Shingle1"
    public static let defaultSeed: UInt64 = 0x4D69_6E48_6173_6831  // "MinHash1"

    /// - Throws: a usage error when `ngram` or `permutations` is below 1 (or absurdly large).
    public init(ngram: Int = 5, permutations: Int = 112, normalization: TextNormalization = .standard,
                seed: UInt64 = MinHasher.defaultSeed) throws(RefineryError) {
        guard (1...1024).contains(ngram) else {
            throw .usage("MinHash n-gram size must be in 1...1024 (got \(ngram))")
        }
        guard (1...65536).contains(permutations) else {
            throw .usage("MinHash permutations must be in 1...65536 (got \(permutations))")
        }
        self.ngram = ngram
        self.permutations = permutations
        self.normalization = normalization.union(.collapseWhitespace)
        self.seed = seed
        var generator = SplitMix64(seed: seed)
        var multipliers: [UInt32] = []
        var increments: [UInt32] = []
        for _ in 0..<permutations {
            let draw = generator.next()
            multipliers.append(UInt32(truncatingIfNeeded: draw >> 32) | 1)
            increments.append(UInt32(truncatingIfNeeded: draw))
        }
        self.multipliers = multipliers
        self.increments = increments
        biasedIncrements = increments.map { $0 ^ 0x8000_0000 }
    }

    /// Normalized text as canonical UTF-8 (words separated by single spaces).
    func canonicalBytes(_ text: String) -> [UInt8] {
        TextNormalizer.normalizedBytes(text, normalization)
    }

    /// Shingle hashes in text order, repeats included (what the signature needs).
    func shingleHashes(canonical bytes: [UInt8]) -> [UInt64] {
        DedupKernels.shingleHashes(bytes, ngram: ngram, seed: Self.shingleSeed)
    }

    /// The set of shingle hashes, sorted and distinct (for exact Jaccard).
    public func shingles(of text: String) -> [UInt64] {
        Self.sortedSet(shingleHashes(canonical: canonicalBytes(text)))
    }

    /// The MinHash signature of a text.
    public func signature(of text: String) -> MinHashSignature {
        signature(hashes: shingleHashes(canonical: canonicalBytes(text)))
    }

    /// The signature of precomputed shingle hashes (a set or a list with repeats give the same signature).
    public func signature(hashes: [UInt64]) -> MinHashSignature {
        if hashes.isEmpty {
            return MinHashSignature(values: [UInt32](repeating: .max, count: permutations), isEmpty: true)
        }
        let values = DedupKernels.signature(hashes: hashes, multipliers: multipliers, biased: biasedIncrements)
        return MinHashSignature(values: values, isEmpty: false)
    }

    /// Both the signature and (when `keepShingles`) the sorted shingle set, normalizing the text once.
    func sketch(of text: String, keepShingles: Bool) -> (signature: MinHashSignature, shingles: [UInt64]?) {
        let hashes = shingleHashes(canonical: canonicalBytes(text))
        return (signature(hashes: hashes), keepShingles ? Self.sortedSet(hashes) : nil)
    }

    static func sortedSet(_ hashes: [UInt64]) -> [UInt64] {
        var sorted = hashes.sorted()
        var write = 0
        for read in sorted.indices where read == 0 || sorted[read] != sorted[read - 1] {
            sorted[write] = sorted[read]
            write += 1
        }
        sorted.removeLast(sorted.count - write)
        return sorted
    }
}

/// A MinHash signature: per permutation, the minimum permuted shingle hash.
public struct MinHashSignature: Sendable, Hashable {
    public var values: [UInt32]
    /// True for a text without words; empty signatures are never near-duplicate candidates.
    public var isEmpty: Bool

    public init(values: [UInt32], isEmpty: Bool) {
        self.values = values
        self.isEmpty = isEmpty
    }

    /// The fraction of agreeing permutations: an unbiased estimate of the Jaccard similarity of the shingle sets.
    public func estimatedJaccard(_ other: MinHashSignature) -> Double {
        guard values.count == other.values.count, !values.isEmpty, !isEmpty, !other.isEmpty else { return 0 }
        var equal = 0
        for index in values.indices where values[index] == other.values[index] { equal += 1 }
        return Double(equal) / Double(values.count)
    }
}

/// Exact Jaccard similarity of shingle sets.
public enum Jaccard {
    /// |A ∩ B| / |A ∪ B| of two sorted, distinct arrays; 0 when both are empty.
    public static func similarity(_ lhs: [UInt64], _ rhs: [UInt64]) -> Double {
        if lhs.isEmpty && rhs.isEmpty { return 0 }
        var i = 0
        var j = 0
        var common = 0
        while i < lhs.count && j < rhs.count {
            if lhs[i] == rhs[j] {
                common += 1
                i += 1
                j += 1
            } else if lhs[i] < rhs[j] {
                i += 1
            } else {
                j += 1
            }
        }
        return Double(common) / Double(lhs.count + rhs.count - common)
    }
}

/// SplitMix64: a small deterministic generator for hash parameters and synthetic data (not for security).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public var state: UInt64

    public init(seed: UInt64) {
        state = seed
    }

    public mutating func next() -> UInt64 {
        state = state &+ 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
