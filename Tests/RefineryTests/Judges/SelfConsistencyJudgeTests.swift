import Foundation
import Synchronization
import XCTest
@testable import Refinery

final class SelfConsistencyJudgeTests: XCTestCase {
    /// Answers each request with the next answer of a fixed list (in call order).
    final class ListGenerator: Generator {
        let identity = "list@0"
        private let answers: [String]
        private let next = Mutex(0)

        init(_ answers: [String]) { self.answers = answers }

        func generate(_ request: GenerationRequest) async throws -> GenerationOutput {
            let index = next.withLock { value -> Int in
                defer { value += 1 }
                return value
            }
            let answer = answers[index % answers.count]
            return GenerationOutput(text: "We work it out: 2+2 = <<2+2=4>>4.\n#### \(answer)", finishReason: .eos,
                                    promptTokens: 1, completionTokens: 1, seconds: 0)
        }
    }

    private func judge(_ answers: [String], samples: Int, agreement: Double, sampleAnswer: String) async throws
        -> Judgment
    {
        let template = try PromptTemplate(source: "Solve:\n{{{problem}}}\n\nSolution:\n", name: "solve")
        let judge = SelfConsistencyJudge(template: template, samples: samples, agreement: agreement,
                                         sampling: .defaults, generator: ListGenerator(answers))
        let task = TaskConfig(name: "math", kind: .math, prompt: "", samplesPerSeed: 1, sampling: .defaults, judges: [])
        let seed = SeedRecord(ordinal: 0, id: "s", source: "x", start: 0, end: 1, text: "x")
        return try await judge.judge(JudgeInput(
            task: task, seed: seed, prompt: "", completion: "",
            fields: ParsedFields(problem: "What is 2+2?", solution: "#### \(sampleAnswer)", answer: sampleAnswer)))
    }

    func testMajorityAgreeingWithTheSampleAnswerPasses() async throws {
        let verdict = try await judge(["4", "4", "4", "5"], samples: 4, agreement: 0.5, sampleAnswer: "4")
        XCTAssertTrue(verdict.passed, verdict.detail)
        XCTAssertEqual(verdict.score, 0.75)
        XCTAssertEqual(verdict.judge, "self_consistency")
    }

    func testMajorityDisagreeingWithTheSampleAnswerFails() async throws {
        let verdict = try await judge(["5", "5", "5", "4"], samples: 4, agreement: 0.5, sampleAnswer: "4")
        XCTAssertFalse(verdict.passed)
        XCTAssertEqual(verdict.reason, "majority_differs_from_reference")
    }

    func testLowAgreementFails() async throws {
        let verdict = try await judge(["4", "5", "6", "7"], samples: 4, agreement: 0.5, sampleAnswer: "4")
        XCTAssertFalse(verdict.passed)
        XCTAssertEqual(verdict.score, 0.25)
    }
}
