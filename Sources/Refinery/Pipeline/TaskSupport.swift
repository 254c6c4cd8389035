import Foundation

/// What a task kind (math, code) knows about its completions: how to parse them and how to tell whether a fresh
/// solution solves a problem. The runner uses it for generation, evolution, repair and difficulty labels.
public protocol TaskSupport: Sendable {
    /// Parses a full completion (problem and solution) from the generate and evolve templates.
    func parseCompletion(_ text: String) -> Result<ParsedFields, ParseFailure>
    /// Parses a bare solution (from the solve and repair templates) answering `problem`'s problem.
    func parseSolution(_ text: String, for problem: ParsedFields) -> Result<ParsedFields, ParseFailure>
    /// Whether `attempt` (a parsed solution) solves the sample `reference`: same final answer (math) or passing the
    /// sample's tests (code).
    func solves(_ attempt: ParsedFields, reference: ParsedFields) async throws -> Bool
}

/// A task ready to run: its config, templates, completion support and judges in order.
public struct TaskRuntime: Sendable {
    public var config: TaskConfig
    public var template: PromptTemplate
    public var support: any TaskSupport
    public var judges: [any SampleJudge]
    public var evolveTemplate: PromptTemplate?
    public var repairTemplate: PromptTemplate?
    public var solveTemplate: PromptTemplate?

    public init(config: TaskConfig, template: PromptTemplate, support: any TaskSupport, judges: [any SampleJudge],
                evolveTemplate: PromptTemplate? = nil, repairTemplate: PromptTemplate? = nil,
                solveTemplate: PromptTemplate? = nil) {
        self.config = config
        self.template = template
        self.support = support
        self.judges = judges
        self.evolveTemplate = evolveTemplate
        self.repairTemplate = repairTemplate
        self.solveTemplate = solveTemplate
    }

    /// Loads every template the config names.
    public init(config: TaskConfig, support: any TaskSupport, judges: [any SampleJudge]) throws {
        self.init(
            config: config, template: try PromptTemplate(url: URL(fileURLWithPath: config.prompt)), support: support,
            judges: judges,
            evolveTemplate: try config.evolve.map { try PromptTemplate(url: URL(fileURLWithPath: $0.prompt)) },
            repairTemplate: try config.repair.map { try PromptTemplate(url: URL(fileURLWithPath: $0.prompt)) },
            solveTemplate: try config.difficulty.map { try PromptTemplate(url: URL(fileURLWithPath: $0.prompt)) })
    }
}
