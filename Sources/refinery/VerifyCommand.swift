import ArgumentParser
import Foundation
import Refinery

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check shards against their manifest: zstd integrity, sha256, record counts, schema, unique ids.")

    @Argument(help: "A run directory, its shards folder, or an export directory.")
    var directory: String

    @Flag(help: "Print the result as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let report = try ShardVerifier().verify(directory: URL(commandLinePath: directory))
            if json {
                printOut(JSONValue.object([
                    ("valid", .bool(report.isValid)), ("manifest", .string(report.manifestURL.path)),
                    ("shards", .int(report.shardsChecked)), ("records", .int(report.records)),
                    ("problems", .array(report.problems.map(JSONValue.string))),
                ]).pretty())
            } else {
                for problem in report.problems { printOut("problem: \(problem)\n") }
                printOut("\(report.isValid ? "ok" : "FAILED"): \(report.shardsChecked) shards, \(report.records) records "
                         + "(\(report.manifestURL.path))\n")
            }
            if !report.isValid { throw ExitCode(2) }
        }
    }
}
