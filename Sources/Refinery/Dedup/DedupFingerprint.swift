import Foundation

/// What dedup does: exact hashing, MinHash LSH, Jaccard verification, and the text normalization both use.
public struct DedupSettings: Sendable, Hashable, Codable {
    /// Remove records whose normalized content hashes equal.
    public var exact: Bool
    /// Near-duplicate settings; nil turns near-duplicate detection off.
    public var minhash: MinHashConfig?
    /// Keep an LSH candidate pair only when the exact Jaccard similarity of its shingle sets is ≥ the threshold.
    /// Off, every pair sharing a band is a duplicate (the catch-rate curve alone decides).
    public var verifyJaccard: Bool
    public var normalization: TextNormalization

    public init(exact: Bool = true, minhash: MinHashConfig? = .defaults, verifyJaccard: Bool = false,
                normalization: TextNormalization = .standard) {
        self.exact = exact
        self.minhash = minhash
        self.verifyJaccard = verifyJaccard
        self.normalization = normalization
    }

    /// The settings of a pipeline's `dedup:` section.
    public init(_ config: DedupConfig, verifyJaccard: Bool = false) {
        self.init(exact: config.exact, minhash: config.minhash, verifyJaccard: verifyJaccard)
    }

    /// Throws a usage error for impossible MinHash settings.
    public func validate() throws(RefineryError) {
        try minhash?.validate()
    }

    /// A stable description, stored by the persistent index and written to summaries.
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [("exact", .bool(exact))]
        if let minhash {
            pairs.append(("minhash", .object([
                ("ngram", .int(minhash.ngram)), ("bands", .int(minhash.bands)), ("rows", .int(minhash.rows)),
                ("threshold", .double(minhash.threshold)), ("seed", .string(ContentHash.hex(MinHasher.defaultSeed))),
            ])))
        } else {
            pairs.append(("minhash", .bool(false)))
        }
        pairs.append(("verify_jaccard", .bool(verifyJaccard)))
        pairs.append(("normalization", .array(normalization.names.map(JSONValue.string))))
        return .object(pairs)
    }
}

/// The dedup keys of one text: its exact hash, its LSH band keys and (for Jaccard verification) its shingle set.
public struct DedupFingerprint: Sendable, Hashable {
    /// Hash of the normalized content; nil when exact dedup is off.
    public var exact: ContentHash?
    /// One key per LSH band; empty when near-duplicate detection is off or the text has no words.
    public var bandKeys: [UInt64]
    /// Sorted distinct shingle hashes; kept only when Jaccard verification is on.
    public var shingles: [UInt64]?

    public init(exact: ContentHash?, bandKeys: [UInt64], shingles: [UInt64]?) {
        self.exact = exact
        self.bandKeys = bandKeys
        self.shingles = shingles
    }
}

/// Computes `DedupFingerprint`s for texts according to `DedupSettings`.
public struct DedupFingerprinter: Sendable {
    public let settings: DedupSettings
    let exactHasher: ExactHasher?
    let minHasher: MinHasher?
    let lsh: LSHParameters?

    public init(settings: DedupSettings) throws(RefineryError) {
        try settings.validate()
        self.settings = settings
        exactHasher = settings.exact ? ExactHasher(normalization: settings.normalization) : nil
        if let config = settings.minhash {
            minHasher = try config.minHasher(normalization: settings.normalization)
            lsh = try config.lshParameters()
        } else {
            minHasher = nil
            lsh = nil
        }
    }

    /// The fingerprint of one text.
    public func fingerprint(_ text: String) -> DedupFingerprint {
        // With whitespace collapsing, the exact key and the shingles come from the same canonical bytes.
        let shared = settings.normalization.contains(.collapseWhitespace)
            ? TextNormalizer.normalizedBytes(text, settings.normalization) : nil
        var exact: ContentHash?
        if exactHasher != nil {
            exact = shared.map(ExactHasher.hash(bytes:)) ?? exactHasher?.hash(text)
        }
        return fingerprint(exact: exact, canonical: shared ?? minHasher.map { $0.canonicalBytes(text) })
    }

    /// The fingerprint of a sample defined by several fields (e.g. problem and solution): the exact key covers the
    /// fields separately; the shingles run over the fields joined by a newline.
    public func fingerprint(fields: [String]) -> DedupFingerprint {
        let exact = exactHasher?.hash(fields: fields)
        let joined = fields.joined(separator: "\n")
        return fingerprint(exact: exact, canonical: minHasher.map { $0.canonicalBytes(joined) })
    }

    private func fingerprint(exact: ContentHash?, canonical: [UInt8]?) -> DedupFingerprint {
        guard let minHasher, let lsh, let canonical else {
            return DedupFingerprint(exact: exact, bandKeys: [], shingles: nil)
        }
        let hashes = minHasher.shingleHashes(canonical: canonical)
        let signature = minHasher.signature(hashes: hashes)
        if signature.isEmpty { return DedupFingerprint(exact: exact, bandKeys: [], shingles: nil) }
        let shingles = settings.verifyJaccard ? MinHasher.sortedSet(hashes) : nil
        return DedupFingerprint(exact: exact, bandKeys: lsh.bandKeys(signature), shingles: shingles)
    }

    /// Fingerprints of many texts on `threads` threads; the result does not depend on the thread count.
    public func fingerprints(_ texts: [String], threads: Int) -> [DedupFingerprint] {
        ParallelMap.map(texts.count, threads: threads) { fingerprint(texts[$0]) }
    }
}
