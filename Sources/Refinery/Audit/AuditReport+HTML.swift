import Foundation

extension AuditReport {
    /// The report as one self-contained HTML file: inline CSS and SVG charts, no scripts, no external resources
    /// (a Content-Security-Policy forbids both), every ledger text escaped. With `comparison`, a section of deltas.
    public func html(comparison: AuditComparison? = nil) -> String {
        let o = overview
        var body = ""
        body +=
            "<header><h1>Refinery audit</h1><div class=\"meta\">run <b>\(HTML.escape(o.runID))</b> · pipeline "
            + "\(HTML.escape(o.pipeline)) · model <code>\(HTML.escape(o.model))</code> · created "
            + "\(HTML.escape(o.created)) · \(o.finished ? "finished" : "in progress or interrupted")</div></header>"
        var sections: [(id: String, title: String, html: String)] = [
            ("summary", "Summary", summaryHTML()),
            ("funnel", "Funnel", funnelHTML()),
            ("rejections", "Rejection reasons", rejectionsHTML()),
            ("judges", "Judges and scores", judgesHTML()),
            ("agreement", "Judge agreement", agreementHTML()),
            ("lengths", "Lengths", lengthsHTML()),
            ("rounds", "By kind and round", breakdownHTML()),
            ("sources", "Yield per source", sourcesHTML()),
            ("throughput", "Throughput", throughputHTML()),
            ("provenance", "Model and prompt hashes", provenanceHTML()),
            ("quarantine", "Quarantined inputs", quarantineHTML()),
        ]
        if let comparison { sections.append(("comparison", "Comparison", comparison.htmlSection())) }
        sections.append(("examples", "Example records", examplesHTML()))
        body +=
            "<nav>" + sections.map { "<a href=\"#\($0.id)\">\(HTML.escape($0.title))</a>" }.joined(separator: " ")
            + "</nav><main>"
        for section in sections {
            body += "<section id=\"\(section.id)\"><h2>\(HTML.escape(section.title))</h2>\(section.html)</section>"
        }
        body +=
            "<footer>Written by refinery \(HTML.escape(o.refineryVersion)) · config "
            + "<code>\(HTML.escape(o.configHash))</code></footer></main>"
        return AuditPage.document(title: "Refinery audit — \(o.runID)", body: body)
    }

