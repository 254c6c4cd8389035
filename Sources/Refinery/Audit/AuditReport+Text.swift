import Foundation

extension AuditReport {
    /// The report as aligned text tables; `style` adds colour (headings, bars, reconciliation) for terminals.
    /// Ledger text (reasons, paths, prompt names) is cleaned of control characters.
    public func text(style: AuditTextStyle = .plain) -> String {
        var out = TextReportWriter(style: style)
        out.header(self)
        out.funnels(self)
        out.rejections(self)
        out.judges(self)
        out.agreement(self)
        out.lengths(self)
        out.breakdown(self)
        out.sources(self)
        out.throughput(self)
        out.provenance(self)
        out.quarantine(self)
        out.examples(self)
        return out.lines.joined(separator: "\n") + "\n"
    }
}

/// Builds the text report section by section.
struct TextReportWriter {
    let style: AuditTextStyle
    var lines: [String] = []

    init(style: AuditTextStyle) {
        self.style = style
    }

    /// A heading: the fixed title in capitals, then `detail` (names, ids) as written.
    mutating func section(_ title: String, _ detail: String? = nil) {
        if !lines.isEmpty { lines.append("") }
        lines.append(style.heading(title.uppercased() + (detail.map { " — " + TerminalText.clean($0) } ?? "")))
    }

    mutating func table(_ rows: [[String]], right: Set<Int>, indent: Int = 2) {
        lines += TextTable.render(rows.map { $0.map { TerminalText.clean($0) } }, rightAligned: right, indent: indent)
    }

    mutating func histogram(_ histogram: AuditHistogram, indent: Int = 4) {
        for line in TextTable.render(histogram.textRows(), rightAligned: [2], indent: indent) {
            lines.append(colorBars(line))
        }
    }

