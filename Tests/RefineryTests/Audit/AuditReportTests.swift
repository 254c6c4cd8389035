import Foundation
import XCTest

@testable import Refinery

/// The report's numbers on a ledger with known contents (see `AuditStandardFixture`).
final class AuditReportTests: XCTestCase {
    private func report(_ fixture: AuditFixture) throws -> AuditReport {
        try AuditReport(
            ledger: fixture.ledger,
            options: AuditOptions(
                tokenCounter: AuditStandardFixture.wordCounter,
                tokenizerName: "words"))
    }

    func testFunnelsMatchTheKnownOutcomes() throws {
        let report = try report(try AuditStandardFixture.make(self))
        XCTAssertEqual(report.funnels.map(\.task), ["math", "code"])
        let math = try XCTUnwrap(report.funnels.first { $0.task == "math" })
        XCTAssertEqual(
            [math.seeds, math.planned, math.pending, math.generated, math.accepted, math.rejected, math.inFlight],
            [5, 13, 0, 13, 5, 6, 2])
        XCTAssertEqual(
            math.stages.map(\.name),
            ["generate", "parse", "judge:math_answer", "judge:rubric", "dedup", "decontaminate", "write"])
        XCTAssertEqual(math.stages.map(\.entered), [13, 13, 11, 9, 8, 6, 5])
        XCTAssertEqual(math.stages.map(\.rejected), [0, 1, 2, 1, 1, 1, 0])
        XCTAssertEqual(math.stages.map(\.waiting), [0, 1, 0, 0, 1, 0, 0])
        XCTAssertEqual(math.stages.map(\.passed), [13, 11, 9, 8, 6, 5, 5])
        XCTAssertEqual(try XCTUnwrap(math.stage("judge:math_answer")?.passRate), 9.0 / 11.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(math.stage("parse")?.passRate), 11.0 / 12.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(math.yield), 5.0 / 13.0, accuracy: 1e-12)
        XCTAssertTrue(math.reconciles)

        let code = try XCTUnwrap(report.funnels.first { $0.task == "code" })
        XCTAssertEqual(
            [code.seeds, code.planned, code.pending, code.generated, code.accepted, code.rejected, code.inFlight],
            [5, 5, 1, 4, 1, 2, 1])
        XCTAssertEqual(
            code.stages.map(\.name),
            ["generate", "parse", "judge:code_tests", "judge:likelihood", "dedup", "decontaminate", "write"])
        XCTAssertEqual(code.stages.map(\.passed), [4, 4, 3, 2, 2, 2, 1])
        XCTAssertEqual(code.stage("generate")?.waiting, 1)
        XCTAssertEqual(code.stage("write")?.waiting, 1, "the kept sample waits for a shard")
        XCTAssertTrue(code.reconciles)
    }

    /// Stages of the optimising pipeline (issue 7) sort where they happen, and judged samples wait at the first
    /// stage after the judges.
    func testStagesSortInPipelineOrder() {
        func row(_ id: Int64, _ state: SampleState, _ stage: String? = nil) -> AuditSampleRow {
            AuditSampleRow(
                id: id, seedOrdinal: 0, task: "math", kind: "generate", round: 0, attempt: 0, state: state,
                rejectStage: stage, rejectReason: stage.map { "\($0):x" })
        }
        let rows = [
            row(1, .rejected, "diversity"), row(2, .rejected, "evolve"), row(3, .rejected, "difficulty"),
            row(4, .rejected, "judge:rubric"), row(5, .rejected, "select"), row(6, .judged), row(7, .accepted),
            row(8, .rejected, "judge:extra"), row(9, .rejected, "mystery"), row(10, .kept),
        ]
        let funnel = SampleFunnel.make(label: "math", task: "math", rows: rows, judges: ["rubric"])
        XCTAssertEqual(funnel.stages.map(\.name), [
            "generate", "parse", "evolve", "judge:rubric", "judge:extra", "difficulty", "dedup", "diversity", "select",
            "decontaminate", "mystery", "write",
        ])
        XCTAssertEqual(funnel.stage("difficulty")?.waiting, 1)
        XCTAssertEqual(funnel.stage("dedup")?.waiting, 0)
        XCTAssertEqual(funnel.stage("write")?.waiting, 1)
        XCTAssertEqual(funnel.stage("write")?.passed, 1)
        XCTAssertTrue(funnel.reconciles)
    }

