import Foundation
import GRDB

/// A sample's columns the audit aggregates, without its large texts: the prompt and output stay in the ledger, and
/// problem/solution are reduced to token counts while streaming.
struct AuditSampleRow: Sendable, Hashable {
    var id: Int64
    var seedOrdinal: Int
    var task: String
    var kind: String
    var round: Int
    var attempt: Int
    var parentID: Int64? = nil
    var state: SampleState
    var promptRef: String? = nil
    var finishReason: String? = nil
    var promptTokens: Int? = nil
    var completionTokens: Int? = nil
    var generationSeconds: Double? = nil
    var score: Double? = nil
    var difficulty: Double? = nil
    var recordID: String? = nil
    var rejectStage: String? = nil
    var rejectReason: String? = nil
    var dedupCluster: String? = nil
    var shardID: Int? = nil
    var shardLine: Int? = nil
    var problemTokens: Int? = nil
    var solutionTokens: Int? = nil

    /// Past `pending`: the model has been asked (the audit counts these as generated).
    var isGenerated: Bool { state != .pending }
    /// Generated but not yet accepted or rejected.
    var isInFlight: Bool { state == .generated || state == .judged || state == .kept }
}

/// A corpus file as counted by acquisition.
struct AuditSourceRow: Sendable, Hashable {
    var path: String
    var documents: Int
    var chunks: Int
    var dropped: Int
    var quarantined: Int
}

/// A seed without its text.
struct AuditSeedRow: Sendable, Hashable {
    var ordinal: Int
    var id: String
    var source: String
}

/// Everything the audit aggregates, read in one transaction so the numbers agree with each other even while a
/// run is writing to the ledger.
struct AuditSnapshot: Sendable {
    var info: [String: String]
    var seeds: [AuditSeedRow]
    var sources: [AuditSourceRow]
    var quarantine: [QuarantinedInput]
    var samples: [AuditSampleRow]
    /// Judgments per sample, in the order they ran; `detail` is left empty (the lineage reads it).
    var judgments: [Int64: [Judgment]]
    var shards: [ShardRecord]
    var stageTimes: [StageTime]
    var lastEventKind: String?
}

