// The dedup hot loops: xxHash64 over bytes, word-shingle hashing and the MinHash minimum update.
//
// This is the only Dedup file that uses unsafe pointers. Every function here has a plain twin in
// `DedupReference.swift`, and `DedupKernelTests` checks that both give identical results on random inputs.

/// Unsafe-pointer versions of the dedup hot loops (see `DedupReference` for the plain versions).
enum DedupKernels {
    static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always)
    static func rotl(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        (value << bits) | (value >> (64 - bits))
    }

    @inline(__always)
    static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotl(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always)
    static func mergeRound(_ accumulator: UInt64, _ value: UInt64) -> UInt64 {
        (accumulator ^ round(0, value)) &* prime1 &+ prime4
    }

    @inline(__always)
    static func avalanche(_ value: UInt64) -> UInt64 {
        var hash = value
        hash ^= hash >> 33
        hash = hash &* prime2
        hash ^= hash >> 29
        hash = hash &* prime3
        hash ^= hash >> 32
        return hash
    }

    @inline(__always)
    static func load64(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    @inline(__always)
    static func load32(_ base: UnsafeRawPointer, _ offset: Int) -> UInt64 {
        UInt64(UInt32(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// xxHash64 (the published algorithm, bit for bit) of `count` bytes at `base`.
    static func xxh64(_ base: UnsafeRawPointer, count: Int, seed: UInt64) -> UInt64 {
        var offset = 0
        var hash: UInt64
        if count >= 32 {
            var v1 = seed &+ prime1 &+ prime2
            var v2 = seed &+ prime2
            var v3 = seed
            var v4 = seed &- prime1
            let limit = count - 32
            while offset <= limit {
                v1 = round(v1, load64(base, offset))
                v2 = round(v2, load64(base, offset + 8))
                v3 = round(v3, load64(base, offset + 16))
                v4 = round(v4, load64(base, offset + 24))
                offset += 32
            }
            hash = rotl(v1, 1) &+ rotl(v2, 7) &+ rotl(v3, 12) &+ rotl(v4, 18)
            hash = mergeRound(hash, v1)
            hash = mergeRound(hash, v2)
            hash = mergeRound(hash, v3)
            hash = mergeRound(hash, v4)
        } else {
            hash = seed &+ prime5
        }
        hash = hash &+ UInt64(count)
        while offset + 8 <= count {
            hash ^= round(0, load64(base, offset))
            hash = rotl(hash, 27) &* prime1 &+ prime4
            offset += 8
        }
        if offset + 4 <= count {
            hash ^= load32(base, offset) &* prime1
            hash = rotl(hash, 23) &* prime2 &+ prime3
            offset += 4
        }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        while offset < count {
            hash ^= UInt64(bytes[offset]) &* prime5
            hash = rotl(hash, 11) &* prime1
            offset += 1
        }
        return avalanche(hash)
    }

    /// Multiplier of the polynomial that combines word hashes into shingle hashes (odd, so powers stay odd).
    static let shinglePolynomial: UInt64 = prime1

    /// Hashes every run of `ngram` consecutive words of `bytes` (words separated by single 0x20 bytes, no leading
    /// or trailing space). Each word is hashed once with xxHash64; a shingle's hash is the avalanche of the
    /// polynomial `Σ h(w_j) · P^(n−1−j)` over its words (mod 2^64), updated in O(1) per step as the window rolls.
    /// Text with fewer than `ngram` words (but at least one) yields one shingle of all its words; empty text none.
    static func shingleHashes(_ bytes: UnsafeBufferPointer<UInt8>, ngram: Int, seed: UInt64) -> [UInt64] {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return [] }
        let count = bytes.count
        let raw = UnsafeRawPointer(base)
        var words = [UInt64]()
        words.reserveCapacity(count / 4 + 1)
        var start = 0
        for index in 0..<count where base[index] == 0x20 {
            words.append(xxh64(raw + start, count: index - start, seed: seed))
            start = index + 1
        }
        words.append(xxh64(raw + start, count: count - start, seed: seed))
        let polynomial = shinglePolynomial
        if words.count < ngram {
            var hash: UInt64 = 0
            for word in words { hash = hash &* polynomial &+ word }
            return [avalanche(hash)]
        }
        let shingles = words.count - ngram + 1
        var leading: UInt64 = 1  // P^(n-1)
        for _ in 1..<max(ngram, 1) { leading = leading &* polynomial }
        return words.withUnsafeBufferPointer { word in
            [UInt64](unsafeUninitializedCapacity: shingles) { out, initialized in
                var hash: UInt64 = 0
                for index in 0..<ngram { hash = hash &* polynomial &+ word[index] }
                out[0] = avalanche(hash)
                var first = 1
                while first < shingles {
                    hash = (hash &- word[first - 1] &* leading) &* polynomial &+ word[first + ngram - 1]
                    out[first] = avalanche(hash)
                    first += 1
                }
                initialized = shingles
            }
        }
    }

    /// MinHash signature: for every permutation i, the minimum over the shingle hashes x of
    /// `(a[i] · (x >> 32) + b[i]) mod 2^32`. `biased[i]` is `b[i] ^ 0x8000_0000`: adding the bias turns the unsigned
    /// order into the signed order, so the vector minimum can use signed compares (all SSE2 has).
    ///
    /// Eight permutations share one pass over the hashes (two SIMD4 registers on baseline x86-64), two hashes at
    /// a time with independent minima; leftover permutations (k not a multiple of 8) take a scalar loop.
    static func signature(hashes: UnsafeBufferPointer<UInt64>, multipliers: UnsafeBufferPointer<UInt32>,
                          biased: UnsafeBufferPointer<UInt32>) -> [UInt32] {
        let permutations = multipliers.count
        guard let x = hashes.baseAddress, let a = multipliers.baseAddress, let b = biased.baseAddress,
              hashes.count > 0 else {
            return [UInt32](repeating: .max, count: permutations)
        }
        let count = hashes.count
        return [UInt32](unsafeUninitializedCapacity: permutations) { out, initialized in
            let rawA = UnsafeRawPointer(a)
            let rawB = UnsafeRawPointer(b)
            var group = 0
            while group + 8 <= permutations {
                let multiplier = rawA.loadUnaligned(fromByteOffset: group * 4, as: SIMD8<UInt32>.self)
                let increment = rawB.loadUnaligned(fromByteOffset: group * 4, as: SIMD8<UInt32>.self)
                var m0 = SIMD8<Int32>(repeating: .max)
                var m1 = SIMD8<Int32>(repeating: .max)
                var index = 0
                while index + 2 <= count {
                    let h0 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: x[index] >> 32))
                    let h1 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: x[index + 1] >> 32))
                    m0 = pointwiseMin(m0, SIMD8<Int32>(truncatingIfNeeded: h0 &* multiplier &+ increment))
                    m1 = pointwiseMin(m1, SIMD8<Int32>(truncatingIfNeeded: h1 &* multiplier &+ increment))
                    index += 2
                }
                if index < count {
                    let h0 = SIMD8<UInt32>(repeating: UInt32(truncatingIfNeeded: x[index] >> 32))
                    m0 = pointwiseMin(m0, SIMD8<Int32>(truncatingIfNeeded: h0 &* multiplier &+ increment))
                }
                let minimum = SIMD8<UInt32>(truncatingIfNeeded: pointwiseMin(m0, m1)) ^ 0x8000_0000
                for lane in 0..<8 { out[group + lane] = minimum[lane] }
                group += 8
            }
            while group < permutations {
                let multiplier = a[group]
                let increment = b[group] ^ 0x8000_0000
                var minimum = UInt32.max
                for index in 0..<count {
                    minimum = min(minimum, UInt32(truncatingIfNeeded: x[index] >> 32) &* multiplier &+ increment)
                }
                out[group] = minimum
                group += 1
            }
            initialized = permutations
        }
    }

    /// Character classes of ASCII bytes for `normalizeASCII`.
    static let asciiClasses: [UInt8] = (0..<128).map { code -> UInt8 in
        if (0x09...0x0D).contains(code) || (0x1C...0x20).contains(code) { return 2 }  // whitespace
        if (0x41...0x5A).contains(code) { return 1 }  // upper case
        if Array("!\"#%&'()*,-./:;?@[\\]_{}".utf8).contains(UInt8(code)) { return 3 }  // punctuation (P*)
        return 0
    }

    /// The fast path of `TextNormalizer` for pure-ASCII text (NFKC is the identity on ASCII); nil when the text
    /// has a non-ASCII byte. Must agree with `TextNormalizer.Output.appendASCII`.
    static func normalizeASCII(_ input: UnsafeBufferPointer<UInt8>, foldCase: Bool, stripPunctuation: Bool,
                               collapseWhitespace: Bool) -> [UInt8]? {
        let count = input.count
        guard let source = input.baseAddress, count > 0 else { return [] }
        var sawNonASCII = false
        let result = asciiClasses.withUnsafeBufferPointer { classes in
            [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
                var written = 0
                var pendingSpace = false
                for index in 0..<count {
                    var byte = source[index]
                    if byte >= 0x80 {
                        sawNonASCII = true
                        break
                    }
                    var kind = classes[Int(byte)]
                    if kind == 3 {
                        if stripPunctuation {
                            kind = 2
                            byte = 0x20
                        } else {
                            kind = 0
                        }
                    }
                    if kind == 2 {
                        if collapseWhitespace {
                            pendingSpace = true
                        } else {
                            out[written] = byte
                            written += 1
                        }
                        continue
                    }
                    if kind == 1 && foldCase { byte |= 0x20 }
                    if pendingSpace {
                        if written > 0 {
                            out[written] = 0x20
                            written += 1
                        }
                        pendingSpace = false
                    }
                    out[written] = byte
                    written += 1
                }
                initialized = written
            }
        }
        return sawNonASCII ? nil : result
    }

    // MARK: Array entry points (the rest of Dedup calls these and never touches pointers).

    /// xxHash64 of a byte array.
    static func xxh64(_ bytes: [UInt8], seed: UInt64) -> UInt64 {
        bytes.withUnsafeBytes { raw in
            // An empty array may have no storage; xxHash64 of no bytes is the avalanche of seed + prime5.
            guard let base = raw.baseAddress, raw.count > 0 else { return avalanche(seed &+ prime5) }
            return xxh64(base, count: raw.count, seed: seed)
        }
    }

    /// Shingle hashes of canonical text (see `shingleHashes(_:ngram:seed:)` on a buffer).
    static func shingleHashes(_ bytes: [UInt8], ngram: Int, seed: UInt64) -> [UInt64] {
        bytes.withUnsafeBufferPointer { shingleHashes($0, ngram: ngram, seed: seed) }
    }

    /// MinHash signature of a hash list (see the buffer version).
    static func signature(hashes: [UInt64], multipliers: [UInt32], biased: [UInt32]) -> [UInt32] {
        precondition(multipliers.count == biased.count)
        return hashes.withUnsafeBufferPointer { x in
            multipliers.withUnsafeBufferPointer { a in
                biased.withUnsafeBufferPointer { b in signature(hashes: x, multipliers: a, biased: b) }
            }
        }
    }

    /// ASCII fast path of normalization on a string's UTF-8 (nil when it has non-ASCII bytes).
    static func normalizeASCII(_ text: String, foldCase: Bool, stripPunctuation: Bool,
                               collapseWhitespace: Bool) -> [UInt8]? {
        var text = text
        return text.withUTF8 {
            normalizeASCII($0, foldCase: foldCase, stripPunctuation: stripPunctuation,
                           collapseWhitespace: collapseWhitespace)
        }
    }
}
