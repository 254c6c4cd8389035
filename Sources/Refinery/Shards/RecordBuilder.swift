import Foundation

/// Turns a finished sample and its lineage into the shard record of DESIGN.md §6.
public struct RecordBuilder: Sendable {
    public var runID: String
    public var modelIdentity: String
    public var tasks: [String: TaskConfig]

    public init(runID: String, modelIdentity: String, tasks: [TaskConfig]) {
        self.runID = runID
        self.modelIdentity = modelIdentity
        self.tasks = Dictionary(uniqueKeysWithValues: tasks.map { ($0.name, $0) })
    }

    /// Normalized content hash used as the record id: NFKC, case-folded, whitespace collapsed.
    public static func recordID(task: String, fields: ParsedFields) -> String {
        let content = [task, fields.problem, fields.solution, fields.tests].map(normalize).joined(separator: "\u{1F}")
        return String(Hashing.sha256Hex(content).prefix(32))
    }

    static func normalize(_ text: String) -> String {
        let folded = text.precomposedStringWithCompatibilityMapping.lowercased()
        return folded.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// - Parameters:
    ///   - parent: the sample this one was evolved or repaired from.
    ///   - solves: difficulty-label attempts as (solved) flags; empty when not measured.
    public func record(sample: SampleRecord, seed: SeedRecord, judgments: [Judgment], parent: SampleRecord?,
                       solves: [Bool]) throws -> JSONValue
    {
        guard let id = sample.recordID, let problem = sample.problem, let solution = sample.solution else {
            throw RefineryError.internal("sample \(sample.id) has no parsed content to write")
        }
        let task = tasks[sample.task]
        let kind = task?.kind ?? .math
        let sampling = task?.sampling ?? .defaults
        let assistant = kind == .code ? "```python\n\(solution)\n```" : solution
        let judgmentValues: [JSONValue] = judgments.map { judgment in
            .object([
                ("judge", .string(judgment.judge)),
                ("passed", .bool(judgment.passed)),
                ("score", .double(judgment.score ?? (judgment.passed ? 1 : 0))),
                ("reason", .string(judgment.reason)),
            ])
        }
        return .object([
            ("id", .string(id)),
            ("task", .string(sample.task)),
            ("messages", .array([
                .object([("role", .string("user")), ("content", .string(problem))]),
                .object([("role", .string("assistant")), ("content", .string(assistant))]),
            ])),
            ("answer", .string(sample.answer ?? "")),
            ("tests", .string(sample.tests ?? "")),
            ("language", .string(kind == .code ? "python" : "")),
            ("seed", .object([
                ("id", .string(seed.id)),
                ("source", .string(seed.source)),
                ("span", .array([.int(seed.start), .int(seed.end)])),
            ])),
            ("generator", .object([
                ("model", .string(modelIdentity)),
                ("prompt", .string(sample.promptRef ?? "")),
                ("sampling", .object([
                    ("temperature", .double(sampling.temperature)),
                    ("top_p", .double(sampling.topP)),
                    ("top_k", .int(sampling.topK)),
                    ("min_p", .double(sampling.minP)),
                    ("repetition_penalty", .double(sampling.repetitionPenalty)),
                    ("max_tokens", .int(sampling.maxTokens)),
                    ("seed", .int(Int(sample.samplingSeed))),
                ])),
            ])),
            ("judgments", .array(judgmentValues)),
            ("lineage", .object([
                ("kind", .string(sample.kind)),
                ("round", .int(sample.round)),
                ("attempt", .int(sample.attempt)),
                ("parent", .string(parent?.recordID ?? "")),
                ("failure", .string(sample.kind == SampleKind.repair ? parent?.rejectReason ?? "" : "")),
            ])),
            ("difficulty", .object([
                ("attempts", .int(solves.count)),
                ("solved", .int(solves.filter { $0 }.count)),
                ("solve_rate", .double(solves.isEmpty ? 0 : Double(solves.filter { $0 }.count) / Double(solves.count))),
            ])),
            ("run", .string(runID)),
            ("created", .string(sample.judgedAt ?? "")),
        ])
    }
}
