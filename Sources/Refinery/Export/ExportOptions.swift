import Foundation

/// How an export writes its records.
public enum ExportFormat: String, Sendable, Hashable, CaseIterable {
    /// The full record schema of DESIGN.md §6, unchanged (`messages` for SFT).
    case messages
    /// `{"id","task","text"}`; see `ExportRecord.text(of:)` for the layout of `text`.
    case text
}

/// Everything `refinery export` can be asked for, besides the run folders and the output folder.
public struct ExportOptions: Sendable {
    public var splits: ExportSplits
    /// Shard size limit in compressed bytes.
    public var shardBytes: Int
    public var zstdLevel: Int
    public var format: ExportFormat
    /// Keep only these tasks; nil keeps all.
    public var tasks: Set<String>?
    /// Keep only records whose score (rubric score, else 1.0) is at least this.
    public var minScore: Double?
    /// Cross-run dedup among the merged records.
    public var dedup: DedupSettings
    /// The persistent index of everything exported before (created if missing); nil for none.
    public var indexURL: URL?
    /// Benchmarks to decontaminate against; empty for none.
    public var benchmarks: [BenchmarkSource]
    public var ngram: Int
    /// Threads for fingerprinting (0: all cores); the output does not depend on it.
    public var threads: Int

    public init(splits: ExportSplits = .trainOnly, shardBytes: Int = 256 << 20, zstdLevel: Int = 3,
                format: ExportFormat = .messages, tasks: Set<String>? = nil, minScore: Double? = nil,
                dedup: DedupSettings = DedupSettings(), indexURL: URL? = nil, benchmarks: [BenchmarkSource] = [],
                ngram: Int = 13, threads: Int = 0) {
        self.splits = splits
        self.shardBytes = shardBytes
        self.zstdLevel = zstdLevel
        self.format = format
        self.tasks = tasks
        self.minScore = minScore
        self.dedup = dedup
        self.indexURL = indexURL
        self.benchmarks = benchmarks
        self.ngram = ngram
        self.threads = threads
    }

    /// A stable description of the options that decide the output, hashed into the export's config hash.
    public var json: JSONValue {
        .object([
            ("splits", .string(splits.description)), ("shard_bytes", .int(shardBytes)),
            ("zstd_level", .int(zstdLevel)), ("format", .string(format.rawValue)),
            ("tasks", .array((tasks.map { $0.sorted() } ?? []).map(JSONValue.string))),
            ("min_score", minScore.map(JSONValue.double) ?? .null), ("dedup", dedup.json),
            ("index", .string(indexURL?.path ?? "")),
            ("benchmarks", .array(benchmarks.map {
                .object([("path", .string($0.path)), ("field", .string($0.field))])
            })),
            ("ngram", .int(ngram)),
        ])
    }
}

/// Reasons a record is left out of an export, as counted in the manifest's `removed` section.
public enum ExportRemoval: String, Sendable, CaseIterable {
    case taskFiltered = "task_filtered"
    case belowMinScore = "below_min_score"
    case contaminated
    /// An exact or near duplicate of a better record in this export.
    case duplicate
    /// An id already kept, with other content (ids are content hashes, so this should not happen).
    case duplicateID = "duplicate_id"
    /// A duplicate of a record in the persistent index (exported before).
    case alreadyExported = "already_exported"
}
