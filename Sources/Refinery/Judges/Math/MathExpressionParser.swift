/// Recursive-descent parser for arithmetic expressions in plain or LaTeX-ish notation.
///
/// Grammar (whitespace allowed between tokens):
/// ```
/// sum     := product (('+' | '-') product)*
/// product := unary (('*' | '/') unary | implicit-factor)*      implicit: 2x, 2(3), x(x+1), 2\sqrt{3}
/// unary   := ('-' | '+')* power
/// power   := postfix ('^' unary)?                              right-associative: 2^3^2 = 2^9
/// postfix := primary '%'*                                      '%' divides by 100
/// primary := number | mixed-number | '(' sum ')' | '[' sum ']' | '{' sum '}' | \frac A B | \sqrt[n] A
///          | sqrt(sum) | \pi | pi | variable
/// number  := digits ['.' digits] [\overline{digits} | '...'] [('e'|'E') ['+'|'-'] digits]
/// ```
/// A number directly after a factor is not an implicit product (`x2` and `2 3` are errors), and a plain integer
/// followed by `\frac{a}{b}` or ` a/b` (integers) is a mixed number. Single-pass with one-token lookahead; the only
/// lookahead scans (mixed numbers, repeating decimals) are bounded and never re-parse, so time is linear in the
/// input, and nesting is capped by `MathLimits.maxNestingDepth`.
public struct MathExpressionParser {
    public struct Options: Sendable, Equatable {
        /// Letters are variables (`2x+1`); off for calculator annotations.
        public var allowVariables: Bool
        /// Runs of two or three letters are products of single-letter variables (`2xy`); longer runs are errors.
        public var allowLetterProducts: Bool

        public init(allowVariables: Bool = true, allowLetterProducts: Bool = true) {
            self.allowVariables = allowVariables
            self.allowLetterProducts = allowLetterProducts
        }

        /// Numbers and operators only, as in `<<4*3=12>>`.
        public static let arithmetic = Options(allowVariables: false, allowLetterProducts: false)
    }

    private let bytes: [UInt8]
    private let options: Options
    private var position = 0
    private var depth = 0
    private var budget: MathBudget

    private init(bytes: [UInt8], options: Options, budget: MathBudget) {
        self.bytes = bytes
        self.options = options
        self.budget = budget
    }

    /// Parses the whole of `text` as one expression.
    public static func parse(_ text: String, options: Options = Options(), budget: inout MathBudget) throws
        -> MathExpression
    {
        let bytes = Array(text.utf8)
        try budget.charge(bytes.count)
        var parser = MathExpressionParser(bytes: bytes, options: options, budget: budget)
        defer { budget = parser.budget }
        let expression = try parser.parseSum()
        parser.skipSpaces()
        if parser.position < bytes.count {
            throw parser.syntax("unexpected '\(parser.describeCurrent())'")
        }
        return expression
    }

    // MARK: Grammar

    private mutating func parseSum() throws -> MathExpression {
        var terms = [MathSumTerm(isSubtracted: false, term: try parseProduct())]
        while true {
            skipSpaces()
            guard let byte = peek(), byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-") else { break }
            position += 1
            terms.append(MathSumTerm(isSubtracted: byte == UInt8(ascii: "-"), term: try parseProduct()))
        }
        return terms.count == 1 ? terms[0].term : .sum(terms)
    }

    private mutating func parseProduct() throws -> MathExpression {
        var factors = [MathProductFactor(isDivisor: false, factor: try parseUnary())]
        while true {
            skipSpaces()
            guard let byte = peek() else { break }
            if byte == UInt8(ascii: "*") || byte == UInt8(ascii: "/") {
                position += 1
                factors.append(MathProductFactor(isDivisor: byte == UInt8(ascii: "/"), factor: try parseUnary()))
            } else if startsImplicitFactor() {
                factors.append(MathProductFactor(isDivisor: false, factor: try parsePower()))
            } else {
                break
            }
        }
        return factors.count == 1 ? factors[0].factor : .product(factors)
    }

