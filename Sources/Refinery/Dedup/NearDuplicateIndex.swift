import Foundation

/// A record's text for dedup: an id, the text (or the fields that define the sample) and a score.
public struct DedupInput: Sendable, Hashable {
    public var id: String
    public var fields: [String]
    public var score: Double

    public init(id: String, text: String, score: Double = 0) {
        self.init(id: id, fields: [text], score: score)
    }

    public init(id: String, fields: [String], score: Double = 0) {
        self.id = id
        self.fields = fields
        self.score = score
    }
}

/// In-memory deduplication for a pipeline's finalize step: add records, then ask which to drop.
///
/// Texts are not retained: `add` computes the record's fingerprint right away (exact hash, 14 band keys by default,
/// and the shingle set only with Jaccard verification), about 150 bytes per record without verification and
/// roughly 8 bytes per word with it. For datasets larger than memory use `StreamingDeduplicator`.
///
/// ```swift
/// var index = try NearDuplicateIndex(config: pipeline.dedup.minhash, exact: pipeline.dedup.exact)
/// for sample in accepted { index.add(id: sample.id, text: sample.text, score: sample.score) }
/// for decision in index.clusters().removed { ledger.reject(decision.id, reason: decision.reason) }
/// ```
public struct NearDuplicateIndex: Sendable {
    public let fingerprinter: DedupFingerprinter
    public private(set) var items: [DedupItem] = []
    /// First item per exact hash and items per LSH bucket, for `firstDuplicate(of:)`.
    private var exactOwners: [ContentHash: Int] = [:]
    private var buckets: [BandKey: [Int]] = [:]

    public init(settings: DedupSettings) throws(RefineryError) {
        fingerprinter = try DedupFingerprinter(settings: settings)
    }

    /// - Parameters:
    ///   - config: MinHash LSH settings; nil for exact dedup only.
    ///   - exact: also remove exact duplicates of the normalized text.
    ///   - verifyJaccard: keep a candidate pair only if its exact Jaccard similarity is ≥ `config.threshold`.
    public init(config: MinHashConfig? = .defaults, exact: Bool = true, verifyJaccard: Bool = false,
                normalization: TextNormalization = .standard) throws(RefineryError) {
        try self.init(settings: DedupSettings(exact: exact, minhash: config, verifyJaccard: verifyJaccard,
                                              normalization: normalization))
    }

    public var count: Int { items.count }

    /// Adds one record.
    public mutating func add(id: String, text: String, score: Double = 0) {
        add(DedupItem(id: id, score: score, fingerprint: fingerprinter.fingerprint(text)))
    }

    /// Adds one record defined by several fields (e.g. problem and solution).
    public mutating func add(id: String, fields: [String], score: Double = 0) {
        add(DedupItem(id: id, score: score, fingerprint: fingerprinter.fingerprint(fields: fields)))
    }

    /// Adds many records, fingerprinting them on `threads` threads (0: all cores). The outcome is the same as
    /// adding them one by one.
    public mutating func add(contentsOf inputs: [DedupInput], threads: Int = 0) {
        let fingerprinter = self.fingerprinter
        let fingerprints = ParallelMap.map(inputs.count, threads: threads) { index in
            let fields = inputs[index].fields
            return fields.count == 1 ? fingerprinter.fingerprint(fields[0]) : fingerprinter.fingerprint(fields: fields)
        }
        for (input, fingerprint) in zip(inputs, fingerprints) {
            add(DedupItem(id: input.id, score: input.score, fingerprint: fingerprint))
        }
    }

    /// Adds a record whose fingerprint was computed elsewhere (e.g. in parallel by the caller).
    public mutating func add(_ item: DedupItem) {
        let position = items.count
        items.append(item)
        if let hash = item.fingerprint.exact, exactOwners[hash] == nil { exactOwners[hash] = position }
        for (band, key) in item.fingerprint.bandKeys.enumerated() {
            buckets[BandKey(band: band, key: key), default: []].append(position)
        }
    }

    /// The record added earlier that `text` duplicates, or nil — for greedy selection in rank order (check, and
    /// add only when nil). Exact matches win; otherwise the earliest-added LSH candidate (with verification: the
    /// most similar candidate at or above the threshold, ties to the earliest).
    public func firstDuplicate(of text: String) -> IndexMatch? {
        firstDuplicate(of: fingerprinter.fingerprint(text))
    }

    /// `firstDuplicate(of:)` for a precomputed fingerprint (from this index's `fingerprinter`).
    public func firstDuplicate(of fingerprint: DedupFingerprint) -> IndexMatch? {
        let settings = fingerprinter.settings
        if settings.exact, let hash = fingerprint.exact, let owner = exactOwners[hash] {
            return IndexMatch(id: items[owner].id, kind: .exact, similarity: nil)
        }
        guard let minhash = settings.minhash else { return nil }
        var candidates = Set<Int>()
        for (band, key) in fingerprint.bandKeys.enumerated() {
            candidates.formUnion(buckets[BandKey(band: band, key: key)] ?? [])
        }
        var best: (position: Int, similarity: Double?)?
        for position in candidates.sorted() {
            guard settings.verifyJaccard else {
                best = (position, nil)
                break
            }
            let similarity = Jaccard.similarity(fingerprint.shingles ?? [], items[position].fingerprint.shingles ?? [])
            if similarity >= minhash.threshold, similarity > (best?.similarity ?? -1) { best = (position, similarity) }
        }
        return best.map { IndexMatch(id: items[$0.position].id, kind: .near, similarity: $0.similarity) }
    }

    /// Clusters everything added so far: per cluster the best record is kept (highest score, then smallest id);
    /// `removed[i].index` is the position of the record in the order it was added.
    public func clusters() -> DedupOutcome {
        DuplicateClusterer(settings: fingerprinter.settings).cluster(items)
    }
}
