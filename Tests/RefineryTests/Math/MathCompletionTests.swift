import XCTest

@testable import Refinery

final class MathCompletionTests: XCTestCase {
    private let example = """
        Mia buys 4 notebooks at $3 each and a pen for $2. How much does she spend in all?

        Solution:
        The notebooks cost 4*3 = <<4*3=12>>12 dollars.
        With the pen she spends 12+2 = <<12+2=14>>14 dollars.
        #### 14
        """

    private func parseError(_ text: String) -> MathParseError.Code? {
        do {
            _ = try MathCompletion.parse(text)
            return nil
        } catch {
            return error.code
        }
    }

    func testParsesTheReadmeExample() throws {
        let completion = try MathCompletion.parse(example)
        XCTAssertEqual(completion.problem,
                       "Mia buys 4 notebooks at $3 each and a pen for $2. How much does she spend in all?")
        XCTAssertEqual(completion.solution.steps.count, 2)
        XCTAssertEqual(completion.solution.answer, "14")
        XCTAssertEqual(completion.solution.trailingText, "")
        XCTAssertTrue(completion.solution.canonicalText.hasSuffix("\n#### 14"))
    }

    func testToleratesWhitespaceLabelsAndTrailingText() throws {
        let messy = "\r\n  Problem: A box has 3 red and 4 blue balls. How many balls?  \r\n\r\nSolution:  "
            + "3+4 = <<3+4=7>>7\r\n\r\n####   7   \r\n\r\nProblem: Another one?\nSolution:\n#### 8\n"
        let completion = try MathCompletion.parse(messy)
        XCTAssertEqual(completion.problem, "A box has 3 red and 4 blue balls. How many balls?")
        XCTAssertEqual(completion.solution.steps, ["3+4 = <<3+4=7>>7"])
        XCTAssertEqual(completion.solution.answer, "7")
        XCTAssertTrue(completion.solution.trailingText.hasPrefix("Problem: Another one?"))
        let harder = try MathCompletion.parse("Harder problem:\nWhat is 2+2?\nsolution:\n<<2+2=4>>\n#### 4")
        XCTAssertEqual(harder.problem, "What is 2+2?")
    }

    func testFailuresHaveReasonCodes() {
        XCTAssertEqual(parseError("What is 2+2?\n2+2 = <<2+2=4>>4\n#### 4"), .missingSolutionMarker)
        XCTAssertEqual(parseError("Solution:\n2+2 = <<2+2=4>>4\n#### 4"), .emptyProblem)
        XCTAssertEqual(parseError("What is 2+2?\nSolution:\n2+2 = 4"), .missingAnswer)
        XCTAssertEqual(parseError("What is 2+2?\nSolution:\n2+2 = 4\n####"), .emptyAnswer)
        XCTAssertEqual(parseError("What is 2+2?\nSolution:\n#### 4"), .emptySolution)
        XCTAssertEqual(parseError("  \n\n "), .emptyInput)
        XCTAssertEqual(parseError(String(repeating: "a", count: 100_001)), .inputTooLong)
    }

    func testBareSolution() throws {
        let solution = try MathSolution.parse("Solution:\nHalf is 10/2 = <<10/2=5>>5.\n#### 5\n")
        XCTAssertEqual(solution.steps, ["Half is 10/2 = <<10/2=5>>5."])
        XCTAssertEqual(solution.answer, "5")
        XCTAssertThrowsError(try MathSolution.parse("Half is 5.")) { error in
            XCTAssertEqual((error as? MathParseError)?.code, .missingAnswer)
        }
    }

    func testParseMessagesReadAsRepairFailures() {
        for code in MathParseError.Code.allCases {
            XCTAssertEqual(code.rawValue, code.rawValue.lowercased())
        }
        do {
            _ = try MathSolution.parse("Half is 5.")
            XCTFail("expected a failure")
        } catch {
            XCTAssertFalse(error.message.hasSuffix("."))
            XCTAssertEqual(error.message.first?.isLowercase, true)
        }
    }
}
