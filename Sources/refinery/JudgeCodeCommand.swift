import ArgumentParser
import Foundation
import Refinery

/// `refinery judge code-tests PROGRAM.py`: runs a Python program (solution + top-level asserts) in the code sandbox
/// and prints `{"passed", "reason", "detail", "seconds", "peak_memory_bytes", …}` as JSON on stdout.
/// Exits 0 when the program ran (passed or not), 1 for usage errors, 2 for input errors (missing file, invalid
/// UTF-8, a completion that does not parse with `--completion` is a verdict, not an error), 3 when the sandbox is
/// unavailable (bubblewrap missing or unable to create namespaces); nothing ever runs unsandboxed.
struct JudgeCodeTestsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "code-tests",
        abstract: "Run a Python program and its asserts in the sandbox; prints a JSON verdict.",
        discussion: """
            The program runs under bubblewrap (no network, cleared environment, read-only system, tmpfs /tmp) with \
            limits on wall and CPU time, memory, processes, file size and output. Reason codes: passed, \
            assertion_failed, syntax_error, runtime_error, timeout, memory_limit, output_limit, process_limit, \
            file_size_limit, too_few_tests, exited_early, crashed, parse_failed (with --completion).
            """
    )

    @Argument(help: "The Python program: solution followed by top-level assert statements ('-' reads stdin).")
    var program: String

    @Option(name: .long, help: "Wall-clock limit in seconds (the CPU limit is the same, rounded up).")
    var timeout: Double = 10

    @Option(name: .customLong("min-tests"), help: "Fewer test assertions than this do not pass.")
    var minTests: Int = 3

    @Option(name: .customLong("memory-mb"), help: "Address-space limit in MiB.")
    var memoryMB: Int = 512

    @Flag(name: .long, help: "The file is a model completion (task, Solution: block, Tests: block), not a program.")
    var completion = false

    @Option(name: .long, help: ArgumentHelp("Path of the bubblewrap executable.", visibility: .hidden))
    var bubblewrap: String?

    mutating func run() throws {
        guard timeout > 0, timeout <= 3600, minTests >= 0, memoryMB >= 16, memoryMB <= 1 << 20 else {
            Self.fail("--timeout must be in (0, 3600], --min-tests >= 0, --memory-mb in [16, 1048576]", code: 1)
        }
        let source = try Self.readSource(program)
        let judgment: CodeJudgment
        do {
            let sandbox = try CodeSandbox(configuration: CodeSandboxConfiguration(bubblewrapPath: bubblewrap))
            judgment = try judge(source, sandbox: sandbox)
        } catch {
            Self.fail("\(error)", code: 3)
        }
        let output = Output(passed: judgment.passed, reason: judgment.reason, detail: judgment.detail,
                            seconds: judgment.seconds, peakMemoryBytes: judgment.peakMemoryBytes,
                            assertions: judgment.assertionCount, assertionsRun: judgment.assertionsRun,
                            judgeVersion: judgment.judgeVersion)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        FileHandle.standardOutput.write(try encoder.encode(output))
        FileHandle.standardOutput.write(Data("\n".utf8))
    }

    private func judge(_ source: String, sandbox: CodeSandbox) throws(CodeSandboxError) -> CodeJudgment {
        let limits = CodeSandboxLimits(wallSeconds: timeout, memoryBytes: memoryMB << 20)
        let program: CodeProgram
        let found: Int
        if completion {
            do {
                let parsed = try CodeCompletion.parse(source)
                program = parsed.program
                found = parsed.assertionCount
            } catch {
                return CodeJudgment(passed: false, reason: "parse_failed", detail: "\(error)")
            }
        } else {
            program = CodeProgram(source: source)
            found = CodePythonScanner(source).assertionCount
        }
        if let rejection = CodeJudge.precheck(assertionsFound: found, minimum: minTests) { return rejection }
        return CodeJudgment(try sandbox.run(program, limits: limits, minimumAssertions: minTests))
    }

    private static func readSource(_ path: String) throws -> String {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                  let contents = FileManager.default.contents(atPath: path) else {
                fail("\(path): no such file", code: 2)
            }
            data = contents
        }
        guard let text = String(data: data, encoding: .utf8) else {
            fail("\(path): not valid UTF-8", code: 2)
        }
        return text
    }

    private static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("error: \(message)\n".utf8))
        Foundation.exit(code)
    }

    private struct Output: Encodable {
        var passed: Bool
        var reason: String
        var detail: String
        var seconds: Double
        var peakMemoryBytes: Int
        var assertions: Int
        var assertionsRun: Int
        var judgeVersion: String

        enum CodingKeys: String, CodingKey {
            case passed, reason, detail, seconds, assertions
            case peakMemoryBytes = "peak_memory_bytes"
            case assertionsRun = "assertions_run"
            case judgeVersion = "judge_version"
        }
    }
}
