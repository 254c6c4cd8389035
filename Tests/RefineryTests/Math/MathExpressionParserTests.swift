import XCTest

@testable import Refinery

final class MathExpressionParserTests: XCTestCase {
    /// The exact value of `text` as `a/b` text, or the error.
    private func value(_ text: String, options: MathExpressionParser.Options = .init()) -> String {
        var budget = MathBudget()
        do {
            let expression = try MathExpressionParser.parse(text, options: options, budget: &budget)
            return try expression.evaluate(budget: &budget).description
        } catch {
            return "error: \(error)"
        }
    }

    func testPrecedenceAndAssociativity() {
        XCTAssertEqual(value("1+2*3"), "7")
        XCTAssertEqual(value("(1+2)*3"), "9")
        XCTAssertEqual(value("10-4-3"), "3")
        XCTAssertEqual(value("12/4/3"), "1")
        XCTAssertEqual(value("2^3^2"), "512")
        XCTAssertEqual(value("-2^2"), "-4")
        XCTAssertEqual(value("(-2)^2"), "4")
        XCTAssertEqual(value("2^-1"), "1/2")
        XCTAssertEqual(value("--3"), "3")
        XCTAssertEqual(value("+-+3"), "-3")
        XCTAssertEqual(value("3 - -2"), "5")
        XCTAssertEqual(value("50%"), "1/2")
        XCTAssertEqual(value("20%*50"), "10")
    }

    func testNumberLiterals() {
        XCTAssertEqual(value(".5"), "1/2")
        XCTAssertEqual(value("5."), "5")
        XCTAssertEqual(value("1.50"), "3/2")
        XCTAssertEqual(value("1.5e3"), "1500")
        XCTAssertEqual(value("1.5E+3"), "1500")
        XCTAssertEqual(value("2.5e-2"), "1/40")
        XCTAssertEqual(value("0.\\overline{3}"), "1/3")
        XCTAssertEqual(value("0.1\\overline{6}"), "1/6")
        XCTAssertEqual(value("0.333..."), "1/3")
        XCTAssertEqual(value("0.142857142857..."), "1/7")
        XCTAssertEqual(value("1.8333..."), "11/6")
        XCTAssertTrue(value("0.125...").hasPrefix("error"), "no repeating block: ambiguous")
    }

    func testLatexAndFunctions() {
        XCTAssertEqual(value("\\frac{3}{4}"), "3/4")
        XCTAssertEqual(value("\\frac34"), "3/4")
        XCTAssertEqual(value("\\frac{1}{2}+\\frac{1}{3}"), "5/6")
        XCTAssertEqual(value("\\sqrt{16}"), "4")
        XCTAssertEqual(value("\\sqrt[3]{8}"), "2")
        XCTAssertEqual(value("sqrt(2)*sqrt(8)").hasPrefix("error"), true, "irrational factors are not exact")
        XCTAssertEqual(value("sqrt(16)"), "4")
        XCTAssertEqual(value("2\\sqrt{9}"), "6")
        XCTAssertEqual(value("8^{2/3}"), "4")
        XCTAssertEqual(value("{2}^{10}"), "1024")
        XCTAssertTrue(value("\\pi").hasPrefix("error: no exact"))
    }

    func testMixedNumbers() {
        XCTAssertEqual(value("1 1/2"), "3/2")
        XCTAssertEqual(value("1\\frac{1}{2}"), "3/2")
        XCTAssertEqual(value("1\\frac12"), "3/2")
        XCTAssertEqual(value("3 \\frac{1}{2}"), "7/2")
        XCTAssertEqual(value("-2 3/4"), "-11/4")
        XCTAssertEqual(value("1/2"), "1/2")
        XCTAssertEqual(value("2\\frac{x}{2}"), "error: no exact rational value (unbound variable x)",
                       "not a mixed number: an implicit product")
    }

    func testImplicitMultiplicationAndVariables() throws {
        var budget = MathBudget()
        let expression = try MathExpressionParser.parse("2x(x+1) + 3y", budget: &budget)
        XCTAssertEqual(expression.variables, ["x", "y"])
        let value = try expression.evaluate(["x": MathRational(integer: 2), "y": .one], budget: &budget)
        XCTAssertEqual(value, MathRational(integer: 15))
        XCTAssertThrowsError(try MathExpressionParser.parse("x2", budget: &budget), "a number after a variable")
        XCTAssertThrowsError(try MathExpressionParser.parse("2 3", budget: &budget))
        XCTAssertThrowsError(try MathExpressionParser.parse("hello", budget: &budget))
        XCTAssertEqual(try MathExpressionParser.parse("2xy", budget: &budget).variables, ["x", "y"])
    }

    func testArithmeticModeRejectsLetters() {
        XCTAssertTrue(value("x+1", options: .arithmetic).hasPrefix("error"))
        XCTAssertEqual(value("4*3", options: .arithmetic), "12")
        XCTAssertEqual(value("sqrt(16)", options: .arithmetic), "4")
    }

    func testSyntaxErrors() {
        for text in ["", "1+", "(1+2", "1+2)", "*3", "1..2", "\\frac{1}", "\\unknown{2}", "3 4"] {
            XCTAssertTrue(value(text).hasPrefix("error"), "'\(text)' should not parse")
        }
    }

    func testApproximateEvaluation() throws {
        var budget = MathBudget()
        let expression = try MathExpressionParser.parse("\\frac{\\sqrt{2}}{2} + \\pi", budget: &budget)
        let approx = try XCTUnwrap(expression.approximate(budget: &budget))
        XCTAssertEqual(approx, 2.0.squareRoot() / 2 + Double.pi, accuracy: 1e-12)
        XCTAssertTrue(expression.containsIrrationalConstant)
    }
}
