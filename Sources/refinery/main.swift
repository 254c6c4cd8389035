import ArgumentParser
import Refinery

struct RefineryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "refinery",
        abstract: "Turns natural text into verified math and code training data.",
        version: RefineryInfo.version
    )
}

RefineryCommand.main()
