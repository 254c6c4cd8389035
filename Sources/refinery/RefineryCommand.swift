import ArgumentParser
import Foundation
import Refinery

@main
struct RefineryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refinery",
        abstract: "Turns natural text into verified math and code training data.",
        version: RefineryInfo.version,
        subcommands: [
            RunCommand.self, StatusCommand.self, AuditCommand.self, InspectCommand.self, VerifyCommand.self,
            ExportCommand.self, DedupCommand.self, DecontaminateCommand.self, ModelCommand.self, JudgeCommand.self,
            BenchCommand.self,
        ]
    )

    /// Parses and runs, mapping argument errors to exit code 1 (DESIGN.md §3) instead of the parser's 64.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(1)
            }
            exit(withError: error)
        }
    }
}

struct JudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge", abstract: "Run one judge on one input.",
        subcommands: [JudgeMathAnswerCommand.self, JudgeCodeTestsCommand.self])
}

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmarks.", subcommands: [BenchModelCommand.self, BenchDedupCommand.self])
}
