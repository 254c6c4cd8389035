import Foundation
import XCTest
@testable import Refinery

/// Near-duplicate detection on pairs with exactly known Jaccard similarity of their word 5-gram shingle sets.
final class MinHashTests: XCTestCase {
    struct PlantedPair {
        var jaccard: Double
        var left: String
        var right: String
    }

    /// `perLevel` pairs at each similarity level, half with the change at the end and half in the middle; every
    /// pair uses its own words, so pairs never collide with each other.
    static func plantedPairs(levels: [Double], perLevel: Int) -> [PlantedPair] {
        var words = DedupFixtures.WordSource()
        var pairs: [PlantedPair] = []
        for level in levels {
            let counts = DedupFixtures.counts(jaccard: level, union: 100)
            let exact = Double(counts.shared) / Double(counts.shared + 2 * counts.distinct)
            for index in 0..<perLevel {
                let (left, right) = DedupFixtures.pair(shared: counts.shared, distinct: counts.distinct,
                                                       middle: index % 2 == 1, words: &words)
                pairs.append(PlantedPair(jaccard: exact, left: left, right: right))
            }
        }
        return pairs
    }

    func testPlantedPairsHaveTheirExactJaccard() throws {
        let hasher = try MinHasher()
        for pair in Self.plantedPairs(levels: [0.3, 0.5, 0.86, 0.9], perLevel: 2) {
            XCTAssertEqual(Jaccard.similarity(hasher.shingles(of: pair.left), hasher.shingles(of: pair.right)),
                           pair.jaccard, accuracy: 1e-12)
        }
    }

    /// Fraction of pairs flagged, per similarity group, with and without Jaccard verification.
    func flaggedFractions(_ pairs: [PlantedPair], verify: Bool) throws -> (high: Double, low: Double, middle: Double) {
        var index = try NearDuplicateIndex(config: .defaults, exact: true, verifyJaccard: verify)
        index.add(contentsOf: pairs.enumerated().flatMap { position, pair in
            [DedupInput(id: "p\(position)-a", text: pair.left), DedupInput(id: "p\(position)-b", text: pair.right)]
        })
        let removed = Set(index.clusters().removed.map(\.id))
        func fraction(_ predicate: (Double) -> Bool) -> Double {
            let group = pairs.indices.filter { predicate(pairs[$0].jaccard) }
            return Double(group.filter { removed.contains("p\($0)-b") }.count) / Double(group.count)
        }
        return (fraction { $0 >= 0.85 }, fraction { $0 < 0.5 }, fraction { $0 >= 0.5 && $0 < 0.85 })
    }

    func testRecallAboveThresholdAndNoFalsePositivesBelowHalf() throws {
        let pairs = Self.plantedPairs(levels: [0.3, 0.4, 0.46, 0.6, 0.7, 0.8, 0.86, 0.9, 0.96], perLevel: 40)
        let verified = try flaggedFractions(pairs, verify: true)
        let unverified = try flaggedFractions(pairs, verify: false)
        print(String(format: "MinHash 14x8, planted pairs: J >= 0.85 recall %.3f (verified) / %.3f (LSH only); "
                     + "J < 0.5 flagged %.3f (verified) / %.3f (LSH only); 0.5 <= J < 0.85 flagged %.3f / %.3f",
                     verified.high, unverified.high, verified.low, unverified.low, verified.middle,
                     unverified.middle))
        XCTAssertGreaterThanOrEqual(verified.high, 0.95)
        XCTAssertEqual(verified.low, 0)
        // Without verification the S-curve alone decides: ≥ 98.8 % expected at J = 0.85, ≤ 5.3 % at J = 0.5.
        XCTAssertGreaterThanOrEqual(unverified.high, 0.95)
        XCTAssertLessThanOrEqual(unverified.low, 0.06)
    }

    /// The hash family is a sound MinHash: the estimated Jaccard is unbiased with the binomial spread.
    func testEstimatedJaccardIsCalibrated() throws {
        let hasher = try MinHasher()
        for level in [0.5, 0.8] {
            let pairs = Self.plantedPairs(levels: [level], perLevel: 60)
            let errors = pairs.map { pair in
                hasher.signature(of: pair.left).estimatedJaccard(hasher.signature(of: pair.right)) - pair.jaccard
            }
            let mean = errors.reduce(0, +) / Double(errors.count)
            let spread = (errors.map { $0 * $0 }.reduce(0, +) / Double(errors.count)).squareRoot()
            let expected = (level * (1 - level) / 112).squareRoot()
            XCTAssertLessThan(abs(mean), 3 * expected / Double(errors.count).squareRoot() + 0.005, "bias at J=\(level)")
            XCTAssertEqual(spread, expected, accuracy: expected * 0.35, "spread at J=\(level)")
        }
    }

    func testShortAndEmptyTexts() throws {
        let hasher = try MinHasher()
        XCTAssertEqual(hasher.shingles(of: "Three word text.").count, 1)
        XCTAssertEqual(hasher.shingles(of: "three WORD text"), hasher.shingles(of: "Three word text."))
        XCTAssertTrue(hasher.signature(of: " ... ").isEmpty)
        var index = try NearDuplicateIndex(config: .defaults, exact: false)
        index.add(id: "a", text: "!!!")
        index.add(id: "b", text: "")
        XCTAssertTrue(index.clusters().removed.isEmpty, "texts without words are never near duplicates")
    }

    func testCatchRateCurve() throws {
        let lsh = try LSHParameters(bands: 14, rows: 8)
        let curve = lsh.catchRateCurve()
        XCTAssertEqual(curve.count, 10)
        XCTAssertEqual(curve[0].similarity, 0.5, accuracy: 1e-12)
        XCTAssertEqual(curve[9].similarity, 0.95, accuracy: 1e-12)
        XCTAssertEqual(curve[0].probability, 1 - pow(1 - pow(0.5, 8), 14), accuracy: 1e-12)
        XCTAssertEqual(curve[7].probability, 0.98843, accuracy: 1e-4)  // s = 0.85
        XCTAssertTrue(lsh.explanation(ngram: 5, threshold: 0.8).contains("0.85     0.9884"))
        XCTAssertThrowsError(try MinHashConfig.validated(ngram: 5, bands: 0, rows: 8, threshold: 0.8))
        XCTAssertThrowsError(try MinHashConfig.validated(ngram: 5, bands: 14, rows: 8, threshold: 1.5))
    }
}
