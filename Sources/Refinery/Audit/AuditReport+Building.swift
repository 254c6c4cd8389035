import Foundation

extension AuditReport {
    /// Computes the report from a ledger (open it read-only for a finished or running run).
    public init(ledger: RunLedger, options: AuditOptions = AuditOptions()) throws {
        let snapshot = try ledger.auditSnapshot(tokenCounter: options.tokenCounter ?? TokenEstimate.count)
        self.init(snapshot: snapshot, options: options)
        let runID = overview.runID
        var cache = ShardLineCache(runDirectory: ledger.url.deletingLastPathComponent())
        let picks = AuditStrata.examples(
            strata, accepted: options.acceptedExamples,
            borderline: options.borderlineExamples, perReason: options.examplesPerReason,
            maxReasons: options.exampleReasons)
        let samples = try ledger.auditSamples(ids: picks.map(\.sampleID))
        examples = try picks.compactMap { pick in
            guard let sample = samples[pick.sampleID] else { return nil }
            return AuditExample(
                stratum: pick.stratum,
                lineage: try RecordLineage.load(
                    ledger: ledger, sample: sample, runID: runID,
                    shards: &cache))
        }
    }

    /// Everything but the examples, from a snapshot.
    init(snapshot: AuditSnapshot, options: AuditOptions) {
        let info = snapshot.info
        let config = AuditRunConfig(json: info["config_json"])
        let rows = snapshot.samples
        let judgments = snapshot.judgments
        overview = RunOverview(
            runID: info["run_id"] ?? "?", pipeline: info["pipeline"] ?? "?", model: info["model"] ?? "?",
            configHash: info["config_hash"] ?? "?", created: info["created"] ?? "?",
            refineryVersion: info["refinery_version"] ?? "?", finished: snapshot.lastEventKind == "finish",
            runAllJudges: config.runAllJudges, seeds: snapshot.seeds.count, acquiredAll: info["acquired_all"] == "true")

        var taskNames = config.tasks.map(\.name)
        for task in Set(rows.map(\.task)).sorted() where !taskNames.contains(task) { taskNames.append(task) }
        let rowsByTask = Dictionary(grouping: rows, by: \.task)
        var allJudges: [String] = []
        var funnels: [SampleFunnel] = []
        var judgeSummaries: [JudgeSummary] = []
        var agreements: [JudgeAgreement] = []
        var byVerdict: [ScoreByVerdict] = []
        var lengths: [LengthDistribution] = []
        var breakdown: [KindRoundBreakdown] = []
        for task in taskNames {
            let taskRows = rowsByTask[task] ?? []
            let order = JudgeAnalysis.order(task: task, config: config, rows: taskRows, judgments: judgments)
            for judge in order where !allJudges.contains(judge) { allJudges.append(judge) }
            funnels.append(SampleFunnel.make(label: task, task: task, rows: taskRows, judges: order))
            let summaries = JudgeAnalysis.summaries(
                task: task, order: order, config: config, rows: taskRows,
                judgments: judgments)
            judgeSummaries += summaries
            agreements += JudgeAnalysis.agreements(task: task, order: order, rows: taskRows, judgments: judgments)
            byVerdict += JudgeAnalysis.scoresByVerdict(
                task: task, order: order, summaries: summaries, rows: taskRows,
                judgments: judgments)
            lengths += Self.lengths(task: task, rows: taskRows)
            breakdown += Self.breakdown(task: task, rows: taskRows, judges: order)
        }
        totals = SampleFunnel.make(label: "all", task: "", rows: rows, judges: allJudges)
        self.funnels = funnels
        judges = judgeSummaries
        self.agreements = agreements
        scoresByVerdict = byVerdict
        self.lengths = lengths
        self.breakdown = breakdown
        lengthUnit =
            options.tokenCounter == nil
            ? "tokens (\(TokenEstimate.description))"
            : "tokens (\(options.tokenizerName))"
        rejections = Self.rejections(rows: rows)
        sources = Self.sourceYields(snapshot: snapshot)
        stageTimes = snapshot.stageTimes
        generation = Self.generationStats(rows: rows, stageTimes: snapshot.stageTimes)
        (prompts, judgeIdentities) = Self.provenance(rows: rows, judgments: judgments)
        quarantine = snapshot.quarantine
        shards = snapshot.shards
        strata = AuditStrata.make(runID: overview.runID, rows: rows, judgments: judgments, config: config)
        examples = []
    }

