import XCTest

@testable import Refinery

final class MathRationalTests: XCTestCase {
    private var budget = MathBudget()

    private func rational(_ top: Int, _ bottom: Int) throws -> MathRational {
        try MathRational(integer: top).divided(by: MathRational(integer: bottom), budget: &budget)
    }

    func testReductionSignsAndDescription() throws {
        XCTAssertEqual(try rational(6, 8).description, "3/4")
        XCTAssertEqual(try rational(-6, 8).description, "-3/4")
        XCTAssertEqual(try rational(6, -8).description, "-3/4")
        XCTAssertEqual(try rational(-6, -8).description, "3/4")
        XCTAssertEqual(try rational(10, 5).description, "2")
        XCTAssertEqual(MathRational(integer: 0).negated, .zero, "-0 is 0")
        XCTAssertFalse(MathRational.zero.negated.isNegative)
        XCTAssertEqual(try rational(1, 2), try rational(2, 4))
    }

    func testArithmetic() throws {
        let half = try rational(1, 2)
        let third = try rational(1, 3)
        XCTAssertEqual(try half.adding(third, budget: &budget), try rational(5, 6))
        XCTAssertEqual(try half.subtracting(third, budget: &budget), try rational(1, 6))
        XCTAssertEqual(try third.subtracting(half, budget: &budget), try rational(-1, 6))
        XCTAssertEqual(try half.multiplied(by: third, budget: &budget), try rational(1, 6))
        XCTAssertEqual(try half.divided(by: third, budget: &budget), try rational(3, 2))
        XCTAssertThrowsError(try half.divided(by: .zero, budget: &budget)) {
            XCTAssertEqual($0 as? MathArithmeticError, .divisionByZero)
        }
        XCTAssertLessThan(try rational(-1, 2), try rational(1, 3))
        XCTAssertLessThan(try rational(-1, 2), try rational(-1, 3))
    }

    func testPowersAndRoots() throws {
        XCTAssertEqual(try MathRational(integer: 2).power(10, budget: &budget), MathRational(integer: 1024))
        XCTAssertEqual(try MathRational(integer: 2).power(-2, budget: &budget), try rational(1, 4))
        XCTAssertEqual(try MathRational(integer: -2).power(3, budget: &budget), MathRational(integer: -8))
        XCTAssertEqual(try MathRational(integer: -1).power(1_000_001, budget: &budget), MathRational(integer: -1))
        XCTAssertThrowsError(try MathRational(integer: 2).power(5000, budget: &budget))
        XCTAssertThrowsError(try MathRational(integer: 10).power(900, budget: &budget)) {
            guard case .tooLarge = $0 as? MathArithmeticError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MathRational.zero.power(-1, budget: &budget))
        XCTAssertEqual(try rational(9, 4).root(2, budget: &budget), try rational(3, 2))
        XCTAssertEqual(try MathRational(integer: -27).root(3, budget: &budget), MathRational(integer: -3))
        XCTAssertThrowsError(try MathRational(integer: 2).root(2, budget: &budget)) {
            guard case .notExact = $0 as? MathArithmeticError else { return XCTFail("\($0)") }
        }
        XCTAssertThrowsError(try MathRational(integer: -4).root(2, budget: &budget))
    }

    func testRoundingHalfAwayFromZero() throws {
        XCTAssertEqual(try rational(1, 8).rounded(toDecimalDigits: 2, budget: &budget), try rational(13, 100))
        XCTAssertEqual(try rational(-1, 8).rounded(toDecimalDigits: 2, budget: &budget), try rational(-13, 100))
        XCTAssertEqual(try rational(10, 3).rounded(toDecimalDigits: 2, budget: &budget), try rational(333, 100))
        XCTAssertEqual(try rational(2, 3).rounded(toDecimalDigits: 0, budget: &budget), .one)
        XCTAssertEqual(try rational(5, 2).rounded(toDecimalDigits: 0, budget: &budget), MathRational(integer: 3))
    }

    func testDecimalTextAndApproximation() throws {
        XCTAssertEqual(try rational(3, 4).terminatingDecimal(), "0.75")
        XCTAssertEqual(try rational(-1, 40).terminatingDecimal(), "-0.025")
        XCTAssertEqual(try rational(5, 1).terminatingDecimal(), "5")
        XCTAssertNil(try rational(1, 3).terminatingDecimal())
        XCTAssertEqual(try rational(1, 3).humanDescription, "1/3 (≈ 0.3333)")
        XCTAssertEqual(try rational(-7, 2).doubleValue, -3.5)
        let tiny = try MathRational.one.divided(
            by: MathRational(integer: 10).power(300, budget: &budget), budget: &budget)
        XCTAssertEqual(tiny.doubleValue, 1e-300, accuracy: 1e-305)
        XCTAssertEqual(tiny.humanDescription, "≈ 1e-300")
    }

    func testSizeCapIsEnforced() throws {
        var small = MathBudget(limits: MathLimits(maxBits: 64))
        let big = MathRational(integer: Int.max)
        XCTAssertThrowsError(try big.multiplied(by: big, budget: &small)) {
            guard case .tooLarge = $0 as? MathArithmeticError else { return XCTFail("\($0)") }
        }
    }

    func testBudgetRunsOut() {
        var tiny = MathBudget(limits: MathLimits(stepBudget: 3))
        XCTAssertThrowsError(try {
            var value = MathRational.one
            for _ in 0..<100 { value = try value.adding(.one, budget: &tiny) }
        }()) { XCTAssertEqual($0 as? MathArithmeticError, .budgetExhausted) }
    }
}
