/// Caps that keep every math-judge parse and evaluation small and quick on hostile input.
///
/// Every parser in the math judge is a single left-to-right scan or a recursive descent with a depth cap (no
/// backtracking regular expressions), and every arithmetic operation charges a `MathBudget`, so a pathological
/// answer or solution ends with a clean rejection instead of hanging a pipeline worker.
public struct MathLimits: Sendable, Equatable {
    /// Longest answer string (in UTF-8 bytes) the equivalence checker looks at.
    public var maxAnswerLength: Int
    /// Longest solution or completion (in UTF-8 bytes) the extractor, parser and annotation checker accept.
    public var maxSolutionLength: Int
    /// Longest single `<<…>>` annotation (in bytes).
    public var maxAnnotationLength: Int
    /// Most annotations checked in one solution.
    public var maxAnnotations: Int
    /// Most digits in one numeric literal.
    public var maxLiteralDigits: Int
    /// Largest numerator or denominator, in bits, of any intermediate value (2048 bits ≈ 616 decimal digits).
    public var maxBits: Int
    /// Largest absolute exponent in `a^n`, `1e n` or `10^{n}`.
    public var maxExponent: Int
    /// Deepest nesting of parentheses, braces and brackets.
    public var maxNestingDepth: Int
    /// Work units for one top-level call (one comparison, one solution check); see `MathBudget`.
    public var stepBudget: Int

    public init(
        maxAnswerLength: Int = 2_000,
        maxSolutionLength: Int = 100_000,
        maxAnnotationLength: Int = 400,
        maxAnnotations: Int = 200,
        maxLiteralDigits: Int = 200,
        maxBits: Int = 2_048,
        maxExponent: Int = 1_000,
        maxNestingDepth: Int = 64,
        stepBudget: Int = 2_000_000
    ) {
        self.maxAnswerLength = maxAnswerLength
        self.maxSolutionLength = maxSolutionLength
        self.maxAnnotationLength = maxAnnotationLength
        self.maxAnnotations = maxAnnotations
        self.maxLiteralDigits = maxLiteralDigits
        self.maxBits = maxBits
        self.maxExponent = maxExponent
        self.maxNestingDepth = maxNestingDepth
        self.stepBudget = stepBudget
    }

    public static let `default` = MathLimits()
}

/// Why an exact computation was refused. Each case carries enough context for a human message.
public enum MathArithmeticError: Error, Sendable, Equatable, CustomStringConvertible {
    case divisionByZero
    /// A value would exceed `MathLimits.maxBits`, or a literal `maxLiteralDigits`.
    case tooLarge(String)
    /// An exponent beyond `MathLimits.maxExponent`, or a non-integer exponent that has no exact result.
    case exponentTooLarge(String)
    /// The result is not rational (e.g. `sqrt(2)`), so exact arithmetic cannot represent it.
    case notExact(String)
    /// The step budget ran out.
    case budgetExhausted
    /// A syntax problem, with the byte offset where it was found.
    case syntax(String, offset: Int)
    /// Parentheses or braces nested deeper than `MathLimits.maxNestingDepth`.
    case nestingTooDeep
    /// Input longer than the relevant length limit.
    case inputTooLong(Int)

    public var description: String {
        switch self {
        case .divisionByZero: return "division by zero"
        case .tooLarge(let what): return "number too large (\(what))"
        case .exponentTooLarge(let what): return "exponent not supported (\(what))"
        case .notExact(let what): return "no exact rational value (\(what))"
        case .budgetExhausted: return "computation budget exhausted"
        case .syntax(let what, let offset): return "\(what) at offset \(offset)"
        case .nestingTooDeep: return "nesting too deep"
        case .inputTooLong(let length): return "input too long (\(length) bytes)"
        }
    }
}

/// A step counter threaded through one top-level judge call. Parsers charge per byte and per node, arithmetic
/// charges in proportion to limb counts, so the total work of a call is bounded by `MathLimits.stepBudget`.
public struct MathBudget: Sendable {
    public let limits: MathLimits
    public private(set) var remaining: Int

    public init(limits: MathLimits = .default) {
        self.limits = limits
        self.remaining = limits.stepBudget
    }

    /// Spends `steps` units; throws `.budgetExhausted` once the budget is gone.
    public mutating func charge(_ steps: Int) throws {
        remaining -= max(1, steps)
        if remaining < 0 { throw MathArithmeticError.budgetExhausted }
    }
}