    static func rejections(rows: [AuditSampleRow]) -> [RejectionReason] {
        var counts: [String: Int] = [:]
        var stages: [String: Set<String>] = [:]
        var perTask: [String: [String: Int]] = [:]
        for row in rows where row.state == .rejected {
            let key = AuditStrata.reasonKey(row.rejectReason ?? "unknown")
            counts[key, default: 0] += 1
            stages[key, default: []].insert(row.rejectStage ?? "unknown")
            perTask[key, default: [:]][row.task, default: 0] += 1
        }
        return JudgeAnalysis.ranked(counts).map { item in
            RejectionReason(
                reason: item.reason, stages: (stages[item.reason] ?? []).sorted(), count: item.count,
                perTask: JudgeAnalysis.ranked(perTask[item.reason] ?? [:]))
        }
    }

    static func lengths(task: String, rows: [AuditSampleRow]) -> [LengthDistribution] {
        let accepted = rows.filter { $0.state == .accepted }
        let parsed = rows.filter { $0.problemTokens != nil }
        let generated = rows.filter { $0.completionTokens != nil }
        return [
            LengthDistribution(
                task: task, field: "problem", population: "accepted",
                values: accepted.compactMap(\.problemTokens).map(Double.init)),
            LengthDistribution(
                task: task, field: "solution", population: "accepted",
                values: accepted.compactMap(\.solutionTokens).map(Double.init)),
            LengthDistribution(
                task: task, field: "problem", population: "parsed",
                values: parsed.compactMap(\.problemTokens).map(Double.init)),
            LengthDistribution(
                task: task, field: "solution", population: "parsed",
                values: parsed.compactMap(\.solutionTokens).map(Double.init)),
            LengthDistribution(
                task: task, field: "completion", population: "generated",
                values: generated.compactMap(\.completionTokens).map(Double.init)),
        ]
    }

    /// Kinds in pipeline order (`generate`, `evolve`, `repair`, then others by name), rounds ascending.
    static func breakdown(task: String, rows: [AuditSampleRow], judges: [String]) -> [KindRoundBreakdown] {
        let known = ["generate", "evolve", "repair"]
        let groups = Dictionary(grouping: rows) { "\($0.kind)\u{1F}\($0.round)" }
        let keys = Set(rows.map { KindRound(kind: $0.kind, round: $0.round) }).sorted {
            let left = (known.firstIndex(of: $0.kind) ?? known.count, $0.kind, $0.round)
            let right = (known.firstIndex(of: $1.kind) ?? known.count, $1.kind, $1.round)
            return left < right
        }
        return keys.map { key in
            let group = groups["\(key.kind)\u{1F}\(key.round)"] ?? []
            let acceptedScores = group.filter { $0.state == .accepted }.compactMap(\.score)
            return KindRoundBreakdown(
                task: task, kind: key.kind, round: key.round,
                funnel: SampleFunnel.make(
                    label: "\(task) \(key.kind) round \(key.round)", task: task, rows: group,
                    judges: judges),
                meanAcceptedScore: acceptedScores.isEmpty
                    ? nil
                    : acceptedScores.reduce(0, +) / Double(acceptedScores.count),
                difficulties: group.compactMap(\.difficulty), withParent: group.filter { $0.parentID != nil }.count,
                maxAttempt: group.map(\.attempt).max() ?? 0)
        }
    }

    private struct KindRound: Hashable {
        var kind: String
        var round: Int
    }

