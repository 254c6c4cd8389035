import Foundation
import Yams

/// A YAML node with the bookkeeping needed for precise config errors: the file, the key path and the line.
///
/// Mappings are read through `ConfigMapping`, which remembers the keys asked for so `finish()` can reject
/// unknown keys by name and line.
struct ConfigNode {
    let file: String
    let path: String
    let node: Node

    var location: SourceLocation {
        SourceLocation(file: file, line: node.mark?.line, column: node.mark?.column)
    }

    func error(_ message: String) -> RefineryError {
        .usage("\(path.isEmpty ? "" : "\(path): ")\(message)", at: location)
    }

    static func parse(yaml: String, file: String) throws -> ConfigNode {
        do {
            guard let root = try Yams.compose(yaml: yaml) else {
                throw RefineryError.usage("the pipeline file is empty", at: SourceLocation(file: file, line: 1))
            }
            return ConfigNode(file: file, path: "", node: root)
        } catch let error as YamlError {
            throw RefineryError.usage("invalid YAML: \(Self.describe(error))", at: Self.location(of: error, file: file))
        }
    }

    private static func location(of error: YamlError, file: String) -> SourceLocation {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
            return SourceLocation(file: file, line: mark.line, column: mark.column)
        case .reader(_, let offset, _, _):
            return SourceLocation(file: file, offset: offset)
        case .duplicatedKeysInMapping(_, let context):
            return SourceLocation(file: file, line: context.mark.line, column: context.mark.column)
        default:
            return SourceLocation(file: file)
        }
    }

    private static func describe(_ error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _),
             .composer(let context, let problem, _, _):
            if let context { return "\(problem) (\(context.text))" }
            return problem
        case .reader(let problem, _, _, _):
            return problem
        case .duplicatedKeysInMapping(let duplicates, _):
            return "a key appears twice in one mapping: \(duplicates.joined(separator: ", "))"
        default:
            return "\(error)"
        }
    }

    func child(_ key: String, _ node: Node) -> ConfigNode {
        ConfigNode(file: file, path: path.isEmpty ? key : "\(path).\(key)", node: node)
    }

    func mapping() throws -> ConfigMapping {
        guard case .mapping(let mapping) = node else { throw error("expected a mapping of keys to values") }
        return ConfigMapping(owner: self, mapping: mapping)
    }

    func sequence() throws -> [ConfigNode] {
        guard case .sequence(let sequence) = node else { throw error("expected a list") }
        return sequence.enumerated().map { index, item in
            ConfigNode(file: file, path: "\(path)[\(index)]", node: item)
        }
    }

    /// A list, or a single value treated as a one-element list.
    func listOrSingle() -> [ConfigNode] {
        if case .sequence = node, let items = try? sequence() { return items }
        return [self]
    }

    var isNull: Bool {
        guard case .scalar(let scalar) = node else { return false }
        return scalar.style == .plain && ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    func string() throws -> String {
        guard case .scalar(let scalar) = node, !isNull else { throw error("expected a string") }
        return scalar.string
    }

    /// A string naming a case of `T` by its raw value; the error names `key` and the accepted values.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, of _: T.Type = T.self) throws -> T
    where T.RawValue == String {
        let text = try string()
        guard let value = T(rawValue: text) else {
            let accepted = T.allCases.map(\.rawValue).joined(separator: " or ")
            throw error("unknown \(key) \"\(text)\" (expected \(accepted))")
        }
        return value
    }

    func int(in range: ClosedRange<Int>? = nil) throws -> Int {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = node.int else {
            throw error("expected an integer")
        }
        if let range, !range.contains(value) {
            throw error("expected an integer in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    func double(in range: ClosedRange<Double>? = nil) throws -> Double {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = node.float, value.isFinite else {
            throw error("expected a number")
        }
        if let range, !range.contains(value) {
            throw error("expected a number in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    func bool() throws -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = node.bool else {
            throw error("expected true or false")
        }
        return value
    }

    /// A byte size such as `64MiB`, `500KB`, `1GB` or a plain integer.
    func byteSize() throws -> Int {
        let text = try string().trimmingCharacters(in: .whitespaces)
        guard let size = ByteSize.parse(text) else {
            throw error("expected a byte size such as 64MiB, 500KB or 1048576, got \"\(text)\"")
        }
        return size
    }
}

/// A YAML mapping being read key by key; `finish()` rejects keys nobody asked for.
struct ConfigMapping {
    let owner: ConfigNode
    private var entries: [(key: String, keyNode: Node, value: Node)] = []
    private var used: Set<String> = []

    init(owner: ConfigNode, mapping: Node.Mapping) {
        self.owner = owner
        for (key, value) in mapping {
            entries.append((key.string ?? "\(key)", key, value))
        }
    }

    mutating func optional(_ key: String) -> ConfigNode? {
        used.insert(key)
        guard let entry = entries.first(where: { $0.key == key }) else { return nil }
        let node = owner.child(key, entry.value)
        return node.isNull ? nil : node
    }

    mutating func required(_ key: String) throws -> ConfigNode {
        guard let node = optional(key) else { throw owner.error("missing required key \"\(key)\"") }
        return node
    }

    /// Rejects unknown and repeated keys, naming the line of each.
    func finish(knownKeysHint: Bool = true) throws {
        var seen: Set<String> = []
        for entry in entries {
            let location = SourceLocation(file: owner.file, line: entry.keyNode.mark?.line,
                                          column: entry.keyNode.mark?.column)
            let prefix = owner.path.isEmpty ? "" : "\(owner.path): "
            if !seen.insert(entry.key).inserted {
                throw RefineryError.usage("\(prefix)key \"\(entry.key)\" appears twice", at: location)
            }
            if !used.contains(entry.key) {
                let known = used.sorted().joined(separator: ", ")
                throw RefineryError.usage("\(prefix)unknown key \"\(entry.key)\" (known keys: \(known))", at: location)
            }
        }
    }
}

/// Parses and prints byte sizes with binary (KiB, MiB, GiB) and decimal (KB, MB, GB) suffixes.
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let units: [(String, Int)] = [
            ("KiB", 1 << 10), ("MiB", 1 << 20), ("GiB", 1 << 30), ("TiB", 1 << 40),
            ("KB", 1_000), ("MB", 1_000_000), ("GB", 1_000_000_000), ("TB", 1_000_000_000_000),
            ("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30), ("B", 1),
        ]
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            let number = trimmed.dropLast(suffix.count).trimmingCharacters(in: .whitespaces)
            guard let value = Double(number), value > 0, value * Double(factor) < 9e18 else { return nil }
            return Int(value * Double(factor))
        }
        guard let value = Int(trimmed), value > 0 else { return nil }
        return value
    }

    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
