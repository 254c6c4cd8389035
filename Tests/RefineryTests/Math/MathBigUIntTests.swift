import XCTest

@testable import Refinery

/// A reproducible generator (SplitMix64) so random arithmetic checks are the same on every run.
private struct MathSplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

final class MathBigUIntTests: XCTestCase {
    private func big(_ text: String) throws -> MathBigUInt {
        try XCTUnwrap(MathBigUInt(decimalDigits: text), "not digits: \(text)")
    }

    private func randomBig(_ rng: inout MathSplitMix, limbs: Int) -> MathBigUInt {
        MathBigUInt(limbs: (0..<limbs).map { _ in UInt32(truncatingIfNeeded: rng.next()) })
    }

    func testDecimalRoundTrip() throws {
        for text in ["0", "1", "9", "4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
                     "123456789012345678901234567890123456789"] {
            XCTAssertEqual(try big(text).description, text)
        }
        XCTAssertEqual(try big("000123").description, "123")
        XCTAssertNil(MathBigUInt(decimalDigits: ""))
        XCTAssertNil(MathBigUInt(decimalDigits: "12a"))
        XCTAssertNil(MathBigUInt(decimalDigits: "-1"))
    }

    func testSmallArithmeticMatchesUInt64() {
        var rng = MathSplitMix(state: 1)
        for _ in 0..<500 {
            let a = rng.next() >> 33
            let b = (rng.next() >> 33) + 1
            let x = MathBigUInt(a)
            let y = MathBigUInt(b)
            XCTAssertEqual((x + y).uint64Value, a + b)
            XCTAssertEqual((x * y).uint64Value, a * b)
            let (q, r) = x.quotientAndRemainder(dividingBy: y)
            XCTAssertEqual(q.uint64Value, a / b)
            XCTAssertEqual(r.uint64Value, a % b)
            XCTAssertEqual(x.subtractingReportingUnderflow(y)?.uint64Value, a >= b ? a - b : nil)
            XCTAssertEqual(x < y, a < b)
        }
    }

    func testDivisionIdentityOnLargeValues() {
        var rng = MathSplitMix(state: 42)
        for _ in 0..<300 {
            let a = randomBig(&rng, limbs: Int(rng.next() % 12) + 1)
            var b = randomBig(&rng, limbs: Int(rng.next() % 6) + 1)
            if b.isZero { b = .one }
            let (q, r) = a.quotientAndRemainder(dividingBy: b)
            XCTAssertEqual(q * b + r, a)
            XCTAssertLessThan(r, b)
        }
    }

    func testDivisionEdgeCasesThatNeedQhatCorrection() throws {
        // Divisors whose top limb is small and remainders close to the divisor exercise the add-back step.
        let cases: [(String, String)] = [
            ("340282366920938463463374607431768211455", "18446744073709551617"),
            ("79228162514264337593543950335", "4294967297"),
            ("1000000000000000000000000000000000000000", "99999999999999999999"),
            ("6277101735386680763835789423207666416102355444464034512895", "340282366920938463463374607431768211457"),
        ]
        for (a, b) in cases {
            let x = try big(a)
            let y = try big(b)
            let (q, r) = x.quotientAndRemainder(dividingBy: y)
            XCTAssertEqual(q * y + r, x, "\(a) / \(b)")
            XCTAssertLessThan(r, y)
        }
    }

    func testGcdPowerAndRoots() throws {
        XCTAssertEqual(MathBigUInt.gcd(MathBigUInt(48), MathBigUInt(18)), MathBigUInt(6))
        XCTAssertEqual(MathBigUInt.gcd(.zero, MathBigUInt(7)), MathBigUInt(7))
        XCTAssertEqual(MathBigUInt(2).power(100).description, "1267650600228229401496703205376")
        XCTAssertEqual(MathBigUInt(10).power(0), .one)
        XCTAssertEqual(try big("1000000000000000000000000000000").integerSquareRoot().description, "1000000000000000")
        XCTAssertEqual(MathBigUInt(99).integerSquareRoot(), MathBigUInt(9))
        XCTAssertEqual(MathBigUInt(27).integerRoot(3), MathBigUInt(3))
        XCTAssertEqual(MathBigUInt(26).integerRoot(3), MathBigUInt(2))
        XCTAssertEqual(MathBigUInt(2).power(90).integerRoot(3), MathBigUInt(2).power(30))
    }

    func testBitWidthAndShifts() {
        XCTAssertEqual(MathBigUInt.zero.bitWidth, 0)
        XCTAssertEqual(MathBigUInt(1).bitWidth, 1)
        XCTAssertEqual(MathBigUInt(UInt64(1) << 40).bitWidth, 41)
        XCTAssertEqual(MathBigUInt(5).shiftedLeft(bits: 70).shiftedRight(bits: 70), MathBigUInt(5))
        XCTAssertEqual(MathBigUInt(5).shiftedRight(bits: 3), .zero)
    }
}