    /// generated = accepted + Σ rejected-by-reason + in flight, against the ledger's own counts.
    func testTotalsReconcileWithTheLedger() throws {
        let fixture = try AuditStandardFixture.make(self)
        let report = try report(fixture)
        let states = try fixture.ledger.stateCounts()
        let byReason = try fixture.ledger.rejectionReasons().reduce(0) { $0 + $1.count }
        let inFlight = (states[.generated] ?? 0) + (states[.judged] ?? 0) + (states[.kept] ?? 0)
        let generated = states.values.reduce(0, +) - (states[.pending] ?? 0)
        XCTAssertEqual(generated, (states[.accepted] ?? 0) + byReason + inFlight)
        XCTAssertEqual(report.totals.generated, generated)
        XCTAssertEqual(report.totals.accepted, states[.accepted])
        XCTAssertEqual(report.totals.rejected, byReason)
        XCTAssertEqual(report.totals.inFlight, inFlight)
        XCTAssertEqual(report.rejections.reduce(0) { $0 + $1.count }, byReason)
        XCTAssertEqual(
            [
                report.totals.planned, report.totals.generated, report.totals.accepted, report.totals.rejected,
                report.totals.inFlight,
            ], [18, 17, 6, 8, 3])
        XCTAssertTrue(report.totals.reconciles)
        XCTAssertEqual(report.funnels.reduce(0) { $0 + $1.generated }, report.totals.generated)
        XCTAssertEqual(report.shards.reduce(0) { $0 + $1.records }, 6)
    }

