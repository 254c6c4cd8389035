import Foundation
import XCTest

@testable import Refinery

/// `audit --against`: deltas of funnel rates, rejection shares and score distributions between two runs.
final class AuditComparisonTests: XCTestCase {
    /// A smaller run of the same pipeline: math b0 accepted (rubric 6.5), b1 rejected by rubric (3.0), b2 rejected
    /// by math_answer (rubric 2.0), b3 rejected at parse; no code samples.
    static func baseline(_ testCase: XCTestCase) throws -> AuditFixture {
        let seeds = (0..<2).map {
            SeedRecord(
                ordinal: $0, id: "baseline-seed-\($0)", source: "corpus/a.txt", start: 0, end: 10, text: "seed \($0)")
        }
        let fixture = AuditStandardFixture.self
        let specs = [
            AuditSampleSpec(
                key: "b0", seed: 0, task: "math", index: 0, outcome: .accepted(cluster: nil),
                judgments: [fixture.math(true), fixture.rubric(6.5)], problem: "p0", solution: "s0"),
            AuditSampleSpec(
                key: "b1", seed: 0, task: "math", index: 1, outcome: .judgeRejected,
                judgments: [fixture.math(true), fixture.rubric(3.0)], problem: "p1", solution: "s1"),
            AuditSampleSpec(
                key: "b2", seed: 1, task: "math", index: 0, outcome: .judgeRejected,
                judgments: [fixture.math(false), fixture.rubric(2.0)], problem: "p2", solution: "s2"),
            AuditSampleSpec(
                key: "b3", seed: 1, task: "math", index: 1, outcome: .parseFailed(reason: "missing_solution")),
        ]
        return try AuditFixture(
            directory: try makeTemporaryDirectory(testCase), runID: "baseline-run",
            configJSON: fixture.configJSON, seeds: seeds, sources: [("corpus/a.txt", 1, 2, 0, 0)],
            quarantine: [], samples: specs, stageTimes: [], finished: true)
    }

    private func comparison() throws -> AuditComparison {
        let current = try AuditReport(ledger: try AuditStandardFixture.make(self).ledger)
        let baseline = try AuditReport(ledger: try Self.baseline(self).ledger)
        return AuditComparison(current: current, baseline: baseline)
    }

    func testFunnelRateDeltas() throws {
        let comparison = try comparison()
        XCTAssertEqual(comparison.baseline.runID, "baseline-run")
        XCTAssertEqual(comparison.current.runID, AuditStandardFixture.runID)
        XCTAssertEqual(comparison.totals.generated.baseline, 4)
        XCTAssertEqual(comparison.totals.generated.current, 17)
        XCTAssertEqual(try XCTUnwrap(comparison.totals.yield.delta), 6.0 / 17 - 0.25, accuracy: 1e-12)
        let math = try XCTUnwrap(comparison.funnels.first { $0.task == "math" })
        XCTAssertEqual(try XCTUnwrap(math.yield.delta), 5.0 / 13 - 0.25, accuracy: 1e-12)
        let parse = try XCTUnwrap(math.stages.first { $0.stage == "parse" })
        XCTAssertEqual(parse.passRate.baseline, 0.75)
        XCTAssertEqual(try XCTUnwrap(parse.passRate.delta), 11.0 / 12 - 0.75, accuracy: 1e-12)
        let judge = try XCTUnwrap(math.stages.first { $0.stage == "judge:math_answer" })
        XCTAssertEqual(try XCTUnwrap(judge.passRate.baseline), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(judge.passRate.current), 9.0 / 11, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(judge.survival.baseline), 0.5, accuracy: 1e-12)
        XCTAssertEqual(math.stages.map(\.stage).last, "write")
        let code = try XCTUnwrap(comparison.funnels.first { $0.task == "code" })
        XCTAssertNil(code.yield.baseline, "the baseline generated no code samples")
        XCTAssertNil(code.yield.delta)
        XCTAssertEqual(code.generated.baseline, 0)
    }

    func testRejectionShareDeltas() throws {
        let comparison = try comparison()
        let wrong = try XCTUnwrap(comparison.reasons.first { $0.reason == "math_answer:wrong_annotation" })
        XCTAssertEqual(wrong.count.baseline, 1)
        XCTAssertEqual(wrong.count.current, 2)
        XCTAssertEqual(try XCTUnwrap(wrong.shareOfGenerated.delta), 2.0 / 17 - 0.25, accuracy: 1e-12)
        let duplicate = try XCTUnwrap(comparison.reasons.first { $0.reason == "duplicate_of:*" })
        XCTAssertEqual(duplicate.count.baseline, 0)
        XCTAssertEqual(try XCTUnwrap(duplicate.shareOfGenerated.delta), 1.0 / 17, accuracy: 1e-12)
    }

    func testScoreDistributionDeltasShareBins() throws {
        let comparison = try comparison()
        let rubric = try XCTUnwrap(comparison.judges.first { $0.judge == "rubric" })
        XCTAssertEqual(try XCTUnwrap(rubric.passRate.baseline), 1.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rubric.meanScore.baseline), 11.5 / 3, accuracy: 1e-12)
        XCTAssertEqual(try XCTUnwrap(rubric.meanScore.delta), 75.7 / 11 - 11.5 / 3, accuracy: 1e-9)
        XCTAssertEqual(rubric.baselineHistogram?.counts, [0, 1, 1, 0, 0, 1, 0, 0, 0])
        XCTAssertEqual(rubric.currentHistogram?.counts, [0, 0, 0, 1, 1, 4, 2, 2, 1])
        let likelihood = try XCTUnwrap(comparison.judges.first { $0.judge == "likelihood" })
        XCTAssertEqual(likelihood.baselineHistogram?.total, 0)
        XCTAssertEqual(likelihood.currentHistogram?.total, 3)
        XCTAssertEqual(likelihood.baselineHistogram?.counts.count, likelihood.currentHistogram?.counts.count)
        let length = try XCTUnwrap(
            comparison.lengths.first {
                $0.task == "math" && $0.field == "completion" && $0.population == "generated"
            })
        XCTAssertEqual(length.median.baseline, 50)
    }

    func testTextAndJSONShowTheDeltas() throws {
        let comparison = try comparison()
        let text = comparison.text()
        XCTAssertTrue(text.contains("COMPARISON — against run baseline-run"))
        XCTAssertTrue(text.contains("yield 25.0% → 38.5% (+13.5 pp)"))
        XCTAssertTrue(text.contains("33.3% → 81.8% (+48.5 pp)"), "rubric pass rate delta")
        let json = try JSONValue.parse(comparison.json().serialized())
        let math = try XCTUnwrap(json["funnels"]?.arrayValue?.first { $0["task"]?.stringValue == "math" })
        XCTAssertEqual(try XCTUnwrap(math["yield"]?["delta"]?.doubleValue), 5.0 / 13 - 0.25, accuracy: 1e-12)
        XCTAssertEqual(json["baseline"]?["run"]?.stringValue, "baseline-run")
    }

    func testARunAgainstItselfHasNoDeltas() throws {
        let report = try AuditReport(ledger: try AuditStandardFixture.make(self).ledger)
        let comparison = AuditComparison(current: report, baseline: report)
        XCTAssertEqual(comparison.totals.yield.delta, 0)
        for funnel in comparison.funnels {
            for stage in funnel.stages where stage.passRate.delta != nil { XCTAssertEqual(stage.passRate.delta, 0) }
        }
        XCTAssertTrue(comparison.judges.allSatisfy { $0.baselineHistogram == $0.currentHistogram })
    }
}
