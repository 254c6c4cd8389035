/// What an answer string means once normalised: the unit of comparison for `MathAnswerEquivalence`.
public indirect enum MathAnswerValue: Sendable, Hashable {
    /// An exact rational; `decimalPlaces` is set when it was written as a plain decimal (`0.33` → 2), which lets the
    /// comparer recognise a rounded value.
    case number(MathRational, decimalPlaces: Int?)
    /// `p%`, holding p.
    case percent(MathRational, decimalPlaces: Int?)
    /// A constant expression without a rational value (`\sqrt{2}`, `2\pi`).
    case irrational(MathExpression)
    /// An expression in variables (`2x+3`).
    case symbolic(MathExpression)
    case infinity(negative: Bool)
    /// Ordered: tuples `(1,2)`, lists `[1,2]`, intervals `[1,2)`; brackets are kept because they matter.
    case sequence(open: String, close: String, [MathAnswerValue])
    /// Unordered: `{1,2}`, `\{1,2\}`, and bare comma lists `1, 2` (as in "find all solutions").
    case set([MathAnswerValue])
    /// `A \cup B`.
    case union([MathAnswerValue])
    case boolean(Bool)
    /// Anything else, lower-cased with spaces collapsed.
    case text(String)

    /// The kind with its article ("a number", "an expression"), for messages.
    public var kindPhrase: String {
        let name = kindName
        return ("aeiou".contains(name.first ?? "x") ? "an " : "a ") + name
    }

    /// A short name of the kind, for messages.
    public var kindName: String {
        switch self {
        case .number: return "number"
        case .percent: return "percentage"
        case .irrational: return "irrational number"
        case .symbolic: return "expression"
        case .infinity: return "infinity"
        case .sequence(let open, let close, _): return open == "(" && close == ")" ? "tuple" : "interval/list"
        case .set: return "set"
        case .union: return "union"
        case .boolean: return "yes/no"
        case .text: return "text"
        }
    }
}

/// Reads a normalised answer (see `MathAnswerNormalizer`) into a `MathAnswerValue`.
///
/// Order of interpretation: yes/no words, infinity, unions (`\cup`), a bracketed list whose outer brackets enclose
/// everything (`(1,2)`, `[1,2)`, `\{1,2\}`; one element in `(…)` is just grouping), a bare top-level comma list, a
/// trailing `%`, then an arithmetic expression; whatever does not parse is text. Arithmetic failures (division by
/// zero, limits) are thrown: such an answer is unparseable rather than text.
enum MathAnswerParser {
    static func parse(_ text: String, budget: inout MathBudget) throws -> MathAnswerValue {
        // Elements of lists may carry their own `x = …` (`x=2, x=3`).
        let trimmed = MathAnswerNormalizer.stripEquationPrefix(MathText.trim(text))
        if trimmed.isEmpty { throw MathArithmeticError.syntax("empty answer", offset: 0) }
        try budget.charge(trimmed.utf8.count)
        let lower = trimmed.lowercased()
        switch lower {
        case "yes", "true", "correct": return .boolean(true)
        case "no", "false", "incorrect": return .boolean(false)
        case "\\infty", "+\\infty", "inf", "+inf", "infinity", "+infinity", "oo": return .infinity(negative: false)
        case "-\\infty", "-inf", "-infinity", "-oo": return .infinity(negative: true)
        case "\\emptyset", "{}", "\\{\\}", "\\{ \\}", "empty set", "the empty set": return .set([])
        default: break
        }
        // ±a is the set {a, -a}.
        for sign in ["\\pm", "+-", "+/-"] where trimmed.hasPrefix(sign) {
            let rest = String(trimmed.dropFirst(sign.count))
            return .set([try parse(rest, budget: &budget), try parse("-(" + rest + ")", budget: &budget)])
        }
        let bytes = Array(trimmed.utf8)
        let unionParts = splitTopLevel(bytes, on: Array("\\cup".utf8))
        if unionParts.count > 1 {
            return .union(try unionParts.map { try parse(String(decoding: $0, as: UTF8.self), budget: &budget) })
        }
        if let bracketed = try parseBracketed(bytes, budget: &budget) { return bracketed }
        let commaParts = splitTopLevel(bytes, on: [UInt8(ascii: ",")])
        if commaParts.count > 1 {
            return .set(try commaParts.map { try parse(String(decoding: $0, as: UTF8.self), budget: &budget) })
        }
        if bytes.last == UInt8(ascii: "%") {
            let inner = String(decoding: bytes.dropLast(), as: UTF8.self)
            if case .number(let value, let places) = try parseScalar(inner, budget: &budget) {
                return .percent(value, decimalPlaces: places)
            }
            return .text(lower)
        }
        return try parseScalar(trimmed, budget: &budget)
    }

