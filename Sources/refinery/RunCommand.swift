import ArgumentParser
import Foundation
import Refinery

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Start or resume a pipeline run.",
        discussion: """
            Re-running the same command on the same --out directory resumes an interrupted run: only unfinished \
            work is done, and every accepted record ends up in exactly one shard.
            """)

    @Argument(help: "The pipeline file (YAML).")
    var pipeline: String

    @Option(help: "The run directory (default: runs/<pipeline name>).")
    var out: String?

    @Option(help: "At most this many seeds (overrides seeds.limit).")
    var limit: Int?

    @Option(help: "Threads for the local runtime (overrides model.threads).")
    var threads: Int?

    @Flag(help: "Start a new run in --out even if it holds a run with a different configuration (moved aside).")
    var newRun = false

    @Flag(help: "Print progress as periodic log lines even on a terminal.")
    var logProgress = false

    func validate() throws {
        if let limit, limit < 0 { throw ValidationError("--limit must be 0 or more") }
        if let threads, threads < 1 { throw ValidationError("--threads must be 1 or more") }
    }

    func run() async throws {
        try await reportingErrors {
            let config = try PipelineConfig.load(from: URL(commandLinePath: pipeline))
            let directory = URL(commandLinePath: out ?? "runs/\(config.name)")
            let options = RunOptions(directory: directory, limit: limit, threads: threads, newRun: newRun,
                                     progress: logProgress ? .lines(interval: 10) : .automatic)
            let assembly = try await PipelineAssembly.make(config: config, options: options)
            defer { assembly.shutdown() }
            let run = try PipelineRun(config: config, options: options, backend: assembly.backend, tasks: assembly.tasks)
            let summary = try await run.run()
            printOut(Self.describe(summary))
        }
    }

    static func describe(_ summary: RunSummary) -> String {
        var lines = ["", "run \(summary.runID) finished in \(String(format: "%.1f", summary.seconds)) s"]
        lines.append("  seeds \(summary.seeds), samples \(summary.samples): accepted \(summary.accepted), rejected \(summary.rejected)")
        for reason in summary.rejectionReasons.prefix(8) {
            lines.append("    \(reason.count)\t\(reason.reason)")
        }
        if summary.quarantined > 0 { lines.append("  quarantined inputs: \(summary.quarantined)") }
        let records = summary.shards.reduce(0) { $0 + $1.records }
        lines.append("  shards:   \(summary.directory.appendingPathComponent("shards").path) (\(summary.shards.count) files, \(records) records)")
        lines.append("  manifest: \(summary.manifestURL.path)")
        let audit = summary.directory.appendingPathComponent("audit")
        if FileManager.default.fileExists(atPath: audit.path) {
            lines.append("  audit:    \(audit.appendingPathComponent("report.txt").path) and report.html")
        }
        lines.append("  status:   refinery status \(summary.directory.path)")
        return lines.joined(separator: "\n") + "\n"
    }
}
