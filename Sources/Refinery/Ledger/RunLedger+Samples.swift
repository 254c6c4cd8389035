import Foundation
import GRDB

/// What a pending sample is, before anything is generated.
public struct PlannedSample: Sendable, Hashable {
    public var seedOrdinal: Int
    public var task: String
    public var sampleIndex: Int
    public var kind: String
    public var round: Int
    public var attempt: Int
    public var parentID: Int64?
    public var samplingSeed: UInt64

    public init(seedOrdinal: Int, task: String, sampleIndex: Int, kind: String = "generate", round: Int = 0,
                attempt: Int = 0, parentID: Int64? = nil, samplingSeed: UInt64) {
        self.seedOrdinal = seedOrdinal
        self.task = task
        self.sampleIndex = sampleIndex
        self.kind = kind
        self.round = round
        self.attempt = attempt
        self.parentID = parentID
        self.samplingSeed = samplingSeed
    }
}

/// A generated completion ready to be stored.
public struct GenerationRecord: Sendable {
    public var promptRef: String
    public var prompt: String
    public var output: String
    public var finishReason: String
    public var promptTokens: Int
    public var completionTokens: Int
    public var seconds: Double

    public init(promptRef: String, prompt: String, output: String, finishReason: String, promptTokens: Int,
                completionTokens: Int, seconds: Double) {
        self.promptRef = promptRef
        self.prompt = prompt
        self.output = output
        self.finishReason = finishReason
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.seconds = seconds
    }
}

/// The parsed fields of a completion.
public struct ParsedFields: Sendable, Hashable {
    public var problem: String
    public var solution: String
    public var answer: String
    public var tests: String

    public init(problem: String, solution: String, answer: String = "", tests: String = "") {
        self.problem = problem
        self.solution = solution
        self.answer = answer
        self.tests = tests
    }
}

extension RunLedger {
    // MARK: Seeds and sources

    public func seedCount() throws -> Int {
        try read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM seeds") ?? 0 }
    }

    public func seeds() throws -> [SeedRecord] {
        try read { try Row.fetchAll($0, sql: "SELECT * FROM seeds ORDER BY ordinal").map(SeedRecord.init(row:)) }
    }

    public func seed(ordinal: Int) throws -> SeedRecord? {
        try read {
            try Row.fetchOne($0, sql: "SELECT * FROM seeds WHERE ordinal = ?", arguments: [ordinal])
                .map(SeedRecord.init(row:))
        }
    }

