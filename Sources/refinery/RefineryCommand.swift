import ArgumentParser
import Refinery

@main
struct RefineryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refinery",
        abstract: "Turns natural text into verified math and code training data.",
        version: RefineryInfo.version,
        subcommands: [
            RunCommand.self, StatusCommand.self, AuditCommand.self, InspectCommand.self, VerifyCommand.self,
            ModelCommand.self, JudgeCommand.self,
        ]
    )
}

struct JudgeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "judge", abstract: "Run one judge on one input.",
        subcommands: [JudgeMathAnswerCommand.self, JudgeCodeTestsCommand.self])
}
