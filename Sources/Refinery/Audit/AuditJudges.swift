import Foundation

/// A reason code and how often it occurred.
public struct ReasonCount: Sendable, Hashable {
    public var reason: String
    public var count: Int
}

/// One judge of one task: how often it ran and passed, its reason codes, its score distribution and its cost.
public struct JudgeSummary: Sendable, Hashable {
    public var task: String
    public var judge: String
    /// Position in the task's judge chain (0 first).
    public var position: Int
    public var versions: [String]
    /// Samples this judge gave a verdict on.
    public var ran: Int
    public var passed: Int
    /// Samples rejected with this judge as the first failing one (`reject_stage = judge:<name>`).
    public var rejected: Int
    /// Verdict reason codes (`passed` included), most frequent first.
    public var reasons: [ReasonCount]
    /// Every score it gave, in sample order (for distributions and run comparisons).
    public var scores: [Double]
    /// The configured pass threshold, when the judge has one.
    public var threshold: Double?
    public var higherIsBetter: Bool
    public var totalSeconds: Double

    public var failed: Int { ran - passed }
    public var passRate: Double? { ratio(passed, ran) }
    public var meanSeconds: Double? { ran > 0 ? totalSeconds / Double(ran) : nil }
    public var scoreSummary: DistributionSummary? { DistributionSummary(scores) }
    public var histogram: AuditHistogram { Self.histogram(judge: judge, scores: scores) }

    /// Rubric scores use fixed unit bins over 1–10 so runs compare bin by bin; other judges get automatic bins.
    static func histogram(judge: String, scores: [Double]) -> AuditHistogram {
        if judge == "rubric" { return AuditHistogram(values: scores, lower: 1, upper: 10, bins: 9) }
        return AuditHistogram.automatic(scores)
    }
}

/// Pass/fail agreement of two judges over the samples both judged.
public struct JudgeAgreement: Sendable, Hashable {
    public var task: String
    /// The judge that runs first in the chain.
    public var first: String
    public var second: String
    public var bothPassed: Int
    /// First passed, second failed.
    public var onlyFirstPassed: Int
    /// First failed, second passed.
    public var onlySecondPassed: Int
    public var bothFailed: Int

    public var count: Int { bothPassed + onlyFirstPassed + onlySecondPassed + bothFailed }
    public var agreement: Double? { ratio(bothPassed + bothFailed, count) }

    /// Cohen's kappa: agreement corrected for chance; nil when chance agreement is total (one verdict only).
    public var kappa: Double? {
        let n = Double(count)
        guard n > 0 else { return nil }
        let observed = Double(bothPassed + bothFailed) / n
        let firstPass = Double(bothPassed + onlyFirstPassed) / n
        let secondPass = Double(bothPassed + onlySecondPassed) / n
        let chance = firstPass * secondPass + (1 - firstPass) * (1 - secondPass)
        guard chance < 1 - 1e-12 else { return nil }
        return (observed - chance) / (1 - chance)
    }
}

/// A scored judge's mean score split by another judge's verdict: does the model judge track the verifier?
public struct ScoreByVerdict: Sendable, Hashable {
    public var task: String
    public var scoredJudge: String
    public var verdictJudge: String
    public var passCount: Int
    public var passMean: Double?
    public var failCount: Int
    public var failMean: Double?
}

enum JudgeAnalysis {
    /// The judge chain of a task: configured order first, then judges only the ledger shows, by first position.
    static func order(
        task: String, config: AuditRunConfig, rows: [AuditSampleRow],
        judgments: [Int64: [Judgment]]
    ) -> [String] {
        var names = config.task(task)?.judges.map(\.name) ?? []
        var seen: [String: Int] = [:]
        for row in rows where row.task == task {
            for (position, judgment) in (judgments[row.id] ?? []).enumerated() where !names.contains(judgment.judge) {
                seen[judgment.judge] = min(seen[judgment.judge] ?? Int.max, position)
            }
            if let stage = row.rejectStage, stage.hasPrefix("judge:") {
                let name = String(stage.dropFirst(6))
                if !names.contains(name) && seen[name] == nil { seen[name] = Int.max }
            }
        }
        names += seen.keys.sorted { (seen[$0] ?? 0, $0) < (seen[$1] ?? 0, $1) }
        return names
    }

