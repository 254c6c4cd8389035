import Foundation
import XCTest

/// Runs the built `refinery` binary: `dedup`, `decontaminate` and `bench dedup`.
final class DedupCommandTests: XCTestCase {
    private struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    private func binary() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["REFINERY_BINARY"] { return URL(fileURLWithPath: path) }
        var folders = [Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
        folders += Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }
            .map { $0.bundleURL.deletingLastPathComponent() }
        for folder in folders {
            let url = folder.appendingPathComponent("refinery")
            if FileManager.default.isExecutableFile(atPath: url.path) { return url }
        }
        throw XCTSkip("refinery binary not found next to the tests (looked in \(folders.map(\.path)))")
    }

    private func run(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = try binary()
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                   stderr: String(decoding: stderr, as: UTF8.self))
    }

    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("refinery-dedup-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func lines(_ records: [(String, String)]) -> String {
        records.map { "{\"id\":\"\($0.0)\",\"text\":\"\($0.1)\"}\n" }.joined()
    }

    func testExplainPrintsTheCatchRateCurve() throws {
        let result = try run(["dedup", "--explain", "--bands", "20", "--rows", "5"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("20 bands × 5 rows = 100 permutations"), result.stdout)
        for similarity in ["0.50", "0.75", "0.95"] { XCTAssertTrue(result.stdout.contains(similarity), result.stdout) }
    }

    func testDedupWritesOutputsAndExitCodes() throws {
        let dir = try folder()
        let input = dir.appendingPathComponent("in.jsonl")
        let text = "the cat sat on the mat and looked at the dog across the road"
        try lines([("a", text), ("b", text.uppercased() + "!"), ("c", "something else entirely, with more words")])
            .write(to: input, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let result = try run(["dedup", input.path, "--out", out.path, "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let removed = try String(contentsOf: out.appendingPathComponent("removed.jsonl"), encoding: .utf8)
        XCTAssertTrue(removed.contains("\"reason\":\"duplicate_of:a\""), removed)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("in.jsonl.zst").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("summary.json").path))

        let bad = dir.appendingPathComponent("bad.jsonl")
        try "{\"id\":\"x\",\"text\":\"ok\"}\nnot json\n".write(to: bad, atomically: true, encoding: .utf8)
        let failed = try run(["dedup", bad.path, "--out", dir.appendingPathComponent("out2").path, "--no-progress"])
        XCTAssertEqual(failed.status, 2)
        XCTAssertTrue(failed.stderr.contains("bad.jsonl:2"), failed.stderr)

        let missingOut = try run(["dedup", input.path])
        XCTAssertEqual(missingOut.status, 1)
        XCTAssertTrue(missingOut.stderr.contains("--out"), missingOut.stderr)
        let badValue = try run(["dedup", input.path, "--out", out.path, "--threshold", "2"])
        XCTAssertEqual(badValue.status, 1, badValue.stderr)
    }

    func testDecontaminateRemovesBenchmarkOverlaps() throws {
        let dir = try folder()
        let benchmark = dir.appendingPathComponent("bench.jsonl")
        let question = "A train leaves the station at noon travelling at sixty miles per hour toward the coast"
        try "{\"question\":\"\(question)\"}\n".write(to: benchmark, atomically: true, encoding: .utf8)
        let input = dir.appendingPathComponent("train.jsonl")
        try lines([("leak", "Problem: " + question.uppercased() + "."), ("clean", "A bus leaves at one o'clock.")])
            .write(to: input, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("out")
        let result = try run(["decontaminate", input.path, "--benchmark", benchmark.path, "--out", out.path,
                              "--no-progress"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let removed = try String(contentsOf: out.appendingPathComponent("removed.jsonl"), encoding: .utf8)
        XCTAssertTrue(removed.contains("\"id\":\"leak\""), removed)
        XCTAssertTrue(removed.contains("\(benchmark.path):1"), removed)
        XCTAssertFalse(removed.contains("clean"), removed)
        let noBenchmark = try run(["decontaminate", input.path, "--out", out.path])
        XCTAssertEqual(noBenchmark.status, 1)
    }

    func testBenchDedupWithoutBaselineReportsOurNumbers() throws {
        let result = try run(["bench", "dedup", "--documents", "300", "--no-baseline", "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(json["documents"] as? Int, 300)
        let signatures = try XCTUnwrap(json["signatures"] as? [String: Any])
        XCTAssertGreaterThan(signatures["documents_per_second"] as? Double ?? 0, 0)
        let baseline = try XCTUnwrap(json["baseline"] as? [String: Any])
        XCTAssertNotNil(baseline["unavailable"])
    }
}
