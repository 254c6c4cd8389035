import Foundation
import Refinery
import XCTest

/// `refinery audit` and `refinery inspect` through the built binary: output, files written and exit codes.
final class AuditCommandTests: XCTestCase {
    private struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func run(_ arguments: [String]) throws -> Run {
        let output = try RefineryBinary.run(arguments, unset: ["NO_COLOR"])
        return Run(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "refinery-audit-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// A run of four math samples: one accepted (in a real shard), one rejected by a judge, one rejected at
    /// parse, one pending. Returns the run directory and the accepted record id.
    private func makeRun() throws -> (URL, String) {
        let directory = try temporaryDirectory()
        let ledger = try RunLedger(url: directory.appendingPathComponent(RunLedger.fileName))
        try ledger.setInfo("run_id", "cli-run")
        try ledger.setInfo("model", "tiny@000000000000")
        try ledger.setInfo(
            "config_json",
            """
            {"tasks":[{"name":"math","kind":"math","judges":[{"kind":"math_answer"},{"kind":"rubric","min_score":6.0}]}]}
            """)
        let seed = SeedRecord(
            ordinal: 0, id: "seed0", source: "corpus/a.txt", start: 0, end: 20,
            text: "Mia buys 3 apples.")
        try ledger.storeAcquisition(
            seeds: [seed],
            sources: [
                (
                    path: "corpus/a.txt", documents: 1, chunks: 1,
                    dropped: 0, quarantined: 0
                )
            ], quarantine: [])
        try ledger.plan((0..<4).map { PlannedSample(seedOrdinal: 0, task: "math", sampleIndex: $0, samplingSeed: 7) })
        let ids = try ledger.samples(inStates: [.pending]).map(\.id)
        for id in ids.prefix(3) {
            try ledger.saveGeneration(
                sampleID: id,
                GenerationRecord(
                    promptRef: "math/generate@abcdef012345", prompt: "Passage: Mia buys 3 apples.",
                    output: "Problem: How many?\n\nSolution:\n3 <script>x</script>", finishReason: "eos",
                    promptTokens: 8,
                    completionTokens: 12, seconds: 1))
        }
        let recordID = String(repeating: "ab", count: 16)
        let fields = ParsedFields(problem: "How many?", solution: "3", answer: "3")
        try ledger.saveJudging(
            sampleID: ids[0], parsed: fields, recordID: recordID,
            judgments: [
                Judgment(judge: "math_answer", version: "1", passed: true, reason: "passed"),
                Judgment(judge: "rubric", version: "1", passed: true, score: 7.5, reason: "passed"),
            ], score: 7.5, rejection: nil)
        try ledger.saveJudging(
            sampleID: ids[1], parsed: fields, recordID: String(repeating: "cd", count: 16),
            judgments: [
                Judgment(judge: "math_answer", version: "1", passed: false, reason: "wrong_annotation")
            ], score: nil, rejection: ("judge:math_answer", "math_answer:wrong_annotation", "2+2=5"))
        try ledger.saveJudging(
            sampleID: ids[2], parsed: nil, recordID: nil, judgments: [], score: nil,
            rejection: ("parse", "parse:missing_solution", ""))
        try ledger.saveSelection(kept: [(ids[0], nil)], rejected: [])
        let writer = try ShardWriter(
            directory: directory.appendingPathComponent("shards"), maxBytes: 1 << 20, level: 3,
            startIndex: 0
        ) { shard, sampleIDs in
            try ledger.commitShard(shard, sampleIDs: sampleIDs)
        }
        try writer.append(line: "{\"id\":\"\(recordID)\",\"task\":\"math\"}", sampleID: ids[0])
        try writer.finish()
        return (directory, recordID)
    }

    func testTextReportOnAPipeHasNoColour() throws {
        let (directory, _) = try makeRun()
        let result = try run(["audit", directory.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("FUNNEL — task math"))
        XCTAssertTrue(result.stdout.contains("reconciled: generated 3 = accepted 1 + rejected 2 + in flight 0 ✓"))
        XCTAssertTrue(result.stdout.contains("math_answer:wrong_annotation"))
        XCTAssertFalse(result.stdout.contains("\u{1B}["), "stdout is not a terminal")
    }

    func testJSONHTMLAndReviewSamples() throws {
        let (directory, _) = try makeRun()
        let html = directory.appendingPathComponent("report.html")
        let result = try run(["audit", directory.path, "--json", "--html", html.path, "--samples", "2"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try JSONValue.parse(result.stdout)
        XCTAssertEqual(json["totals"]?["accepted"]?.intValue, 1)
        XCTAssertEqual(json["totals"]?["rejected"]?.intValue, 2)
        XCTAssertEqual(json["totals"]?["pending"]?.intValue, 1)
        XCTAssertTrue(result.stderr.contains("wrote 2 review sample(s)"))
        let page = try String(contentsOf: html, encoding: .utf8)
        XCTAssertTrue(page.contains("<svg"))
        XCTAssertFalse(page.contains("<script>x"))
        let samples = try String(
            contentsOf: directory.appendingPathComponent("audit/review-samples.jsonl"), encoding: .utf8)
        XCTAssertEqual(samples.split(separator: "\n").count, 2)
    }

    func testAgainstAnotherRun() throws {
        let (directory, _) = try makeRun()
        let (other, _) = try makeRun()
        let result = try run(["audit", directory.path, "--against", other.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("COMPARISON — against run cli-run"))
        XCTAssertTrue(result.stdout.contains("(+0.0 pp)"))
    }

    func testInspectTextJSONAndUnknownIDs() throws {
        let (directory, recordID) = try makeRun()
        let text = try run(["inspect", directory.path, recordID])
        XCTAssertEqual(text.status, 0, text.stderr)
        for part in [
            "SEED seed0", "PROMPT math/generate@abcdef012345", "OUTPUT finish eos", "PARSE ok", "JUDGMENTS",
            "DEDUP", "SHARD shards/part-00000.jsonl.zst line 1",
        ] {
            XCTAssertTrue(text.stdout.contains(part), "inspect lacks \(part)")
        }
        let json = try run(["inspect", directory.path, String(recordID.prefix(8)), "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        XCTAssertEqual(try JSONValue.parse(json.stdout)["record_id"]?.stringValue, recordID)
        let missing = try run(["inspect", directory.path, "0123456789abcdef"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.hasPrefix("error: "))
    }

    func testExitCodes() throws {
        let nowhere = try temporaryDirectory().appendingPathComponent("no-run")
        let missing = try run(["audit", nowhere.path])
        XCTAssertEqual(missing.status, 2, "a folder without a ledger is an input error")
        XCTAssertTrue(missing.stderr.contains("no such run directory"))
        let (directory, _) = try makeRun()
        let usage = try run([
            "audit", directory.path, "--samples-out", directory.appendingPathComponent("x.jsonl").path,
        ])
        XCTAssertEqual(usage.status, 1)
        let badFolder = try run(["audit", directory.path, "--html", nowhere.appendingPathComponent("r.html").path])
        XCTAssertEqual(badFolder.status, 1)
        let inspectMissing = try run(["inspect", nowhere.path, "1"])
        XCTAssertEqual(inspectMissing.status, 2)
    }
}