    static func summaries(
        task: String, order: [String], config: AuditRunConfig, rows: [AuditSampleRow],
        judgments: [Int64: [Judgment]]
    ) -> [JudgeSummary] {
        var result: [String: JudgeSummary] = [:]
        var reasonCounts: [String: [String: Int]] = [:]
        var versions: [String: Set<String>] = [:]
        for (position, name) in order.enumerated() {
            let spec = config.judge(name, task: task)
            result[name] = JudgeSummary(
                task: task, judge: name, position: position, versions: [], ran: 0, passed: 0, rejected: 0,
                reasons: [], scores: [], threshold: spec?.threshold, higherIsBetter: spec?.higherIsBetter ?? true,
                totalSeconds: 0)
        }
        for row in rows where row.task == task {
            if row.state == .rejected, let stage = row.rejectStage, stage.hasPrefix("judge:") {
                result[String(stage.dropFirst(6))]?.rejected += 1
            }
            for judgment in judgments[row.id] ?? [] {
                guard var summary = result[judgment.judge] else { continue }
                summary.ran += 1
                if judgment.passed { summary.passed += 1 }
                if let score = judgment.score, score.isFinite { summary.scores.append(score) }
                summary.totalSeconds += judgment.seconds
                result[judgment.judge] = summary
                reasonCounts[judgment.judge, default: [:]][judgment.reason, default: 0] += 1
                versions[judgment.judge, default: []].insert(judgment.version)
            }
        }
        return order.compactMap { name in
            guard var summary = result[name] else { return nil }
            summary.reasons = ranked(reasonCounts[name] ?? [:])
            summary.versions = (versions[name] ?? []).sorted()
            return summary
        }
    }

    /// Pairwise agreement for every pair of judges that both judged at least one sample.
    static func agreements(
        task: String, order: [String], rows: [AuditSampleRow],
        judgments: [Int64: [Judgment]]
    ) -> [JudgeAgreement] {
        var cells: [String: JudgeAgreement] = [:]
        for row in rows where row.task == task {
            let list = judgments[row.id] ?? []
            guard list.count >= 2 else { continue }
            let verdicts = Dictionary(list.map { ($0.judge, $0.passed) }, uniquingKeysWith: { first, _ in first })
            for (i, first) in order.enumerated() {
                guard let a = verdicts[first] else { continue }
                for second in order[(i + 1)...] {
                    guard let b = verdicts[second] else { continue }
                    let key = first + "\u{1F}" + second
                    var cell =
                        cells[key]
                        ?? JudgeAgreement(
                            task: task, first: first, second: second, bothPassed: 0,
                            onlyFirstPassed: 0, onlySecondPassed: 0, bothFailed: 0)
                    switch (a, b) {
                    case (true, true): cell.bothPassed += 1
                    case (true, false): cell.onlyFirstPassed += 1
                    case (false, true): cell.onlySecondPassed += 1
                    case (false, false): cell.bothFailed += 1
                    }
                    cells[key] = cell
                }
            }
        }
        var result: [JudgeAgreement] = []
        for (i, first) in order.enumerated() {
            for second in order[(i + 1)...] {
                if let cell = cells[first + "\u{1F}" + second] { result.append(cell) }
            }
        }
        return result
    }

    /// For each judge whose scores are more than pass/fail (a threshold is configured, or a score outside {0, 1}
    /// occurs), its mean score among samples each other judge passed and failed.
    static func scoresByVerdict(
        task: String, order: [String], summaries: [JudgeSummary], rows: [AuditSampleRow],
        judgments: [Int64: [Judgment]]
    ) -> [ScoreByVerdict] {
        let scored = summaries.filter { summary in
            !summary.scores.isEmpty && (summary.threshold != nil || summary.scores.contains { $0 != 0 && $0 != 1 })
        }.map(\.judge)
        var result: [ScoreByVerdict] = []
        for scoredJudge in scored {
            for verdictJudge in order where verdictJudge != scoredJudge {
                var pass: [Double] = []
                var fail: [Double] = []
                for row in rows where row.task == task {
                    let list = judgments[row.id] ?? []
                    guard let score = list.first(where: { $0.judge == scoredJudge })?.score,
                        let verdict = list.first(where: { $0.judge == verdictJudge })
                    else { continue }
                    if verdict.passed { pass.append(score) } else { fail.append(score) }
                }
                guard !pass.isEmpty || !fail.isEmpty else { continue }
                result.append(
                    ScoreByVerdict(
                        task: task, scoredJudge: scoredJudge, verdictJudge: verdictJudge, passCount: pass.count,
                        passMean: pass.isEmpty ? nil : pass.reduce(0, +) / Double(pass.count), failCount: fail.count,
                        failMean: fail.isEmpty ? nil : fail.reduce(0, +) / Double(fail.count)))
            }
        }
        return result
    }

    /// Counts sorted by count (descending), then name.
    static func ranked(_ counts: [String: Int]) -> [ReasonCount] {
        counts.map { ReasonCount(reason: $0.key, count: $0.value) }
            .sorted { ($0.count, $1.reason) > ($1.count, $0.reason) }
    }
}
