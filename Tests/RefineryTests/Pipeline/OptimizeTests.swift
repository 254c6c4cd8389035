import Foundation
import XCTest
@testable import Refinery

/// Evolve rounds, repairs, difficulty labels and diversity caps, driven by the scripted generator.
final class OptimizeTests: XCTestCase {
    private func ledger(_ directory: URL) throws -> RunLedger {
        try RunLedger(url: directory.appendingPathComponent(RunLedger.fileName), readOnly: true)
    }

    func testRepairsFixVerifierFailuresAndCarryTheirLineage() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 10, samplesPerSeed: 1,
                                          taskExtras: "    repair: { attempts: 1, prompt: prompts/repair.mustache }")
        let out = root.appendingPathComponent("run")
        let summary = try await fixture.run(directory: out, generator: ScriptedGenerator())
        let ledger = try ledger(out)
        let all = try ledger.allSamples()
        let failed = all.filter { $0.kind == "generate" && $0.rejectReason == "math_answer:odd_answer" }
        let repairs = all.filter { $0.kind == "repair" }
        XCTAssertGreaterThan(failed.count, 0)
        XCTAssertEqual(repairs.count, failed.count, "one repair per verifier failure")
        for repair in repairs {
            XCTAssertEqual(repair.attempt, 1)
            let parent = try XCTUnwrap(failed.first { $0.id == repair.parentID })
            XCTAssertTrue(repair.prompt?.contains("Failure: the answer \(parent.answer ?? "") is odd") ?? false)
            XCTAssertEqual(repair.problem, parent.problem, "a repair keeps the problem")
            XCTAssertEqual(repair.answer, "4")
        }
        // Counts reconcile: every sample, original or repair, is accepted or rejected.
        XCTAssertEqual(summary.samples, 10 + repairs.count)
        XCTAssertEqual(summary.accepted + summary.rejected, summary.samples)
        // The shipped repair records name their parent and the original failure.
        let records = try allRecords(out).filter { $0["lineage"]?["kind"]?.stringValue == "repair" }
        XCTAssertFalse(records.isEmpty)
        for record in records {
            XCTAssertEqual(record["lineage"]?["failure"]?.stringValue, "math_answer:odd_answer")
            XCTAssertEqual(record["lineage"]?["attempt"]?.intValue, 1)
            XCTAssertEqual(record["lineage"]?["parent"]?.stringValue?.count, 32)
        }
    }

    func testEvolveRoundsBuildOnAcceptedSamplesAndRejectRestatements() async throws {
        let root = try makeTemporaryDirectory(self)
        let extras = """
                evolve: { rounds: 2, prompt: prompts/evolve.mustache, instructions: [add a step] }
            """
        let fixture = try PipelineFixture(root: root, seeds: 8, samplesPerSeed: 1, taskExtras: extras)
        let out = root.appendingPathComponent("run")
        _ = try await fixture.run(directory: out, generator: ScriptedGenerator())
        let all = try ledger(out).allSamples()
        let round0Passed = all.filter {
            $0.round == 0 && $0.kind == "generate" && ($0.rejectStage == nil || $0.rejectStage == "dedup")
        }
        let round1 = all.filter { $0.kind == "evolve" && $0.round == 1 }
        let round2 = all.filter { $0.kind == "evolve" && $0.round == 2 }
        XCTAssertEqual(round1.count, round0Passed.count, "every accepted round-0 sample evolves once")
        // Round-1 samples that passed their judges (later selection may still drop some as duplicates).
        let selectionStages: Set<String> = ["dedup", "diversity", "difficulty", "decontaminate"]
        XCTAssertEqual(round2.count, round1.filter { $0.rejectStage.map(selectionStages.contains) ?? true }.count)
        XCTAssertTrue(round1.allSatisfy { $0.prompt?.contains("instruction: add a step") ?? false })
        for child in round1 {
            XCTAssertEqual(all.first { $0.id == child.parentID }?.round, 0)
        }

        // An instruction that makes the model restate the parent is rejected as a restatement.
        let restate = try makeTemporaryDirectory(self)
        let restateFixture = try PipelineFixture(
            root: restate, seeds: 4, samplesPerSeed: 1,
            taskExtras: "    evolve: { rounds: 1, prompt: prompts/evolve.mustache, instructions: [restate] }")
        let summary = try await restateFixture.run(directory: restate.appendingPathComponent("run"),
                                                   generator: ScriptedGenerator())
        XCTAssertTrue(summary.rejectionReasons.contains { $0.reason == "evolve:restates_parent" },
                      "\(summary.rejectionReasons)")
    }

    func testDifficultyLabelsAndSolveRateWindow() async throws {
        let root = try makeTemporaryDirectory(self)
        let extras = """
                difficulty: { attempts: 3, prompt: prompts/solve.mustache, max_solve_rate: 0.99 }
            """
        let fixture = try PipelineFixture(root: root, seeds: 30, samplesPerSeed: 1, taskExtras: extras)
        let out = root.appendingPathComponent("run")
        let summary = try await fixture.run(directory: out, generator: ScriptedGenerator())
        let all = try ledger(out).allSamples()
        // The scripted solver always answers 4: samples whose answer is 4 are solved every time (too easy).
        for sample in all where sample.difficulty != nil {
            XCTAssertEqual(sample.difficulty, sample.answer == "4" ? 1.0 : 0.0)
        }
        let easy = all.filter { $0.answer == "4" && $0.rejectStage != "judge:math_answer" && $0.rejectStage != "dedup" }
        XCTAssertEqual(summary.rejectionReasons.first { $0.reason == "difficulty:too_easy" }?.count ?? 0, easy.count)
        for record in try allRecords(out) {
            XCTAssertEqual(record["difficulty"]?["attempts"]?.intValue, 3)
            XCTAssertEqual(record["difficulty"]?["solve_rate"]?.doubleValue, 0.0)
        }
    }

    func testDiversityCapsPerSeedAndSimilarity() async throws {
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 6, samplesPerSeed: 4,
                                          topLevelExtras: "diversity: { max_per_seed: 1 }")
        let out = root.appendingPathComponent("run")
        let summary = try await fixture.run(directory: out, generator: ScriptedGenerator())
        let ledger = try ledger(out)
        var perSeed: [Int: Int] = [:]
        for sample in try ledger.samples(inStates: [.accepted]) { perSeed[sample.seedOrdinal, default: 0] += 1 }
        XCTAssertTrue(perSeed.values.allSatisfy { $0 == 1 }, "\(perSeed)")
        XCTAssertGreaterThan(summary.rejectionReasons.first { $0.reason == "diversity:per_seed" }?.count ?? 0, 0)

        let similar = try makeTemporaryDirectory(self)
        let similarFixture = try PipelineFixture(root: similar, seeds: 6, samplesPerSeed: 1,
                                                 topLevelExtras: "diversity: { max_similarity: 0.15 }")
        let similarSummary = try await similarFixture.run(directory: similar.appendingPathComponent("run"),
                                                          generator: ScriptedGenerator())
        // Every scripted problem shares its template words, so only a few distinct ones survive.
        XCTAssertGreaterThan(similarSummary.rejectionReasons.first { $0.reason == "diversity:too_similar" }?.count ?? 0, 0)
    }

    func testFollowUpsResumeAfterAnInterruption() async throws {
        let root = try makeTemporaryDirectory(self)
        let extras = """
                evolve: { rounds: 1, prompt: prompts/evolve.mustache }
                repair: { attempts: 2, prompt: prompts/repair.mustache }
                difficulty: { attempts: 2, prompt: prompts/solve.mustache }
            """
        let fixture = try PipelineFixture(root: root, seeds: 10, samplesPerSeed: 1, taskExtras: extras)
        let reference = root.appendingPathComponent("reference")
        _ = try await fixture.run(directory: reference, generator: ScriptedGenerator())
        let out = root.appendingPathComponent("run")
        for failAfter in [12, 25] {
            do {
                _ = try await fixture.run(directory: out, generator: ScriptedGenerator(failAfter: failAfter))
            } catch let error as RefineryError where error.kind == .internal {}
        }
        _ = try await fixture.run(directory: out, generator: ScriptedGenerator())
        XCTAssertEqual(Set(try acceptedRecordIDs(in: out)), Set(try acceptedRecordIDs(in: reference)))
        XCTAssertEqual(try ShardVerifier().verify(directory: out).problems, [])
    }

    private func allRecords(_ directory: URL) throws -> [JSONValue] {
        let manifest = try Manifest.read(from: directory.appendingPathComponent(Manifest.fileName))
        return try manifest.shards.flatMap { shard in
            try ShardReader.lines(url: directory.appendingPathComponent(shard.file)).map { try JSONValue.parse($0.text) }
        }
    }
}
