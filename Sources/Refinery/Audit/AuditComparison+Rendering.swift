import Foundation

extension AuditComparison {
    /// The deltas as text tables: totals, per-stage pass rates, rejection shares, judge scores and lengths.
    public func text(style: AuditTextStyle = .plain) -> String {
        var out = TextReportWriter(style: style)
        out.section("Comparison", "against run \(baseline.runID)")
        out.lines.append(
            TerminalText.clean(
                "  baseline \(baseline.runID) (config \(baseline.configHash.prefix(12)), "
                    + "model \(baseline.model))"))
        out.lines.append(
            TerminalText.clean(
                "  this run \(current.runID) (config \(current.configHash.prefix(12)), "
                    + "model \(current.model))"))
        out.lines.append(
            "  yield \(totals.yield.rateText) · generated \(totals.generated.valueText(0)) · "
                + "accepted \(totals.accepted.valueText(0))")
        for funnel in funnels {
            out.section("Funnel deltas", "task \(funnel.task)")
            out.lines.append(
                "  yield \(funnel.yield.rateText) · generated \(funnel.generated.valueText(0)) · "
                    + "accepted \(funnel.accepted.valueText(0))")
            var rows = [["stage", "pass rate before", "after", "Δ", "alive before", "after", "Δ"]]
            for stage in funnel.stages {
                rows.append([
                    stage.stage, MetricDelta.percent(stage.passRate.baseline),
                    MetricDelta.percent(stage.passRate.current), stage.passRate.ppText,
                    MetricDelta.percent(stage.survival.baseline), MetricDelta.percent(stage.survival.current),
                    stage.survival.ppText,
                ])
            }
            out.table(rows, right: Set(1...6))
        }
        out.section("Rejection reason deltas (share of generated)")
        if reasons.isEmpty { out.lines.append("  no rejections in either run") }
        var reasonRows = [["reason", "count before", "after", "share before", "after", "Δ"]]
        for reason in reasons {
            reasonRows.append([
                reason.reason, decimalText(reason.count.baseline, 0), decimalText(reason.count.current, 0),
                MetricDelta.percent(reason.shareOfGenerated.baseline),
                MetricDelta.percent(reason.shareOfGenerated.current), reason.shareOfGenerated.ppText,
            ])
        }
        if !reasons.isEmpty { out.table(reasonRows, right: Set(1...5)) }
        out.section("Judge and score distribution deltas")
        var judgeRows = [["task", "judge", "pass rate", "mean score", "median score"]]
        for judge in judges {
            judgeRows.append([
                judge.task, judge.judge, judge.passRate.rateText, judge.meanScore.valueText(),
                judge.medianScore.valueText(),
            ])
        }
        out.table(judgeRows, right: [])
        for judge in judges {
            guard let before = judge.baselineHistogram, let after = judge.currentHistogram else { continue }
            out.lines.append("")
            let title = "  \(judge.task) · \(judge.judge) scores (share of each run's scores)"
            out.lines.append(TerminalText.clean(title))
            var rows = [["bin", "before", "after", "share before", "after", "Δ"]]
            for index in before.counts.indices {
                let a = before.counts[index]
                let b = after.counts[index]
                let delta = MetricDelta(baseline: ratio(a, before.total), current: ratio(b, after.total))
                rows.append([
                    before.label(index), String(a), String(b), MetricDelta.percent(delta.baseline),
                    MetricDelta.percent(delta.current), delta.ppText,
                ])
            }
            out.table(rows, right: Set(1...5), indent: 4)
        }
        out.section("Length deltas")
        var lengthRows = [["task", "field", "population", "median", "mean"]]
        for item in lengths {
            lengthRows.append([
                item.task, item.field, item.population, item.median.valueText(0), item.mean.valueText(1),
            ])
        }
        out.table(lengthRows, right: [])
        return out.lines.joined(separator: "\n") + "\n"
    }

    /// The deltas as JSON.
    public func json() -> JSONValue {
        func delta(_ value: MetricDelta) -> JSONValue {
            .object([
                ("baseline", AuditJSON.number(value.baseline)), ("current", AuditJSON.number(value.current)),
                ("delta", AuditJSON.number(value.delta)),
            ])
        }
        func funnel(_ item: FunnelComparison) -> JSONValue {
            .object([
                ("task", .string(item.task)), ("generated", delta(item.generated)), ("accepted", delta(item.accepted)),
                ("yield", delta(item.yield)),
                (
                    "stages",
                    .array(
                        item.stages.map { stage in
                            .object([
                                ("stage", .string(stage.stage)), ("pass_rate", delta(stage.passRate)),
                                ("alive", delta(stage.survival)),
                            ])
                        })
                ),
            ])
        }
        return .object([
            ("baseline", .object([("run", .string(baseline.runID)), ("config_hash", .string(baseline.configHash))])),
            ("current", .object([("run", .string(current.runID)), ("config_hash", .string(current.configHash))])),
            ("totals", funnel(totals)),
            ("funnels", .array(funnels.map(funnel))),
            (
                "rejections",
                .array(
                    reasons.map { reason in
                        .object([
                            ("reason", .string(reason.reason)), ("count", delta(reason.count)),
                            ("share_of_generated", delta(reason.shareOfGenerated)),
                        ])
                    })
            ),
            (
                "judges",
                .array(
                    judges.map { judge in
                        .object([
                            ("task", .string(judge.task)), ("judge", .string(judge.judge)),
                            ("pass_rate", delta(judge.passRate)), ("mean_score", delta(judge.meanScore)),
                            ("median_score", delta(judge.medianScore)),
                            ("baseline_histogram", judge.baselineHistogram.map(AuditJSON.histogram) ?? .null),
                            ("current_histogram", judge.currentHistogram.map(AuditJSON.histogram) ?? .null),
                        ])
                    })
            ),
            (
                "lengths",
                .array(
                    lengths.map { item in
                        .object([
                            ("task", .string(item.task)), ("field", .string(item.field)),
                            ("population", .string(item.population)), ("median", delta(item.median)),
                            ("mean", delta(item.mean)),
                        ])
                    })
            ),
        ])
    }
}
