import Foundation
import XCTest
@testable import Refinery

final class PipelineRunTests: XCTestCase {
    func testRunProducesVerifiedShardsAndReconciledCounts() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 12, samplesPerSeed: 2)
        let out = root.appendingPathComponent("run")
        let generator = ScriptedGenerator()
        let summary = try await fixture.run(directory: out, generator: generator)
        XCTAssertEqual(summary.seeds, 12)
        XCTAssertEqual(summary.samples, 24)
        XCTAssertEqual(generator.callCount, 24)
        XCTAssertEqual(summary.accepted + summary.rejected, summary.samples)
        XCTAssertGreaterThan(summary.accepted, 0)
        XCTAssertGreaterThan(summary.rejected, 0)
        XCTAssertEqual(summary.rejectionReasons.reduce(0) { $0 + $1.count }, summary.rejected)
        XCTAssertTrue(summary.rejectionReasons.allSatisfy { $0.reason == "math_answer:odd_answer" || $0.reason.hasPrefix("duplicate_of:") },
                      "\(summary.rejectionReasons)")

        let report = try ShardVerifier().verify(directory: out)
        XCTAssertEqual(report.problems, [])
        XCTAssertEqual(report.records, summary.accepted)
        let ids = try acceptedRecordIDs(in: out)
        XCTAssertEqual(Set(ids).count, ids.count)

        // Ledger: every sample terminal, accepted ones point at a shard line.
        let ledger = try RunLedger(url: out.appendingPathComponent(RunLedger.fileName), readOnly: true)
        let counts = try ledger.stateCounts()
        XCTAssertEqual(counts[.accepted], summary.accepted)
        XCTAssertEqual(counts[.rejected], summary.rejected)
        XCTAssertNil(counts[.pending])
        for sample in try ledger.samples(inStates: [.accepted]) {
            XCTAssertNotNil(sample.shardID)
            XCTAssertNotNil(sample.shardLine)
        }
        let manifest = try Manifest.read(from: out.appendingPathComponent("manifest.json"))
        XCTAssertEqual(manifest.totalRecords, summary.accepted)
        XCTAssertEqual(manifest.runID, summary.runID)
    }

    func testRecordsFollowTheSchema() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 4, samplesPerSeed: 2)
        let out = root.appendingPathComponent("run")
        _ = try await fixture.run(directory: out, generator: ScriptedGenerator())
        let manifest = try Manifest.read(from: out.appendingPathComponent("manifest.json"))
        let shard = out.appendingPathComponent(manifest.shards[0].file)
        let first = try JSONValue.parse(try ShardReader.lines(url: shard)[0].text)
        XCTAssertEqual(RecordSchema.validate(first), [])
        XCTAssertEqual(first["task"]?.stringValue, "math")
        XCTAssertEqual(first["generator"]?["model"]?.stringValue, "scripted@000000000000")
        XCTAssertTrue(first["generator"]?["prompt"]?.stringValue?.hasPrefix("gen@") ?? false)
        XCTAssertEqual(first["seed"]?["source"]?.stringValue, "corpus/part-0.txt")
        let span = first["seed"]?["span"]?.arrayValue?.compactMap(\.intValue) ?? []
        XCTAssertEqual(span.count, 2)
        // Doubles are written with a fraction so every shard infers the same column type.
        let line = try ShardReader.lines(url: shard)[0].text
        XCTAssertTrue(line.contains("\"score\":1.0"), line)
        XCTAssertTrue(line.contains("\"repetition_penalty\":1.0"), line)
    }

    func testFinishedRunResumesWithoutNewWork() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root)
        let out = root.appendingPathComponent("run")
        let first = try await fixture.run(directory: out, generator: ScriptedGenerator())
        let idsBefore = try acceptedRecordIDs(in: out)
        let generator = ScriptedGenerator()
        let second = try await fixture.run(directory: out, generator: generator)
        XCTAssertEqual(generator.callCount, 0)
        XCTAssertEqual(second.accepted, first.accepted)
        XCTAssertEqual(second.runID, first.runID)
        XCTAssertEqual(try acceptedRecordIDs(in: out), idsBefore)
    }

    func testInterruptedRunResumesToTheSameRecords() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 15, samplesPerSeed: 2, shardBytes: "300B")
        let reference = root.appendingPathComponent("reference")
        _ = try await fixture.run(directory: reference, generator: ScriptedGenerator())

        let out = root.appendingPathComponent("run")
        do {
            _ = try await fixture.run(directory: out, generator: ScriptedGenerator(failAfter: 11))
            XCTFail("the failing generator should end the run")
        } catch let error as RefineryError {
            XCTAssertEqual(error.kind, .internal)
        }
        let generator = ScriptedGenerator()
        let resumed = try await fixture.run(directory: out, generator: generator)
        XCTAssertLessThanOrEqual(generator.callCount, 30 - 11)
        XCTAssertEqual(resumed.samples, 30)
        XCTAssertEqual(Set(try acceptedRecordIDs(in: out)), Set(try acceptedRecordIDs(in: reference)))
        XCTAssertEqual(try ShardVerifier().verify(directory: out).problems, [])
        XCTAssertGreaterThan(resumed.shards.count, 1, "small shard_bytes should rotate shards")
    }

    func testUncommittedShardFilesAreRemovedOnResume() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root)
        let out = root.appendingPathComponent("run")
        _ = try await fixture.run(directory: out, generator: ScriptedGenerator())
        let stray = out.appendingPathComponent("shards/part-00042.jsonl.zst")
        try Zstd.compress(Data("{}\n".utf8)).write(to: stray)
        let temp = out.appendingPathComponent("shards/.part-00043.jsonl.zst.tmp")
        try Data("partial".utf8).write(to: temp)
        XCTAssertFalse(try ShardVerifier().verify(directory: out).isValid)
        _ = try await fixture.run(directory: out, generator: ScriptedGenerator())
        XCTAssertFalse(FileManager.default.fileExists(atPath: stray.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: temp.path))
        XCTAssertEqual(try ShardVerifier().verify(directory: out).problems, [])
    }

    func testChangedConfigIsRefusedUnlessANewRunIsAsked() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root)
        let out = root.appendingPathComponent("run")
        _ = try await fixture.run(directory: out, generator: ScriptedGenerator())
        _ = try root.appendingPathComponent("prompts/gen.mustache").writing("Text:\n{{{passage}}}\n\nProblem:\n")
        let changed = try PipelineFixture(root: root.appendingPathComponent("unused-root-2"))
        _ = changed
        let edited = try PipelineConfig.parse(
            yaml: try String(contentsOf: root.appendingPathComponent("prompts/gen.mustache"), encoding: .utf8).isEmpty
                ? "" : "name: fixture\nseeds: { corpus: corpus, chunk: { min_chars: 40, max_chars: 200 } }\n"
                    + "model: { path: model.gguf }\ntasks:\n  - { name: math, prompt: prompts/gen.mustache }\n",
            file: "fixture.yaml", baseDirectory: root)
        let task = try TaskRuntime(config: edited.tasks[0], support: SimpleSupport(), judges: [])
        let backend = PipelineBackend(generator: ScriptedGenerator(), scorer: nil, concurrency: 2)
        XCTAssertThrowsError(try PipelineRun(config: edited, options: RunOptions(directory: out, progress: .silent),
                                             backend: backend, tasks: [task])) { error in
            XCTAssertEqual((error as? RefineryError)?.kind, .usage)
            XCTAssertTrue("\(error)".contains("different configuration"), "\(error)")
        }
        let fresh = try PipelineRun(config: edited, options: RunOptions(directory: out, newRun: true, progress: .silent),
                                    backend: backend, tasks: [task])
        let summary = try await fresh.run()
        XCTAssertEqual(summary.accepted, summary.samples)
        let moved = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("previous-") }
        XCTAssertEqual(moved.count, 1)
    }

    func testASecondRunOnTheSameDirectoryIsRefused() throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root)
        let out = root.appendingPathComponent("run")
        let first = try fixture.makeRun(directory: out, generator: ScriptedGenerator())
        XCTAssertThrowsError(try fixture.makeRun(directory: out, generator: ScriptedGenerator())) { error in
            XCTAssertTrue("\(error)".contains("another refinery process"), "\(error)")
        }
        _ = first
    }

    func testExactDuplicatesKeepOneRecord() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 5, samplesPerSeed: 2)
        let out = root.appendingPathComponent("run")
        let summary = try await fixture.run(directory: out, generator: ScriptedGenerator(constant: true))
        XCTAssertEqual(summary.accepted, 1)
        XCTAssertEqual(summary.rejected, 9)
        XCTAssertEqual(summary.rejectionReasons.count, 1)
        XCTAssertTrue(summary.rejectionReasons[0].reason.hasPrefix("duplicate_of:"))
        // The keeper is the lowest sample id among equal scores.
        let ledger = try RunLedger(url: out.appendingPathComponent(RunLedger.fileName), readOnly: true)
        XCTAssertEqual(try ledger.samples(inStates: [.accepted]).map(\.id), [1])
    }

    func testLimitCapsSeedsAndALargerLimitExtendsTheRun() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 12, samplesPerSeed: 1)
        let out = root.appendingPathComponent("run")
        let small = try await fixture.run(directory: out, generator: ScriptedGenerator(), limit: 4)
        XCTAssertEqual(small.seeds, 4)
        XCTAssertEqual(small.samples, 4)
        let generator = ScriptedGenerator()
        let larger = try await fixture.run(directory: out, generator: generator, limit: 7)
        XCTAssertEqual(larger.seeds, 7)
        XCTAssertEqual(generator.callCount, 3)
        XCTAssertEqual(try ShardVerifier().verify(directory: out).problems, [])
    }

    func testQuarantinedInputIsCountedAndTheRunContinues() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 3, extraCorpus: ["bad.txt": [0x41, 0xFF, 0x42]])
        let summary = try await fixture.run(directory: root.appendingPathComponent("run"), generator: ScriptedGenerator())
        XCTAssertEqual(summary.quarantined, 1)
        XCTAssertEqual(summary.seeds, 3)
    }
}