    private func summaryHTML() -> String {
        let t = totals
        let records = shards.reduce(0) { $0 + $1.records }
        let cards: [(String, String, String?)] = [
            ("seeds", String(overview.seeds), nil),
            ("samples generated", String(t.generated), "\(t.planned) planned, \(t.pending) pending"),
            ("accepted", String(t.accepted), "yield \(percentText(t.accepted, t.generated))"),
            ("rejected", String(t.rejected), percentText(t.rejected, t.generated) + " of generated"),
            ("in flight", String(t.inFlight), nil),
            (
                "shards", String(shards.count),
                "\(records) records, \(ByteSize.format(shards.reduce(0) { $0 + $1.bytes }))"
            ),
            ("quarantined inputs", String(quarantine.count), nil),
        ]
        var out = "<div class=\"cards\">"
        for (label, value, note) in cards {
            out +=
                "<div class=\"card\"><div class=\"l\">\(HTML.escape(label))</div><div class=\"v\">\(HTML.escape(value))"
                + "</div>\(note.map { "<div class=\"s\">\(HTML.escape($0))</div>" } ?? "")</div>"
        }
        out += "</div>"
        let check =
            "generated \(t.generated) = accepted \(t.accepted) + rejected \(t.rejected) + in flight \(t.inFlight)"
        out +=
            t.reconciles
            ? "<p class=\"ok\">Reconciled: \(HTML.escape(check)) ✓</p>"
            : "<p class=\"bad\">Does not reconcile: \(HTML.escape(check)) ✗</p>"
        return out
    }

    private func funnelHTML() -> String {
        var out = ""
        for funnel in funnels {
            out +=
                "<h3>Task \(HTML.escape(funnel.task)) — \(funnel.seeds) seeds, \(funnel.generated) generated, "
                + "\(funnel.accepted) accepted (yield \(percentText(funnel.accepted, funnel.generated)))</h3>"
            out += "<figure class=\"wide\">\(SVGChart.funnel(funnel, title: "Funnel of task \(funnel.task)"))</figure>"
            out += HTML.table(
                ["stage", "in", "rejected", "waiting", "passed", "pass rate", "of generated"],
                funnel.stages.map { stage in
                    [
                        SVGChart.stageLabel(stage.name), String(stage.entered), String(stage.rejected),
                        String(stage.waiting),
                        String(stage.passed), percentText(stage.passed, stage.entered - stage.waiting),
                        percentText(stage.passed, funnel.generated),
                    ]
                }, numeric: Set(1...6))
        }
        return out.isEmpty ? "<p class=\"muted\">No tasks.</p>" : out
    }

    private func rejectionsHTML() -> String {
        guard !rejections.isEmpty else { return "<p class=\"muted\">No rejections.</p>" }
        let peak = rejections.map(\.count).max() ?? 1
        let tasks = funnels.map(\.task)
        var out =
            "<table><thead><tr><th>reason</th><th>stage</th><th class=\"n\">count</th><th></th>"
            + "<th class=\"n\">% rejected</th><th class=\"n\">% generated</th>"
            + tasks.map { "<th class=\"n\">\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>"
        for reason in rejections {
            let width = Int((Double(reason.count) / Double(peak) * 160).rounded())
            out +=
                "<tr><td><code>\(HTML.escape(reason.reason))</code></td>"
                + "<td>\(HTML.escape(reason.stages.joined(separator: ", ")))</td><td class=\"n\">\(reason.count)</td>"
                + "<td><span class=\"bar bad\" style=\"width:\(max(2, width))px\"></span></td>"
                + "<td class=\"n\">\(percentText(reason.count, totals.rejected))</td>"
                + "<td class=\"n\">\(percentText(reason.count, totals.generated))</td>"
                + tasks.map { "<td class=\"n\">\(reason.count(task: $0))</td>" }.joined() + "</tr>"
        }
        return out + "</tbody></table>"
    }

    private func judgesHTML() -> String {
        guard !judges.isEmpty else { return "<p class=\"muted\">No judgments yet.</p>" }
        var out = HTML.table(
            [
                "task", "judge", "ran", "passed", "failed", "pass rate", "rejected", "mean score", "median",
                "threshold",
                "mean s", "verdicts",
            ],
            judges.map { judge in
                [
                    judge.task, judge.judge, String(judge.ran), String(judge.passed), String(judge.failed),
                    percentText(judge.passed, judge.ran), String(judge.rejected), decimalText(judge.scoreSummary?.mean),
                    decimalText(judge.scoreSummary?.median),
                    judge.threshold.map { (judge.higherIsBetter ? "≥ " : "≤ ") + decimalText($0) } ?? "–",
                    decimalText(judge.meanSeconds, 3),
                    judge.reasons.map { "\($0.reason) \($0.count)" }.joined(separator: ", "),
                ]
            }, numeric: Set(2...10))
        let scored = judges.filter { !$0.scores.isEmpty }
        if !scored.isEmpty {
            out += "<div class=\"grid\">"
            for judge in scored {
                let title = "\(judge.task) · \(judge.judge) scores"
                out +=
                    "<figure><figcaption>\(HTML.escape(title)) (n=\(judge.scores.count), mean "
                    + "\(decimalText(judge.scoreSummary?.mean)))</figcaption>"
                    + SVGChart.histogram(judge.histogram, title: title, threshold: judge.threshold) + "</figure>"
            }
            out += "</div>"
        }
        return out
    }

    private func agreementHTML() -> String {
        guard !agreements.isEmpty || !scoresByVerdict.isEmpty else {
            return "<p class=\"muted\">No sample was judged by two judges.</p>"
        }
        var out = ""
        if !agreements.isEmpty {
            out += HTML.table(
                [
                    "task", "judge A", "judge B", "n", "both pass", "A pass, B fail", "A fail, B pass", "both fail",
                    "agreement", "Cohen's κ",
                ],
                agreements.map { cell in
                    [
                        cell.task, cell.first, cell.second, String(cell.count), String(cell.bothPassed),
                        String(cell.onlyFirstPassed), String(cell.onlySecondPassed), String(cell.bothFailed),
                        percentText(cell.bothPassed + cell.bothFailed, cell.count), decimalText(cell.kappa),
                    ]
                }, numeric: Set(3...9))
        }
        if !scoresByVerdict.isEmpty {
            out += "<h3>Does the scored judge track the verdicts?</h3>"
            out += HTML.table(
                ["task", "score of", "by verdict of", "n pass", "mean score if pass", "n fail", "mean score if fail"],
                scoresByVerdict.map { item in
                    [
                        item.task, item.scoredJudge, item.verdictJudge, String(item.passCount),
                        decimalText(item.passMean),
                        String(item.failCount), decimalText(item.failMean),
                    ]
                }, numeric: Set(3...6))
        }
        if !overview.runAllJudges {
            out +=
                "<p class=\"muted\">Judging stops at a sample's first failing judge (run_all_judges is off), so a "
                + "later judge only sees samples the earlier ones passed.</p>"
        }
        return out
    }

    private func lengthsHTML() -> String {
        var out =
            "<p class=\"muted\">Problem and solution lengths in \(HTML.escape(lengthUnit)); completions in model "
            + "tokens as the generator reported them.</p>"
        out += HTML.table(
            ["task", "field", "population", "n", "min", "p10", "median", "mean", "p90", "max"],
            lengths.map { item in
                guard let s = item.summary else {
                    return [item.task, item.field, item.population, "0"] + Array(repeating: "–", count: 6)
                }
                return [
                    item.task, item.field, item.population, String(s.count), AuditHistogram.number(s.min),
                    AuditHistogram.number(s.p10), AuditHistogram.number(s.median), decimalText(s.mean, 1),
                    AuditHistogram.number(s.p90), AuditHistogram.number(s.max),
                ]
            }, numeric: Set(3...9))
        let shown = lengths.filter { ($0.population == "accepted" || $0.field == "completion") && !$0.values.isEmpty }
        if !shown.isEmpty {
            out += "<div class=\"grid\">"
            for item in shown {
                let title = "\(item.task) · \(item.field) length (\(item.population))"
                out +=
                    "<figure><figcaption>\(HTML.escape(title))</figcaption>"
                    + SVGChart.histogram(item.histogram, title: title, color: "#3f9c8f") + "</figure>"
            }
            out += "</div>"
        }
        return out
    }

    private func breakdownHTML() -> String {
        guard !breakdown.isEmpty else { return "<p class=\"muted\">No samples yet.</p>" }
        var out = HTML.table(
            [
                "task", "kind", "round", "planned", "generated", "accepted", "rejected", "in flight", "yield",
                "mean score",
                "with parent", "max attempt", "difficulty (mean)",
            ],
            breakdown.map { item in
                let f = item.funnel
                return [
                    item.task, item.kind, String(item.round), String(f.planned), String(f.generated),
                    String(f.accepted), String(f.rejected), String(f.inFlight), percentText(f.accepted, f.generated),
                    decimalText(item.meanAcceptedScore), String(item.withParent), String(item.maxAttempt),
                    item.difficultySummary.map { "\(decimalText($0.mean)) (n=\($0.count))" } ?? "–",
                ]
            }, numeric: Set(2...12))
        let labelled = breakdown.filter { !$0.difficulties.isEmpty }
        if !labelled.isEmpty {
            out += "<div class=\"grid\">"
            for item in labelled {
                let title = "\(item.task) · \(item.kind) round \(item.round) difficulty"
                let histogram = AuditHistogram.ranged(
                    item.difficulties, lower: 0, upper: max(1, item.difficulties.max() ?? 1))
                out +=
                    "<figure><figcaption>\(HTML.escape(title))</figcaption>"
                    + SVGChart.histogram(histogram, title: title, color: "#8e6cd1") + "</figure>"
            }
            out += "</div>"
        }
        return out
    }

    private func sourcesHTML() -> String {
        guard !sources.isEmpty else { return "<p class=\"muted\">No sources recorded.</p>" }
        return HTML.table(
            [
                "source", "documents", "seeds", "dropped", "quarantined", "generated", "accepted", "rejected", "yield",
                "accepted/seed",
            ],
            sources.map { item in
                [
                    item.source, item.documents.map(String.init) ?? "–", String(item.seeds),
                    String(item.droppedFragments),
                    String(item.quarantined), String(item.generated), String(item.accepted), String(item.rejected),
                    percentText(item.accepted, item.generated), decimalText(item.acceptedPerSeed),
                ]
            }, numeric: Set(1...9))
    }

    private func throughputHTML() -> String {
        var out =
            stageTimes.isEmpty
            ? "<p class=\"muted\">No stage times recorded.</p>"
            : HTML.table(
                ["stage", "seconds", "items", "items/s", "s/item"],
                stageTimes.map {
                    [
                        $0.stage, decimalText($0.seconds, 1), String($0.items), decimalText($0.itemsPerSecond),
                        decimalText($0.secondsPerItem, 3),
                    ]
                }, numeric: Set(1...4))
        let g = generation
        out +=
            "<p>Generation: \(g.completions) completions, \(g.promptTokens) prompt and \(g.completionTokens) "
            + "completion tokens, \(decimalText(g.tokensPerSecond, 1)) completion tokens/s of wall time, "
            + "\(decimalText(g.requestSeconds, 1)) s summed request time. Finish reasons: "
            + HTML.escape(g.finishReasons.map { "\($0.reason) \($0.count)" }.joined(separator: ", ")) + ".</p>"
        return out
    }

    private func provenanceHTML() -> String {
        let o = overview
        var out =
            "<dl class=\"kv\"><dt>model</dt><dd><code>\(HTML.escape(o.model))</code></dd><dt>config hash</dt>"
            + "<dd><code>\(HTML.escape(o.configHash))</code></dd><dt>refinery</dt><dd>\(HTML.escape(o.refineryVersion))"
            + "</dd><dt>run id</dt><dd><code>\(HTML.escape(o.runID))</code></dd></dl>"
        if !prompts.isEmpty {
            out +=
                "<h3>Generation prompts</h3>"
                + HTML.table(
                    ["task", "kind", "prompt", "samples"],
                    prompts.map { [$0.task, $0.kind, $0.promptRef, String($0.samples)] },
                    numeric: [3])
        }
        if !judgeIdentities.isEmpty {
            out +=
                "<h3>Judges</h3>"
                + HTML.table(
                    ["task", "judge", "version", "model", "prompt", "judgments"],
                    judgeIdentities.map {
                        [
                            $0.task, $0.judge, $0.version, $0.model.isEmpty ? "–" : $0.model,
                            $0.promptRef.isEmpty ? "–" : $0.promptRef, String($0.judgments),
                        ]
                    },
                    numeric: [5])
        }
        return out
    }

    private func quarantineHTML() -> String {
        guard !quarantine.isEmpty else { return "<p class=\"muted\">None.</p>" }
        let shown = quarantine.prefix(200)
        var out = HTML.table(
            ["where", "reason", "detail"],
            shown.map { [$0.location.description, $0.reason, $0.detail] })
        if quarantine.count > shown.count { out += "<p class=\"muted\">… \(quarantine.count - shown.count) more</p>" }
        return out
    }

    private func examplesHTML() -> String {
        guard !examples.isEmpty else { return "<p class=\"muted\">No finished samples yet.</p>" }
        var out =
            "<p class=\"muted\">Chosen per stratum in an order fixed by the run id. "
            + "<code>refinery inspect RUN_DIR SAMPLE_ID</code> prints the same lineage.</p>"
        var current = ""
        for example in examples {
            let first = example.stratum != current
            if first {
                current = example.stratum
                out += "<h3>\(HTML.escape(example.stratum))</h3>"
            }
            out += example.lineage.htmlDetails(stratum: example.stratum, open: first)
        }
        return out
    }
}
