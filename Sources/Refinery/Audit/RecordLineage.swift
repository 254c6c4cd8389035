import Foundation

/// Another sample related to the one inspected: a duplicate, a parent or a child (evolution, repair).
public struct LineageRelative: Sendable, Hashable {
    public var sampleID: Int64
    public var task: String
    public var kind: String
    public var round: Int
    public var attempt: Int
    public var state: SampleState
    public var recordID: String?
    public var rejectReason: String?
    public var score: Double?

    init(_ sample: SampleRecord) {
        sampleID = sample.id
        task = sample.task
        kind = sample.kind
        round = sample.round
        attempt = sample.attempt
        state = sample.state
        recordID = sample.recordID
        rejectReason = sample.rejectReason
        score = sample.score
    }

    /// `sample 12 (math generate r0, accepted)` or `… rejected: duplicate_of:…`.
    public var summary: String {
        var text = "sample \(sampleID) (\(task) \(kind) r\(round)"
        if attempt > 0 { text += " attempt \(attempt)" }
        text += ", \(state.rawValue)"
        if let rejectReason { text += ": \(rejectReason)" }
        text += ")"
        if let recordID { text += " record \(recordID)" }
        return text
    }
}

/// One fresh attempt at solving an accepted problem (difficulty labelling).
public struct LineageSolve: Sendable, Hashable {
    public var attempt: Int
    public var solved: Bool
    public var detail: String
}

/// The full history of one sample: the seed it came from, the prompt and raw output, the parse, every judgment,
/// its dedup cluster, the shard line it landed on, and its parent and children.
public struct RecordLineage: Sendable {
    public var runID: String
    public var sample: SampleRecord
    public var seed: SeedRecord?
    public var judgments: [Judgment]
    public var shard: ShardRecord?
    /// The record's line in its shard file, read back from disk; nil when not accepted or unreadable.
    public var shardLineText: String?
    /// Why the shard line could not be shown, when it could not.
    public var shardProblem: String?
    /// Samples with the same record id or dedup cluster.
    public var duplicates: [LineageRelative]
    public var parent: LineageRelative?
    public var children: [LineageRelative]
    /// Fresh solve attempts behind `sample.difficulty`.
    public var solves: [LineageSolve]

    /// The parse outcome: `ok`, or the parse reason when the completion could not be split, or `not parsed yet`.
    public var parseResult: String {
        if sample.rejectStage == "parse" { return sample.rejectReason ?? "parse failed" }
        if sample.problem != nil || sample.solution != nil { return "ok" }
        return sample.state == .pending ? "not generated yet" : "not parsed yet"
    }

    /// Path of the shard file relative to the run directory, e.g. `shards/part-00000.jsonl.zst`.
    public var shardPath: String? { shard.map { "shards/\($0.file)" } }

    /// Looks up `identifier` (a sample id, a record id or a unique record-id prefix) and loads its lineage.
    /// When a record id names several samples (duplicates), the accepted one, else the first, is shown.
    public static func load(ledger: RunLedger, identifier: String) throws -> RecordLineage {
        let matches = try ledger.auditSamples(matching: identifier)
        guard !matches.isEmpty else {
            throw RefineryError.input(
                "no sample or record \"\(identifier)\" in this run (give a sample id, a record id or a prefix of at "
                    + "least 6 characters; `refinery audit --samples N` lists some)",
                at: SourceLocation(file: ledger.url.path))
        }
        let records = Set(matches.compactMap(\.recordID))
        if records.count > 1 {
            throw RefineryError.usage(
                "\"\(identifier)\" matches \(records.count) records: "
                    + records.sorted().prefix(5).joined(separator: ", ") + (records.count > 5 ? ", …" : "")
                    + "; give more characters")
        }
        let chosen = matches.first { $0.state == .accepted } ?? matches[0]
        var cache = ShardLineCache(runDirectory: ledger.url.deletingLastPathComponent())
        return try load(ledger: ledger, sample: chosen, runID: try ledger.info("run_id") ?? "", shards: &cache)
    }

    /// Loads the lineage of a sample already read from the ledger.
    static func load(
        ledger: RunLedger, sample: SampleRecord, runID: String, shards: inout ShardLineCache
    ) throws
        -> RecordLineage
    {
        let seed = try ledger.seed(ordinal: sample.seedOrdinal)
        let judgments = try ledger.judgments(sampleID: sample.id)
        let shard = try sample.shardID.flatMap { try ledger.auditShard(id: $0) }
        var lineText: String?
        var problem: String?
        if let shard, let line = sample.shardLine {
            switch shards.line(file: shard.file, number: line) {
            case .success(let text):
                lineText = text
                if let recordID = sample.recordID, !text.contains("\"id\":\"\(recordID)\"") {
                    problem = "shard line \(line) does not hold record \(recordID)"
                }
            case .failure(let error):
                problem = error.description
            }
        }
        let duplicates = try ledger.auditRelatives(
            recordID: sample.recordID, cluster: sample.dedupCluster,
            excluding: sample.id
        ).map(LineageRelative.init)
        let parent = try sample.parentID.flatMap { try ledger.sample(id: $0) }.map(LineageRelative.init)
        let children = try ledger.auditChildren(of: sample.id).map(LineageRelative.init)
        return RecordLineage(
            runID: runID, sample: sample, seed: seed, judgments: judgments, shard: shard,
            shardLineText: lineText, shardProblem: problem, duplicates: duplicates, parent: parent,
            children: children, solves: try ledger.auditSolves(sampleID: sample.id))
    }
}

/// Reads shard files once each and hands out their lines, for loading many lineages.
struct ShardLineCache {
    let runDirectory: URL
    private var files: [String: Result<[String], RefineryError>] = [:]

    init(runDirectory: URL) {
        self.runDirectory = runDirectory
    }

    mutating func line(file: String, number: Int) -> Result<String, RefineryError> {
        let url = runDirectory.appendingPathComponent("shards").appendingPathComponent(file)
        if files[file] == nil {
            do {
                files[file] = .success(try ShardReader.lines(url: url).map(\.text))
            } catch let error as RefineryError {
                files[file] = .failure(error)
            } catch {
                files[file] = .failure(.input("cannot read shard: \(error)", at: SourceLocation(file: url.path)))
            }
        }
        switch files[file] {
        case .success(let lines)?:
            guard number >= 1, number <= lines.count else {
                return .failure(
                    .input(
                        "the shard has \(lines.count) lines, not \(number)",
                        at: SourceLocation(file: url.path, line: number)))
            }
            return .success(lines[number - 1])
        case .failure(let error)?:
            return .failure(error)
        case nil:
            return .failure(.internal("shard cache miss", at: SourceLocation(file: url.path)))
        }
    }
}
