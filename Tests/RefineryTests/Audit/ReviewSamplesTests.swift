import Foundation
import XCTest

@testable import Refinery

/// `audit --samples N`: stratified, deterministic review records.
final class ReviewSamplesTests: XCTestCase {
    func testStrataAndTheirOrder() throws {
        let fixture = try AuditStandardFixture.make(self)
        let report = try AuditReport(ledger: fixture.ledger)
        XCTAssertEqual(
            report.strata.map(\.name),
            [
                "accepted", "borderline", "rejected:math_answer:wrong_annotation",
                "rejected:code_tests:assertion_failed",
                "rejected:contaminated:gsm8k", "rejected:duplicate_of:*", "rejected:likelihood:nll_above_threshold",
                "rejected:parse:missing_solution", "rejected:rubric:score_below_threshold",
            ])
        // Accepted samples in the order of sha256("<run id>|<sample id>").
        let accepted = ["m0", "m2", "m6", "e0", "r0", "c0"].map { fixture.ids[$0]! }
        let expected = accepted.sorted {
            Hashing.sha256Hex("\(AuditStandardFixture.runID)|\($0)")
                < Hashing.sha256Hex("\(AuditStandardFixture.runID)|\($1)")
        }
        XCTAssertEqual(report.strata[0].sampleIDs, expected)
        // Borderline: nearest a judge threshold first (rubric ≥ 6, likelihood ≤ 3): m7 and c2 at 0.1, then c3
        // at 0.4.
        let borderline = report.strata[1].sampleIDs
        XCTAssertEqual(Set(borderline.prefix(2)), [fixture.ids["m7"]!, fixture.ids["c2"]!])
        XCTAssertEqual(borderline[2], fixture.ids["c3"])
        XCTAssertEqual(borderline.count, 14, "every sample with a thresholded score")
    }

    func testTenSamplesFollowTheShares() throws {
        let fixture = try AuditStandardFixture.make(self)
        let report = try AuditReport(ledger: fixture.ledger)
        let picks = ReviewSamples.select(report, count: 10)
        XCTAssertEqual(picks.count, 10)
        XCTAssertEqual(Set(picks.map(\.sampleID)).count, 10, "no sample twice")
        let byStratum = Dictionary(grouping: picks, by: \.stratum).mapValues(\.count)
        // Half accepted, a fifth borderline, the other three to the three most frequent reasons.
        XCTAssertEqual(byStratum["accepted"], 5)
        XCTAssertEqual(byStratum["borderline"], 2)
        XCTAssertEqual(byStratum["rejected:math_answer:wrong_annotation"], 1)
        XCTAssertEqual(byStratum["rejected:code_tests:assertion_failed"], 1)
        XCTAssertEqual(byStratum["rejected:contaminated:gsm8k"], 1)
        XCTAssertEqual(
            picks.filter { $0.stratum == "borderline" }.map(\.sampleID).sorted(),
            [fixture.ids["m7"]!, fixture.ids["c2"]!].sorted())
        XCTAssertEqual(picks.map(\.stratum).first, "accepted")
    }

    func testAskingForMoreThanExistsTakesEverySampleOnce() throws {
        let fixture = try AuditStandardFixture.make(self)
        let report = try AuditReport(ledger: fixture.ledger)
        let picks = ReviewSamples.select(report, count: 100)
        // 6 accepted + 8 rejected + the two in-flight borderline samples (m7, c2).
        XCTAssertEqual(picks.count, 16)
        XCTAssertEqual(Set(picks.map(\.sampleID)).count, 16)
        XCTAssertTrue(ReviewSamples.select(report, count: 0).isEmpty)
    }

    func testTheFileIsDeterministicAndCarriesLineage() throws {
        let fixture = try AuditStandardFixture.make(self)
        let report = try AuditReport(ledger: fixture.ledger)
        let first = fixture.directory.appendingPathComponent("audit/review-samples.jsonl")
        XCTAssertEqual(ReviewSamples.defaultURL(runDirectory: fixture.directory), first)
        XCTAssertEqual(try ReviewSamples.write(report, ledger: fixture.ledger, count: 7, to: first), 7)
        let second = fixture.directory.appendingPathComponent("again.jsonl")
        try ReviewSamples.write(try AuditReport(ledger: fixture.ledger), ledger: fixture.ledger, count: 7, to: second)
        let bytes = try Data(contentsOf: first)
        XCTAssertEqual(bytes, try Data(contentsOf: second), "same run, same file")
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 7)
        for line in lines {
            let record = try JSONValue.parse(line)
            XCTAssertNotNil(record["stratum"]?.stringValue)
            XCTAssertEqual(record["review"]?["verdict"]?.stringValue, "")
            XCTAssertNotNil(record["seed"]?["text"]?.stringValue)
            XCTAssertNotNil(record["generation"]?["prompt"]?.stringValue)
            XCTAssertNotNil(record["judgments"]?.arrayValue)
            if record["state"]?.stringValue == "accepted" {
                XCTAssertEqual(record["shard"]?["file"]?.stringValue, "shards/part-00000.jsonl.zst")
                XCTAssertNotNil(record["shard"]?["line"]?.intValue)
            }
        }
        XCTAssertEqual(try JSONValue.parse(lines[0])["stratum"]?.stringValue, "accepted")
    }

    func testAnotherRunIDDrawsAnotherOrder() throws {
        let one = try AuditReport(ledger: try AuditStandardFixture.make(self).ledger)
        let other = try AuditReport(ledger: try AuditStandardFixture.make(self, runID: "another-run").ledger)
        XCTAssertEqual(Set(one.strata[0].sampleIDs), Set(other.strata[0].sampleIDs))
        XCTAssertNotEqual(
            one.strata[0].sampleIDs, other.strata[0].sampleIDs,
            "the order is seeded by the run id (fixed for these two ids)")
    }
}
