import Foundation
import XCTest

/// Runs the built `refinery` binary: `refinery judge math-answer --given G --expected E`.
final class JudgeMathCommandTests: XCTestCase {
    struct Output {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    /// The `refinery` executable next to the test bundle (SwiftPM puts products and test bundles in one folder);
    /// `REFINERY_BINARY` overrides.
    static func binaryURL() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["REFINERY_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        var folders = [Bundle.main.bundleURL]
        #if os(macOS)
        folders += Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }
            .map { $0.bundleURL.deletingLastPathComponent() }
        #endif
        for folder in folders {
            let candidate = folder.appendingPathComponent("refinery")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw XCTSkip("refinery binary not found next to the tests (looked in \(folders.map(\.path)))")
    }

    func run(_ arguments: [String]) throws -> Output {
        let process = Process()
        process.executableURL = try JudgeMathCommandTests.binaryURL()
        process.arguments = arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Output(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
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
