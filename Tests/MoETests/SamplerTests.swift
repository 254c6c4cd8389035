import XCTest
@testable import MoE

final class SamplerTests: XCTestCase {
    let logits: [Float] = [1.0, 3.0, 2.5, 3.0, -1.0, 0.5, 2.9, -4.0]

    func draws(_ parameters: SamplingParameters, count: Int = 2000, history: [Int32] = []) -> [Int32] {
        var sampler = Sampler(parameters: parameters)
        return (0..<count).map { _ in sampler.sample(logits: logits, history: history) }
    }

    func testGreedyPicksTheLowestIndexAmongTies() {
        XCTAssertEqual(draws(.greedy(), count: 3), [1, 1, 1])
        var sampler = Sampler(parameters: .greedy())
        XCTAssertEqual(sampler.sample(logits: [Float.nan, 0, -1], history: []), 1)
    }

    func testSameSeedSameDrawsAndSeedsDiffer() {
        let a = draws(SamplingParameters(temperature: 1, seed: 7), count: 200)
        XCTAssertEqual(a, draws(SamplingParameters(temperature: 1, seed: 7), count: 200))
        XCTAssertNotEqual(a, draws(SamplingParameters(temperature: 1, seed: 8), count: 200))
        var g1 = SeededGenerator(seed: 1), g2 = SeededGenerator(seed: 1)
        XCTAssertEqual((0..<10).map { _ in g1.next() }, (0..<10).map { _ in g2.next() })
    }

    /// Sample frequencies follow softmax(logits / T).
    func testFrequenciesFollowTheTemperatureSoftmax() {
        for temperature: Float in [0.5, 1, 2] {
            let samples = draws(SamplingParameters(temperature: temperature, seed: 3), count: 20_000)
            let weights = logits.map { exp(Double($0) / Double(temperature)) }
            let total = weights.reduce(0, +)
            for (token, weight) in weights.enumerated() {
                let observed = Double(samples.filter { $0 == Int32(token) }.count) / Double(samples.count)
                XCTAssertEqual(observed, weight / total, accuracy: 0.015, "T \(temperature) token \(token)")
            }
        }
    }

    func testTopKTopPAndMinPRestrictTheCandidates() {
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 5, topK: 1, seed: 1))), [1])
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 5, topK: 3, seed: 1))), [1, 3, 6])
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 1, topP: 0.01, seed: 1))), [1])
        // top-p 0.5 over probabilities ~[.07,.26,.16,.26,.01,.03,.24,.0]: the two 3.0 logits cover 0.52.
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 1, topP: 0.5, seed: 1))), [1, 3])
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 1, minP: 0.5, seed: 1))), [1, 2, 3, 6])
        XCTAssertEqual(Set(draws(SamplingParameters(temperature: 1, topK: 4, topP: 0.7, seed: 2))), [1, 3, 6])
    }

    func testRepetitionPenaltyDemotesSeenTokens() {
        XCTAssertEqual(draws(SamplingParameters(temperature: 0, repetitionPenalty: 2), count: 1, history: [1]), [3])
        XCTAssertEqual(draws(SamplingParameters(temperature: 0, repetitionPenalty: 2), count: 1,
                             history: [1, 3, 9, -5]), [6])
        // Outside the window the penalty does not apply.
        XCTAssertEqual(draws(SamplingParameters(temperature: 0, repetitionPenalty: 2, repetitionWindow: 1), count: 1,
                             history: [1, 3, 5]), [1])
    }

    func testLargeVocabularyFilteringMatchesFullSort() {
        var rng = TestRandom(seed: 4)
        let big = rng.floats(20_000, scale: 8)
        let parameters = SamplingParameters(temperature: 0.7, topK: 40, topP: 0.9, seed: 11)
        var sampler = Sampler(parameters: parameters)
        let tokens = (0..<20).map { _ in sampler.sample(logits: big, history: []) }
        let order = big.indices.sorted { big[$0] > big[$1] || (big[$0] == big[$1] && $0 < $1) }
        let top = Set(order.prefix(40).map(Int32.init))
        XCTAssertTrue(tokens.allSatisfy { top.contains($0) })
        var again = Sampler(parameters: parameters)
        XCTAssertEqual(tokens, (0..<20).map { _ in again.sample(logits: big, history: []) })
    }
}
