import Foundation
import GRDB

extension RunLedger {
    public func shards() throws -> [ShardRecord] {
        try read { try Row.fetchAll($0, sql: "SELECT * FROM shards ORDER BY id").map(ShardRecord.init(row:)) }
    }

    /// Records a written shard and moves its samples from `kept` to `accepted`, in one transaction.
    public func commitShard(_ shard: WrittenShard, sampleIDs: [Int64]) throws {
        try write { db in
            let now = Timestamp.now()
            try db.execute(sql: """
                INSERT INTO shards(id, file, records, bytes, uncompressed_bytes, sha256, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [shard.index, shard.fileName, shard.records, shard.bytes, shard.uncompressedBytes,
                                 shard.sha256, now])
            for (line, id) in sampleIDs.enumerated() {
                try db.execute(sql: """
                    UPDATE samples SET state = 'accepted', shard_id = ?, shard_line = ?, finished_at = ?
                    WHERE id = ? AND state = 'kept'
                    """, arguments: [shard.index, line + 1, now, id])
                guard db.changesCount == 1 else {
                    throw RefineryError.internal("sample \(id) was not waiting for a shard; shard \(shard.fileName) not committed")
                }
            }
        }
    }

    /// Rejection reasons with counts, most frequent first.
    public func rejectionReasons() throws -> [(reason: String, count: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: """
                SELECT reject_reason AS reason, COUNT(*) AS n FROM samples WHERE state = 'rejected'
                GROUP BY reject_reason ORDER BY n DESC, reason
                """).map { (reason: $0["reason"], count: $0["n"]) }
        }
    }
}

extension RunLedger {
    /// Counts of samples per state for each task, tasks in name order.
    public func stateCountsByTask() throws -> [(task: String, states: [SampleState: Int])] {
        try read { db in
            var result: [String: [SampleState: Int]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT task, state, COUNT(*) AS n FROM samples GROUP BY task, state") {
                if let state = SampleState(rawValue: row["state"]) { result[row["task"], default: [:]][state] = row["n"] }
            }
            return result.keys.sorted().map { ($0, result[$0] ?? [:]) }
        }
    }
}
