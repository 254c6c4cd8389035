import Foundation
import XCTest

@testable import Refinery

/// What happens to one sample of an audit fixture.
enum AuditOutcome {
    case pending
    /// Generated, not parsed yet.
    case generated
    case parseFailed(reason: String)
    /// Judged; rejected by the first failing judgment (`judge:<name>`, `<name>:<reason>`).
    case judgeRejected
    /// Judged and passed, waiting for selection.
    case judged
    /// Selected, waiting for a shard.
    case kept(cluster: String?)
    /// Written to the fixture's shard.
    case accepted(cluster: String?)
    /// Rejected by selection (dedup or decontamination).
    case selectionRejected(stage: String, reason: String, cluster: String?)
}

/// One sample of an audit fixture: identity, texts, judgments and outcome.
struct AuditSampleSpec {
    var key: String
    var seed: Int
    var task: String
    var index: Int
    var kind = "generate"
    var round = 0
    var attempt = 0
    var parent: String?
    var outcome: AuditOutcome
    var judgments: [Judgment] = []
    var problem: String?
    var solution: String?
    var output: String?
    /// Defaults to a record id derived from the key; duplicates name another sample's record here.
    var recordOf: String?
    var completionTokens = 50
    var difficulty: Double?
}

/// A run directory whose ledger (and shard) hold exactly the given seeds and samples, written through the
/// `RunLedger` API the pipeline uses.
struct AuditFixture {
    let directory: URL
    let ledger: RunLedger
    let ids: [String: Int64]
    let recordIDs: [String: String]

    static func recordID(_ key: String) -> String { String(Hashing.sha256Hex("record-\(key)").prefix(32)) }

    static func judgment(
        _ judge: String, _ passed: Bool, score: Double? = nil, reason: String? = nil,
        detail: String = "", model: String = "", prompt: String = ""
    ) -> Judgment {
        Judgment(
            judge: judge, version: "1", passed: passed, score: score,
            reason: reason ?? (passed ? "passed" : "failed"), detail: detail, seconds: 0.5, model: model,
            promptRef: prompt)
    }

