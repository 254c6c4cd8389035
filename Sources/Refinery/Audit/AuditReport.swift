import Foundation

/// What a run produced and why, computed from its ledger: funnels, rejection reasons, judge score distributions
/// and agreement, lengths, yield per source, throughput, provenance, quarantined inputs and stratified examples.
///
/// A value: compute it once (`AuditReport(ledger:)`), then render it as text (`text()`), HTML (`html()`), JSON
/// (`json()`), or write `report.txt` and `report.html` into a run's `audit/` folder (`write(to:)`). All counts are
/// read in one ledger transaction, so they reconcile even while a run is writing.
public struct AuditReport: Sendable {
    public var overview: RunOverview
    /// Every sample of the run (all tasks, kinds and rounds) as one funnel.
    public var totals: SampleFunnel
    /// One funnel per task, in pipeline order.
    public var funnels: [SampleFunnel]
    /// Rejection reasons, most frequent first (`duplicate_of:<id>` grouped as `duplicate_of:*`).
    public var rejections: [RejectionReason]
    /// Per task, per judge in chain order.
    public var judges: [JudgeSummary]
    public var agreements: [JudgeAgreement]
    public var scoresByVerdict: [ScoreByVerdict]
    public var lengths: [LengthDistribution]
    /// How problem/solution lengths were measured (a tokenizer's name or the estimate's rule).
    public var lengthUnit: String
    public var sources: [SourceYield]
    public var stageTimes: [StageTime]
    public var generation: GenerationStats
    public var prompts: [PromptUsage]
    public var judgeIdentities: [JudgeIdentity]
    public var quarantine: [QuarantinedInput]
    /// One row per task, sample kind (`generate`, `evolve`, `repair`, …) and round.
    public var breakdown: [KindRoundBreakdown]
    public var shards: [ShardRecord]
    /// The sampling strata (for review samples), in a fixed order derived from the run id.
    public var strata: [AuditStratum]
    /// Stratified example records with their full lineage.
    public var examples: [AuditExample]
}

/// Options for computing a report.
public struct AuditOptions: Sendable {
    /// Counts tokens of problems and solutions; nil uses `TokenEstimate`.
    public var tokenCounter: AuditTokenCounter?
    /// Named in the report when `tokenCounter` is given (e.g. the model's name).
    public var tokenizerName: String
    public var acceptedExamples: Int
    public var borderlineExamples: Int
    public var examplesPerReason: Int
    public var exampleReasons: Int

    public init(
        tokenCounter: AuditTokenCounter? = nil, tokenizerName: String = "tokenizer", acceptedExamples: Int = 3,
        borderlineExamples: Int = 3, examplesPerReason: Int = 2, exampleReasons: Int = 12
    ) {
        self.tokenCounter = tokenCounter
        self.tokenizerName = tokenizerName
        self.acceptedExamples = acceptedExamples
        self.borderlineExamples = borderlineExamples
        self.examplesPerReason = examplesPerReason
        self.exampleReasons = exampleReasons
    }
}

/// Who ran what: the run's identity, model and configuration hash.
public struct RunOverview: Sendable, Hashable {
    public var runID: String
    public var pipeline: String
    public var model: String
    public var configHash: String
    public var created: String
    public var refineryVersion: String
    /// The last ledger event is `finish`.
    public var finished: Bool
    public var runAllJudges: Bool
    public var seeds: Int
    /// Acquisition read every corpus file (no seed limit cut it short).
    public var acquiredAll: Bool
}

/// A rejection reason with its stage(s) and counts per task.
public struct RejectionReason: Sendable, Hashable {
    public var reason: String
    public var stages: [String]
    public var count: Int
    /// Per task, most frequent first.
    public var perTask: [ReasonCount]

    public func count(task: String) -> Int { perTask.first { $0.reason == task }?.count ?? 0 }
}

/// Lengths of one field over one population of a task's samples.
public struct LengthDistribution: Sendable, Hashable {
    public var task: String
    /// `problem`, `solution` (in the report's length unit) or `completion` (model tokens from the ledger).
    public var field: String
    /// `accepted`, `parsed` (every sample with parsed fields) or `generated`.
    public var population: String
    public var values: [Double]

    public var summary: DistributionSummary? { DistributionSummary(values) }
    /// One bin per token count for short spans, else ten round bins from 0.
    public var histogram: AuditHistogram { AuditHistogram.automatic(values) }
}