    private mutating func parseUnary() throws -> MathExpression {
        var negative = false
        while true {
            skipSpaces()
            guard let byte = peek() else { break }
            if byte == UInt8(ascii: "-") {
                negative.toggle()
            } else if byte != UInt8(ascii: "+") {
                break
            }
            position += 1
            try budget.charge(1)
        }
        let inner = try parsePower()
        guard negative else { return inner }
        if case .number(let value) = inner { return .number(value.negated) }
        return .negate(inner)
    }

    private mutating func parsePower() throws -> MathExpression {
        let base = try parsePostfix()
        skipSpaces()
        guard peek() == UInt8(ascii: "^") else { return base }
        position += 1
        try enter()
        let exponent = try parseUnary()
        depth -= 1
        return .power(base: base, exponent: exponent)
    }

    private mutating func parsePostfix() throws -> MathExpression {
        var expression = try parsePrimary()
        while true {
            skipSpaces()
            guard peek() == UInt8(ascii: "%") else { break }
            position += 1
            expression = .product([
                MathProductFactor(isDivisor: false, factor: expression),
                MathProductFactor(isDivisor: true, factor: .number(MathRational(integer: 100))),
            ])
        }
        return expression
    }

    private mutating func parsePrimary() throws -> MathExpression {
        skipSpaces()
        try budget.charge(1)
        guard let byte = peek() else { throw syntax("expected a number or '('") }
        if isDigit(byte) || (byte == UInt8(ascii: ".") && isDigit(peek(1))) {
            return try parseNumberOrMixed()
        }
        switch byte {
        case UInt8(ascii: "("): return try parseGroup(closing: UInt8(ascii: ")"))
        case UInt8(ascii: "["): return try parseGroup(closing: UInt8(ascii: "]"))
        case UInt8(ascii: "{"): return try parseGroup(closing: UInt8(ascii: "}"))
        case UInt8(ascii: "\\"): return try parseCommand()
        default: break
        }
        if isLetter(byte) { return try parseWord() }
        throw syntax("unexpected '\(describeCurrent())'")
    }

    private mutating func parseGroup(closing: UInt8) throws -> MathExpression {
        position += 1
        try enter()
        let inner = try parseSum()
        skipSpaces()
        guard peek() == closing else { throw syntax("expected '\(Character(Unicode.Scalar(closing)))'") }
        position += 1
        depth -= 1
        return inner
    }

    private mutating func parseCommand() throws -> MathExpression {
        let start = position
        position += 1
        let name = readLetters()
        switch name {
        case "frac", "dfrac", "tfrac", "cfrac":
            try enter()
            let top = try parseLatexArgument()
            let bottom = try parseLatexArgument()
            depth -= 1
            return .product([MathProductFactor(isDivisor: false, factor: top),
                             MathProductFactor(isDivisor: true, factor: bottom)])
        case "sqrt":
            var index = 2
            skipSpaces()
            if peek() == UInt8(ascii: "[") {
                position += 1
                let digits = readDigits()
                skipSpaces()
                guard let value = Int(digits), value >= 1, value <= 64, peek() == UInt8(ascii: "]") else {
                    throw syntax("expected a small root index")
                }
                position += 1
                index = value
            }
            try enter()
            let radicand = try parseLatexArgument()
            depth -= 1
            return .root(radicand, index: index)
        case "pi":
            return .pi
        case "":
            position = start
            throw syntax("unexpected '\\'")
        default:
            guard options.allowVariables, MathExpressionParser.greekLetters.contains(name) else {
                position = start
                throw syntax("unsupported command \\\(name)")
            }
            return .variable("\\" + name)
        }
    }

    private static let greekLetters: Set<String> = [
        "alpha", "beta", "gamma", "delta", "epsilon", "theta", "lambda", "mu", "phi", "omega", "sigma", "tau",
    ]

    /// A LaTeX macro argument: `{…}`, a single digit, a single letter or a command (`\frac12`, `\sqrt\pi`).
    private mutating func parseLatexArgument() throws -> MathExpression {
        skipSpaces()
        guard let byte = peek() else { throw syntax("missing argument") }
        if byte == UInt8(ascii: "{") { return try parseGroup(closing: UInt8(ascii: "}")) }
        if isDigit(byte) {
            position += 1
            return .number(MathRational(integer: Int(byte - UInt8(ascii: "0"))))
        }
        if isLetter(byte) && options.allowVariables {
            position += 1
            return .variable(String(Character(Unicode.Scalar(byte))))
        }
        if byte == UInt8(ascii: "\\") { return try parseCommand() }
        throw syntax("unexpected '\(describeCurrent())'")
    }

