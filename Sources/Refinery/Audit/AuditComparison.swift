import Foundation

/// A number in two runs and its change (current − baseline); nil where a run has no value.
public struct MetricDelta: Sendable, Hashable {
    public var baseline: Double?
    public var current: Double?

    public var delta: Double? {
        guard let baseline, let current else { return nil }
        return current - baseline
    }
}

/// One funnel stage in two runs.
public struct StageComparison: Sendable, Hashable {
    public var stage: String
    public var baseline: FunnelStage?
    public var current: FunnelStage?
    /// Passed over decided, at this stage.
    public var passRate: MetricDelta
    /// Passed over generated: the share of the run still alive after this stage.
    public var survival: MetricDelta
}

/// One task's funnel in two runs.
public struct FunnelComparison: Sendable, Hashable {
    public var task: String
    public var generated: MetricDelta
    public var accepted: MetricDelta
    public var yield: MetricDelta
    public var stages: [StageComparison]
}

/// A rejection reason's count and share of generated samples in two runs.
public struct ReasonComparison: Sendable, Hashable {
    public var reason: String
    public var count: MetricDelta
    public var shareOfGenerated: MetricDelta
}

/// A judge's pass rate and score distribution in two runs, the histograms over the same bins.
public struct JudgeComparison: Sendable, Hashable {
    public var task: String
    public var judge: String
    public var passRate: MetricDelta
    public var meanScore: MetricDelta
    public var medianScore: MetricDelta
    public var baselineHistogram: AuditHistogram?
    public var currentHistogram: AuditHistogram?
}

/// A length distribution's median and mean in two runs.
public struct LengthComparison: Sendable, Hashable {
    public var task: String
    public var field: String
    public var population: String
    public var median: MetricDelta
    public var mean: MetricDelta
}

/// `refinery audit RUN --against OTHER`: how this run differs from a baseline run (e.g. after a prompt change).
public struct AuditComparison: Sendable {
    public var baseline: RunOverview
    public var current: RunOverview
    public var totals: FunnelComparison
    public var funnels: [FunnelComparison]
    public var reasons: [ReasonComparison]
    public var judges: [JudgeComparison]
    public var lengths: [LengthComparison]

    public init(current: AuditReport, baseline: AuditReport) {
        self.baseline = baseline.overview
        self.current = current.overview
        totals = Self.compare(task: "all", baseline.totals, current.totals)
        var tasks = current.funnels.map(\.task)
        for task in baseline.funnels.map(\.task) where !tasks.contains(task) { tasks.append(task) }
        funnels = tasks.map { task in
            Self.compare(
                task: task, baseline.funnels.first { $0.task == task }, current.funnels.first { $0.task == task })
        }
        var reasonNames = current.rejections.map(\.reason)
        for reason in baseline.rejections.map(\.reason) where !reasonNames.contains(reason) {
            reasonNames.append(reason)
        }
        reasons = reasonNames.map { name in
            let before = baseline.rejections.first { $0.reason == name }?.count ?? 0
            let after = current.rejections.first { $0.reason == name }?.count ?? 0
            return ReasonComparison(
                reason: name, count: MetricDelta(baseline: Double(before), current: Double(after)),
                shareOfGenerated: MetricDelta(
                    baseline: ratio(before, baseline.totals.generated),
                    current: ratio(after, current.totals.generated)))
        }
        var judgeKeys = current.judges.map { [$0.task, $0.judge] }
        for judge in baseline.judges where !judgeKeys.contains([judge.task, judge.judge]) {
            judgeKeys.append([judge.task, judge.judge])
        }
        judges = judgeKeys.map { key in
            Self.compare(
                task: key[0], judge: key[1],
                baseline.judges.first { $0.task == key[0] && $0.judge == key[1] },
                current.judges.first { $0.task == key[0] && $0.judge == key[1] })
        }
        lengths = current.lengths.map { item in
            let other = baseline.lengths.first {
                $0.task == item.task && $0.field == item.field && $0.population == item.population
            }
            return LengthComparison(
                task: item.task, field: item.field, population: item.population,
                median: MetricDelta(baseline: other?.summary?.median, current: item.summary?.median),
                mean: MetricDelta(baseline: other?.summary?.mean, current: item.summary?.mean))
        }
    }

    static func compare(task: String, _ baseline: SampleFunnel?, _ current: SampleFunnel?) -> FunnelComparison {
        var names = current?.stages.map(\.name) ?? []
        for name in baseline?.stages.map(\.name) ?? [] where !names.contains(name) {
            names.insert(name, at: max(0, names.count - 1))
        }
        let stages = names.map { name -> StageComparison in
            let before = baseline?.stage(name)
            let after = current?.stage(name)
            return StageComparison(
                stage: name, baseline: before, current: after,
                passRate: MetricDelta(baseline: before?.passRate, current: after?.passRate),
                survival: MetricDelta(
                    baseline: before.flatMap { ratio($0.passed, baseline?.generated ?? 0) },
                    current: after.flatMap { ratio($0.passed, current?.generated ?? 0) }))
        }
        return FunnelComparison(
            task: task,
            generated: MetricDelta(
                baseline: baseline.map { Double($0.generated) }, current: current.map { Double($0.generated) }),
            accepted: MetricDelta(
                baseline: baseline.map { Double($0.accepted) }, current: current.map { Double($0.accepted) }),
            yield: MetricDelta(baseline: baseline?.yield, current: current?.yield), stages: stages)
    }

    static func compare(
        task: String, judge: String, _ baseline: JudgeSummary?, _ current: JudgeSummary?
    )
        -> JudgeComparison
    {
        let before = baseline?.scores ?? []
        let after = current?.scores ?? []
        var baselineHistogram: AuditHistogram?
        var currentHistogram: AuditHistogram?
        if !before.isEmpty || !after.isEmpty {
            let shared = JudgeSummary.histogram(judge: judge, scores: before + after)
            func rebin(_ values: [Double]) -> AuditHistogram {
                AuditHistogram(
                    values: values, lower: shared.lower, upper: shared.upper, bins: shared.counts.count,
                    integerBins: shared.integerBins)
            }
            baselineHistogram = rebin(before)
            currentHistogram = rebin(after)
        }
        return JudgeComparison(
            task: task, judge: judge, passRate: MetricDelta(baseline: baseline?.passRate, current: current?.passRate),
            meanScore: MetricDelta(baseline: baseline?.scoreSummary?.mean, current: current?.scoreSummary?.mean),
            medianScore: MetricDelta(baseline: baseline?.scoreSummary?.median, current: current?.scoreSummary?.median),
            baselineHistogram: baselineHistogram, currentHistogram: currentHistogram)
    }
}

extension MetricDelta {
    /// `45.0% → 50.0% (+5.0 pp)` for rates.
    var rateText: String {
        "\(Self.percent(baseline)) → \(Self.percent(current)) (\(ppText))"
    }

    var ppText: String {
        guard let delta else { return "–" }
        return String(format: "%+.1f pp", delta * 100)
    }

    /// `6.10 → 6.40 (+0.30)` for plain numbers.
    func valueText(_ digits: Int = 2) -> String {
        let change = delta.map { String(format: "%+.\(digits)f", $0) } ?? "–"
        return "\(decimalText(baseline, digits)) → \(decimalText(current, digits)) (\(change))"
    }

    static func percent(_ value: Double?) -> String {
        value.map { String(format: "%.1f%%", $0 * 100) } ?? "–"
    }
}
