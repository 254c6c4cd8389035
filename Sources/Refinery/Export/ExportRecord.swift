import Foundation

/// One record read from a run's shard, with what the export decides on.
public struct ExportRecord: Sendable {
    public var id: String
    public var task: String
    /// The rubric judgment's score if there is one, else 1.0.
    public var score: Double
    /// The message contents in order (user, assistant, …): the text that dedup and decontamination look at.
    public var contents: [String]
    /// The record's line as read, written unchanged in the `messages` format.
    public var line: String
    /// Index of the source run in the order given.
    public var source: Int

    /// Parses a shard line; errors name the file and line.
    public init(line: String, source: Int, file: String, lineNumber: Int) throws {
        let location = SourceLocation(file: file, line: lineNumber)
        let value: JSONValue
        do {
            value = try JSONValue.parse(line)
        } catch {
            throw RefineryError.input("record is not valid JSON: \(JSONErrorText.describe(error))", at: location)
        }
        guard let id = value["id"]?.stringValue, !id.isEmpty else {
            throw RefineryError.input("record has no string \"id\"", at: location)
        }
        guard let messages = value["messages"]?.arrayValue else {
            throw RefineryError.input("record \(id) has no \"messages\" list", at: location)
        }
        self.id = id
        task = value["task"]?.stringValue ?? ""
        contents = messages.map { $0["content"]?.stringValue ?? "" }
        score = Self.score(of: value)
        self.line = line
        self.source = source
    }

    /// The rubric judgment's score if present, else 1.0.
    public static func score(of record: JSONValue) -> Double {
        for judgment in record["judgments"]?.arrayValue ?? [] where judgment["judge"]?.stringValue == "rubric" {
            if let score = judgment["score"]?.doubleValue { return score }
        }
        return 1.0
    }

    /// The `text` format's text: the message contents (user, then assistant, …) joined by a blank line.
    public static func text(of contents: [String]) -> String {
        contents.joined(separator: "\n\n")
    }

    /// The line written for `format`.
    public func output(_ format: ExportFormat) -> String {
        switch format {
        case .messages:
            line
        case .text:
            JSONValue.object([("id", .string(id)), ("task", .string(task)),
                              ("text", .string(Self.text(of: contents)))]).serialized()
        }
    }
}
