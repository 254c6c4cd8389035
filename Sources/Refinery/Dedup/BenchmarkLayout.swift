import Foundation

/// The fields that hold a benchmark item's text, recognised from a file's first item when its field is `auto`:
/// the problem of well-known evaluation sets and, where the file has them, the reference solution and tests (a
/// training record that copies those is contaminated too).
public struct BenchmarkLayout: Sendable, Hashable {
    /// The evaluation set the layout is known from (for reports).
    public var name: String
    /// The field selector used for every item of the file.
    public var field: String

    /// The benchmark field value that asks for detection.
    public static let automatic = "auto"

    /// Layouts in the order they are tried: a layout applies when its first item has every required path.
    /// More specific layouts come first (HumanEval and MBPP both have `prompt`; MMLU and GSM8K both `question`).
    static let known: [(name: String, required: [String], field: String)] = [
        ("HumanEval", ["prompt", "canonical_solution"], "prompt,canonical_solution,test"),
        ("MBPP", ["text", "code", "test_list"], "text,code,test_list"),
        ("MBPP (sanitized)", ["prompt", "code", "test_list"], "prompt,code,test_list"),
        ("APPS", ["question", "solutions", "input_output"], "question,solutions"),
        ("MATH", ["problem", "solution"], "problem,solution"),
        ("MMLU", ["question", "choices"], "question,choices"),
        ("ARC", ["question.stem", "question.choices"], "question.stem,question.choices.text"),
        ("GSM8K", ["question", "answer"], "question,answer"),
    ]

    /// Fields tried one by one when no known layout applies: the first that holds a string is the item's text.
    static let fallbackFields = ["question", "problem", "prompt", "instruction", "text", "input", "content"]

    /// The layout of a benchmark whose first item is `record`, or nil when nothing applies.
    public static func detect(_ record: JSONValue) -> BenchmarkLayout? {
        for layout in known where layout.required.allSatisfy({ Self.value(at: $0, in: record) != nil }) {
            return BenchmarkLayout(name: layout.name, field: layout.field)
        }
        for field in fallbackFields {
            if case .string? = record[field] { return BenchmarkLayout(name: "'\(field)' field", field: field) }
        }
        return nil
    }

    /// The layout of `record`, or an input error at `location` listing the item's keys.
    static func detect(_ record: JSONValue, at location: SourceLocation) throws(RefineryError) -> BenchmarkLayout {
        if let layout = detect(record) { return layout }
        var keys: [String] = []
        if case .object(let members) = record { keys = members.map { $0.0 } }
        throw .input("cannot tell which fields hold this benchmark's items (keys: \(keys.joined(separator: ", "))); "
                     + "name them (--benchmark-field, or the benchmark's `field` in a pipeline)", at: location)
    }

    /// The non-null value at a dotted path, or nil.
    static func value(at path: String, in record: JSONValue) -> JSONValue? {
        var value = record
        for key in path.split(separator: ".") {
            guard let child = value[String(key)] else { return nil }
            value = child
        }
        if case .null = value { return nil }
        return value
    }
}

extension BenchmarkSource {
    /// One source per path, `fields` holding one field for all of them or one per path (`--benchmark-field`).
    public static func files(_ paths: [String], fields: [String]) throws(RefineryError) -> [BenchmarkSource] {
        guard fields.count == 1 || fields.count == paths.count else {
            throw .usage("give one --benchmark-field for all benchmarks or one per benchmark "
                         + "(\(paths.count) benchmarks, \(fields.count) fields)")
        }
        return paths.enumerated().map { position, path in
            BenchmarkSource(path: path, field: fields.count == 1 ? fields[0] : fields[position])
        }
    }
}