    private func colorBars(_ line: String) -> String {
        guard style.color else { return line }
        let blocks: Set<Character> = ["█", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        guard let start = line.firstIndex(where: { blocks.contains($0) }) else { return line }
        var end = start
        while end < line.endIndex && blocks.contains(line[end]) { end = line.index(after: end) }
        return String(line[..<start]) + style.bar(String(line[start..<end])) + String(line[end...])
    }

    mutating func header(_ report: AuditReport) {
        let o = report.overview
        lines.append(style.bold("Refinery audit — run \(TerminalText.clean(o.runID))"))
        lines.append(
            TerminalText.clean(
                "pipeline \(o.pipeline) · model \(o.model) · config \(o.configHash.prefix(16)) · "
                    + "refinery \(o.refineryVersion) · created \(o.created)"))
        lines.append(
            "state: " + (o.finished ? "finished" : "in progress or interrupted")
                + (o.runAllJudges ? " · every judge runs on every sample" : ""))
        let t = report.totals
        lines.append("")
        lines.append(
            "seeds \(o.seeds)\(o.acquiredAll ? "" : " (seed limit reached)") · samples planned \(t.planned)"
                + " · generated \(t.generated) · accepted \(t.accepted) (\(percentText(t.accepted, t.generated)))"
                + " · rejected \(t.rejected) · in flight \(t.inFlight) · pending \(t.pending)")
        let check =
            "generated \(t.generated) = accepted \(t.accepted) + rejected \(t.rejected) + in flight \(t.inFlight)"
        lines.append(
            t.reconciles
                ? style.good("reconciled: \(check) ✓")
                : style.bad("DOES NOT RECONCILE: \(check) ✗"))
        let records = report.shards.reduce(0) { $0 + $1.records }
        let bytes = report.shards.reduce(0) { $0 + $1.bytes }
        lines.append("shards \(report.shards.count), \(records) records, \(ByteSize.format(bytes))")
    }

    mutating func funnels(_ report: AuditReport) {
        for funnel in report.funnels {
            section("Funnel", "task \(funnel.task)")
            lines.append(
                "  \(funnel.seeds) seeds → \(funnel.planned) samples planned, \(funnel.generated) generated, "
                    + "\(funnel.accepted) accepted (yield \(percentText(funnel.accepted, funnel.generated)))"
                    + (funnel.reconciles ? "" : style.bad("  ✗ counts do not reconcile")))
            var rows = [["stage", "in", "rejected", "waiting", "passed", "pass rate", "of generated"]]
            for stage in funnel.stages {
                rows.append([
                    stage.name, String(stage.entered), String(stage.rejected), String(stage.waiting),
                    String(stage.passed), percentText(stage.passed, stage.entered - stage.waiting),
                    percentText(stage.passed, funnel.generated),
                ])
            }
            table(rows, right: Set(1...6))
        }
    }

    mutating func rejections(_ report: AuditReport) {
        section("Rejection reasons (ranked)")
        guard !report.rejections.isEmpty else {
            lines.append("  none")
            return
        }
        let tasks = report.funnels.map(\.task)
        var rows = [["reason", "stage", "count", "% rejected", "% generated"] + tasks]
        for reason in report.rejections {
            rows.append(
                [
                    reason.reason, reason.stages.joined(separator: ","), String(reason.count),
                    percentText(reason.count, report.totals.rejected),
                    percentText(reason.count, report.totals.generated),
                ]
                    + tasks.map { String(reason.count(task: $0)) })
        }
        table(rows, right: Set(2..<(5 + tasks.count)))
    }

    mutating func judges(_ report: AuditReport) {
        section("Judges")
        guard !report.judges.isEmpty else {
            lines.append("  no judgments yet")
            return
        }
        var rows = [
            [
                "task", "judge", "ran", "passed", "failed", "pass rate", "rejected", "mean score", "median",
                "threshold", "mean s",
            ]
        ]
        for judge in report.judges {
            let summary = judge.scoreSummary
            rows.append([
                judge.task, judge.judge, String(judge.ran), String(judge.passed), String(judge.failed),
                percentText(judge.passed, judge.ran), String(judge.rejected), decimalText(summary?.mean),
                decimalText(summary?.median),
                judge.threshold.map { (judge.higherIsBetter ? "≥ " : "≤ ") + decimalText($0) } ?? "–",
                decimalText(judge.meanSeconds, 3),
            ])
        }
        table(rows, right: Set(2...10))
        let verdicts = report.judges.flatMap { judge in
            judge.reasons.map {
                [judge.task, judge.judge, $0.reason, String($0.count), percentText($0.count, judge.ran)]
            }
        }
        if !verdicts.isEmpty {
            lines.append("")
            table([["task", "judge", "verdict reason", "count", "share"]] + verdicts, right: [3, 4])
        }
        for judge in report.judges where !judge.scores.isEmpty {
            lines.append("")
            lines.append(
                TerminalText.clean("  \(judge.task) · \(judge.judge) score distribution (n=\(judge.scores.count))"))
            histogram(judge.histogram)
        }
    }

    mutating func agreement(_ report: AuditReport) {
        section("Judge agreement (samples judged by both)")
        guard !report.agreements.isEmpty || !report.scoresByVerdict.isEmpty else {
            lines.append("  no sample was judged by two judges")
            return
        }
        var rows = [
            [
                "task", "judges (A × B)", "n", "both pass", "A pass B fail", "A fail B pass", "both fail",
                "agreement", "kappa",
            ]
        ]
        for cell in report.agreements {
            rows.append([
                cell.task, "\(cell.first) × \(cell.second)", String(cell.count), String(cell.bothPassed),
                String(cell.onlyFirstPassed), String(cell.onlySecondPassed), String(cell.bothFailed),
                percentText(cell.bothPassed + cell.bothFailed, cell.count), decimalText(cell.kappa),
            ])
        }
        if rows.count > 1 { table(rows, right: Set(2...8)) }
        if !report.scoresByVerdict.isEmpty {
            lines.append("")
            var verdictRows = [
                ["task", "score of", "by verdict of", "n pass", "mean if pass", "n fail", "mean if fail"]
            ]
            for item in report.scoresByVerdict {
                verdictRows.append([
                    item.task, item.scoredJudge, item.verdictJudge, String(item.passCount),
                    decimalText(item.passMean), String(item.failCount), decimalText(item.failMean),
                ])
            }
            table(verdictRows, right: Set(3...6))
        }
        if !report.overview.runAllJudges {
            lines.append(
                style.dim(
                    "  note: judging stops at a sample's first failing judge (run_all_judges is off), "
                        + "so a later judge only sees samples the earlier ones passed."))
        }
    }

    mutating func lengths(_ report: AuditReport) {
        section("Lengths")
        lines.append("  problem/solution in \(TerminalText.clean(report.lengthUnit)); completion in model tokens")
        var rows = [["task", "field", "population", "n", "min", "p10", "median", "mean", "p90", "max"]]
        for item in report.lengths {
            guard let summary = item.summary else {
                rows.append([item.task, item.field, item.population, "0", "–", "–", "–", "–", "–", "–"])
                continue
            }
            rows.append([
                item.task, item.field, item.population, String(summary.count),
                AuditHistogram.number(summary.min), AuditHistogram.number(summary.p10),
                AuditHistogram.number(summary.median), decimalText(summary.mean, 1),
                AuditHistogram.number(summary.p90), AuditHistogram.number(summary.max),
            ])
        }
        table(rows, right: Set(3...9))
        for item in report.lengths where item.population == "accepted" && !item.values.isEmpty {
            lines.append("")
            let title = "  \(item.task) · \(item.field) length, accepted (n=\(item.values.count))"
            lines.append(TerminalText.clean(title))
            histogram(item.histogram)
        }
    }

    mutating func breakdown(_ report: AuditReport) {
        section("By kind and round")
        var rows = [
            [
                "task", "kind", "round", "planned", "generated", "accepted", "rejected", "in flight", "yield",
                "mean score", "with parent", "max attempt", "difficulty",
            ]
        ]
        for item in report.breakdown {
            let f = item.funnel
            let difficulty = item.difficultySummary.map { "\(decimalText($0.mean)) (n=\($0.count))" } ?? "–"
            rows.append([
                item.task, item.kind, String(item.round), String(f.planned), String(f.generated),
                String(f.accepted), String(f.rejected), String(f.inFlight), percentText(f.accepted, f.generated),
                decimalText(item.meanAcceptedScore), String(item.withParent), String(item.maxAttempt),
                difficulty,
            ])
        }
        if rows.count == 1 {
            lines.append("  no samples yet")
        } else {
            table(rows, right: Set(2...12))
        }
        for item in report.breakdown where !item.difficulties.isEmpty {
            lines.append("")
            lines.append(TerminalText.clean("  \(item.task) · \(item.kind) round \(item.round) difficulty"))
            histogram(AuditHistogram.ranged(item.difficulties, lower: 0, upper: max(1, item.difficulties.max() ?? 1)))
        }
    }

    mutating func sources(_ report: AuditReport) {
        section("Yield per seed source")
        var rows = [
            [
                "source", "documents", "seeds", "dropped", "quarantined", "generated", "accepted", "rejected",
                "yield", "accepted/seed",
            ]
        ]
        for item in report.sources {
            rows.append([
                item.source, item.documents.map(String.init) ?? "–", String(item.seeds),
                String(item.droppedFragments), String(item.quarantined), String(item.generated),
                String(item.accepted), String(item.rejected), percentText(item.accepted, item.generated),
                decimalText(item.acceptedPerSeed),
            ])
        }
        if rows.count == 1 { lines.append("  no sources recorded") } else { table(rows, right: Set(1...9)) }
    }

    mutating func throughput(_ report: AuditReport) {
        section("Throughput and time per stage")
        var rows = [["stage", "seconds", "items", "items/s", "s/item"]]
        for stage in report.stageTimes {
            rows.append([
                stage.stage, decimalText(stage.seconds, 1), String(stage.items),
                decimalText(stage.itemsPerSecond), decimalText(stage.secondsPerItem, 3),
            ])
        }
        if rows.count == 1 { lines.append("  no stage times recorded") } else { table(rows, right: Set(1...4)) }
        let g = report.generation
        lines.append(
            "  generation: \(g.completions) completions, \(g.promptTokens) prompt + \(g.completionTokens) "
                + "completion tokens, \(decimalText(g.tokensPerSecond, 1)) completion tokens/s (wall), "
                + "\(decimalText(g.requestSeconds, 1)) s summed request time")
        if !g.finishReasons.isEmpty {
            lines.append(
                TerminalText.clean(
                    "  finish reasons: "
                        + g.finishReasons.map { "\($0.reason) \($0.count)" }.joined(separator: ", ")))
        }
    }

    mutating func provenance(_ report: AuditReport) {
        section("Model and prompt hashes")
        let o = report.overview
        table([["model", o.model], ["config hash", o.configHash], ["refinery", o.refineryVersion]], right: [])
        if !report.prompts.isEmpty {
            lines.append("  generation prompts")
            table(
                [["task", "kind", "prompt", "samples"]]
                    + report.prompts.map { [$0.task, $0.kind, $0.promptRef, String($0.samples)] }, right: [3], indent: 4
            )
        }
        if !report.judgeIdentities.isEmpty {
            lines.append("  judges")
            table(
                [["task", "judge", "version", "model", "prompt", "judgments"]]
                    + report.judgeIdentities.map {
                        [
                            $0.task, $0.judge, $0.version, $0.model.isEmpty ? "–" : $0.model,
                            $0.promptRef.isEmpty ? "–" : $0.promptRef, String($0.judgments),
                        ]
                    }, right: [5], indent: 4)
        }
    }

    mutating func quarantine(_ report: AuditReport) {
        section("Quarantined inputs (\(report.quarantine.count))")
        if report.quarantine.isEmpty { lines.append("  none") }
        let shown = report.quarantine.prefix(50)
        table(shown.map { [$0.location.description, $0.reason, String($0.detail.prefix(100))] }, right: [])
        if report.quarantine.count > shown.count { lines.append("  … \(report.quarantine.count - shown.count) more") }
    }

    mutating func examples(_ report: AuditReport) {
        section("Example records")
        lines.append(
            report.examples.isEmpty ? "  none yet" : "  (`refinery inspect RUN_DIR SAMPLE_ID` shows one in full)")
        table(
            report.examples.map { example in
                let s = example.lineage.sample
                return [example.stratum, "sample \(s.id)", s.recordID ?? "–", s.task, decimalText(s.score)]
            }, right: [4])
    }
}
