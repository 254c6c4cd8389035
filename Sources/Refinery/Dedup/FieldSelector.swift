import Foundation

/// Which part of a JSON record is its text: one or more dotted paths, comma-separated.
///
/// `text`, `question`, `problem,solution`, `meta.title`. A path that meets an array applies the rest of the path to
/// every element, so `messages.content` is the content of every message. Strings are taken as they are, numbers and
/// booleans as JSON writes them, `null` as nothing; the pieces are joined with newlines.
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    public let paths: [[String]]

    /// - Throws: a usage error for an empty selector or an empty path segment.
    public init(_ specification: String) throws(RefineryError) {
        let paths = specification.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).split(separator: ".", omittingEmptySubsequences: false)
                .map(String.init)
        }
        guard !paths.isEmpty, paths.allSatisfy({ !$0.isEmpty && $0.allSatisfy { !$0.isEmpty } }) else {
            throw .usage("invalid field '\(specification)': expected name[.name...][,name...]")
        }
        self.paths = paths
    }

    public var description: String {
        paths.map { $0.joined(separator: ".") }.joined(separator: ",")
    }

    /// The selected text, or nil when none of the paths exists in `record`.
    public func text(in record: JSONValue) -> String? {
        var pieces: [String] = []
        var found = false
        for path in paths where Self.collect(record, path[...], into: &pieces) {
            found = true
        }
        return found ? pieces.joined(separator: "\n") : nil
    }

    /// Appends the strings at `path` below `value`; returns whether the path exists.
    static func collect(_ value: JSONValue, _ path: ArraySlice<String>, into pieces: inout [String]) -> Bool {
        if case .array(let items) = value {
            var found = false
            for item in items where collect(item, path, into: &pieces) { found = true }
            return found
        }
        guard let key = path.first else {
            switch value {
            case .string(let text): pieces.append(text)
            case .int, .double, .bool: pieces.append(value.serialized())
            case .null: break
            case .object: return false
            case .array: break
            }
            return true
        }
        guard let child = value[key] else { return false }
        return collect(child, path.dropFirst(), into: &pieces)
    }
}