    /// Stores the result of acquisition in one transaction: seeds, per-source counts and quarantined inputs.
    public func storeAcquisition(seeds: [SeedRecord], sources: [(path: String, documents: Int, chunks: Int,
                                                                   dropped: Int, quarantined: Int)],
                                 quarantine: [QuarantinedInput]) throws {
        try write { db in
            for seed in seeds {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO seeds(ordinal, id, source, span_start, span_end, text)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [seed.ordinal, seed.id, seed.source, seed.start, seed.end, seed.text])
            }
            try db.execute(sql: "DELETE FROM sources")
            for source in sources {
                try db.execute(sql: """
                    INSERT INTO sources(path, documents, chunks, dropped_fragments, quarantined) VALUES (?, ?, ?, ?, ?)
                    """, arguments: [source.path, source.documents, source.chunks, source.dropped, source.quarantined])
            }
            try db.execute(sql: "DELETE FROM quarantine")
            for item in quarantine {
                try db.execute(sql: """
                    INSERT INTO quarantine(source, line, column, byte_offset, reason, detail) VALUES (?, ?, ?, ?, ?, ?)
                    """, arguments: [item.location.file, item.location.line, item.location.column,
                                     item.location.offset, item.reason, item.detail])
            }
        }
    }

    public func quarantined() throws -> [QuarantinedInput] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY id").map { row in
                QuarantinedInput(
                    location: SourceLocation(file: row["source"], line: row["line"], column: row["column"],
                                             offset: row["byte_offset"]),
                    reason: row["reason"], detail: row["detail"])
            }
        }
    }

    // MARK: Samples

    /// Inserts samples that do not exist yet (same seed, task, index, kind, round and attempt); returns how many.
    @discardableResult
    public func plan(_ samples: [PlannedSample]) throws -> Int {
        try write { db in
            var inserted = 0
            for sample in samples {
                try db.execute(sql: """
                    INSERT OR IGNORE INTO samples(seed_ordinal, task, sample_index, kind, round, attempt, parent_id,
                                                  sampling_seed)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [sample.seedOrdinal, sample.task, sample.sampleIndex, sample.kind, sample.round,
                                     sample.attempt, sample.parentID, Int64(bitPattern: sample.samplingSeed)])
                inserted += db.changesCount
            }
            return inserted
        }
    }

    public func samples(inStates states: [SampleState]) throws -> [SampleRecord] {
        let list = states.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM samples WHERE state IN (\(list))
                ORDER BY seed_ordinal, task, sample_index, kind, round, attempt
                """).map(SampleRecord.init(row:))
        }
    }

    public func sample(id: Int64) throws -> SampleRecord? {
        try read { try Row.fetchOne($0, sql: "SELECT * FROM samples WHERE id = ?", arguments: [id]).map(SampleRecord.init(row:)) }
    }

    public func samples(recordID: String) throws -> [SampleRecord] {
        try read {
            try Row.fetchAll($0, sql: "SELECT * FROM samples WHERE record_id = ? ORDER BY id", arguments: [recordID])
                .map(SampleRecord.init(row:))
        }
    }

    public func saveGeneration(sampleID: Int64, _ generation: GenerationRecord) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE samples SET state = 'generated', prompt_ref = ?, prompt = ?, output = ?, finish_reason = ?,
                    prompt_tokens = ?, completion_tokens = ?, generation_seconds = ?, generated_at = ?
                WHERE id = ? AND state = 'pending'
                """, arguments: [generation.promptRef, generation.prompt, generation.output, generation.finishReason,
                                 generation.promptTokens, generation.completionTokens, generation.seconds,
                                 Timestamp.now(), sampleID])
        }
    }

    /// Stores the parse result and every judgment; the sample becomes `judged` when it passed, else `rejected`.
    public func saveJudging(sampleID: Int64, parsed: ParsedFields?, recordID: String?, judgments: [Judgment],
                            score: Double?, rejection: (stage: String, reason: String, detail: String)?) throws {
        try write { db in
            let now = Timestamp.now()
            try db.execute(sql: "DELETE FROM judgments WHERE sample_id = ?", arguments: [sampleID])
            for (position, judgment) in judgments.enumerated() {
                try db.execute(sql: """
                    INSERT INTO judgments(sample_id, position, judge, version, passed, score, reason, detail, seconds,
                                          model, prompt_ref)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [sampleID, position, judgment.judge, judgment.version, judgment.passed,
                                     judgment.score, judgment.reason, judgment.detail, judgment.seconds,
                                     judgment.model, judgment.promptRef])
            }
            try db.execute(sql: """
                UPDATE samples SET state = ?, problem = ?, solution = ?, answer = ?, tests = ?, record_id = ?,
                    score = ?, reject_stage = ?, reject_reason = ?, reject_detail = ?, judged_at = ?,
                    finished_at = CASE WHEN ? THEN ? ELSE NULL END
                WHERE id = ? AND state IN ('pending', 'generated')
                """, arguments: [rejection == nil ? "judged" : "rejected", parsed?.problem, parsed?.solution,
                                 parsed?.answer, parsed?.tests, recordID, score, rejection?.stage,
                                 rejection?.reason, rejection?.detail, now, rejection != nil, now, sampleID])
        }
    }

    public func judgments(sampleID: Int64) throws -> [Judgment] {
        try read {
            try Row.fetchAll($0, sql: "SELECT * FROM judgments WHERE sample_id = ? ORDER BY position",
                             arguments: [sampleID]).map(Judgment.init(row:))
        }
    }

    /// Every judgment of every sample, grouped by sample id.
    public func allJudgments() throws -> [Int64: [Judgment]] {
        try read { db in
            var result: [Int64: [Judgment]] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT * FROM judgments ORDER BY sample_id, position") {
                result[row["sample_id"], default: []].append(Judgment(row: row))
            }
            return result
        }
    }

    /// Applies a selection: the kept samples become `kept`, the others `rejected` (only from `fromStates`).
    public func saveSelection(kept: [(id: Int64, cluster: String?)],
                              rejected: [(id: Int64, stage: String, reason: String, detail: String, cluster: String?)],
                              fromStates: [SampleState] = [.judged]) throws {
        let states = fromStates.map { "'\($0.rawValue)'" }.joined(separator: ",")
        try write { db in
            let now = Timestamp.now()
            for item in kept {
                try db.execute(sql: "UPDATE samples SET state = 'kept', dedup_cluster = ? WHERE id = ? AND state = 'judged'",
                               arguments: [item.cluster, item.id])
            }
            for item in rejected {
                try db.execute(sql: """
                    UPDATE samples SET state = 'rejected', reject_stage = ?, reject_reason = ?, reject_detail = ?,
                        dedup_cluster = ?, finished_at = ?
                    WHERE id = ? AND state IN (\(states))
                    """, arguments: [item.stage, item.reason, item.detail, item.cluster, now, item.id])
            }
        }
    }

    /// Samples of one task in the given states, in canonical order.
    public func samples(task: String, states: [SampleState]) throws -> [SampleRecord] {
        let list = states.map { "'\($0.rawValue)'" }.joined(separator: ",")
        return try read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM samples WHERE task = ? AND state IN (\(list))
                ORDER BY seed_ordinal, task, sample_index, kind, round, attempt
                """, arguments: [task]).map(SampleRecord.init(row:))
        }
    }

    /// Every sample, in canonical order.
    public func allSamples() throws -> [SampleRecord] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM samples ORDER BY seed_ordinal, task, sample_index, kind, round, attempt")
                .map(SampleRecord.init(row:))
        }
    }

    // MARK: Difficulty

    public struct Solve: Sendable, Hashable {
        public var attempt: Int
        public var solved: Bool
        public var detail: String
        public var output: String
    }

    public func solves(sampleID: Int64) throws -> [Solve] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM solves WHERE sample_id = ? ORDER BY attempt", arguments: [sampleID])
                .map { Solve(attempt: $0["attempt"], solved: $0["solved"], detail: $0["detail"], output: $0["output"]) }
        }
    }

    public func saveSolve(sampleID: Int64, attempt: Int, samplingSeed: UInt64, output: String, solved: Bool,
                          detail: String) throws {
        try write { db in
            try db.execute(sql: """
                INSERT OR REPLACE INTO solves(sample_id, attempt, sampling_seed, output, solved, detail)
                VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [sampleID, attempt, Int64(bitPattern: samplingSeed), output, solved, detail])
        }
    }

    public func saveDifficulty(_ labels: [(Int64, Double)]) throws {
        try write { db in
            for (id, rate) in labels {
                try db.execute(sql: "UPDATE samples SET difficulty = ? WHERE id = ?", arguments: [rate, id])
            }
        }
    }

    /// Counts of samples per state.
    public func stateCounts() throws -> [SampleState: Int] {
        try read { db in
            var result: [SampleState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM samples GROUP BY state") {
                if let state = SampleState(rawValue: row["state"]) { result[state] = row["n"] }
            }
            return result
        }
    }
}