    init(
        directory: URL, runID: String, configJSON: String, seeds: [SeedRecord],
        sources: [(path: String, documents: Int, chunks: Int, dropped: Int, quarantined: Int)],
        quarantine: [QuarantinedInput], samples: [AuditSampleSpec],
        stageTimes: [(String, Double, Int)], finished: Bool
    ) throws {
        self.directory = directory
        let ledger = try RunLedger(url: directory.appendingPathComponent(RunLedger.fileName))
        self.ledger = ledger
        try ledger.setInfo("run_id", runID)
        try ledger.setInfo("pipeline", "fixture")
        try ledger.setInfo("model", "tiny-moe@0123456789ab")
        try ledger.setInfo("config_hash", String(Hashing.sha256Hex(configJSON)))
        try ledger.setInfo("config_json", configJSON)
        try ledger.setInfo("created", "2026-11-28T00:00:00Z")
        try ledger.setInfo("refinery_version", "0.1.0")
        try ledger.setInfo("acquired_all", "true")
        try ledger.recordEvent("start")
        try ledger.storeAcquisition(seeds: seeds, sources: sources, quarantine: quarantine)

        var ids: [String: Int64] = [:]
        var records: [String: String] = [:]
        for spec in samples {
            try ledger.plan([
                PlannedSample(
                    seedOrdinal: spec.seed, task: spec.task, sampleIndex: spec.index, kind: spec.kind,
                    round: spec.round,
                    attempt: spec.attempt, parentID: spec.parent.flatMap { ids[$0] },
                    samplingSeed: UInt64(spec.seed * 100 + spec.index))
            ])
            let id = try ledger.read { db in
                try Int64.fetchOne(
                    db,
                    sql: """
                        SELECT id FROM samples WHERE seed_ordinal = ? AND task = ? AND sample_index = ? AND kind = ?
                            AND round = ? AND attempt = ?
                        """, arguments: [spec.seed, spec.task, spec.index, spec.kind, spec.round, spec.attempt])
            }
            ids[spec.key] = try XCTUnwrap(id)
            records[spec.key] = Self.recordID(spec.recordOf ?? spec.key)
        }
        var kept: [(id: Int64, cluster: String?)] = []
        var rejected: [(id: Int64, stage: String, reason: String, detail: String, cluster: String?)] = []
        var toShard: [String] = []
        for spec in samples {
            let id = ids[spec.key]!
            if case .pending = spec.outcome { continue }
            try ledger.saveGeneration(
                sampleID: id,
                GenerationRecord(
                    promptRef: "\(spec.kind == "generate" ? spec.task : spec.kind)/generate@abcdef012345",
                    prompt: "Passage:\nseed \(spec.seed)\n\nWrite a \(spec.task) problem.",
                    output: spec.output ?? "Problem: \(spec.problem ?? "")\n\nSolution:\n\(spec.solution ?? "")",
                    finishReason: spec.key.hasSuffix("9") ? "length" : "eos", promptTokens: 20,
                    completionTokens: spec.completionTokens, seconds: 2.0))
            if let difficulty = spec.difficulty {
                // No ledger API writes difficulty yet (issue 7); the audit only reads the column.
                try ledger.write { db in
                    try db.execute(sql: "UPDATE samples SET difficulty = ? WHERE id = ?", arguments: [difficulty, id])
                }
            }
            let parsed = ParsedFields(
                problem: spec.problem ?? "", solution: spec.solution ?? "", answer: "42",
                tests: spec.task == "code" ? "assert f() == 42" : "")
            let score = spec.judgments.first { $0.judge == "rubric" }?.score
            switch spec.outcome {
            case .pending:
                continue
            case .generated:
                continue
            case .parseFailed(let reason):
                try ledger.saveJudging(
                    sampleID: id, parsed: nil, recordID: nil, judgments: [], score: nil,
                    rejection: ("parse", "parse:\(reason)", "no Solution: section"))
                continue
            case .judgeRejected:
                let failure = try XCTUnwrap(spec.judgments.first { !$0.passed })
                try ledger.saveJudging(
                    sampleID: id, parsed: parsed, recordID: records[spec.key],
                    judgments: spec.judgments, score: score,
                    rejection: (
                        "judge:\(failure.judge)", "\(failure.judge):\(failure.reason)",
                        failure.detail
                    ))
                continue
            default:
                try ledger.saveJudging(
                    sampleID: id, parsed: parsed, recordID: records[spec.key],
                    judgments: spec.judgments, score: score, rejection: nil)
            }
            switch spec.outcome {
            case .kept(let cluster):
                kept.append((id, cluster))
            case .accepted(let cluster):
                kept.append((id, cluster))
                toShard.append(spec.key)
            case .selectionRejected(let stage, let reason, let cluster):
                rejected.append((id, stage, reason, "matched by the fixture", cluster))
            default:
                break
            }
        }
        try ledger.saveSelection(kept: kept, rejected: rejected)
        if !toShard.isEmpty {
            let writer = try ShardWriter(
                directory: directory.appendingPathComponent("shards"), maxBytes: 1 << 20,
                level: 3, startIndex: 0
            ) { shard, sampleIDs in
                try ledger.commitShard(shard, sampleIDs: sampleIDs)
            }
            for key in toShard {
                let spec = samples.first { $0.key == key }!
                let line = JSONValue.object([
                    ("id", .string(records[key]!)), ("task", .string(spec.task)),
                    (
                        "messages",
                        .array([
                            .object([("role", .string("user")), ("content", .string(spec.problem ?? ""))]),
                            .object([("role", .string("assistant")), ("content", .string(spec.solution ?? ""))]),
                        ])
                    ),
                    ("run", .string(runID)),
                ])
                try writer.append(line: line.serialized(), sampleID: ids[key]!)
            }
            try writer.finish()
        }
        for (stage, seconds, items) in stageTimes { try ledger.addStageTime(stage, seconds: seconds, items: items) }
        if finished { try ledger.recordEvent("finish") }
        self.ids = ids
        self.recordIDs = records
    }
}
