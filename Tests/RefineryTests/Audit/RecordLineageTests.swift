import Foundation
import XCTest

@testable import Refinery

/// `refinery inspect`: the full lineage of one record by sample id, record id or prefix.
final class RecordLineageTests: XCTestCase {
    func testAcceptedRecordByRecordIDHasEveryLineagePart() throws {
        let fixture = try AuditStandardFixture.make(self)
        let recordID = try XCTUnwrap(fixture.recordIDs["m0"])
        let lineage = try RecordLineage.load(ledger: fixture.ledger, identifier: recordID)
        // m5 shares m0's record id; the accepted sample is the one shown.
        XCTAssertEqual(lineage.sample.id, fixture.ids["m0"])
        XCTAssertEqual(lineage.seed?.source, "corpus/a.txt")
        XCTAssertEqual(lineage.seed.map { [$0.start, $0.end] }, [0, 60])
        XCTAssertEqual(lineage.judgments.map(\.judge), ["math_answer", "rubric"])
        XCTAssertEqual(lineage.shardPath, "shards/part-00000.jsonl.zst")
        XCTAssertEqual(lineage.sample.shardLine, 1)
        XCTAssertNil(lineage.shardProblem)
        let shardRecord = try JSONValue.parse(try XCTUnwrap(lineage.shardLineText))
        XCTAssertEqual(shardRecord["id"]?.stringValue, recordID)
        XCTAssertEqual(lineage.duplicates.map(\.sampleID), [fixture.ids["m5"]!])
        XCTAssertEqual(lineage.duplicates.first?.rejectReason, "duplicate_of:\(recordID)")
        XCTAssertEqual(lineage.children.map(\.sampleID), [fixture.ids["e0"]!], "the evolution of m0")
        XCTAssertNil(lineage.parent)
        XCTAssertEqual(lineage.parseResult, "ok")

        let text = lineage.text()
        for part in [
            "SEED ", "source  corpus/a.txt  span [0, 60)", "│ Seed passage 0", "PROMPT math/generate@abcdef012345",
            "│ Passage:", "OUTPUT finish eos", "│ Problem: How many apples in total?", "PARSE ok",
            "problem", "│ 2 + 3 = 5 apples", "JUDGMENTS", "1. math_answer v1  passed",
            "2. rubric v1  passed  score 8.00", "judges/math@fedcba987654",
            "DEDUP cluster \(recordID), 1 other sample(s)", "duplicate_of:\(recordID)",
            "SHARD shards/part-00000.jsonl.zst line 1", "│ {\"id\":\"\(recordID)\"", "PARENT none",
            "CHILDREN", "math evolve r1, accepted",
        ] {
            XCTAssertTrue(text.contains(part), "inspect text lacks \(part)")
        }
    }

    func testLookupBySampleIDAndPrefix() throws {
        let fixture = try AuditStandardFixture.make(self)
        let e0 = try XCTUnwrap(fixture.ids["e0"])
        let bySample = try RecordLineage.load(ledger: fixture.ledger, identifier: String(e0))
        XCTAssertEqual(bySample.sample.kind, "evolve")
        XCTAssertEqual(bySample.sample.round, 1)
        XCTAssertEqual(bySample.parent?.sampleID, fixture.ids["m0"])
        XCTAssertEqual(bySample.sample.difficulty, 0.25)
        let prefix = String(try XCTUnwrap(fixture.recordIDs["c0"]).prefix(10))
        XCTAssertEqual(try RecordLineage.load(ledger: fixture.ledger, identifier: prefix).sample.id, fixture.ids["c0"])
        XCTAssertThrowsError(try RecordLineage.load(ledger: fixture.ledger, identifier: "ffffffffffffffff")) { error in
            XCTAssertEqual((error as? RefineryError)?.kind, .input)
        }
        XCTAssertThrowsError(try RecordLineage.load(ledger: fixture.ledger, identifier: "abc")) { error in
            XCTAssertEqual((error as? RefineryError)?.kind, .input, "prefixes shorter than 6 characters match nothing")
        }
    }

