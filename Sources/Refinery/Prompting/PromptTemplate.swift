import Foundation
import Mustache

/// A Mustache prompt template with its identity: `<name>@<sha256 prefix>` of the exact bytes that render prompts.
public struct PromptTemplate: Sendable {
    public let url: URL
    /// Template name relative to the `Prompts` folder without extension, e.g. `math/generate`.
    public let name: String
    public let sha256: String
    public let source: String
    /// Variables the template uses; rendering without one of them is an error rather than an empty string.
    public let variables: Set<String>
    private let template: MustacheTemplate

    /// `name@<first 12 hex digits of sha256>`, recorded with every sample.
    public var reference: String { "\(name)@\(sha256.prefix(12))" }

    public init(url: URL) throws {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RefineryError.usage("cannot read prompt template: \(error.localizedDescription)",
                                      at: SourceLocation(file: url.path))
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            throw RefineryError.usage("prompt template is not valid UTF-8",
                                      at: SourceLocation(file: url.path, offset: UTF8Validation.firstInvalidByte(in: data)))
        }
        try self.init(source: text, name: Self.name(for: url), url: url)
    }

    public init(source: String, name: String, url: URL = URL(fileURLWithPath: "/dev/null")) throws {
        self.url = url
        self.name = name
        self.source = source
        self.sha256 = Hashing.sha256Hex(source)
        do {
            template = try MustacheTemplate(string: source)
        } catch {
            throw RefineryError.usage("invalid Mustache template: \(error)", at: SourceLocation(file: url.path))
        }
        variables = Self.scanVariables(source)
    }

    /// Renders with string variables. Every variable the template names must be given.
    public func render(_ values: [String: String]) throws -> String {
        let missing = variables.subtracting(values.keys)
        if !missing.isEmpty {
            throw RefineryError.usage("template \(name) needs \(missing.sorted().joined(separator: ", "))",
                                      at: SourceLocation(file: url.path))
        }
        return template.render(values)
    }

    static func name(for url: URL) -> String {
        let components = url.standardizedFileURL.deletingPathExtension().pathComponents
        if let index = components.lastIndex(of: "Prompts"), index + 1 < components.count {
            return components[(index + 1)...].joined(separator: "/")
        }
        return url.deletingPathExtension().lastPathComponent
    }

    /// Names inside `{{…}}` and `{{{…}}}` tags, ignoring sections, comments and partials.
    static func scanVariables(_ source: String) -> Set<String> {
        var names = Set<String>()
        var rest = Substring(source)
        while let open = rest.range(of: "{{") {
            rest = rest[open.upperBound...]
            let triple = rest.hasPrefix("{")
            if triple { rest = rest.dropFirst() }
            guard let close = rest.range(of: triple ? "}}}" : "}}") else { break }
            let tag = rest[..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            rest = rest[close.upperBound...]
            guard let first = tag.first, !"#^/!>=&".contains(first) else {
                if tag.first == "&" { names.insert(tag.dropFirst().trimmingCharacters(in: .whitespaces)) }
                continue
            }
            names.insert(tag)
        }
        return names
    }
}
