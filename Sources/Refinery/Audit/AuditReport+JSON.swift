import Foundation

extension AuditReport {
    /// The report's numbers as JSON (`refinery audit --json`): funnels, reasons, judges with histograms,
    /// agreement, lengths, breakdowns, sources, throughput, provenance, quarantine and the example ids.
    public func json() -> JSONValue {
        let o = overview
        return .object([
            ("format", .string("refinery-audit/1")),
            (
                "run",
                .object([
                    ("id", .string(o.runID)), ("pipeline", .string(o.pipeline)), ("model", .string(o.model)),
                    ("config_hash", .string(o.configHash)), ("created", .string(o.created)),
                    ("refinery_version", .string(o.refineryVersion)), ("finished", .bool(o.finished)),
                    ("run_all_judges", .bool(o.runAllJudges)), ("seeds", .int(o.seeds)),
                    ("acquired_all", .bool(o.acquiredAll)),
                ])
            ),
            ("totals", AuditJSON.funnel(totals)),
            ("funnels", .array(funnels.map(AuditJSON.funnel))),
            (
                "rejections",
                .array(
                    rejections.map { reason in
                        .object([
                            ("reason", .string(reason.reason)), ("stages", .array(reason.stages.map(JSONValue.string))),
                            ("count", .int(reason.count)),
                            ("per_task", .object(reason.perTask.map { ($0.reason, .int($0.count)) })),
                        ])
                    })
            ),
            (
                "judges",
                .array(
                    judges.map { judge in
                        .object([
                            ("task", .string(judge.task)), ("judge", .string(judge.judge)),
                            ("position", .int(judge.position)),
                            ("versions", .array(judge.versions.map(JSONValue.string))), ("ran", .int(judge.ran)),
                            ("passed", .int(judge.passed)), ("failed", .int(judge.failed)),
                            ("rejected", .int(judge.rejected)),
                            ("reasons", AuditJSON.counts(judge.reasons)),
                            ("threshold", judge.threshold.map(JSONValue.double) ?? .null),
                            ("higher_is_better", .bool(judge.higherIsBetter)),
                            ("mean_seconds", AuditJSON.number(judge.meanSeconds)),
                            ("scores", AuditJSON.summary(judge.scoreSummary)),
                            ("histogram", judge.scores.isEmpty ? .null : AuditJSON.histogram(judge.histogram)),
                        ])
                    })
            ),
            (
                "agreement",
                .array(
                    agreements.map { cell in
                        .object([
                            ("task", .string(cell.task)), ("first", .string(cell.first)),
                            ("second", .string(cell.second)),
                            ("n", .int(cell.count)), ("both_passed", .int(cell.bothPassed)),
                            ("only_first_passed", .int(cell.onlyFirstPassed)),
                            ("only_second_passed", .int(cell.onlySecondPassed)), ("both_failed", .int(cell.bothFailed)),
                            ("agreement", AuditJSON.number(cell.agreement)), ("kappa", AuditJSON.number(cell.kappa)),
                        ])
                    })
            ),
            (
                "scores_by_verdict",
                .array(
                    scoresByVerdict.map { item in
                        .object([
                            ("task", .string(item.task)), ("scored_judge", .string(item.scoredJudge)),
                            ("verdict_judge", .string(item.verdictJudge)), ("pass_count", .int(item.passCount)),
                            ("pass_mean", AuditJSON.number(item.passMean)), ("fail_count", .int(item.failCount)),
                            ("fail_mean", AuditJSON.number(item.failMean)),
                        ])
                    })
            ),
            (
                "lengths",
                .object([
                    ("unit", .string(lengthUnit)),
                    (
                        "distributions",
                        .array(
                            lengths.map { item in
                                .object([
                                    ("task", .string(item.task)), ("field", .string(item.field)),
                                    ("population", .string(item.population)),
                                    ("summary", AuditJSON.summary(item.summary)),
                                    ("histogram", item.values.isEmpty ? .null : AuditJSON.histogram(item.histogram)),
                                ])
                            })
                    ),
                ])
            ),
            (
                "by_kind_round",
                .array(
                    breakdown.map { item in
                        .object([
                            ("task", .string(item.task)), ("kind", .string(item.kind)), ("round", .int(item.round)),
                            ("funnel", AuditJSON.funnel(item.funnel)),
                            ("mean_accepted_score", AuditJSON.number(item.meanAcceptedScore)),
                            ("with_parent", .int(item.withParent)), ("max_attempt", .int(item.maxAttempt)),
                            ("difficulty", AuditJSON.summary(item.difficultySummary)),
                        ])
                    })
            ),
            (
                "sources",
                .array(
                    sources.map { item in
                        .object([
                            ("source", .string(item.source)), ("documents", item.documents.map(JSONValue.int) ?? .null),
                            ("seeds", .int(item.seeds)), ("dropped_fragments", .int(item.droppedFragments)),
                            ("quarantined", .int(item.quarantined)), ("generated", .int(item.generated)),
                            ("accepted", .int(item.accepted)), ("rejected", .int(item.rejected)),
                            ("in_flight", .int(item.inFlight)), ("yield", AuditJSON.number(item.yield)),
                        ])
                    })
            ),
            (
                "stage_times",
                .array(
                    stageTimes.map { stage in
                        .object([
                            ("stage", .string(stage.stage)), ("seconds", .double(stage.seconds)),
                            ("items", .int(stage.items)), ("items_per_second", AuditJSON.number(stage.itemsPerSecond)),
                        ])
                    })
            ),
            (
                "generation",
                .object([
                    ("completions", .int(generation.completions)), ("prompt_tokens", .int(generation.promptTokens)),
                    ("completion_tokens", .int(generation.completionTokens)),
                    ("request_seconds", .double(generation.requestSeconds)),
                    ("wall_seconds", AuditJSON.number(generation.wallSeconds)),
                    ("tokens_per_second", AuditJSON.number(generation.tokensPerSecond)),
                    ("finish_reasons", AuditJSON.counts(generation.finishReasons)),
                ])
            ),
            (
                "prompts",
                .array(
                    prompts.map { item in
                        .object([
                            ("task", .string(item.task)), ("kind", .string(item.kind)),
                            ("prompt", .string(item.promptRef)), ("samples", .int(item.samples)),
                        ])
                    })
            ),
            (
                "judge_identities",
                .array(
                    judgeIdentities.map { item in
                        .object([
                            ("task", .string(item.task)), ("judge", .string(item.judge)),
                            ("version", .string(item.version)), ("model", .string(item.model)),
                            ("prompt", .string(item.promptRef)), ("judgments", .int(item.judgments)),
                        ])
                    })
            ),
            (
                "quarantine",
                .array(
                    quarantine.map { item in
                        .object([
                            ("location", .string(item.location.description)), ("reason", .string(item.reason)),
                            ("detail", .string(item.detail)),
                        ])
                    })
            ),
            (
                "shards",
                .object([
                    ("count", .int(shards.count)), ("records", .int(shards.reduce(0) { $0 + $1.records })),
                    ("bytes", .int(shards.reduce(0) { $0 + $1.bytes })),
                ])
            ),
            (
                "examples",
                .array(
                    examples.map { example in
                        .object([
                            ("stratum", .string(example.stratum)),
                            ("sample_id", .int(Int(example.lineage.sample.id))),
                            ("record_id", example.lineage.sample.recordID.map(JSONValue.string) ?? .null),
                        ])
                    })
            ),
        ])
    }
}

