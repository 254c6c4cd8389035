import Foundation
import GRDB

/// A seed: one chunk of a corpus document.
public struct SeedRecord: Sendable, Hashable {
    public var ordinal: Int
    public var id: String
    public var source: String
    public var start: Int
    public var end: Int
    public var text: String

    public init(ordinal: Int, id: String, source: String, start: Int, end: Int, text: String) {
        self.ordinal = ordinal
        self.id = id
        self.source = source
        self.start = start
        self.end = end
        self.text = text
    }

    init(row: Row) {
        ordinal = row["ordinal"]
        id = row["id"]
        source = row["source"]
        start = row["span_start"]
        end = row["span_end"]
        text = row["text"]
    }

    /// A stable id from where the seed came from and what it says.
    public static func makeID(source: String, start: Int, end: Int, text: String) -> String {
        String(Hashing.sha256Hex("\(source)\u{1F}\(start)\u{1F}\(end)\u{1F}\(text)").prefix(16))
    }
}

/// Where a sample is in its life. `accepted` and `rejected` are terminal.
public enum SampleState: String, Sendable, CaseIterable {
    case pending, generated, judged, kept, accepted, rejected

    public var isTerminal: Bool { self == .accepted || self == .rejected }
}

/// One generation request and everything that happened to its output.
public struct SampleRecord: Sendable {
    public var id: Int64
    public var seedOrdinal: Int
    public var task: String
    public var sampleIndex: Int
    public var kind: String
    public var round: Int
    public var attempt: Int
    public var parentID: Int64?
    public var state: SampleState
    public var samplingSeed: UInt64
    public var promptRef: String?
    public var prompt: String?
    public var output: String?
    public var finishReason: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var generationSeconds: Double?
    public var problem: String?
    public var solution: String?
    public var answer: String?
    public var tests: String?
    public var score: Double?
    public var difficulty: Double?
    public var recordID: String?
    public var rejectStage: String?
    public var rejectReason: String?
    public var rejectDetail: String?
    public var dedupCluster: String?
    public var shardID: Int?
    public var shardLine: Int?
    public var generatedAt: String?
    public var judgedAt: String?
    public var finishedAt: String?

    init(row: Row) {
        id = row["id"]
        seedOrdinal = row["seed_ordinal"]
        task = row["task"]
        sampleIndex = row["sample_index"]
        kind = row["kind"]
        round = row["round"]
        attempt = row["attempt"]
        parentID = row["parent_id"]
        state = SampleState(rawValue: row["state"]) ?? .pending
        samplingSeed = UInt64(bitPattern: row["sampling_seed"] as Int64)
        promptRef = row["prompt_ref"]
        prompt = row["prompt"]
        output = row["output"]
        finishReason = row["finish_reason"]
        promptTokens = row["prompt_tokens"]
        completionTokens = row["completion_tokens"]
        generationSeconds = row["generation_seconds"]
        problem = row["problem"]
        solution = row["solution"]
        answer = row["answer"]
        tests = row["tests"]
        score = row["score"]
        difficulty = row["difficulty"]
        recordID = row["record_id"]
        rejectStage = row["reject_stage"]
        rejectReason = row["reject_reason"]
        rejectDetail = row["reject_detail"]
        dedupCluster = row["dedup_cluster"]
        shardID = row["shard_id"]
        shardLine = row["shard_line"]
        generatedAt = row["generated_at"]
        judgedAt = row["judged_at"]
        finishedAt = row["finished_at"]
    }
}

/// One judge's verdict on one sample.
public struct Judgment: Sendable, Hashable, Codable {
    public var judge: String
    public var version: String
    public var passed: Bool
    public var score: Double?
    /// A stable, machine-readable reason code (e.g. `passed`, `assertion_failed`, `wrong_annotation`).
    public var reason: String
    /// Human-readable detail, usable in a repair prompt.
    public var detail: String
    public var seconds: Double
    /// `<name>@<sha256 prefix>` of the judging model, for model judges.
    public var model: String
    /// `<template>@<sha256 prefix>` of the judge prompt, for model judges.
    public var promptRef: String

    public init(judge: String, version: String, passed: Bool, score: Double? = nil, reason: String,
                detail: String = "", seconds: Double = 0, model: String = "", promptRef: String = "") {
        self.judge = judge
        self.version = version
        self.passed = passed
        self.score = score
        self.reason = reason
        self.detail = detail
        self.seconds = seconds
        self.model = model
        self.promptRef = promptRef
    }

    init(row: Row) {
        judge = row["judge"]
        version = row["version"]
        passed = row["passed"]
        score = row["score"]
        reason = row["reason"]
        detail = row["detail"]
        seconds = row["seconds"]
        model = row["model"]
        promptRef = row["prompt_ref"]
    }
}

/// A committed shard file.
public struct ShardRecord: Sendable, Hashable {
    public var id: Int
    public var file: String
    public var records: Int
    public var bytes: Int
    public var uncompressedBytes: Int
    public var sha256: String
    public var createdAt: String

    init(row: Row) {
        id = row["id"]
        file = row["file"]
        records = row["records"]
        bytes = row["bytes"]
        uncompressedBytes = row["uncompressed_bytes"]
        sha256 = row["sha256"]
        createdAt = row["created_at"]
    }

    public init(id: Int, file: String, records: Int, bytes: Int, uncompressedBytes: Int, sha256: String,
                createdAt: String) {
        self.id = id
        self.file = file
        self.records = records
        self.bytes = bytes
        self.uncompressedBytes = uncompressedBytes
        self.sha256 = sha256
        self.createdAt = createdAt
    }
}