    private mutating func parseWord() throws -> MathExpression {
        let start = position
        var end = position
        while end < bytes.count && isLetter(bytes[end]) { end += 1 }
        let word = String(decoding: bytes[start..<end], as: UTF8.self)
        switch word.lowercased() {
        case "sqrt":
            position = end
            skipSpaces()
            guard let next = peek(), next == UInt8(ascii: "(") || next == UInt8(ascii: "{") || isDigit(next) else {
                throw syntax("expected '(' after sqrt")
            }
            try enter()
            let radicand = try parsePostfix()
            depth -= 1
            return .root(radicand, index: 2)
        case "pi":
            position = end
            return .pi
        default:
            break
        }
        guard options.allowVariables else { throw syntax("unexpected '\(word)'") }
        if word.count == 1 || (options.allowLetterProducts && word.count <= 3) {
            position += 1
            return .variable(String(Character(Unicode.Scalar(bytes[start]))))
        }
        throw syntax("unexpected word '\(word)'")
    }

    /// After a complete factor: does an implicit multiplication follow (`2x`, `2(3)`, `x\sqrt{2}`)?
    private func startsImplicitFactor() -> Bool {
        guard let byte = peek() else { return false }
        if byte == UInt8(ascii: "(") { return true }
        if byte == UInt8(ascii: "\\") {
            var end = position + 1
            while end < bytes.count && isLetter(bytes[end]) { end += 1 }
            let name = String(decoding: bytes[(position + 1)..<end], as: UTF8.self)
            return ["frac", "dfrac", "tfrac", "cfrac", "sqrt", "pi"].contains(name)
                || (options.allowVariables && MathExpressionParser.greekLetters.contains(name))
        }
        if isLetter(byte) {
            if options.allowVariables { return true }
            var end = position
            while end < bytes.count && isLetter(bytes[end]) { end += 1 }
            let word = String(decoding: bytes[position..<end], as: UTF8.self).lowercased()
            return word == "sqrt" || word == "pi"
        }
        return false
    }

    // MARK: Numbers

    private mutating func parseNumberOrMixed() throws -> MathExpression {
        let literal = try MathNumberLiteral.scan(bytes, from: position, budget: &budget)
        position = literal.end
        guard literal.isPlainInteger else { return .number(literal.value) }
        // Mixed numbers: 1\frac{1}{2}, 1\frac12, 1 1/2.
        if let fraction = MathNumberLiteral.scanMixedFraction(bytes, from: position) {
            position = fraction.end
            let part = try MathRational.make(
                negative: false, numerator: fraction.numerator, denominator: fraction.denominator, budget: &budget)
            return .number(try literal.value.adding(part, budget: &budget))
        }
        return .number(literal.value)
    }

    // MARK: Scanning helpers

    private mutating func enter() throws {
        depth += 1
        if depth > budget.limits.maxNestingDepth { throw MathArithmeticError.nestingTooDeep }
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        position + offset < bytes.count ? bytes[position + offset] : nil
    }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == 32 || byte == 9 || byte == 10 || byte == 13 { position += 1 }
    }

    private mutating func readLetters() -> String {
        let start = position
        while let byte = peek(), isLetter(byte) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private mutating func readDigits() -> String {
        let start = position
        while let byte = peek(), isDigit(byte) { position += 1 }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    private func isDigit(_ byte: UInt8?) -> Bool { byte.map { $0 >= 48 && $0 <= 57 } ?? false }
    private func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 97 && (byte | 0x20) <= 122 }

    private func describeCurrent() -> String {
        guard position < bytes.count else { return "end of input" }
        let end = min(bytes.count, position + 8)
        return String(decoding: bytes[position..<end], as: UTF8.self)
    }

    private func syntax(_ message: String) -> MathArithmeticError {
        .syntax(message, offset: position)
    }
}