    func testRejectedAndUnfinishedSamples() throws {
        let fixture = try AuditStandardFixture.make(self)
        let parse = try RecordLineage.load(ledger: fixture.ledger, identifier: String(fixture.ids["m1"]!))
        XCTAssertEqual(parse.parseResult, "parse:missing_solution")
        XCTAssertTrue(parse.text().contains("state     rejected at parse: parse:missing_solution"))
        XCTAssertTrue(parse.text().contains("SHARD none (not accepted)"))
        let judged = try RecordLineage.load(ledger: fixture.ledger, identifier: String(fixture.ids["m3"]!))
        XCTAssertTrue(judged.text().contains("math_answer v1  FAILED"))
        XCTAssertTrue(judged.text().contains("<<2+2=5>> is wrong"))
        XCTAssertEqual(judged.children.map(\.kind), ["repair"], "the repair of m3")
        let pending = try RecordLineage.load(ledger: fixture.ledger, identifier: String(fixture.ids["c4"]!))
        XCTAssertEqual(pending.parseResult, "not generated yet")
        XCTAssertTrue(pending.text().contains("pending (not generated yet)"))
    }

    func testJSONAndTerminalSafety() throws {
        let fixture = try AuditStandardFixture.make(self)
        let lineage = try RecordLineage.load(ledger: fixture.ledger, identifier: String(fixture.ids["m6"]!))
        let text = lineage.text()
        XCTAssertFalse(text.contains("\u{1B}"), "escape sequences from model output never reach the terminal")
        XCTAssertFalse(text.contains("\u{07}"))
        XCTAssertTrue(text.contains("␛[31mred"))
        let json = try JSONValue.parse(lineage.json().pretty())
        XCTAssertEqual(json["sample_id"]?.intValue, Int(fixture.ids["m6"]!))
        XCTAssertEqual(json["seed"]?["source"]?.stringValue, "corpus/b.jsonl:1")
        XCTAssertEqual(json["seed"]?["span"]?.arrayValue?.compactMap(\.intValue), [300, 360])
        XCTAssertTrue(
            json["generation"]?["output"]?.stringValue?.contains("\u{1B}[31m") ?? false,
            "JSON keeps the exact bytes")
        XCTAssertEqual(json["judgments"]?.arrayValue?.count, 2)
        XCTAssertEqual(json["shard"]?["file"]?.stringValue, "shards/part-00000.jsonl.zst")
        XCTAssertEqual(json["shard"]?["line"]?.intValue, 3)
        XCTAssertEqual(json["shard"]?["record"]?["id"]?.stringValue, fixture.recordIDs["m6"])
        XCTAssertEqual(json["parse"]?["result"]?.stringValue, "ok")
    }

    func testDifficultySolvesAreShown() throws {
        let fixture = try AuditStandardFixture.make(self)
        let e0 = try XCTUnwrap(fixture.ids["e0"])
        guard try fixture.ledger.read({ try $0.tableExists("solves") }) else {
            throw XCTSkip("this ledger version has no solves table")
        }
        try fixture.ledger.write { db in
            for (attempt, solved) in [(0, true), (1, false), (2, false), (3, false)] {
                try db.execute(sql: """
                    INSERT INTO solves(sample_id, attempt, sampling_seed, output, solved, detail) VALUES (?, ?, 1, '', ?, ?)
                    """, arguments: [e0, attempt, solved, solved ? "" : "answer 10, expected 11"])
            }
        }
        let lineage = try RecordLineage.load(ledger: fixture.ledger, identifier: String(e0))
        XCTAssertEqual(lineage.solves.map(\.solved), [true, false, false, false])
        let text = lineage.text()
        XCTAssertTrue(text.contains("score     8.50 · difficulty (solve rate) 0.25"))
        XCTAssertTrue(text.contains("SOLVES 1 of 4 fresh attempts solved the problem"))
        XCTAssertTrue(text.contains("attempt 1 failed: answer 10, expected 11"))
        XCTAssertEqual(try JSONValue.parse(lineage.json().serialized())["solves"]?.arrayValue?.count, 4)
    }

    func testAMissingShardFileIsReportedNotFatal() throws {
        let fixture = try AuditStandardFixture.make(self)
        try FileManager.default.removeItem(at: fixture.directory.appendingPathComponent("shards/part-00000.jsonl.zst"))
        let lineage = try RecordLineage.load(ledger: fixture.ledger, identifier: String(fixture.ids["m0"]!))
        XCTAssertNil(lineage.shardLineText)
        XCTAssertNotNil(lineage.shardProblem)
        XCTAssertTrue(lineage.text().contains("  ! "))
    }
}