/// Seeds and yield of one corpus file.
public struct SourceYield: Sendable, Hashable {
    public var source: String
    /// Documents read from the file; nil when acquisition did not list it.
    public var documents: Int?
    public var seeds: Int
    public var droppedFragments: Int
    public var quarantined: Int
    public var generated: Int
    public var accepted: Int
    public var rejected: Int
    public var inFlight: Int

    public var yield: Double? { ratio(accepted, generated) }
    public var acceptedPerSeed: Double? { ratio(accepted, seeds) }
}

/// Generation totals: tokens, time, and how completions ended.
public struct GenerationStats: Sendable, Hashable {
    public var completions: Int
    public var promptTokens: Int
    public var completionTokens: Int
    /// Sum of per-request latencies (overlapping requests count in full).
    public var requestSeconds: Double
    /// Wall time of the `generate+judge` stage, when recorded.
    public var wallSeconds: Double?
    public var finishReasons: [ReasonCount]

    /// Completion tokens per second of wall time (batched throughput).
    public var tokensPerSecond: Double? {
        guard let wallSeconds, wallSeconds > 0 else { return nil }
        return Double(completionTokens) / wallSeconds
    }
}

/// A generation prompt template (`<template>@<sha256 prefix>`) and how many samples used it.
public struct PromptUsage: Sendable, Hashable {
    public var task: String
    public var kind: String
    public var promptRef: String
    public var samples: Int
}

/// A judge as it ran: version, model and prompt hashes, and how many judgments it gave with them.
public struct JudgeIdentity: Sendable, Hashable {
    public var task: String
    public var judge: String
    public var version: String
    public var model: String
    public var promptRef: String
    public var judgments: Int
}

/// One task × sample kind × round: its funnel, accepted score and difficulty labels.
public struct KindRoundBreakdown: Sendable, Hashable {
    public var task: String
    public var kind: String
    public var round: Int
    public var funnel: SampleFunnel
    /// Mean `samples.score` of the accepted samples.
    public var meanAcceptedScore: Double?
    /// `samples.difficulty` of every sample that has one.
    public var difficulties: [Double]
    /// Samples with a parent (evolutions, repairs).
    public var withParent: Int
    /// The highest repair attempt number seen.
    public var maxAttempt: Int

    public var difficultySummary: DistributionSummary? { DistributionSummary(difficulties) }
}

/// An example record and the stratum it stands for.
public struct AuditExample: Sendable {
    public var stratum: String
    public var lineage: RecordLineage
}

extension AuditReport {
    /// Opens `RUN_DIR/ledger.sqlite` read-only and computes the report; a folder without a ledger is an input
    /// error (exit code 2).
    public static func load(runDirectory: URL, options: AuditOptions = AuditOptions()) throws -> AuditReport {
        try AuditReport(ledger: try ledger(runDirectory: runDirectory), options: options)
    }

    /// Opens a run's ledger read-only, with an input error naming the folder when there is none.
    public static func ledger(runDirectory: URL) throws -> RunLedger {
        let url = runDirectory.appendingPathComponent(RunLedger.fileName)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: runDirectory.path, isDirectory: &isDirectory),
            isDirectory.boolValue
        else {
            throw RefineryError.input("no such run directory", at: SourceLocation(file: runDirectory.path))
        }
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RefineryError.input(
                "not a run directory: it has no \(RunLedger.fileName)",
                at: SourceLocation(file: runDirectory.path))
        }
        do {
            return try RunLedger(url: url, readOnly: true)
        } catch let error as RefineryError where error.kind == .usage {
            throw RefineryError.input(error.message, at: error.location)
        }
    }

    /// Writes `report.txt` and `report.html` into `directory` (created if needed), each atomically; returns their
    /// URLs. `refinery run` calls it with `RUN_DIR/audit` when a run ends.
    @discardableResult
    public func write(to directory: URL) throws -> (text: URL, html: URL) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RefineryError.internal(
                "cannot create the audit folder: \(error.localizedDescription)",
                at: SourceLocation(file: directory.path))
        }
        let textURL = directory.appendingPathComponent("report.txt")
        let htmlURL = directory.appendingPathComponent("report.html")
        try FileSystem.writeAtomically(Data(text().utf8), to: textURL)
        try FileSystem.writeAtomically(Data(html().utf8), to: htmlURL)
        return (textURL, htmlURL)
    }
}
