import ArgumentParser
import Foundation
import Refinery

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Report what a run produced, where samples were lost and why, and whether the judges agree.",
        discussion: """
            Prints the funnel per task (counts reconcile with the ledger), rejection reasons, score distributions, \
            judge agreement, lengths, yield per source, throughput and the model/prompt hashes. Safe to run while \
            the run is still writing. Colour only on a terminal, never with NO_COLOR set.
            """)

    @Argument(help: "The run directory.")
    var runDirectory: String

    @Option(
        help: ArgumentHelp(
            "Also write a self-contained HTML report (inline CSS and SVG, no scripts).",
            valueName: "file"))
    var html: String?

    @Option(
        help: ArgumentHelp(
            "Write this many stratified records (accepted, borderline, rejected per reason) "
                + "for human review.", valueName: "n"))
    var samples: Int?

    @Option(
        name: .customLong("samples-out"),
        help: ArgumentHelp(
            "Where --samples writes (default RUN_DIR/audit/review-samples.jsonl).",
            valueName: "file"))
    var samplesOut: String?

    @Option(
        help: ArgumentHelp(
            "Compare with another run: deltas of funnel rates and score distributions.",
            valueName: "other-run"))
    var against: String?

    @Flag(help: "Print the report as JSON instead of text.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            if let samples, samples < 0 { throw RefineryError.usage("--samples must be 0 or more") }
            if samplesOut != nil && samples == nil { throw RefineryError.usage("--samples-out needs --samples N") }
            let directory = URL(commandLinePath: runDirectory)
            let ledger = try AuditReport.ledger(runDirectory: directory)
            let report = try AuditReport(ledger: ledger)
            let comparison = try against.map { path in
                AuditComparison(
                    current: report, baseline: try AuditReport.load(runDirectory: URL(commandLinePath: path)))
            }
            var notes: [String] = []
            if let html {
                let url = URL(commandLinePath: html)
                try requireFolder(of: url, flag: "--html")
                try FileSystem.writeAtomically(Data(report.html(comparison: comparison).utf8), to: url)
                notes.append("wrote the HTML report to \(url.path)")
            }
            if let samples {
                let url =
                    samplesOut.map { URL(commandLinePath: $0) } ?? ReviewSamples.defaultURL(runDirectory: directory)
                if samplesOut != nil { try requireFolder(of: url, flag: "--samples-out") }
                let written = try ReviewSamples.write(report, ledger: ledger, count: samples, to: url)
                notes.append("wrote \(written) review sample(s) to \(url.path)")
            }
            if json {
                var value = report.json()
                if let comparison, case .object(let pairs) = value {
                    value = .object(pairs + [("comparison", comparison.json())])
                }
                printOut(value.pretty())
                for note in notes { FileHandle.standardError.write(Data("\(note)\n".utf8)) }
            } else {
                let style = AuditTextStyle.forStandardOutput()
                var text = report.text(style: style)
                if let comparison { text += "\n" + comparison.text(style: style) }
                if !notes.isEmpty { text += "\n" + notes.joined(separator: "\n") + "\n" }
                printOut(text)
            }
        }
    }

    private func requireFolder(of url: URL, flag: String) throws {
        var isDirectory: ObjCBool = false
        let folder = url.deletingLastPathComponent()
        guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
        else {
            throw RefineryError.usage("\(flag): the folder does not exist", at: SourceLocation(file: folder.path))
        }
    }
}
