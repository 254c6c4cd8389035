import Foundation

/// Where in an input something went wrong: a file and, when known, a line, column or byte offset.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var column: Int?
    public var offset: Int?

    public init(file: String, line: Int? = nil, column: Int? = nil, offset: Int? = nil) {
        self.file = file
        self.line = line
        self.column = column
        self.offset = offset
    }

    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        if let offset { text += " (byte offset \(offset))" }
        return text
    }
}

/// The error type the command line maps to exit codes: 1 usage/config, 2 input, 3 internal.
public struct RefineryError: Error, Sendable, CustomStringConvertible, LocalizedError {
    public enum Kind: Sendable, Hashable {
        /// Bad flags, a broken pipeline file, a refused resume: exit code 1.
        case usage
        /// Unreadable or malformed input data (corpus, GGUF, shard): exit code 2.
        case input
        /// A bug or an environment failure (disk, database): exit code 3.
        case `internal`
    }

    public var kind: Kind
    public var message: String
    public var location: SourceLocation?

    public init(_ kind: Kind, _ message: String, at location: SourceLocation? = nil) {
        self.kind = kind
        self.message = message
        self.location = location
    }

    public static func usage(_ message: String, at location: SourceLocation? = nil) -> RefineryError {
        RefineryError(.usage, message, at: location)
    }

    public static func input(_ message: String, at location: SourceLocation? = nil) -> RefineryError {
        RefineryError(.input, message, at: location)
    }

    public static func `internal`(_ message: String, at location: SourceLocation? = nil) -> RefineryError {
        RefineryError(.internal, message, at: location)
    }

    public var exitCode: Int32 {
        switch kind {
        case .usage: 1
        case .input: 2
        case .internal: 3
        }
    }

    public var description: String {
        if let location { return "\(location): \(message)" }
        return message
    }

    public var errorDescription: String? { description }
}