/// JSON pieces shared by the report and the comparison.
enum AuditJSON {
    static func number(_ value: Double?) -> JSONValue {
        guard let value, value.isFinite else { return .null }
        return .double(value)
    }

    static func counts(_ counts: [ReasonCount]) -> JSONValue {
        .object(counts.map { ($0.reason, .int($0.count)) })
    }

    static func funnel(_ funnel: SampleFunnel) -> JSONValue {
        .object([
            ("label", .string(funnel.label)), ("seeds", .int(funnel.seeds)), ("planned", .int(funnel.planned)),
            ("pending", .int(funnel.pending)), ("generated", .int(funnel.generated)),
            ("accepted", .int(funnel.accepted)), ("rejected", .int(funnel.rejected)),
            ("in_flight", .int(funnel.inFlight)), ("yield", number(funnel.yield)),
            ("reconciles", .bool(funnel.reconciles)),
            (
                "stages",
                .array(
                    funnel.stages.map { stage in
                        .object([
                            ("stage", .string(stage.name)), ("in", .int(stage.entered)),
                            ("rejected", .int(stage.rejected)), ("waiting", .int(stage.waiting)),
                            ("passed", .int(stage.passed)), ("pass_rate", number(stage.passRate)),
                        ])
                    })
            ),
        ])
    }

    static func summary(_ summary: DistributionSummary?) -> JSONValue {
        guard let summary else { return .null }
        return .object([
            ("n", .int(summary.count)), ("min", .double(summary.min)), ("p10", .double(summary.p10)),
            ("median", .double(summary.median)), ("mean", .double(summary.mean)), ("p90", .double(summary.p90)),
            ("max", .double(summary.max)),
        ])
    }

    static func histogram(_ histogram: AuditHistogram) -> JSONValue {
        .object([
            ("lower", .double(histogram.lower)), ("upper", .double(histogram.upper)),
            ("counts", .array(histogram.counts.map(JSONValue.int))), ("below", .int(histogram.below)),
            ("above", .int(histogram.above)),
        ])
    }
}
