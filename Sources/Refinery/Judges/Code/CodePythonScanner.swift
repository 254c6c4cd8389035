/// A tokenizer-lite for Python source: enough to count `assert` statements, find top-level definitions and the
/// names a test calls, while ignoring comments and string literals (including triple-quoted and prefixed ones).
///
/// It is not a parser: the sandbox's harness uses Python's own `ast` for the authoritative count. This scanner
/// answers cheap questions before any process is started, and never over-counts relative to the harness
/// (every `assert` keyword outside strings and comments is an assert statement, because `assert` is reserved).
public struct CodePythonScanner: Sendable {
    /// One token of interest: a name, a single punctuation byte, or the end of a logical line.
    public struct Token: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            case name
            case punctuation
            case newline
        }

        public var kind: Kind
        public var text: String
        /// 1-based physical line where the token starts.
        public var line: Int
        /// Indentation (in columns, tabs counted as 8) of the logical line holding the token.
        public var indent: Int
        /// Whether the token is the first one of its logical line.
        public var startsLogicalLine: Bool
    }

    /// The tokens of `source`, strings, numbers and comments left out.
    public let tokens: [Token]

    public init(_ source: String) {
        tokens = Self.tokenize(Array(source.utf8))
    }

    /// Number of `assert` statements anywhere in the source.
    public var assertionCount: Int {
        tokens.reduce(0) { $0 + ($1.kind == .name && $1.text == "assert" ? 1 : 0) }
    }

    /// Names bound by `def`, `async def` or `class` at indentation 0, in order of appearance.
    public var topLevelDefinitions: [String] {
        var names: [String] = []
        for (index, token) in tokens.enumerated() where token.startsLogicalLine && token.indent == 0 {
            var keywordIndex = index
            if token.text == "async", index + 1 < tokens.count, tokens[index + 1].text == "def" {
                keywordIndex = index + 1
            }
            let keyword = tokens[keywordIndex].text
            guard keyword == "def" || keyword == "class", keywordIndex + 1 < tokens.count else { continue }
            let name = tokens[keywordIndex + 1]
            if name.kind == .name, !names.contains(name.text) { names.append(name.text) }
        }
        return names
    }

    /// Names that appear directly before `(` (calls or class instantiations), in order, without duplicates;
    /// attribute calls (`x.f(`) and definitions (`def f(`) are left out.
    public var calledNames: [String] {
        var names: [String] = []
        for index in tokens.indices.dropLast() {
            let token = tokens[index]
            guard token.kind == .name, tokens[index + 1].text == "(" else { continue }
            if index > 0, tokens[index - 1].text == "." || tokens[index - 1].text == "def"
                || tokens[index - 1].text == "class" {
                continue
            }
            if Self.keywords.contains(token.text) { continue }
            if !names.contains(token.text) { names.append(token.text) }
        }
        return names
    }

    static let keywords: Set<String> = [
        "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del",
        "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
        "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
    ]

    // MARK: - Tokenizer

    private static func isNameStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F || byte >= 0x80
    }

    private static func isNameContinue(_ byte: UInt8) -> Bool {
        isNameStart(byte) || (byte >= 0x30 && byte <= 0x39)
    }

    /// Whether `prefix` (already lowercased) is a legal string prefix such as `r`, `b`, `f`, `rb` or `fr`.
    private static func isStringPrefix(_ prefix: [UInt8]) -> Bool {
        guard prefix.count <= 2 else { return false }
        let lowered = prefix.map { $0 | 0x20 }
        let allowed: Set<[UInt8]> = [
            [0x72], [0x62], [0x66], [0x75],  // r b f u
            [0x72, 0x62], [0x62, 0x72], [0x66, 0x72], [0x72, 0x66],  // rb br fr rf
        ]
        return allowed.contains(lowered)
    }

    private static func tokenize(_ bytes: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        var index = 0
        var line = 1
        var depth = 0
        var atLineStart = true
        var indent = 0
        var logicalStart = true

        func emit(_ kind: Token.Kind, _ text: String) {
            tokens.append(Token(kind: kind, text: text, line: line, indent: indent, startsLogicalLine: logicalStart))
            logicalStart = false
        }

        while index < bytes.count {
            if atLineStart && depth == 0 {
                var column = 0
                while index < bytes.count, bytes[index] == 0x20 || bytes[index] == 0x09 || bytes[index] == 0x0C {
                    column = bytes[index] == 0x09 ? (column / 8 + 1) * 8 : column + 1
                    index += 1
                }
                indent = column
                atLineStart = false
                logicalStart = true
                continue
            }
            let byte = bytes[index]
            switch byte {
            case 0x23:  // '#': comment to end of line
                while index < bytes.count, bytes[index] != 0x0A { index += 1 }
            case 0x5C:  // backslash: line continuation
                index += 1
                if index < bytes.count, bytes[index] == 0x0D { index += 1 }
                if index < bytes.count, bytes[index] == 0x0A {
                    index += 1
                    line += 1
                }
            case 0x0A:
                index += 1
                if depth == 0 {
                    if !logicalStart { emit(.newline, "\n") }
                    atLineStart = true
                }
                line += 1
            case 0x27, 0x22:  // quote
                index = skipString(bytes, from: index, line: &line)
            case _ where isNameStart(byte):
                let start = index
                while index < bytes.count, isNameContinue(bytes[index]) { index += 1 }
                let word = Array(bytes[start..<index])
                if index < bytes.count, bytes[index] == 0x27 || bytes[index] == 0x22, isStringPrefix(word) {
                    index = skipString(bytes, from: index, line: &line)
                } else {
                    emit(.name, String(decoding: word, as: UTF8.self))
                }
            case 0x30...0x39:  // number (also eats suffixes like 1e5, 0x1f, 1_000, 2j)
                while index < bytes.count, isNameContinue(bytes[index]) || bytes[index] == 0x2E { index += 1 }
            case 0x20, 0x09, 0x0C, 0x0D:
                index += 1
            default:
                if byte == 0x28 || byte == 0x5B || byte == 0x7B { depth += 1 }
                if byte == 0x29 || byte == 0x5D || byte == 0x7D { depth = max(0, depth - 1) }
                emit(.punctuation, String(UnicodeScalar(byte)))
                index += 1
            }
        }
        if !logicalStart { emit(.newline, "\n") }
        return tokens
    }

    /// Skips a string literal starting at the quote at `start`; returns the index just past it. An unterminated
    /// single-quoted string ends at the end of its line, an unterminated triple-quoted one at the end of input.
    private static func skipString(_ bytes: [UInt8], from start: Int, line: inout Int) -> Int {
        let quote = bytes[start]
        let triple = start + 2 < bytes.count && bytes[start + 1] == quote && bytes[start + 2] == quote
        var index = start + (triple ? 3 : 1)
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x5C {  // escape (raw strings still cannot end on an escaped quote)
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { line += 1 }
                index += 2
                continue
            }
            if byte == 0x0A {
                if !triple { return index }
                line += 1
            }
            if byte == quote {
                if !triple { return index + 1 }
                if index + 2 < bytes.count, bytes[index + 1] == quote, bytes[index + 2] == quote { return index + 3 }
            }
            index += 1
        }
        return bytes.count
    }
}
