import Foundation
import XCTest

/// `refinery run` killed with SIGKILL at chosen points (REFINERY_CRASH_AT) and restarted must end with the same
/// accepted records as an uninterrupted run: no loss, no duplicates, valid shards. Runs the bundled model.
final class CrashRecoveryTests: XCTestCase {
    private var root: URL!
    private var pipeline: URL!

    override func setUpWithError() throws {
        let repository = RefineryBinary.repositoryRoot
        let model = repository.appendingPathComponent("Models/refinery-moe-tiny-q8_0.gguf")
        guard FileManager.default.fileExists(atPath: model.path) else {
            return XCTFail("the bundled model is missing: \(model.path)")
        }
        root = FileManager.default.temporaryDirectory.appendingPathComponent("refinery-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        addTeardownBlock { [root] in try? FileManager.default.removeItem(at: root!) }
        // No judges: every completion that parses is accepted, so the shard-writing crash points are reached. The
        // held-out passages are like the model's training passages, so nearly every completion parses.
        let yaml = """
            name: crash
            seeds: { corpus: \(repository.appendingPathComponent("Tools/train/data/heldout-seeds.jsonl").path), chunk: { min_chars: 50, max_chars: 2000 }, limit: 4 }
            model: { path: \(model.path), batch: 8, threads: 2 }
            tasks:
              - name: math
                prompt: \(repository.appendingPathComponent("Prompts/math/generate.mustache").path)
                samples_per_seed: 3
                sampling: { temperature: 0.7, top_p: 0.95, max_tokens: 256 }
                judges: []
            output: { shard_bytes: 700B, zstd_level: 3 }
            """
        pipeline = root.appendingPathComponent("crash.yaml")
        try Data(yaml.utf8).write(to: pipeline)
    }

    private func run(_ out: URL, crashAt: String? = nil) throws -> RefineryBinary.Output {
        try RefineryBinary.run(["run", pipeline.path, "--out", out.path, "--log-progress"],
                               environment: crashAt.map { ["REFINERY_CRASH_AT": $0] } ?? [:])
    }

    private func acceptedIDs(_ out: URL) throws -> [String] {
        let manifest = try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("manifest.json"))) as? [String: Any]
        var ids: [String] = []
        for shard in manifest?["shards"] as? [[String: Any]] ?? [] {
            let file = out.appendingPathComponent(shard["file"] as? String ?? "")
            let zstd = Process()
            zstd.executableURL = URL(fileURLWithPath: "/usr/bin/zstd")
            zstd.arguments = ["-dc", file.path]
            let pipe = Pipe()
            zstd.standardOutput = pipe
            try zstd.run()
            let data = pipe.fileHandleForReading.readDataToEndOfFile()
            zstd.waitUntilExit()
            XCTAssertEqual(zstd.terminationStatus, 0, "zstd -d \(file.path)")
            for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
                let record = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                ids.append(record?["id"] as? String ?? "")
            }
        }
        return ids
    }

    func testKilledRunsResumeToTheSameRecords() throws {
        let reference = root.appendingPathComponent("reference")
        let clean = try run(reference)
        XCTAssertEqual(clean.status, 0, clean.stderr)
        let expected = try acceptedIDs(reference)
        XCTAssertGreaterThan(expected.count, 1, "the bundled model should produce parseable math completions")

        for point in ["after-generation:4", "after-judging:2", "shard-before-sync:1", "shard-after-rename:2"] {
            let out = root.appendingPathComponent("crash-\(point.replacingOccurrences(of: ":", with: "-"))")
            let crashed = try run(out, crashAt: point)
            XCTAssertTrue(crashed.signaled && crashed.status == SIGKILL,
                          "\(point): expected a SIGKILL, got status \(crashed.status): \(crashed.stderr.suffix(400))")
            let resumed = try run(out)
            XCTAssertEqual(resumed.status, 0, "\(point): \(resumed.stderr.suffix(600))")
            let ids = try acceptedIDs(out)
            XCTAssertEqual(ids.count, Set(ids).count, "\(point): duplicate records")
            XCTAssertEqual(Set(ids), Set(expected), "\(point): accepted records differ from the uninterrupted run")
            let verify = try RefineryBinary.run(["verify", out.path])
            XCTAssertEqual(verify.status, 0, "\(point): \(verify.stdout)")
        }
    }

    func testASecondRunOnALockedDirectoryIsRefused() throws {
        let out = root.appendingPathComponent("locked")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        // Hold the lock the way a running refinery does.
        let fd = open(out.appendingPathComponent(".lock").path, O_RDWR | O_CREAT, 0o644)
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
        defer { close(fd) }
        let refused = try run(out)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("another refinery process"), refused.stderr)
    }
}
