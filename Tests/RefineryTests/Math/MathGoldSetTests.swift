import Foundation
import XCTest

@testable import Refinery

/// The math judge as an instrument: accuracy on hand-labelled gold sets (printed, and asserted).
final class MathGoldSetTests: XCTestCase {
    struct EquivalenceCase: Decodable {
        let given: String
        let expected: String
        let equivalent: Bool
        let note: String
    }

    struct AnnotationCase: Decodable {
        let solution: String
        let passed: Bool
        let reason: String
        let note: String
    }

    /// Gold files live next to this source file, so the path works in any package that contains the folder.
    static func goldURL(_ name: String) -> URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Gold")
            .appendingPathComponent(name)
    }

    static func load<Row: Decodable>(_ name: String, as type: Row.Type) throws -> [Row] {
        let text = try String(contentsOf: goldURL(name), encoding: .utf8)
        let decoder = JSONDecoder()
        return try text.split(separator: "\n").filter { !$0.isEmpty }.enumerated().map { index, line in
            do {
                return try decoder.decode(Row.self, from: Data(line.utf8))
            } catch {
                throw NSError(domain: "MathGold", code: 1,
                              userInfo: [NSLocalizedDescriptionKey: "\(name) line \(index + 1): \(error)"])
            }
        }
    }

    func testEquivalenceGoldSetAccuracy() throws {
        let cases = try MathGoldSetTests.load("equivalence.jsonl", as: EquivalenceCase.self)
        XCTAssertGreaterThanOrEqual(cases.count, 400, "the gold set should have several hundred pairs")
        var correct = 0
        var truePositives = 0, falsePositives = 0, falseNegatives = 0
        var mistakes: [String] = []
        for item in cases {
            let result = MathAnswerEquivalence.compare(given: item.given, expected: item.expected)
            if result.equivalent == item.equivalent {
                correct += 1
                if item.equivalent { truePositives += 1 }
            } else {
                if result.equivalent { falsePositives += 1 } else { falseNegatives += 1 }
                mistakes.append("  \(item.given) | \(item.expected): gold \(item.equivalent), judge \(result.reason) "
                                + "(\(result.detail)) [\(item.note)]")
            }
        }
        let accuracy = Double(correct) / Double(cases.count)
        print("math equivalence gold set: \(correct)/\(cases.count) correct, accuracy \(accuracy), "
              + "false positives \(falsePositives), false negatives \(falseNegatives)")
        for mistake in mistakes { print(mistake) }
        XCTAssertGreaterThanOrEqual(accuracy, 0.99)
        XCTAssertEqual(falsePositives, 0, "accepting a wrong answer is the costly mistake")
    }

    func testAnnotationGoldSetAccuracy() throws {
        let cases = try MathGoldSetTests.load("annotations.jsonl", as: AnnotationCase.self)
        XCTAssertGreaterThanOrEqual(cases.count, 50)
        let judge = MathJudge()
        var correct = 0
        var mistakes: [String] = []
        for item in cases {
            let judgment = judge.verifySolution(item.solution)
            if judgment.passed == item.passed && judgment.reason == item.reason {
                correct += 1
            } else {
                mistakes.append("  [\(item.note)] gold \(item.passed)/\(item.reason), judge "
                                + "\(judgment.passed)/\(judgment.reason): \(judgment.detail)")
            }
        }
        print("math annotation gold set: \(correct)/\(cases.count) correct")
        for mistake in mistakes { print(mistake) }
        XCTAssertEqual(correct, cases.count)
    }
}