extension RunLedger {
    /// Reads the audit snapshot. `tokenCounter` measures problem and solution lengths as rows stream by.
    func auditSnapshot(tokenCounter: AuditTokenCounter) throws -> AuditSnapshot {
        try read { db in
            var info: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM run_info") { info[row["key"]] = row["value"] }
            let seeds = try Row.fetchAll(db, sql: "SELECT ordinal, id, source FROM seeds ORDER BY ordinal").map {
                AuditSeedRow(ordinal: $0["ordinal"], id: $0["id"], source: $0["source"])
            }
            let sources = try Row.fetchAll(db, sql: "SELECT * FROM sources ORDER BY path").map {
                AuditSourceRow(
                    path: $0["path"], documents: $0["documents"], chunks: $0["chunks"],
                    dropped: $0["dropped_fragments"], quarantined: $0["quarantined"])
            }
            let quarantine = try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY id").map { row in
                QuarantinedInput(
                    location: SourceLocation(
                        file: row["source"], line: row["line"], column: row["column"],
                        offset: row["byte_offset"]),
                    reason: row["reason"], detail: row["detail"])
            }
            var samples: [AuditSampleRow] = []
            let cursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT id, seed_ordinal, task, kind, round, attempt, parent_id, state, prompt_ref, finish_reason,
                           prompt_tokens, completion_tokens, generation_seconds, score, difficulty, record_id,
                           reject_stage, reject_reason, dedup_cluster, shard_id, shard_line, problem, solution
                    FROM samples ORDER BY id
                    """)
            while let row = try cursor.next() {
                let problem: String? = row["problem"]
                let solution: String? = row["solution"]
                samples.append(
                    AuditSampleRow(
                        id: row["id"], seedOrdinal: row["seed_ordinal"], task: row["task"], kind: row["kind"],
                        round: row["round"], attempt: row["attempt"], parentID: row["parent_id"],
                        state: SampleState(rawValue: row["state"]) ?? .pending, promptRef: row["prompt_ref"],
                        finishReason: row["finish_reason"], promptTokens: row["prompt_tokens"],
                        completionTokens: row["completion_tokens"], generationSeconds: row["generation_seconds"],
                        score: row["score"], difficulty: row["difficulty"], recordID: row["record_id"],
                        rejectStage: row["reject_stage"], rejectReason: row["reject_reason"],
                        dedupCluster: row["dedup_cluster"], shardID: row["shard_id"], shardLine: row["shard_line"],
                        problemTokens: problem.map(tokenCounter), solutionTokens: solution.map(tokenCounter)))
            }
            var judgments: [Int64: [Judgment]] = [:]
            let judgmentCursor = try Row.fetchCursor(
                db,
                sql: """
                    SELECT sample_id, judge, version, passed, score, reason, seconds, model, prompt_ref
                    FROM judgments ORDER BY sample_id, position
                    """)
            while let row = try judgmentCursor.next() {
                judgments[row["sample_id"], default: []].append(
                    Judgment(
                        judge: row["judge"], version: row["version"], passed: row["passed"], score: row["score"],
                        reason: row["reason"], seconds: row["seconds"], model: row["model"],
                        promptRef: row["prompt_ref"]))
            }
            let shards = try Row.fetchAll(db, sql: "SELECT * FROM shards ORDER BY id").map(ShardRecord.init(row:))
            let stageTimes = try Row.fetchAll(db, sql: "SELECT stage, seconds, items FROM stage_times ORDER BY rowid")
                .map { StageTime(stage: $0["stage"], seconds: $0["seconds"], items: $0["items"]) }
            let lastEvent = try String.fetchOne(db, sql: "SELECT kind FROM events ORDER BY id DESC LIMIT 1")
            return AuditSnapshot(
                info: info, seeds: seeds, sources: sources, quarantine: quarantine, samples: samples,
                judgments: judgments, shards: shards, stageTimes: stageTimes,
                lastEventKind: lastEvent)
        }
    }

    // MARK: Lineage look-ups

    /// Samples an id on the command line may name: a sample id (digits), a record id, or a unique record-id
    /// prefix of at least 6 characters. Ordered by sample id.
    func auditSamples(matching identifier: String) throws -> [SampleRecord] {
        let text = identifier.trimmingCharacters(in: .whitespaces)
        return try read { db in
            if let number = Int64(text), number >= 0,
                let row = try Row.fetchOne(db, sql: "SELECT * FROM samples WHERE id = ?", arguments: [number])
            {
                return [SampleRecord(row: row)]
            }
            let exact = try Row.fetchAll(
                db, sql: "SELECT * FROM samples WHERE record_id = ? ORDER BY id",
                arguments: [text])
            if !exact.isEmpty || text.count < 6 { return exact.map(SampleRecord.init(row:)) }
            let escaped = text.replacingOccurrences(of: "\\", with: "\\\\")
                .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
            return try Row.fetchAll(
                db, sql: "SELECT * FROM samples WHERE record_id LIKE ? ESCAPE '\\' ORDER BY id",
                arguments: [escaped + "%"]
            ).map(SampleRecord.init(row:))
        }
    }

    /// Samples sharing a record id or a dedup cluster with the given ones (the sample itself excluded).
    func auditRelatives(recordID: String?, cluster: String?, excluding id: Int64) throws -> [SampleRecord] {
        guard recordID != nil || cluster != nil else { return [] }
        return try read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM samples
                    WHERE id != ? AND ((? IS NOT NULL AND record_id = ?) OR (? IS NOT NULL AND dedup_cluster = ?))
                    ORDER BY id
                    """, arguments: [id, recordID, recordID, cluster, cluster]
            ).map(SampleRecord.init(row:))
        }
    }

    /// Samples whose parent is `id` (evolutions and repairs), by id.
    func auditChildren(of id: Int64) throws -> [SampleRecord] {
        try read {
            try Row.fetchAll($0, sql: "SELECT * FROM samples WHERE parent_id = ? ORDER BY id", arguments: [id])
                .map(SampleRecord.init(row:))
        }
    }

    /// Fresh solve attempts of a sample (difficulty labelling), when the ledger has them.
    func auditSolves(sampleID: Int64) throws -> [LineageSolve] {
        try read { db in
            guard try db.tableExists("solves") else { return [] }
            return try Row.fetchAll(db, sql: "SELECT attempt, solved, detail FROM solves WHERE sample_id = ? ORDER BY attempt",
                                    arguments: [sampleID])
                .map { LineageSolve(attempt: $0["attempt"], solved: $0["solved"], detail: $0["detail"]) }
        }
    }

    func auditShard(id: Int) throws -> ShardRecord? {
        try read {
            try Row.fetchOne($0, sql: "SELECT * FROM shards WHERE id = ?", arguments: [id]).map(ShardRecord.init(row:))
        }
    }

    /// Full rows of the given samples, by id.
    func auditSamples(ids: [Int64]) throws -> [Int64: SampleRecord] {
        guard !ids.isEmpty else { return [:] }
        return try read { db in
            var result: [Int64: SampleRecord] = [:]
            for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                for row in try Row.fetchAll(
                    db, sql: "SELECT * FROM samples WHERE id IN (\(marks))",
                    arguments: StatementArguments(chunk))
                {
                    let sample = SampleRecord(row: row)
                    result[sample.id] = sample
                }
            }
            return result
        }
    }
}

/// Time spent in a pipeline stage and the items it processed (the ledger's `stage_times`).
public struct StageTime: Sendable, Hashable {
    public var stage: String
    public var seconds: Double
    public var items: Int

    public var itemsPerSecond: Double? { seconds > 0 ? Double(items) / seconds : nil }
    public var secondsPerItem: Double? { items > 0 ? seconds / Double(items) : nil }
}
