import Foundation
import XCTest

@testable import Refinery

/// One test per answer format; the gold set covers many more pairs.
final class MathAnswerEquivalenceTests: XCTestCase {
    private func assertEquivalent(
        _ given: String, _ expected: String, _ reason: MathEquivalenceReason,
        options: MathEquivalenceOptions = .default, file: StaticString = #filePath, line: UInt = #line
    ) {
        let result = MathAnswerEquivalence.compare(given: given, expected: expected, options: options)
        XCTAssertTrue(result.equivalent, "\(given) vs \(expected): \(result.reason) \(result.detail)",
                      file: file, line: line)
        XCTAssertEqual(result.reason, reason.rawValue, "\(given) vs \(expected): \(result.detail)",
                       file: file, line: line)
    }

    private func assertDifferent(
        _ given: String, _ expected: String, _ reason: MathEquivalenceReason,
        options: MathEquivalenceOptions = .default, file: StaticString = #filePath, line: UInt = #line
    ) {
        let result = MathAnswerEquivalence.compare(given: given, expected: expected, options: options)
        XCTAssertFalse(result.equivalent, "\(given) vs \(expected): \(result.reason) \(result.detail)",
                       file: file, line: line)
        XCTAssertEqual(result.reason, reason.rawValue, "\(given) vs \(expected): \(result.detail)",
                       file: file, line: line)
    }

    func testIntegersWithSeparatorsVersusTuples() {
        assertEquivalent("1,234", "1234", .equalRational)
        assertEquivalent("1 234 567", "1234567", .equalRational)
        assertEquivalent("1_234", "1234", .equalRational)
        assertEquivalent("4\\,000", "4000", .equalRational)
        assertEquivalent("1{,}000", "1000", .equalRational)
        assertDifferent("1,2", "12", .differentType)
        assertDifferent("1,23", "123", .differentType)
        assertDifferent("(1,234)", "1234", .differentType)
        assertEquivalent("(1,234)", "(1, 234)", .equalTuple)
    }

    func testDecimalsFractionsAndMixedNumbers() {
        assertEquivalent("0.5", "1/2", .equalRational)
        assertEquivalent("3.0", "3", .equalRational)
        assertEquivalent("-0", "0", .equalRational)
        assertEquivalent("\\frac{3}{4}", "0.75", .equalRational)
        assertEquivalent("\\dfrac{3}{4}", "3/4", .equalRational)
        assertEquivalent("\\tfrac{6}{8}", "3/4", .equalRational)
        assertEquivalent("\\frac34", "0.75", .equalRational)
        assertEquivalent("1 1/2", "3/2", .equalRational)
        assertEquivalent("1\\frac{1}{2}", "1.5", .equalRational)
        assertDifferent("3/4", "4/3", .differentValue)
    }

    func testRoundedDecimalPolicy() {
        assertDifferent("0.33", "1/3", .roundedNotExact)
        assertDifferent("\\frac{1}{3}", "0.333", .roundedNotExact)
        assertDifferent("3.14", "\\pi", .roundedNotExact)
        assertDifferent("0.34", "1/3", .differentValue)
        let rounding = MathEquivalenceOptions(acceptRoundedDecimals: true)
        assertEquivalent("0.33", "1/3", .equalRounded, options: rounding)
        assertEquivalent("3.14", "\\pi", .equalRounded, options: rounding)
        assertDifferent("0.34", "1/3", .differentValue, options: rounding)
        let tolerant = MathEquivalenceOptions(relativeTolerance: 0.01)
        assertEquivalent("0.334", "1/3", .equalWithinTolerance, options: tolerant)
        assertEquivalent("101", "100", .equalWithinTolerance, options: tolerant)
        assertDifferent("102", "100", .differentValue, options: tolerant)
    }

    func testPercentagesEqualBothReadings() {
        assertEquivalent("50%", "0.5", .equalPercent)
        assertEquivalent("50%", "50", .equalPercent)
        assertEquivalent("0.5", "50%", .equalPercent)
        assertEquivalent("50 percent", "1/2", .equalPercent)
        assertEquivalent("50\\%", "50%", .equalRational)
        assertDifferent("50%", "5", .differentValue)
        assertDifferent("33.3%", "1/3", .roundedNotExact)
    }

    func testScientificNotationAndNegatives() {
        assertEquivalent("1e3", "1000", .equalRational)
        assertEquivalent("1.5 \\times 10^{3}", "1500", .equalRational)
        assertEquivalent("6.02e23", "6.02 \\cdot 10^{23}", .equalRational)
        assertEquivalent("\u{2212}5", "-5", .equalRational)
        assertEquivalent("\u{2013}5", "-5", .equalRational)
        assertDifferent("-5", "5", .differentValue)
    }

