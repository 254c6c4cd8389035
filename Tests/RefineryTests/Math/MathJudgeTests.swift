import Foundation
import XCTest

@testable import Refinery

final class MathJudgeTests: XCTestCase {
    private let judge = MathJudge()

    private let good = """
        Mia buys 4 notebooks at $3 each and a pen for $2. How much does she spend in all?

        Solution:
        The notebooks cost 4*3 = <<4*3=12>>12 dollars.
        With the pen she spends 12+2 = <<12+2=14>>14 dollars.
        #### 14
        """

    func testVerifyCompletionPasses() {
        let judgment = judge.verifyCompletion(good)
        XCTAssertTrue(judgment.passed, judgment.detail)
        XCTAssertEqual(judgment.reason, "ok")
        XCTAssertNil(judgment.score)
        XCTAssertEqual(judgment.judgeVersion, MathJudge.version)
    }

    func testVerifyCompletionFailuresCarryRepairMessages() {
        let wrongStep = judge.verifyCompletion(good.replacingOccurrences(of: "<<4*3=12>>", with: "<<4*3=13>>"))
        XCTAssertFalse(wrongStep.passed)
        XCTAssertEqual(wrongStep.reason, "wrong_step")
        XCTAssertEqual(wrongStep.detail, "the step <<4*3=13>> is wrong: 4*3 = 12")

        let wrongAnswer = judge.verifyCompletion(good.replacingOccurrences(of: "#### 14", with: "#### 15"))
        XCTAssertEqual(wrongAnswer.reason, "answer_not_from_last_step")

        let dollars = judge.verifyCompletion(good.replacingOccurrences(of: "#### 14", with: "#### $14"))
        XCTAssertEqual(dollars.reason, "answer_format")

        let noMarker = judge.verifyCompletion(good.replacingOccurrences(of: "Solution:", with: ""))
        XCTAssertEqual(noMarker.reason, "missing_solution_marker")

        let noAnswer = judge.verifyCompletion(good.replacingOccurrences(of: "#### 14", with: ""))
        XCTAssertEqual(noAnswer.reason, "missing_answer")

        for judgment in [wrongStep, wrongAnswer, dollars, noMarker, noAnswer] {
            // The repair template reads "The solution below has an error: {{{failure}}}."
            XCTAssertEqual(judgment.detail.first?.isLowercase, true, judgment.detail)
            XCTAssertFalse(judgment.detail.hasSuffix("."), judgment.detail)
        }
    }

    func testOptionsChangeDecisions() {
        let plain = "What is 2+2?\nSolution:\nTwo and two make four.\n#### 4"
        XCTAssertEqual(judge.verifyCompletion(plain).reason, "no_annotations")
        XCTAssertTrue(judge.verifyCompletion(plain).passed)
        let strict = MathJudge(options: MathJudgeOptions(requireAnnotations: true))
        XCTAssertFalse(strict.verifyCompletion(plain).passed)
        let lenient = MathJudge(options: MathJudgeOptions(strictAnswerFormat: false))
        XCTAssertTrue(lenient.verifySolution("<<1000*3=3000>>\n#### 3,000").passed)
        XCTAssertEqual(lenient.verifySolution("Nothing.\n#### many").reason, "answer_format")
    }

    func testCompareToReference() {
        let boxed = judge.compareToReference(solution: "So it is \\boxed{\\frac{1}{2}}.", reference: "0.5")
        XCTAssertTrue(boxed.passed)
        XCTAssertEqual(boxed.reason, "equal_rational")
        XCTAssertTrue(boxed.detail.contains("boxed"))
        let wrong = judge.compareToReference(solution: "#### 7", reference: "8")
        XCTAssertFalse(wrong.passed)
        XCTAssertEqual(wrong.reason, "different_value")
        let none = judge.compareToReference(solution: "I give up.", reference: "8")
        XCTAssertEqual(none.reason, "no_answer")
        XCTAssertFalse(none.passed)
    }

    func testSelfConsistencyJudgment() {
        let judgment = judge.selfConsistency(answers: ["14", "14", "15", nil], reference: "14", threshold: 0.5)
        XCTAssertTrue(judgment.passed)
        XCTAssertEqual(judgment.score ?? -1, 0.5, accuracy: 1e-12)
        XCTAssertEqual(judgment.reason, "consistent")
        XCTAssertTrue(judgment.detail.contains("solve rate 0.5"), judgment.detail)
        let fromSolutions = judge.selfConsistency(
            solutions: ["<<2+2=4>>\n#### 4", "The answer is 4.", "\\boxed{5}"], threshold: 0.6)
        XCTAssertTrue(fromSolutions.passed)
        XCTAssertEqual(fromSolutions.score ?? -1, 2.0 / 3.0, accuracy: 1e-12)
    }

    func testJudgmentEncodesAsJSON() throws {
        let data = try JSONEncoder().encode(judge.verifyCompletion(good))
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(object["passed"] as? Bool, true)
        XCTAssertEqual(object["reason"] as? String, "ok")
        XCTAssertEqual(object["judgeVersion"] as? String, MathJudge.version)
    }

    func testPlainNumberFormat() {
        for text in ["14", "-7", "2.5", "0.75", "3/4", "-3/4", "007"] {
            XCTAssertTrue(MathJudge.isPlainNumber(text), text)
        }
        for text in ["", "-", "$14", "1,000", "3.", ".5", "3/0", "1e3", "14 dollars", "- 3", "3/4/5"] {
            XCTAssertFalse(MathJudge.isPlainNumber(text), text)
        }
    }
}