    /// A number, an irrational constant, an expression in variables, or text.
    static func parseScalar(_ text: String, budget: inout MathBudget) throws -> MathAnswerValue {
        let trimmed = MathText.trim(text)
        guard !trimmed.isEmpty else { throw MathArithmeticError.syntax("empty element", offset: 0) }
        let hasMath = trimmed.unicodeScalars.contains {
            ($0.value >= 48 && $0.value <= 57) || "+-*/^()\\".unicodeScalars.contains($0)
        }
        // `2-3` (no spaces, two plain numbers) is a range, not a subtraction.
        if isNumericRange(trimmed) { return .text(textKey(trimmed)) }
        let options = MathExpressionParser.Options(allowVariables: true, allowLetterProducts: hasMath)
        let expression: MathExpression
        do {
            expression = try MathExpressionParser.parse(trimmed, options: options, budget: &budget)
        } catch MathArithmeticError.syntax {
            return .text(textKey(trimmed))
        }
        if !expression.variables.isEmpty { return .symbolic(expression) }
        do {
            let value = try expression.evaluate(budget: &budget)
            return .number(value, decimalPlaces: plainDecimalPlaces(trimmed))
        } catch MathArithmeticError.notExact {
            return .irrational(expression)
        }
    }

    /// `digits[.digits]-digits[.digits]` with nothing else.
    static func isNumericRange(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            let pieces = part.split(separator: ".", omittingEmptySubsequences: false)
            return !part.isEmpty && pieces.count <= 2
                && pieces.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy(MathNumberLiteral.isDigit) }
        }
    }

    /// Digits after the point when `text` is exactly `[-]digits.digits`.
    static func plainDecimalPlaces(_ text: String) -> Int? {
        var bytes = Substring(text).utf8[...]
        if bytes.first == UInt8(ascii: "-") || bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        guard let point = bytes.firstIndex(of: UInt8(ascii: ".")) else { return nil }
        let whole = bytes[..<point]
        let fraction = bytes[bytes.index(after: point)...]
        guard !fraction.isEmpty, whole.allSatisfy(MathNumberLiteral.isDigit),
              fraction.allSatisfy(MathNumberLiteral.isDigit) else { return nil }
        return fraction.count
    }

    /// Lower-cased text without a leading "the ", trailing dots, or any spaces (`x > 3` = `x>3`).
    static func textKey(_ text: String) -> String {
        var key = MathAnswerNormalizer.collapseSpaces(text.lowercased())
        if key.hasPrefix("the ") { key.removeFirst(4) }
        while key.hasSuffix(".") { key.removeLast() }
        return key.filter { !$0.isWhitespace }
    }

    // MARK: Brackets

    private static func parseBracketed(_ bytes: [UInt8], budget: inout MathBudget) throws -> MathAnswerValue? {
        guard let first = bytes.first, let last = bytes.last, bytes.count >= 2 else { return nil }
        var openLength = 1
        var closeLength = 1
        var isEscapedBrace = false
        if MathNumberLiteral.matches(bytes, at: 0, "\\{") {
            guard MathNumberLiteral.matches(bytes, at: bytes.count - 2, "\\}"), bytes.count >= 4 else { return nil }
            openLength = 2
            closeLength = 2
            isEscapedBrace = true
        } else {
            guard "([{".utf8.contains(first), ")]}".utf8.contains(last) else { return nil }
        }
        // The opening bracket must close at the very end.
        guard closingIndex(bytes, openLength: openLength) == bytes.count - closeLength else { return nil }
        let inner = Array(bytes[openLength..<(bytes.count - closeLength)])
        let parts = splitTopLevel(inner, on: [UInt8(ascii: ",")])
        let open = String(decoding: bytes[..<openLength], as: UTF8.self)
        let close = String(decoding: bytes[(bytes.count - closeLength)...], as: UTF8.self)
        if parts.count == 1 && !isEscapedBrace {
            // Grouping: (5), {5}; a single element in mismatched brackets is not a number.
            return nil
        }
        if parts.contains(where: { MathText.trim(String(decoding: $0, as: UTF8.self)).isEmpty }) {
            return parts.count == 1 ? .set([]) : nil
        }
        let elements = try parts.map { try parse(String(decoding: $0, as: UTF8.self), budget: &budget) }
        if isEscapedBrace || (first == UInt8(ascii: "{") && last == UInt8(ascii: "}")) { return .set(elements) }
        return .sequence(open: open, close: close, elements)
    }

    /// Index of the bracket closing the one at offset 0 (any of `([{` closes with any of `)]}`, since intervals mix
    /// them), honouring `\{ \}`.
    private static func closingIndex(_ bytes: [UInt8], openLength: Int) -> Int? {
        var depth = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") && index + 1 < bytes.count
                && (bytes[index + 1] == UInt8(ascii: "{") || bytes[index + 1] == UInt8(ascii: "}")) {
                depth += bytes[index + 1] == UInt8(ascii: "{") ? 1 : -1
                if depth == 0 { return index }
                index += 2
                continue
            }
            if "([{".utf8.contains(byte) { depth += 1 }
            if ")]}".utf8.contains(byte) {
                depth -= 1
                if depth == 0 { return index }
            }
            index += 1
        }
        return nil
    }

    /// Splits at `separator` occurrences outside any brackets.
    static func splitTopLevel(_ bytes: [UInt8], on separator: [UInt8]) -> [ArraySlice<UInt8>] {
        var parts: [ArraySlice<UInt8>] = []
        var depth = 0
        var start = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if "([{".utf8.contains(byte) {
                depth += 1
            } else if ")]}".utf8.contains(byte) {
                depth -= 1
            } else if depth == 0 && bytes.count - index >= separator.count
                        && bytes[index..<(index + separator.count)].elementsEqual(separator) {
                parts.append(bytes[start..<index])
                index += separator.count
                start = index
                continue
            }
            index += 1
        }
        parts.append(bytes[start..<bytes.count])
        return parts
    }
}
