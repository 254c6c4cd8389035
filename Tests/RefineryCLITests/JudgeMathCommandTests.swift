import Foundation
import XCTest

/// Runs the built `refinery` binary: `refinery judge math-answer --given G --expected E`.
final class JudgeMathCommandTests: XCTestCase {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    func run(_ arguments: [String]) throws -> Output {
        let output = try RefineryBinary.run(arguments)
        return Output(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    func json(_ output: Output) throws -> [String: Any] {
        let data = Data(output.stdout.utf8)
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any], output.stdout)
    }

    func testEquivalentAnswersPrintJSONAndExitZero() throws {
        let output = try run(["judge", "math-answer", "--given", "$1,000.00", "--expected", "1000"])
        XCTAssertEqual(output.status, 0, output.stderr)
        let object = try json(output)
        XCTAssertEqual(object["equivalent"] as? Bool, true)
        XCTAssertEqual(object["reason"] as? String, "equal_rational")
        XCTAssertNotNil(object["detail"] as? String)
        XCTAssertEqual(output.stdout.filter { $0 == "\n" }.count, 1, "one JSON line")
    }

    func testDifferentAnswersStillExitZero() throws {
        let output = try run(["judge", "math-answer", "--given", "(1,2)", "--expected", "(2,1)"])
        XCTAssertEqual(output.status, 0)
        let object = try json(output)
        XCTAssertEqual(object["equivalent"] as? Bool, false)
        XCTAssertEqual(object["reason"] as? String, "different_order")
    }

    func testNegativeValuesAndEqualsForm() throws {
        let spaced = try json(run(["judge", "math-answer", "--given", "-5", "--expected", "\u{2212}5"]))
        XCTAssertEqual(spaced["equivalent"] as? Bool, true)
        let joined = try json(run(["judge", "math-answer", "--given=-0.5", "--expected=-1/2"]))
        XCTAssertEqual(joined["equivalent"] as? Bool, true)
    }

    func testPolicyFlags() throws {
        let exact = try json(run(["judge", "math-answer", "--given", "0.33", "--expected", "1/3"]))
        XCTAssertEqual(exact["reason"] as? String, "rounded_not_exact")
        let rounded = try json(run(["judge", "math-answer", "--given", "0.33", "--expected", "1/3",
                                    "--accept-rounded"]))
        XCTAssertEqual(rounded["reason"] as? String, "equal_rounded")
        let tolerant = try json(run(["judge", "math-answer", "--given", "101", "--expected", "100",
                                     "--tolerance", "0.05"]))
        XCTAssertEqual(tolerant["equivalent"] as? Bool, true)
    }

    func testUsageErrorsExitOne() throws {
        let missing = try run(["judge", "math-answer", "--given", "5"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.stderr.contains("--expected"), missing.stderr)
        XCTAssertTrue(missing.stdout.isEmpty)
        let badTolerance = try run(["judge", "math-answer", "--given", "5", "--expected", "5", "--tolerance", "-1"])
        XCTAssertEqual(badTolerance.status, 1)
        // Parse errors are reported by swift-argument-parser (exit 64 unless the main entry point maps it to 1).
        let unknown = try run(["judge", "math-answer", "--given", "5", "--expected", "5", "--bogus"])
        XCTAssertNotEqual(unknown.status, 0)
        XCTAssertTrue(unknown.stdout.isEmpty)
    }
}
