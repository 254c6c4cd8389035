import Foundation

extension RecordLineage {
    /// The lineage as a collapsible `<details>` block for the HTML report; every text is escaped.
    func htmlDetails(stratum: String, open: Bool) -> String {
        let s = sample
        let tagClass = stratum == "accepted" ? "accepted" : stratum == "borderline" ? "borderline" : "rejected"
        var summary =
            "<span class=\"tag \(tagClass)\">\(HTML.escape(stratum))</span>"
            + "sample \(s.id) · \(HTML.escape(s.task)) · \(HTML.escape(s.state.rawValue))"
        if let recordID = s.recordID {
            summary += " · record <code>\(HTML.escape(String(recordID.prefix(12))))</code>"
        }
        if let score = s.score { summary += " · score \(decimalText(score))" }
        if s.state == .rejected { summary += " · <code>\(HTML.escape(s.rejectReason ?? "?"))</code>" }
        var out = "<details class=\"record\" id=\"sample-\(s.id)\"\(open ? " open=\"open\"" : "")>"
            + "<summary>\(summary)</summary>"
        out += "<div class=\"body\">"
        out += keyValues([
            ("sample", "\(s.id) (index \(s.sampleIndex), kind \(s.kind), round \(s.round), attempt \(s.attempt))"),
            ("record id", s.recordID ?? "–"),
            ("outcome", outcomeLine),
            ("rejection detail", s.rejectDetail ?? "–"),
            ("shard", shardPath.map { "\($0) line \(s.shardLine ?? 0)" } ?? "–"),
            ("score / difficulty", "\(decimalText(s.score)) / \(decimalText(s.difficulty))"
                + (solves.isEmpty ? "" : " (\(solves.filter(\.solved).count) of \(solves.count) fresh solves)")),
            ("parent", parent?.summary ?? "–"),
            ("children", children.isEmpty ? "–" : children.map(\.summary).joined(separator: "; ")),
        ])
        out += "<h4>Seed</h4>"
        if let seed {
            out += keyValues([
                ("id", "\(seed.id) (ordinal \(seed.ordinal))"), ("source", seed.source),
                ("span", "[\(seed.start), \(seed.end))"),
            ])
            out += HTML.pre(seed.text)
        } else {
            out += "<p class=\"bad\">Seed \(s.seedOrdinal) is missing from the ledger.</p>"
        }
        out += "<h4>Rendered prompt</h4>" + keyValues([("template", s.promptRef ?? "–")]) + HTML.pre(s.prompt)
        out += "<h4>Raw model output</h4>" + keyValues([("generation", generationLine)]) + HTML.pre(s.output)
        out += "<h4>Parse: \(HTML.escape(parseResult))</h4>"
        let fields = [("problem", s.problem), ("solution", s.solution), ("answer", s.answer), ("tests", s.tests)]
            .filter { !($0.1 ?? "").isEmpty }
        if !fields.isEmpty {
            out += "<table class=\"fields\"><tbody>"
            for (name, value) in fields {
                out += "<tr><th>\(name)</th><td>\(HTML.pre(value))</td></tr>"
            }
            out += "</tbody></table>"
        }
        out += "<h4>Judgments</h4>"
        if judgments.isEmpty {
            out += "<p class=\"muted\">None.</p>"
        } else {
            out +=
                "<table><thead><tr><th>#</th><th>judge</th><th>verdict</th><th class=\"n\">score</th><th>reason</th>"
                + "<th>detail</th><th>model / prompt</th><th class=\"n\">s</th></tr></thead><tbody>"
            for (index, judgment) in judgments.enumerated() {
                let verdict =
                    judgment.passed ? "<span class=\"tag pass\">pass</span>" : "<span class=\"tag fail\">fail</span>"
                let identity = [judgment.model, judgment.promptRef].filter { !$0.isEmpty }.joined(separator: " / ")
                out += "<tr><td class=\"n\">\(index + 1)</td>"
                    + "<td>\(HTML.escape(judgment.judge)) v\(HTML.escape(judgment.version))"
                    + "</td><td>\(verdict)</td><td class=\"n\">\(decimalText(judgment.score))</td>"
                    + "<td><code>\(HTML.escape(judgment.reason))</code></td><td>\(HTML.escape(judgment.detail))</td>"
                    + "<td>\(HTML.escape(identity.isEmpty ? "–" : identity))</td>"
                    + "<td class=\"n\">\(decimalText(judgment.seconds, 3))</td></tr>"
            }
            out += "</tbody></table>"
        }
        out += "<h4>Dedup cluster</h4>"
        out += keyValues([("cluster", s.dedupCluster ?? "–")])
        if duplicates.isEmpty {
            out += "<p class=\"muted\">No other sample shares this record or cluster.</p>"
        } else {
            out += "<ul>" + duplicates.map { "<li>\(HTML.escape($0.summary))</li>" }.joined() + "</ul>"
        }
        if let shard {
            out += "<h4>Shard record</h4>"
            out += keyValues([
                ("file", "\(shardPath ?? shard.file) line \(s.shardLine ?? 0)"),
                ("shard sha256", shard.sha256),
            ])
            if let shardLineText { out += HTML.pre(shardLineText) }
            if let shardProblem { out += "<p class=\"bad\">\(HTML.escape(shardProblem))</p>" }
        }
        return out + "</div></details>"
    }

    private func keyValues(_ pairs: [(String, String)]) -> String {
        "<dl class=\"kv\">" + pairs.map { "<dt>\(HTML.escape($0.0))</dt><dd>\(HTML.escape($0.1))</dd>" }.joined()
            + "</dl>"
    }
}