    /// Seeds, samples and yield per corpus file. JSONL seeds (`file:line`) count toward their file.
    static func sourceYields(snapshot: AuditSnapshot) -> [SourceYield] {
        let known = Set(snapshot.sources.map(\.path))
        func file(of source: String) -> String {
            if known.contains(source) { return source }
            if let colon = source.lastIndex(of: ":"), !source[source.index(after: colon)...].isEmpty,
                source[source.index(after: colon)...].allSatisfy(\.isNumber), known.contains(String(source[..<colon]))
            {
                return String(source[..<colon])
            }
            return source
        }
        var result: [String: SourceYield] = [:]
        var order: [String] = []
        func entry(_ path: String) -> SourceYield {
            result[path]
                ?? SourceYield(
                    source: path, documents: nil, seeds: 0, droppedFragments: 0, quarantined: 0,
                    generated: 0, accepted: 0, rejected: 0, inFlight: 0)
        }
        for source in snapshot.sources {
            var item = entry(source.path)
            item.documents = source.documents
            item.droppedFragments = source.dropped
            item.quarantined = source.quarantined
            result[source.path] = item
            order.append(source.path)
        }
        var seedFile: [Int: String] = [:]
        for seed in snapshot.seeds {
            let path = file(of: seed.source)
            seedFile[seed.ordinal] = path
            if result[path] == nil { order.append(path) }
            var item = entry(path)
            item.seeds += 1
            result[path] = item
        }
        for row in snapshot.samples {
            let path = seedFile[row.seedOrdinal] ?? "(unknown seed)"
            if result[path] == nil { order.append(path) }
            var item = entry(path)
            if row.isGenerated { item.generated += 1 }
            if row.state == .accepted { item.accepted += 1 }
            if row.state == .rejected { item.rejected += 1 }
            if row.isInFlight { item.inFlight += 1 }
            result[path] = item
        }
        return order.compactMap { result[$0] }
    }

    static func generationStats(rows: [AuditSampleRow], stageTimes: [StageTime]) -> GenerationStats {
        var finish: [String: Int] = [:]
        var stats = GenerationStats(
            completions: 0, promptTokens: 0, completionTokens: 0, requestSeconds: 0,
            wallSeconds: stageTimes.first { $0.stage == "generate+judge" }?.seconds,
            finishReasons: [])
        for row in rows where row.completionTokens != nil || row.finishReason != nil {
            stats.completions += 1
            stats.promptTokens += row.promptTokens ?? 0
            stats.completionTokens += row.completionTokens ?? 0
            stats.requestSeconds += row.generationSeconds ?? 0
            finish[row.finishReason ?? "unknown", default: 0] += 1
        }
        stats.finishReasons = JudgeAnalysis.ranked(finish)
        return stats
    }

    static func provenance(
        rows: [AuditSampleRow], judgments: [Int64: [Judgment]]
    )
        -> ([PromptUsage], [JudgeIdentity])
    {
        var prompts: [PromptUsage] = []
        var promptIndex: [String: Int] = [:]
        var judges: [JudgeIdentity] = []
        var judgeIndex: [String: Int] = [:]
        for row in rows {
            if let ref = row.promptRef {
                let key = [row.task, row.kind, ref].joined(separator: "\u{1F}")
                if let index = promptIndex[key] {
                    prompts[index].samples += 1
                } else {
                    promptIndex[key] = prompts.count
                    prompts.append(PromptUsage(task: row.task, kind: row.kind, promptRef: ref, samples: 1))
                }
            }
            for judgment in judgments[row.id] ?? [] {
                let key = [row.task, judgment.judge, judgment.version, judgment.model, judgment.promptRef]
                    .joined(separator: "\u{1F}")
                if let index = judgeIndex[key] {
                    judges[index].judgments += 1
                } else {
                    judgeIndex[key] = judges.count
                    judges.append(
                        JudgeIdentity(
                            task: row.task, judge: judgment.judge, version: judgment.version,
                            model: judgment.model, promptRef: judgment.promptRef, judgments: 1))
                }
            }
        }
        return (prompts, judges)
    }
}