    func testCurrencyUnitsAndWrappers() {
        assertEquivalent("$1,000.00", "1000", .equalRational)
        assertEquivalent("\u{20AC}20", "20", .equalRational)
        assertEquivalent("12 dollars", "12", .equalRational)
        assertEquivalent("USD 12", "12", .equalRational)
        assertEquivalent("12 apples", "12", .equalRational)
        assertEquivalent("5 km", "5", .equalRational)
        assertEquivalent("5km", "5", .equalRational)
        assertEquivalent("3 hours", "3", .equalRational)
        assertEquivalent("4 \\text{ cm}^2", "4", .equalRational)
        assertEquivalent("90^\\circ", "90", .equalRational)
        assertEquivalent("90\u{00B0}", "90", .equalRational)
        assertEquivalent("$\\boxed{42}$", "42", .equalRational)
        assertEquivalent("\\(42\\)", "42", .equalRational)
        assertEquivalent("\\mathrm{42}", "42", .equalRational)
        assertEquivalent("The answer is 42.", "42", .equalRational)
        assertEquivalent("x = 42", "42", .equalRational)
        assertEquivalent("twelve", "12", .equalRational)
        assertEquivalent("3.5 million", "3500000", .equalRational)
    }

    func testExpressions() {
        assertEquivalent("2^3", "8", .equalRational)
        assertEquivalent("sqrt(16)", "4", .equalRational)
        assertEquivalent("(1+2)*3", "9", .equalRational)
        assertEquivalent("x+1", "1+x", .equalExpression)
        assertEquivalent("x^2+2x+1", "(x+1)^2", .equalExpression)
        assertEquivalent("\\frac{x+1}{x-1}", "(x+1)/(x-1)", .equalExpression)
        assertDifferent("x^2+1", "(x+1)^2", .differentExpression)
        assertDifferent("2x", "2y", .differentExpression)
        assertDifferent("2x", "x2", .differentType)
        assertEquivalent("\\sqrt{8}", "2\\sqrt{2}", .equalIrrational)
        assertDifferent("\\sqrt{8}", "3\\sqrt{2}", .differentValue)
        assertEquivalent("2\\pi r", "2r\\pi", .equalExpression)
    }

    func testTuplesSetsAndIntervals() {
        assertEquivalent("(1,2)", "(1, 2)", .equalTuple)
        assertDifferent("(1,2)", "(2,1)", .differentOrder)
        assertDifferent("(1,2)", "(1,3)", .differentElements)
        assertDifferent("(1,2)", "(1,2,3)", .differentStructure)
        assertDifferent("(1,2)", "[1,2]", .differentStructure)
        assertEquivalent("{1,2}", "{2,1}", .equalSet)
        assertEquivalent("\\{1, 2\\}", "\\{2, 1\\}", .equalSet)
        assertEquivalent("2, 3", "3, 2", .equalSet)
        assertEquivalent("[1, 2)", "[1,2)", .equalInterval)
        assertEquivalent("(-\\infty, 0] \\cup [1, \\infty)", "[1,\\infty) \\cup (-\\infty,0]", .equalSet)
        assertEquivalent("\\pm 2", "2, -2", .equalSet)
        assertDifferent("[1, 2)", "[1, 2]", .differentStructure)
    }

    func testBooleansAndText() {
        assertEquivalent("Yes", "yes", .equalBoolean)
        assertEquivalent("true", "yes", .equalBoolean)
        assertDifferent("no", "yes", .differentBoolean)
        assertEquivalent("Paris", "paris", .equalText)
        assertEquivalent("\\text{Tuesday}", "tuesday", .equalText)
        assertDifferent("blue", "red", .differentText)
        assertDifferent("5", "five apples and a pear", .differentType)
    }

    func testUnparseableAndTooComplex() {
        assertDifferent("", "5", .unparseableGiven)
        assertDifferent("5", "   ", .unparseableExpected)
        assertDifferent("1/0", "5", .unparseableGiven)
        assertDifferent("2^999999", "5", .tooComplex)
        assertDifferent(String(repeating: "9", count: 300), "5", .tooComplex)
        assertDifferent(String(repeating: "1", count: 5000), "5", .tooComplex)
    }

    func testResultIsCodableWithStableKeys() throws {
        let result = MathAnswerEquivalence.compare(given: "0.5", expected: "1/2")
        let data = try JSONEncoder().encode(result)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        XCTAssertEqual(Set(object.keys), ["equivalent", "reason", "detail"])
        XCTAssertEqual(result.code, .equalRational)
    }

    func testEveryReasonCodeIsUniqueSnakeCase() {
        let codes = MathEquivalenceReason.allCases.map(\.rawValue)
        XCTAssertEqual(Set(codes).count, codes.count)
        for code in codes {
            XCTAssertTrue(code.allSatisfy { $0.isLowercase || $0 == "_" }, code)
        }
    }
}
