import ArgumentParser
import Foundation
import Refinery

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the full lineage of one record: seed, prompt, raw output, parse, judgments, dedup, shard line.")

    @Argument(help: "The run directory.")
    var runDirectory: String

    @Argument(help: "A record id (or a unique prefix of at least 6 characters) or a sample id.")
    var id: String

    @Flag(help: "Print the lineage as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let ledger = try AuditReport.ledger(runDirectory: URL(commandLinePath: runDirectory))
            let lineage = try RecordLineage.load(ledger: ledger, identifier: id)
            printOut(json ? lineage.json().pretty() : lineage.text())
        }
    }
}
