import ArgumentParser
import Foundation
import Refinery

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a run's funnel counts, progress and throughput.")

    @Argument(help: "The run directory.")
    var runDirectory: String

    func run() async throws {
        try await reportingErrors {
            let directory = URL(commandLinePath: runDirectory)
            let ledger = try RunLedger(url: directory.appendingPathComponent(RunLedger.fileName), readOnly: true)
            printOut(try RunStatus(ledger: ledger).render())
        }
    }
}
