import Foundation
import XCTest
@testable import Refinery

/// The keeper rule and determinism across input order and thread counts.
final class DuplicateClustererTests: XCTestCase {
    /// Clusters of near duplicates (chains included) plus singletons, with scores that sometimes tie.
    static func inputs() -> [DedupInput] {
        var words = DedupFixtures.WordSource()
        var inputs: [DedupInput] = []
        for cluster in 0..<12 {
            let base = words.words(60)
            for member in 0..<(1 + cluster % 4) {
                var text = base
                if member > 0 { text[59 - member] = words.words(1)[0] }  // one word changed: J ≈ 0.85–0.9
                inputs.append(DedupInput(id: "c\(cluster)-m\(member)", text: text.joined(separator: " "),
                                         score: Double((cluster + member) % 3)))
            }
        }
        for single in 0..<10 {
            inputs.append(DedupInput(id: "s\(single)", text: words.words(40).joined(separator: " "), score: 1))
        }
        return inputs
    }

    func decisions(_ inputs: [DedupInput], threads: Int, verify: Bool) throws -> Set<String> {
        var index = try NearDuplicateIndex(config: .defaults, exact: true, verifyJaccard: verify)
        index.add(contentsOf: inputs, threads: threads)
        let outcome = index.clusters()
        for decision in outcome.removed {
            XCTAssertEqual(inputs[decision.index].id, decision.id)
        }
        return Set(outcome.removed.map { "\($0.id)->\($0.duplicateOf) \($0.kind.rawValue)" })
    }

    func testSameOutcomeForAnyInputOrderAndThreadCount() throws {
        let inputs = Self.inputs()
        for verify in [false, true] {
            let reference = try decisions(inputs, threads: 1, verify: verify)
            XCTAssertFalse(reference.isEmpty)
            var random = SplitMix64(seed: 9)
            for threads in [1, 2, 3, 8] {
                let shuffled = inputs.shuffled(using: &random)
                XCTAssertEqual(try decisions(shuffled, threads: threads, verify: verify), reference,
                               "threads \(threads), verify \(verify)")
            }
        }
    }

    func testParallelFingerprintsEqualSerialOnes() throws {
        let fingerprinter = try DedupFingerprinter(settings: DedupSettings(verifyJaccard: true))
        let texts = SyntheticCorpus(count: 60, minWords: 20, maxWords: 80).documents
        XCTAssertEqual(fingerprinter.fingerprints(texts, threads: 4), texts.map(fingerprinter.fingerprint))
    }

    func testKeeperIsHighestScoreThenSmallestID() throws {
        let text = "one two three four five six seven eight nine ten"
        var index = try NearDuplicateIndex(config: .defaults)
        index.add(id: "m", text: text, score: 1)
        index.add(id: "z", text: text + " eleven", score: 5)
        index.add(id: "b", text: text.uppercased(), score: 5)
        index.add(id: "a", text: text, score: .nan)
        let outcome = index.clusters()
        XCTAssertEqual(outcome.clusterCount, 1)
        XCTAssertEqual(outcome.keptCount, 1)
        XCTAssertEqual(Set(outcome.removed.map(\.id)), ["m", "z", "a"])
        XCTAssertTrue(outcome.removed.allSatisfy { $0.duplicateOf == "b" && $0.cluster == "b" })
        XCTAssertEqual(outcome.decision(at: 1)?.kind, .near)
        XCTAssertEqual(outcome.decision(at: 0)?.kind, .exact)
        XCTAssertNil(outcome.decision(at: 2))
    }

    func testVerificationRejectsCandidatesBelowTheThreshold() throws {
        // J = 0.9: an LSH candidate almost surely (99.96 %), but below a 0.95 threshold.
        var words = DedupFixtures.WordSource()
        let (left, right) = DedupFixtures.pair(shared: 90, distinct: 5, middle: false, words: &words)
        let strict = try MinHashConfig.validated(ngram: 5, bands: 14, rows: 8, threshold: 0.95)
        var lshOnly = try NearDuplicateIndex(config: strict, exact: false, verifyJaccard: false)
        var verified = try NearDuplicateIndex(config: strict, exact: false, verifyJaccard: true)
        for index in [0, 1] {
            lshOnly.add(id: "\(index)", text: index == 0 ? left : right)
            verified.add(id: "\(index)", text: index == 0 ? left : right)
        }
        XCTAssertEqual(lshOnly.clusters().removed.map(\.id), ["1"])
        XCTAssertEqual(verified.clusters().removed.map(\.id), [])
        let loose = try MinHashConfig.validated(ngram: 5, bands: 14, rows: 8, threshold: 0.85)
        var passing = try NearDuplicateIndex(config: loose, exact: false, verifyJaccard: true)
        passing.add(id: "0", text: left)
        passing.add(id: "1", text: right)
        let removed = passing.clusters().removed
        XCTAssertEqual(removed.map(\.id), ["1"])
        XCTAssertEqual(removed.first?.similarity ?? 0, 0.9, accuracy: 1e-12)
    }

    func testGreedySelectionInRankOrder() throws {
        var words = DedupFixtures.WordSource()
        let (best, nearCopy) = DedupFixtures.pair(shared: 90, distinct: 5, middle: true, words: &words)
        let unrelated = words.words(60).joined(separator: " ")
        var index = try NearDuplicateIndex(config: .defaults, exact: true, verifyJaccard: true)
        var taken: [String] = []
        var rejected: [String: IndexMatch] = [:]
        for (id, text) in [("r1", best), ("r2", best.uppercased()), ("r3", nearCopy), ("r4", unrelated)] {
            if let match = index.firstDuplicate(of: text) {
                rejected[id] = match
            } else {
                index.add(id: id, text: text)
                taken.append(id)
            }
        }
        XCTAssertEqual(taken, ["r1", "r4"])
        XCTAssertEqual(rejected["r2"], IndexMatch(id: "r1", kind: .exact, similarity: nil))
        XCTAssertEqual(rejected["r3"]?.id, "r1")
        XCTAssertEqual(rejected["r3"]?.kind, .near)
        XCTAssertEqual(rejected["r3"]?.similarity ?? 0, 0.9, accuracy: 1e-12)
    }
}