    func testRejectionReasonsAreRankedAndGrouped() throws {
        let report = try report(try AuditStandardFixture.make(self))
        XCTAssertEqual(
            report.rejections.map(\.reason),
            [
                "math_answer:wrong_annotation", "code_tests:assertion_failed", "contaminated:gsm8k", "duplicate_of:*",
                "likelihood:nll_above_threshold", "parse:missing_solution", "rubric:score_below_threshold",
            ])
        XCTAssertEqual(report.rejections.map(\.count), [2, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(report.rejections[0].stages, ["judge:math_answer"])
        XCTAssertEqual(report.rejections[0].count(task: "math"), 2)
        XCTAssertEqual(report.rejections[0].count(task: "code"), 0)
        XCTAssertEqual(report.rejections.first { $0.reason == "duplicate_of:*" }?.stages, ["dedup"])
    }

    func testJudgeSummariesAndScoreHistograms() throws {
        let report = try report(try AuditStandardFixture.make(self))
        XCTAssertEqual(
            report.judges.map { "\($0.task)/\($0.judge)" },
            ["math/math_answer", "math/rubric", "code/code_tests", "code/likelihood"])
        let rubric = try XCTUnwrap(report.judges.first { $0.judge == "rubric" })
        XCTAssertEqual([rubric.ran, rubric.passed, rubric.failed, rubric.rejected], [11, 9, 2, 1])
        XCTAssertEqual(rubric.threshold, 6)
        XCTAssertEqual(
            rubric.reasons,
            [
                ReasonCount(reason: "passed", count: 9),
                ReasonCount(reason: "score_below_threshold", count: 2),
            ])
        // Scores 8.0 7.0 4.0 5.5 6.5 9.2 6.1 6.6 8.5 6.8 7.5 in unit bins over 1–10.
        XCTAssertEqual(rubric.histogram.lower, 1)
        XCTAssertEqual(rubric.histogram.upper, 10)
        XCTAssertEqual(rubric.histogram.counts, [0, 0, 0, 1, 1, 4, 2, 2, 1])
        XCTAssertEqual(rubric.histogram.label(5), "6–7")
        XCTAssertEqual(try XCTUnwrap(rubric.scoreSummary?.mean), 75.7 / 11, accuracy: 1e-9)
        XCTAssertEqual(rubric.scoreSummary?.median, 6.8)
        XCTAssertEqual(rubric.meanSeconds, 0.5)
        let math = try XCTUnwrap(report.judges.first { $0.judge == "math_answer" })
        XCTAssertEqual([math.ran, math.passed, math.rejected], [11, 9, 2])
        XCTAssertTrue(math.scores.isEmpty)
        let likelihood = try XCTUnwrap(report.judges.first { $0.judge == "likelihood" })
        XCTAssertEqual([likelihood.ran, likelihood.passed, likelihood.rejected], [3, 2, 1])
        XCTAssertEqual(likelihood.threshold, 3)
        XCTAssertFalse(likelihood.higherIsBetter)
        XCTAssertEqual(likelihood.histogram.total, 3)
    }

    func testAgreementMatrixAndScoresByVerdict() throws {
        let report = try report(try AuditStandardFixture.make(self))
        let math = try XCTUnwrap(report.agreements.first { $0.task == "math" })
        XCTAssertEqual([math.first, math.second], ["math_answer", "rubric"])
        XCTAssertEqual(
            [math.count, math.bothPassed, math.onlyFirstPassed, math.onlySecondPassed, math.bothFailed],
            [11, 8, 1, 1, 1])
        XCTAssertEqual(try XCTUnwrap(math.agreement), 9.0 / 11.0, accuracy: 1e-12)
        // Both judges pass 9 of 11: chance agreement 85/121, observed 99/121, kappa 14/36.
        XCTAssertEqual(try XCTUnwrap(math.kappa), 14.0 / 36.0, accuracy: 1e-12)
        let code = try XCTUnwrap(report.agreements.first { $0.task == "code" })
        XCTAssertEqual(
            [code.count, code.bothPassed, code.onlyFirstPassed, code.onlySecondPassed, code.bothFailed],
            [3, 2, 1, 0, 0])
        XCTAssertEqual(try XCTUnwrap(code.kappa), 0, accuracy: 1e-12, "code_tests always passed: no better than chance")

        let rubric = try XCTUnwrap(report.scoresByVerdict.first { $0.scoredJudge == "rubric" })
        XCTAssertEqual(rubric.verdictJudge, "math_answer")
        XCTAssertEqual([rubric.passCount, rubric.failCount], [9, 2])
        XCTAssertEqual(try XCTUnwrap(rubric.passMean), 65.1 / 9, accuracy: 1e-9)
        XCTAssertEqual(try XCTUnwrap(rubric.failMean), 5.3, accuracy: 1e-9)
        let nll = try XCTUnwrap(report.scoresByVerdict.first { $0.scoredJudge == "likelihood" })
        XCTAssertEqual([nll.passCount, nll.failCount], [3, 0])
        XCTAssertEqual(try XCTUnwrap(nll.passMean), 2.5, accuracy: 1e-9)
        XCTAssertNil(nll.failMean)
    }

    func testYieldPerSourceCountsJSONLSeedsTowardTheirFile() throws {
        let report = try report(try AuditStandardFixture.make(self))
        XCTAssertEqual(report.sources.map(\.source), ["corpus/a.txt", "corpus/b.jsonl"])
        let a = report.sources[0]
        XCTAssertEqual(
            [
                a.documents, a.seeds, a.droppedFragments, a.quarantined, a.generated, a.accepted, a.rejected,
                a.inFlight,
            ], [2, 3, 1, 0, 12, 5, 6, 1])
        let b = report.sources[1]
        XCTAssertEqual(
            [
                b.documents, b.seeds, b.droppedFragments, b.quarantined, b.generated, b.accepted, b.rejected,
                b.inFlight,
            ], [2, 2, 0, 1, 5, 1, 2, 2])
        XCTAssertEqual(try XCTUnwrap(a.yield), 5.0 / 12.0, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(b.acceptedPerSeed), 0.5, accuracy: 1e-12)
    }

    func testLengthsUseTheGivenTokenCounter() throws {
        let report = try report(try AuditStandardFixture.make(self))
        XCTAssertEqual(report.lengthUnit, "tokens (words)")
        let problems = try XCTUnwrap(
            report.lengths.first {
                $0.task == "code" && $0.field == "problem" && $0.population == "accepted"
            })
        XCTAssertEqual(problems.values, [4])
        let parsed = try XCTUnwrap(
            report.lengths.first {
                $0.task == "code" && $0.field == "problem" && $0.population == "parsed"
            })
        XCTAssertEqual(parsed.values, [4, 2, 2, 2])
        let completions = try XCTUnwrap(report.lengths.first { $0.task == "math" && $0.field == "completion" })
        XCTAssertEqual(completions.values.count, 13)
        XCTAssertEqual(completions.summary?.max, 80)
        XCTAssertEqual(completions.summary?.min, 12)
    }

    func testTheEstimateIsUsedWithoutATokenizer() throws {
        let report = try AuditReport(ledger: try AuditStandardFixture.make(self).ledger)
        XCTAssertTrue(report.lengthUnit.contains("estimated"))
        XCTAssertEqual(TokenEstimate.count("How many apples?"), 1 + 1 + 2 + 1)
        XCTAssertEqual(TokenEstimate.count("12345 + 6"), 2 + 1 + 1)
        XCTAssertEqual(TokenEstimate.count(""), 0)
        let code = try XCTUnwrap(
            report.lengths.first {
                $0.task == "code" && $0.field == "problem" && $0.population == "accepted"
            })
        XCTAssertEqual(code.values, [Double(TokenEstimate.count("Write f returning 42"))])
    }

    func testBreakdownByKindAndRound() throws {
        let report = try report(try AuditStandardFixture.make(self))
        let math = report.breakdown.filter { $0.task == "math" }
        XCTAssertEqual(math.map { "\($0.kind)/\($0.round)" }, ["generate/0", "evolve/1", "repair/0"])
        XCTAssertEqual(math.map(\.funnel.generated), [10, 2, 1])
        XCTAssertEqual(math.map(\.funnel.accepted), [3, 1, 1])
        XCTAssertEqual(math.map(\.funnel.rejected), [5, 1, 0])
        XCTAssertEqual(math.map(\.funnel.inFlight), [2, 0, 0])
        XCTAssertEqual(math.map(\.withParent), [0, 2, 1])
        XCTAssertEqual(math.map(\.maxAttempt), [0, 0, 1])
        XCTAssertEqual(math[1].difficulties, [0.25])
        XCTAssertEqual(math[1].funnel.stage("decontaminate")?.rejected, 1)
        XCTAssertEqual(try XCTUnwrap(math[0].meanAcceptedScore), (8.0 + 7.0 + 9.2) / 3, accuracy: 1e-9)
        XCTAssertTrue(math.allSatisfy(\.funnel.reconciles))
        XCTAssertEqual(report.breakdown.filter { $0.task == "code" }.map(\.funnel.planned), [5])
    }

    func testThroughputProvenanceAndQuarantine() throws {
        let report = try report(try AuditStandardFixture.make(self))
        XCTAssertEqual(report.stageTimes.map(\.stage), ["acquire", "generate+judge", "select", "write"])
        XCTAssertEqual(report.stageTimes[1].itemsPerSecond, 1.7)
        XCTAssertEqual(report.generation.completions, 17)
        XCTAssertEqual(report.generation.promptTokens, 17 * 20)
        XCTAssertEqual(report.generation.wallSeconds, 10)
        XCTAssertEqual(
            report.generation.finishReasons,
            [
                ReasonCount(reason: "eos", count: 16),
                ReasonCount(reason: "length", count: 1),
            ])
        XCTAssertEqual(report.overview.model, "tiny-moe@0123456789ab")
        XCTAssertEqual(report.overview.runID, AuditStandardFixture.runID)
        XCTAssertTrue(report.overview.runAllJudges)
        XCTAssertFalse(report.overview.finished)
        XCTAssertEqual(
            Set(report.prompts.map(\.promptRef)),
            [
                "math/generate@abcdef012345", "code/generate@abcdef012345", "evolve/generate@abcdef012345",
                "repair/generate@abcdef012345",
            ])
        XCTAssertEqual(report.prompts.first { $0.promptRef.hasPrefix("math/") }?.samples, 10)
        let rubric = try XCTUnwrap(report.judgeIdentities.first { $0.judge == "rubric" })
        XCTAssertEqual(
            [rubric.model, rubric.promptRef, rubric.version],
            [
                "tiny-moe@0123456789ab",
                "judges/math@fedcba987654", "1",
            ])
        XCTAssertEqual(rubric.judgments, 11)
        XCTAssertEqual(report.quarantine.map(\.reason), ["invalid_json"])
        XCTAssertEqual(report.quarantine.first?.location.line, 3)
    }

    func testTextReportShowsEverySectionAlignedAndPlain() throws {
        let text = try report(try AuditStandardFixture.make(self)).text()
        for heading in [
            "FUNNEL — task math", "FUNNEL — task code", "REJECTION REASONS", "JUDGES", "JUDGE AGREEMENT",
            "LENGTHS", "BY KIND AND ROUND", "YIELD PER SEED SOURCE", "THROUGHPUT", "MODEL AND PROMPT HASHES",
            "QUARANTINED INPUTS (1)", "EXAMPLE RECORDS",
        ] {
            XCTAssertTrue(text.contains(heading), "missing \(heading)")
        }
        XCTAssertTrue(text.contains("reconciled: generated 17 = accepted 6 + rejected 8 + in flight 3 ✓"))
        XCTAssertFalse(text.contains("\u{1B}"), "no colour or raw escape from model text in plain output")
        XCTAssertFalse(text.contains("\u{07}"))
        // The funnel table's numbers are right-aligned in one column.
        let lines = text.components(separatedBy: "\n")
        let header = try XCTUnwrap(lines.firstIndex { $0.contains("stage") && $0.contains("pass rate") })
        let parse = try XCTUnwrap(lines[header...].first { $0.hasPrefix("  parse") })
        let write = try XCTUnwrap(lines[header...].first { $0.hasPrefix("  write") })
        XCTAssertEqual(parse.count, write.count)
        XCTAssertTrue(text.contains("math_answer × rubric"))
        XCTAssertTrue(text.contains("6–7"))

        let colored = try report(try AuditStandardFixture.make(self)).text(style: AuditTextStyle(color: true))
        XCTAssertTrue(colored.contains("\u{1B}[1;36m"))
    }

    func testColourFollowsNoColorAndDumbTerminals() {
        XCTAssertFalse(AuditTextStyle.forStandardOutput(environment: ["NO_COLOR": "1"]).color)
        XCTAssertFalse(AuditTextStyle.forStandardOutput(environment: ["TERM": "dumb"]).color)
    }

    func testJSONCarriesTheFunnelsAndParses() throws {
        let report = try report(try AuditStandardFixture.make(self))
        let value = try JSONValue.parse(report.json().pretty())
        XCTAssertEqual(value["format"]?.stringValue, "refinery-audit/1")
        let math = try XCTUnwrap(value["funnels"]?.arrayValue?.first)
        XCTAssertEqual(math["accepted"]?.intValue, 5)
        XCTAssertEqual(math["reconciles"]?.boolValue, true)
        XCTAssertEqual(math["stages"]?.arrayValue?.map { $0["passed"]?.intValue ?? -1 }, [13, 11, 9, 8, 6, 5, 5])
        XCTAssertEqual(value["totals"]?["generated"]?.intValue, 17)
        let rubric = try XCTUnwrap(value["judges"]?.arrayValue?.first { $0["judge"]?.stringValue == "rubric" })
        XCTAssertEqual(rubric["histogram"]?["counts"]?.arrayValue?.compactMap(\.intValue), [0, 0, 0, 1, 1, 4, 2, 2, 1])
    }

    func testAnEmptyRunReportsZerosAndReconciles() throws {
        let directory = try makeTemporaryDirectory(self)
        let ledger = try RunLedger(url: directory.appendingPathComponent(RunLedger.fileName))
        try ledger.setInfo("run_id", "empty")
        let report = try AuditReport(ledger: ledger)
        XCTAssertEqual(report.totals.generated, 0)
        XCTAssertTrue(report.totals.reconciles)
        XCTAssertTrue(report.funnels.isEmpty)
        XCTAssertTrue(report.text().contains("none"))
        XCTAssertTrue(report.html().contains("No tasks."))
    }

    func testMissingLedgerIsAnInputError() throws {
        let directory = try makeTemporaryDirectory(self)
        XCTAssertThrowsError(try AuditReport.load(runDirectory: directory)) { error in
            XCTAssertEqual((error as? RefineryError)?.kind, .input)
        }
        XCTAssertThrowsError(try AuditReport.load(runDirectory: directory.appendingPathComponent("nope"))) { error in
            XCTAssertEqual((error as? RefineryError)?.exitCode, 2)
        }
    }
}