extension AuditComparison {
    /// The deltas as an HTML section body, with baseline/current score histograms side by side.
    func htmlSection() -> String {
        var out =
            "<p>Baseline <code>\(HTML.escape(baseline.runID))</code> (config "
            + "<code>\(HTML.escape(String(baseline.configHash.prefix(12))))</code>) → this run "
            + "<code>\(HTML.escape(current.runID))</code>. Yield \(HTML.escape(totals.yield.rateText)).</p>"
        for funnel in funnels {
            out += "<h3>Task \(HTML.escape(funnel.task)): yield \(HTML.escape(funnel.yield.rateText))</h3>"
            out += HTML.table(
                ["stage", "pass rate before", "after", "Δ", "alive before", "after", "Δ"],
                funnel.stages.map { stage in
                    [
                        SVGChart.stageLabel(stage.stage), MetricDelta.percent(stage.passRate.baseline),
                        MetricDelta.percent(stage.passRate.current), stage.passRate.ppText,
                        MetricDelta.percent(stage.survival.baseline), MetricDelta.percent(stage.survival.current),
                        stage.survival.ppText,
                    ]
                }, numeric: Set(1...6))
        }
        if !reasons.isEmpty {
            out +=
                "<h3>Rejection reasons (share of generated)</h3>"
                + HTML.table(
                    ["reason", "count before", "after", "share before", "after", "Δ"],
                    reasons.map { reason in
                        [
                            reason.reason, decimalText(reason.count.baseline, 0), decimalText(reason.count.current, 0),
                            MetricDelta.percent(reason.shareOfGenerated.baseline),
                            MetricDelta.percent(reason.shareOfGenerated.current), reason.shareOfGenerated.ppText,
                        ]
                    }, numeric: Set(1...5))
        }
        if !judges.isEmpty {
            out +=
                "<h3>Judges</h3>"
                + HTML.table(
                    ["task", "judge", "pass rate", "mean score", "median score"],
                    judges.map {
                        [$0.task, $0.judge, $0.passRate.rateText, $0.meanScore.valueText(), $0.medianScore.valueText()]
                    })
            out += "<div class=\"grid\">"
            for judge in judges {
                guard let before = judge.baselineHistogram, let after = judge.currentHistogram,
                    before.total + after.total > 0
                else { continue }
                out +=
                    "<figure><figcaption>\(HTML.escape("\(judge.task) · \(judge.judge)")) — baseline</figcaption>"
                    + SVGChart.histogram(before, title: "\(judge.task) \(judge.judge) baseline", color: "#9aa5b1")
                    + "</figure><figure><figcaption>\(HTML.escape("\(judge.task) · \(judge.judge)")) — this run"
                    + "</figcaption>" + SVGChart.histogram(after, title: "\(judge.task) \(judge.judge) this run")
                    + "</figure>"
            }
            out += "</div>"
        }
        return out
    }
}
