import XCTest

@testable import Refinery

final class MathAnswerExtractorTests: XCTestCase {
    private func extract(_ text: String) -> MathExtractedAnswer? { MathAnswerExtractor.extract(from: text) }

    func testHashMarksLine() {
        XCTAssertEqual(extract("She spends 12+2 = 14.\n#### 14"), MathExtractedAnswer(raw: "14", rule: .hashMarks))
        XCTAssertEqual(extract("Steps\n####   $1,000  \nmore text\n#### 99")?.raw, "$1,000",
                       "the first answer line wins; text after it is ignored")
        XCTAssertEqual(extract("Steps\n  #### 7.")?.raw, "7", "indented, trailing period dropped")
        XCTAssertEqual(extract("Steps\n####\nThe answer is 5")?.rule, .answerPhrase, "an empty #### line is skipped")
    }

    func testBoxedNestedAndLastWins() {
        XCTAssertEqual(extract("So \\boxed{\\frac{1}{2}} is it."),
                       MathExtractedAnswer(raw: "\\frac{1}{2}", rule: .boxed))
        XCTAssertEqual(extract("First \\boxed{3}, then corrected: \\boxed{4}")?.raw, "4")
        XCTAssertEqual(extract("\\boxed{\\boxed{5}}")?.raw, "\\boxed{5}", "outermost box; the normaliser unwraps")
        XCTAssertEqual(extract("Answer \\boxed {x^{2}+1}")?.raw, "x^{2}+1")
        XCTAssertEqual(extract("\\boxed{\\{1,2\\}}")?.raw, "\\{1,2\\}", "escaped braces are not structure")
        XCTAssertEqual(extract("Unclosed \\boxed{5 and later 7")?.rule, .lastLineNumber)
        XCTAssertEqual(extract("\\fbox{8}")?.raw, "8")
    }

    func testAnswerPhrases() {
        XCTAssertEqual(extract("We add.\nAnswer: 42\nDone"), MathExtractedAnswer(raw: "42", rule: .answerPhrase))
        XCTAssertEqual(extract("Thus the answer is $12.50.")?.raw, "$12.50")
        XCTAssertEqual(extract("The answer is 3. Wait, no. The final answer is 4.")?.raw, "4")
        XCTAssertEqual(extract("FINAL ANSWER: 7")?.raw, "7")
    }

    func testLastLineNumberFallback() {
        XCTAssertEqual(extract("She has 3 apples.\nSo in total she spends 14 dollars."),
                       MathExtractedAnswer(raw: "14", rule: .lastLineNumber))
        XCTAssertEqual(extract("Total\n\n  It comes to 1,234.50 dollars.  \n\n")?.raw, "1,234.50")
        XCTAssertEqual(extract("The change is -3 degrees")?.raw, "-3")
        XCTAssertEqual(extract("Between 5-3 there")?.raw, "3", "a hyphen after a digit is not a sign")
        XCTAssertEqual(extract("ratio 3/4")?.raw, "3/4")
    }

    func testNoAnswer() {
        XCTAssertNil(extract(""))
        XCTAssertNil(extract("I do not know.\n\n"))
        XCTAssertNil(extract("Numbers were 3 and 4.\nNo idea."), "only the last non-empty line is used")
        XCTAssertEqual(MathAnswerExtractor.noAnswerReason, "no_answer")
    }

    func testRulePrecedence() {
        XCTAssertEqual(extract("\\boxed{3}\nAnswer: 4\n#### 5")?.rule, .hashMarks)
        XCTAssertEqual(extract("Answer: 4 and \\boxed{3}")?.rule, .boxed)
    }
}
