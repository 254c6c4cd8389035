import Foundation

/// Locality-sensitive hashing over MinHash signatures: `bands` groups of `rows` values; two texts are candidates
/// when all rows of at least one band agree, which for Jaccard similarity s happens with probability
/// `1 − (1 − s^rows)^bands` (the S-curve `refinery dedup --explain` prints).
public struct LSHParameters: Sendable, Hashable, Codable {
    public let bands: Int
    public let rows: Int

    /// - Throws: a usage error unless both are in 1...1024.
    public init(bands: Int, rows: Int) throws(RefineryError) {
        guard (1...1024).contains(bands), (1...1024).contains(rows) else {
            throw .usage("LSH bands and rows must be in 1...1024 (got \(bands) × \(rows))")
        }
        self.bands = bands
        self.rows = rows
    }

    /// The signature length these settings need.
    public var permutations: Int { bands * rows }

    /// Probability that a pair with Jaccard similarity `similarity` shares at least one band.
    public func catchProbability(similarity: Double) -> Double {
        1 - pow(1 - pow(similarity, Double(rows)), Double(bands))
    }

    /// The similarity at which the catch probability is about 1/2 — roughly (1/b)^(1/r).
    public var approximateThreshold: Double {
        pow(1 / Double(bands), 1 / Double(rows))
    }

    /// One 64-bit key per band: the band's `rows` values mixed with the band index as the seed.
    public func bandKeys(_ signature: MinHashSignature) -> [UInt64] {
        precondition(signature.values.count >= permutations, "signature shorter than bands × rows")
        var keys: [UInt64] = []
        keys.reserveCapacity(bands)
        for band in 0..<bands {
            var key = DedupKernels.prime5 &+ UInt64(band) &* DedupKernels.prime1
            for row in 0..<rows {
                key ^= DedupKernels.round(0, UInt64(signature.values[band * rows + row]))
                key = DedupKernels.rotl(key, 27) &* DedupKernels.prime1 &+ DedupKernels.prime4
            }
            keys.append(DedupKernels.avalanche(key))
        }
        return keys
    }

    /// The catch-rate curve at s = 0.50, 0.55, …, 0.95.
    public func catchRateCurve() -> [(similarity: Double, probability: Double)] {
        (0..<10).map { step in
            let similarity = 0.5 + 0.05 * Double(step)
            return (similarity, catchProbability(similarity: similarity))
        }
    }

    /// A table of the catch-rate curve for people, with the settings and the verification threshold.
    public func explanation(ngram: Int, threshold: Double?) -> String {
        var text = "MinHash LSH: \(bands) bands × \(rows) rows = \(permutations) permutations, "
        text += "word \(ngram)-gram shingles\n"
        text += "P(candidate) = 1 - (1 - s^\(rows))^\(bands); about 50% at s ≈ "
        text += String(format: "%.3f", approximateThreshold) + "\n"
        if let threshold {
            text += "candidates are kept as duplicates only if exact Jaccard ≥ \(String(format: "%.2f", threshold))\n"
        }
        text += "  similarity  catch rate\n"
        for point in catchRateCurve() {
            text += String(format: "  %10.2f  %9.4f\n", point.similarity, point.probability)
        }
        return text
    }
}

extension MinHashConfig {
    /// A checked configuration: ngram in 1...1024, bands and rows in 1...1024, threshold in [0, 1].
    public static func validated(ngram: Int, bands: Int, rows: Int,
                                 threshold: Double) throws(RefineryError) -> MinHashConfig {
        let config = MinHashConfig(ngram: ngram, bands: bands, rows: rows, threshold: threshold)
        try config.validate()
        return config
    }

    /// Throws a usage error naming the bad setting.
    public func validate() throws(RefineryError) {
        _ = try LSHParameters(bands: bands, rows: rows)
        guard (1...1024).contains(ngram) else { throw .usage("--ngram must be in 1...1024 (got \(ngram))") }
        guard threshold >= 0, threshold <= 1 else {
            throw .usage("--threshold must be in [0, 1] (got \(threshold))")
        }
    }

    /// The LSH settings (assumes a validated configuration).
    public func lshParameters() throws(RefineryError) -> LSHParameters {
        try LSHParameters(bands: bands, rows: rows)
    }

    /// A MinHasher with `bands × rows` permutations and this n-gram size.
    public func minHasher(normalization: TextNormalization = .standard) throws(RefineryError) -> MinHasher {
        try MinHasher(ngram: ngram, permutations: bands * rows, normalization: normalization)
    }
}

extension BenchmarkSource {
    /// A benchmark file and the field (or comma-separated fields, dotted paths allowed) holding its items' text.
    public static func file(_ path: String, field: String) -> BenchmarkSource {
        BenchmarkSource(path: path, field: field)
    }
}
