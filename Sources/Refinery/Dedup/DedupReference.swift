/// Plain (bounds-checked, pointer-free) twins of `DedupKernels`, kept for the comparison tests: they define what
/// the kernels must compute.
enum DedupReference {
    static func rotl(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        (value << bits) | (value >> (64 - bits))
    }

    static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotl(accumulator &+ input &* DedupKernels.prime2, 31) &* DedupKernels.prime1
    }

    /// Little-endian integer of `width` bytes starting at `offset`.
    static func load(_ bytes: [UInt8], _ offset: Int, width: Int) -> UInt64 {
        var value: UInt64 = 0
        for index in stride(from: width - 1, through: 0, by: -1) {
            value = value << 8 | UInt64(bytes[offset + index])
        }
        return value
    }

    /// xxHash64 of `bytes`.
    static func xxh64(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        let p1 = DedupKernels.prime1, p2 = DedupKernels.prime2, p3 = DedupKernels.prime3
        let p4 = DedupKernels.prime4, p5 = DedupKernels.prime5
        let count = bytes.count
        var offset = 0
        var hash: UInt64
        if count >= 32 {
            var lanes = [seed &+ p1 &+ p2, seed &+ p2, seed, seed &- p1]
            while offset + 32 <= count {
                for lane in 0..<4 {
                    lanes[lane] = round(lanes[lane], load(bytes, offset + 8 * lane, width: 8))
                }
                offset += 32
            }
            hash = rotl(lanes[0], 1) &+ rotl(lanes[1], 7) &+ rotl(lanes[2], 12) &+ rotl(lanes[3], 18)
            for lane in lanes {
                hash = (hash ^ round(0, lane)) &* p1 &+ p4
            }
        } else {
            hash = seed &+ p5
        }
        hash = hash &+ UInt64(count)
        while offset + 8 <= count {
            hash ^= round(0, load(bytes, offset, width: 8))
            hash = rotl(hash, 27) &* p1 &+ p4
            offset += 8
        }
        if offset + 4 <= count {
            hash ^= load(bytes, offset, width: 4) &* p1
            hash = rotl(hash, 23) &* p2 &+ p3
            offset += 4
        }
        while offset < count {
            hash ^= UInt64(bytes[offset]) &* p5
            hash = rotl(hash, 11) &* p1
            offset += 1
        }
        return avalanche(hash)
    }

    /// Word n-gram shingle hashes of canonical text (words separated by single spaces), each computed from
    /// scratch: the avalanche of `Σ xxh64(word_j) · P^(n−1−j)`.
    static func shingleHashes(_ bytes: [UInt8], ngram: Int, seed: UInt64) -> [UInt64] {
        if bytes.isEmpty { return [] }
        let words = bytes.split(separator: 0x20, omittingEmptySubsequences: false).map { xxh64(Array($0), seed: seed) }
        func combine(_ slice: ArraySlice<UInt64>) -> UInt64 {
            var hash: UInt64 = 0
            for word in slice { hash = hash &* DedupKernels.shinglePolynomial &+ word }
            return avalanche(hash)
        }
        if words.count < ngram { return [combine(words[...])] }
        return (0...(words.count - ngram)).map { combine(words[$0..<($0 + ngram)]) }
    }

    static func avalanche(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash = hash &* DedupKernels.prime2
        hash ^= hash >> 29
        hash = hash &* DedupKernels.prime3
        hash ^= hash >> 32
        return hash
    }

    /// MinHash signature: per permutation the minimum of `(a · (x >> 32) + b) mod 2^32`, unsigned.
    static func signature(hashes: [UInt64], multipliers: [UInt32], increments: [UInt32]) -> [UInt32] {
        multipliers.indices.map { permutation in
            var minimum = UInt32.max
            for hash in hashes {
                let value = UInt32(hash >> 32) &* multipliers[permutation] &+ increments[permutation]
                if value < minimum { minimum = value }
            }
            return minimum
        }
    }
}
