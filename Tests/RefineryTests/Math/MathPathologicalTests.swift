import XCTest

@testable import Refinery

/// Hostile inputs end with a clean, correct result. These tests assert results, not timings: each input would
/// hang or crash an unguarded parser (stack overflow, quadratic scans, unbounded bignums).
final class MathPathologicalTests: XCTestCase {
    func testDeepNestingIsRejectedWithoutStackOverflow() {
        let deep = String(repeating: "(", count: 50_000) + "1" + String(repeating: ")", count: 50_000)
        let result = MathAnswerEquivalence.compare(given: deep, expected: "1",
                                                   options: MathEquivalenceOptions(limits: MathLimits(
                                                       maxAnswerLength: 200_000)))
        XCTAssertFalse(result.equivalent)
        XCTAssertEqual(result.reason, "too_complex")
        var budget = MathBudget()
        XCTAssertThrowsError(try MathExpressionParser.parse(deep, budget: &budget)) {
            XCTAssertEqual($0 as? MathArithmeticError, .nestingTooDeep)
        }
        let braces = "\\frac{" + String(repeating: "\\frac{1}{", count: 10_000) + "1"
        XCTAssertFalse(MathAnswerEquivalence.compare(given: braces, expected: "1").equivalent)
    }

    func testHundredThousandCharacterInputs() {
        let long = String(repeating: "1+", count: 50_000) + "1"
        XCTAssertEqual(MathAnswerEquivalence.compare(given: long, expected: "50001").reason, "too_complex")
        let relaxed = MathEquivalenceOptions(limits: MathLimits(maxAnswerLength: 200_000))
        let sum = MathAnswerEquivalence.compare(given: long, expected: "50001", options: relaxed)
        XCTAssertTrue(sum.equivalent || sum.reason == "too_complex", sum.detail)

        let junk = String(repeating: "ab{[(<\\", count: 15_000)
        XCTAssertNil(MathAnswerExtractor.extract(from: junk))
        XCTAssertEqual(MathAnswerExtractor.extract(from: junk + "\n#### 5")?.raw, "5")
        let boxes = String(repeating: "\\boxed{", count: 20_000)
        XCTAssertEqual(MathAnswerExtractor.extract(from: boxes + " 9")?.raw, "9")
        let brackets = String(repeating: "<<", count: 50_000)
        XCTAssertEqual(MathAnnotationChecker.check(solution: brackets, finalAnswer: nil).reason, .malformedAnnotation)
        let many = String(repeating: "<<1+1=2>> ", count: 10_000)
        XCTAssertEqual(MathAnnotationChecker.check(solution: many, finalAnswer: "2").reason, .tooManyAnnotations)
        XCTAssertEqual(MathJudge().verifySolution(String(repeating: "a", count: 100_000) + "\n#### 1").reason,
                       "input_too_long")
    }

    func testHugeExponentsAndDigits() {
        for given in ["2^999999", "10^{10^{10}}", "9^9^9", "1e999999", "2^2^2^2^2", "(10^500)^10"] {
            XCTAssertEqual(MathAnswerEquivalence.compare(given: given, expected: "1").reason, "too_complex", given)
        }
        XCTAssertEqual(MathAnswerEquivalence.compare(given: String(repeating: "7", count: 1_000), expected: "7")
            .reason, "too_complex")
        XCTAssertEqual(MathAnswerEquivalence.compare(given: "x^{100000}", expected: "x^{100000}").reason,
                       "too_complex", "sample points refuse the size")
        XCTAssertFalse(MathAnswerEquivalence.compare(given: "x^{100000}", expected: "x^{100001}").equivalent,
                       "tiny or huge values at sample points never make different powers equal")
        XCTAssertEqual(MathAnswerEquivalence.compare(given: "0.\\overline{" + String(repeating: "3", count: 500) + "}",
                                                     expected: "1/3").reason, "too_complex")
        XCTAssertEqual(MathAnnotationChecker.check(solution: "<<2^(2^(2^(2^2)))=1>>", finalAnswer: nil).reason,
                       .tooComplex)
    }

    func testWorkStaysWithinTheBudget() {
        // Each element is cheap, but many of them compared pairwise would be quadratic; the budget stops it.
        let list = (0..<200).map(String.init).joined(separator: ", ")
        let reversed = (0..<200).reversed().map(String.init).joined(separator: ", ")
        let result = MathAnswerEquivalence.compare(
            given: list, expected: reversed, options: MathEquivalenceOptions(limits: MathLimits(
                maxAnswerLength: 10_000, stepBudget: 10_000)))
        XCTAssertEqual(result.reason, "too_complex")
        let fits = MathAnswerEquivalence.compare(given: list, expected: reversed,
                                                 options: MathEquivalenceOptions(limits: MathLimits(
                                                     maxAnswerLength: 10_000)))
        XCTAssertEqual(fits.reason, "equal_set")
    }

    func testOddCharacters() {
        for given in ["\u{0}", "\\", "{", "}", "$$", "\\frac", "^", "%", "((", "\u{1F600}", "∞∞", "\\sqrt[", "1e",
                      "0.\\overline{", "<<", "#### ", "\\boxed{", "--", "1/", ",", ",,,", "()", "[)", "\\{"] {
            let result = MathAnswerEquivalence.compare(given: given, expected: "1")
            XCTAssertFalse(result.equivalent, "\(given): \(result.reason)")
        }
    }
}
