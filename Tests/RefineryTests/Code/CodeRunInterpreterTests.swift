import Foundation
import XCTest
@testable import Refinery

/// How observations become verdicts, without a sandbox (these run everywhere, bubblewrap or not).
final class CodeRunInterpreterTests: XCTestCase {
    private let nonce = "n0nce"
    private let program = CodeProgram(solution: "def f():\n    return 1", tests: "assert f() == 1\nassert f() == 1")

    private func channel(_ lines: [String]) -> [UInt8] {
        Array(lines.map { $0 + "\n" }.joined().utf8)
    }

    private func result(_ outcome: CodeSpawnOutcome, _ lines: [String] = []) -> CodeRunResult {
        let records = CodeHarnessRecord.parse(channel(lines), nonce: nonce)
        return CodeRunInterpreter(program: program, limits: CodeSandboxLimits(wallSeconds: 2), minimumAssertions: 3,
                                  outcome: outcome, records: records).result()
    }

    private let ready = #"{"ev": "ready", "nonce": "n0nce", "pid": 2}"#
    private let statement = #"{"ev": "stmt", "line": 5, "text": "assert f() == 1", "nonce": "n0nce", "pid": 2}"#

    func testRecordsNeedTheNonceAndTheHarnessPid() {
        let lines = [
            ready,
            #"{"ev": "result", "status": "passed", "tests": 3, "nonce": "guess", "pid": 2}"#,
            #"{"ev": "result", "status": "passed", "tests": 3, "nonce": "n0nce", "pid": 7}"#,
            "not json at all",
            statement,
        ]
        let records = CodeHarnessRecord.parse(channel(lines), nonce: nonce)
        XCTAssertEqual(records.map(\.ev), ["ready", "stmt"])
        var outcome = CodeSpawnOutcome()
        outcome.status = .exited(0)
        let judged = result(outcome, lines)
        XCTAssertEqual(judged.outcome, .error(.exitedEarly))
        XCTAssertEqual(judged.detail, "the program ended the process (exit status 0) before the tests finished "
                       + "while running tests line 2: assert f() == 1")
    }

    func testLimitsWinOverWhateverTheProgramReported() {
        var flooded = CodeSpawnOutcome()
        flooded.killedForOutput = true
        flooded.status = .signaled(9)
        let passedRecord = #"{"ev": "result", "status": "passed", "tests": 3, "nonce": "n0nce", "pid": 2}"#
        XCTAssertEqual(result(flooded, [ready, passedRecord]).outcome, .resourceLimit(.output))
        var late = CodeSpawnOutcome()
        late.killedAtDeadline = true
        late.status = .signaled(9)
        let timedOut = result(late, [ready, statement])
        XCTAssertEqual(timedOut.outcome, .timeout)
        XCTAssertEqual(timedOut.detail, "wall time limit of 2 s exceeded while running tests line 2: assert f() == 1")
    }

    func testSignalsReportedByBubblewrapAsExitCodes() {
        var cpu = CodeSpawnOutcome()
        cpu.status = .exited(128 + 24)  // SIGXCPU
        XCTAssertEqual(result(cpu, [ready]).outcome, .timeout)
        XCTAssertTrue(result(cpu, [ready]).detail.hasPrefix("CPU time limit of 2 s exceeded"))
        var segfault = CodeSpawnOutcome()
        segfault.status = .exited(128 + 11)
        let crashed = result(segfault, [ready, statement])
        XCTAssertEqual(crashed.outcome, .error(.crashed))
        XCTAssertTrue(crashed.detail.contains("signal 11 (SIGSEGV)"), crashed.detail)
        var killed = CodeSpawnOutcome()
        killed.status = .exited(128 + 9)
        let busy = #"{"ev": "stmt", "line": 4, "text": "spin()", "cpu": 1.9, "rss": 9000, "nonce": "n0nce", "pid": 2}"#
        let hardLimit = result(killed, [ready, busy])
        XCTAssertEqual(hardLimit.outcome, .timeout)  // SIGKILL at the hard CPU limit (SIGXCPU was caught)
        XCTAssertEqual(hardLimit.peakMemoryBytes, 9000 * 1024)
        XCTAssertEqual(hardLimit.cpuSeconds, 1.9)
        XCTAssertEqual(result(killed, [ready]).outcome, .error(.crashed))  // a SIGKILL that no limit explains
        var oom = CodeSpawnOutcome()
        oom.status = .exited(1)
        oom.stderr = Array("Fatal Python error: MemoryError\n".utf8)
        XCTAssertEqual(result(oom, [ready]).outcome, .resourceLimit(.memory))
        var silent = CodeSpawnOutcome()
        silent.status = .exited(127)
        silent.stderr = Array("prlimit: failed to execute python3: No such file or directory\n".utf8)
        let missing = result(silent)
        XCTAssertEqual(missing.outcome, .error(.exitedEarly))
        XCTAssertTrue(missing.detail.contains("did not start"), missing.detail)
    }

    func testHarnessVerdictsBecomeDetails() {
        let outcome = CodeSpawnOutcome()
        let failed = #"{"ev": "result", "status": "assertion_failed", "line": 5, "assertion": "assert f() == 2", "#
            + #""got": "1", "message": null, "ran": 1, "nonce": "n0nce", "pid": 2}"#
        let judged = result(outcome, [ready, failed])
        XCTAssertEqual(judged.outcome, .failed(assertion: "assert f() == 2"))
        XCTAssertEqual(judged.detail, "assert f() == 2 failed (got 1)")
        XCTAssertEqual(judged.assertionsRun, 1)
        let syntax = #"{"ev": "result", "status": "syntax_error", "line": 1, "exception": "SyntaxError", "#
            + #""message": "expected ':'", "text": "def f()", "nonce": "n0nce", "pid": 2}"#
        XCTAssertEqual(result(outcome, [ready, syntax]).detail, "SyntaxError: expected ':' at solution line 1: def f()")
        let threads = #"{"ev": "result", "status": "process_limit", "line": 4, "exception": "RuntimeError", "#
            + #""message": "can't start new thread", "statement": "assert f() == 1", "nonce": "n0nce", "pid": 2}"#
        let limited = result(outcome, [ready, threads])
        XCTAssertEqual(limited.outcome, .resourceLimit(.processes))
        XCTAssertTrue(limited.detail.hasPrefix("assert f() == 1 raised RuntimeError: can't start new thread"))
    }

    func testProgramLinesAreNamedByPart() {
        let program = CodeProgram(solution: "a = 1\nb = 2\n", tests: "assert a == 1")
        XCTAssertEqual(program.source, "a = 1\nb = 2\n\n\nassert a == 1")
        XCTAssertEqual(program.describeLine(5), "tests line 1")
        XCTAssertEqual(program.describeLine(2), "solution line 2")
        XCTAssertEqual(CodeProgram(source: "x\r\ny").source, "x\ny")
        XCTAssertEqual(CodeProgram(source: "x").describeLine(1), "line 1")
    }
}
