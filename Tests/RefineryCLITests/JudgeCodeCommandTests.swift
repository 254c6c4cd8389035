import Foundation
import XCTest

/// `refinery judge code-tests` through the built binary: JSON on stdout and the documented exit codes.
final class JudgeCodeCommandTests: XCTestCase {
    private struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }
    }

    private func run(_ arguments: [String], stdin: String? = nil) throws -> Run {
        let output = try RefineryBinary.run(["judge", "code-tests"] + arguments, stdin: stdin)
        return Run(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    private func write(_ text: String, _ name: String = "program.py") throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refinery-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url
    }

    /// Skips (with the reason) when the sandbox is genuinely unavailable here: exit code 3.
    private func requireSandbox(_ run: Run) throws {
        if run.status == 3 {
            throw XCTSkip("code sandbox unavailable here (CI: apt-get install -y bubblewrap python3): \(run.stderr)")
        }
    }

    private let program = """
    def total(xs):
        return sum(xs)

    assert total([]) == 0
    assert total([1]) == 1
    assert total([1, 2]) == 3

    """

    func testPassingProgramPrintsJSONAndExitsZero() throws {
        let result = try run([try write(program).path])
        try requireSandbox(result)
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(result.json, result.stdout)
        XCTAssertEqual(json["passed"] as? Bool, true)
        XCTAssertEqual(json["reason"] as? String, "passed")
        XCTAssertEqual(json["detail"] as? String, "all 3 test assertions passed")
        XCTAssertGreaterThan(json["seconds"] as? Double ?? 0, 0)
        XCTAssertGreaterThan(json["peak_memory_bytes"] as? Int ?? 0, 0)
    }

    func testFailingProgramStillExitsZero() throws {
        let wrong = program.replacingOccurrences(of: "return sum(xs)", with: "return sum(xs[1:])")
        let result = try run([try write(wrong).path, "--timeout", "5", "--memory-mb", "256"])
        try requireSandbox(result)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.json?["passed"] as? Bool, false)
        XCTAssertEqual(result.json?["reason"] as? String, "assertion_failed")
        XCTAssertEqual(result.json?["detail"] as? String, "assert total([1]) == 1 failed (got 0)")
    }

    func testTimeoutMinTestsAndStdin() throws {
        let slow = "def f():\n    while True:\n        pass\n\nassert f() == 1\nassert f() == 2\nassert f() == 3\n"
        let timedOut = try run([try write(slow).path, "--timeout", "1"])
        try requireSandbox(timedOut)
        XCTAssertEqual(timedOut.status, 0)
        XCTAssertEqual(timedOut.json?["reason"] as? String, "timeout")
        let strict = try run(["-", "--min-tests", "4"], stdin: program)
        XCTAssertEqual(strict.status, 0)
        XCTAssertEqual(strict.json?["reason"] as? String, "too_few_tests")
    }

    func testCompletionFlag() throws {
        let fence = "```"
        let completion = "Write total(xs).\n\nSolution:\n\(fence)python\ndef total(xs):\n    return sum(xs)\n\(fence)\n"
        let result = try run([try write(completion, "completion.md").path, "--completion"])
        try requireSandbox(result)
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(result.json?["reason"] as? String, "parse_failed")
        XCTAssertTrue((result.json?["detail"] as? String ?? "").hasPrefix("missing_tests"))
    }

    func testInputErrorsExitTwo() throws {
        let missing = try run(["/nonexistent/program.py"])
        XCTAssertEqual(missing.status, 2)
        XCTAssertTrue(missing.stderr.contains("no such file"), missing.stderr)
        XCTAssertEqual(missing.stdout, "")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refinery-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let binaryFile = directory.appendingPathComponent("latin1.py")
        try Data([0x61, 0x73, 0x73, 0x65, 0x72, 0x74, 0x20, 0xE9, 0xFF, 0x0A]).write(to: binaryFile)
        let invalid = try run([binaryFile.path])
        XCTAssertEqual(invalid.status, 2)
        XCTAssertTrue(invalid.stderr.contains("not valid UTF-8"), invalid.stderr)
    }

    func testUnavailableSandboxExitsThree() throws {
        let result = try run([try write(program).path, "--bubblewrap", "/nonexistent/bwrap"])
        XCTAssertEqual(result.status, 3)
        XCTAssertEqual(result.stdout, "")
        XCTAssertTrue(result.stderr.contains("apt-get install -y bubblewrap"), result.stderr)
    }

    func testUsageErrorsExitOne() throws {
        let result = try run([try write(program).path, "--timeout", "0"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.contains("--timeout"), result.stderr)
    }
}
