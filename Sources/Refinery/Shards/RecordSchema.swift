import Foundation

/// The shard record schema (DESIGN.md §6): field names and the one JSON type each field has in every record.
public enum RecordSchema {
    public static let version = 1

    public enum FieldType: String, Sendable {
        case string, int, double, bool, array, object
    }

    /// Top-level fields in their written order, with their types.
    public static let fields: [(String, FieldType)] = [
        ("id", .string), ("task", .string), ("messages", .array), ("answer", .string), ("tests", .string),
        ("language", .string), ("seed", .object), ("generator", .object), ("judgments", .array),
        ("lineage", .object), ("difficulty", .object),
        ("run", .string), ("created", .string),
    ]

    static let seedFields: [(String, FieldType)] = [("id", .string), ("source", .string), ("span", .array)]
    static let generatorFields: [(String, FieldType)] = [("model", .string), ("prompt", .string), ("sampling", .object)]
    static let samplingFields: [(String, FieldType)] = [
        ("temperature", .double), ("top_p", .double), ("top_k", .int), ("min_p", .double),
        ("repetition_penalty", .double), ("max_tokens", .int), ("seed", .int),
    ]
    static let judgmentFields: [(String, FieldType)] = [
        ("judge", .string), ("passed", .bool), ("score", .double), ("reason", .string),
    ]
    static let lineageFields: [(String, FieldType)] = [
        ("kind", .string), ("round", .int), ("attempt", .int), ("parent", .string), ("failure", .string),
    ]
    static let difficultyFields: [(String, FieldType)] = [("attempts", .int), ("solved", .int), ("solve_rate", .double)]
    static let messageFields: [(String, FieldType)] = [("role", .string), ("content", .string)]

    /// Checks one parsed record; returns a list of problems (empty when valid).
    public static func validate(_ record: JSONValue) -> [String] {
        var problems: [String] = []
        check(record, fields, path: "", &problems)
        if let id = record["id"]?.stringValue,
           id.count != 32 || !id.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) {
            problems.append("id: expected 32 lowercase hex characters")
        }
        if let messages = record["messages"]?.arrayValue {
            if messages.isEmpty { problems.append("messages: expected at least one message") }
            for (index, message) in messages.enumerated() {
                check(message, messageFields, path: "messages[\(index)].", &problems)
            }
        }
        if let seed = record["seed"] {
            check(seed, seedFields, path: "seed.", &problems)
            if let span = seed["span"]?.arrayValue, span.count != 2 || span.contains(where: { $0.intValue == nil }) {
                problems.append("seed.span: expected [start, end] integers")
            }
        }
        if let generator = record["generator"] {
            check(generator, generatorFields, path: "generator.", &problems)
            if let sampling = generator["sampling"] { check(sampling, samplingFields, path: "generator.sampling.", &problems) }
        }
        if let lineage = record["lineage"] { check(lineage, lineageFields, path: "lineage.", &problems) }
        if let difficulty = record["difficulty"] { check(difficulty, difficultyFields, path: "difficulty.", &problems) }
        if let judgments = record["judgments"]?.arrayValue {
            for (index, judgment) in judgments.enumerated() {
                check(judgment, judgmentFields, path: "judgments[\(index)].", &problems)
            }
        }
        return problems
    }

    private static func check(_ value: JSONValue, _ expected: [(String, FieldType)], path: String,
                              _ problems: inout [String]) {
        guard case .object(let pairs) = value else {
            problems.append("\(path.isEmpty ? "record" : String(path.dropLast())): expected an object")
            return
        }
        let keys = Set(pairs.map(\.0))
        for (name, type) in expected {
            guard let field = value[name] else {
                problems.append("\(path)\(name): missing")
                continue
            }
            if !matches(field, type) { problems.append("\(path)\(name): expected \(type.rawValue)") }
        }
        let known = Set(expected.map(\.0))
        for key in keys.subtracting(known).sorted() { problems.append("\(path)\(key): unexpected field") }
    }

    private static func matches(_ value: JSONValue, _ type: FieldType) -> Bool {
        switch (value, type) {
        case (.string, .string), (.int, .int), (.double, .double), (.bool, .bool), (.array, .array),
             (.object, .object): true
        default: false
        }
    }
}
