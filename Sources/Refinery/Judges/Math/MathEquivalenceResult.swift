/// Stable, machine-readable reasons for an equivalence decision. Raw values are the codes stored in judgments and
/// printed by `refinery judge math-answer`; never rename one, add new ones instead.
public enum MathEquivalenceReason: String, Sendable, CaseIterable, Codable {
    // Equivalent.
    /// Same exact rational value (`0.5` vs `1/2`, `1,000` vs `1000.00`, `1e3` vs `1000`, `-0` vs `0`).
    case equalRational = "equal_rational"
    /// A percentage matched by the percent rule: `p%` equals `p` and `p/100`.
    case equalPercent = "equal_percent"
    /// Expressions in variables that agree at every sample point (`x+1` vs `1+x`).
    case equalExpression = "equal_expression"
    /// Two irrational constants equal to 1e-9 relative (`\sqrt{8}` vs `2\sqrt{2}`).
    case equalIrrational = "equal_irrational"
    /// Ordered tuples or lists equal element by element, same brackets.
    case equalTuple = "equal_tuple"
    /// Intervals equal endpoint by endpoint, same brackets.
    case equalInterval = "equal_interval"
    /// Sets (or bare lists, or unions) with the same elements in any order.
    case equalSet = "equal_set"
    case equalBoolean = "equal_boolean"
    case equalInfinity = "equal_infinity"
    /// Same text after normalisation (case, spaces, LaTeX wrappers).
    case equalText = "equal_text"
    /// Only with `acceptRoundedDecimals`: a decimal equal to the other value rounded to its digits.
    case equalRounded = "equal_rounded"
    /// Only with `relativeTolerance`: values within the tolerance.
    case equalWithinTolerance = "equal_within_tolerance"

    // Not equivalent.
    case differentValue = "different_value"
    /// A decimal that is the other value rounded (`0.33` vs `1/3`): not equivalent by default.
    case roundedNotExact = "rounded_not_exact"
    case differentExpression = "different_expression"
    /// A tuple with the right elements in the wrong order.
    case differentOrder = "different_order"
    /// Tuples, sets or intervals whose elements differ.
    case differentElements = "different_elements"
    /// Different lengths or brackets (`(1,2)` vs `[1,2]`).
    case differentStructure = "different_structure"
    /// Different kinds of answer (a number vs a tuple, text vs a number).
    case differentType = "different_type"
    case differentBoolean = "different_boolean"
    case differentText = "different_text"
    /// The given answer is empty or cannot be evaluated (division by zero, …).
    case unparseableGiven = "unparseable_given"
    case unparseableExpected = "unparseable_expected"
    /// A size or work limit was hit (huge exponents, thousands of digits, deep nesting).
    case tooComplex = "too_complex"

    public var isEquivalent: Bool {
        switch self {
        case .equalRational, .equalPercent, .equalExpression, .equalIrrational, .equalTuple, .equalInterval,
             .equalSet, .equalBoolean, .equalInfinity, .equalText, .equalRounded, .equalWithinTolerance:
            return true
        default:
            return false
        }
    }
}

/// The outcome of comparing a given answer with an expected one.
public struct MathEquivalenceResult: Sendable, Equatable, Codable {
    public let equivalent: Bool
    /// A `MathEquivalenceReason` raw value.
    public let reason: String
    /// A human message: what was compared and why it matched or not.
    public let detail: String

    public init(code: MathEquivalenceReason, detail: String) {
        self.equivalent = code.isEquivalent
        self.reason = code.rawValue
        self.detail = detail
    }

    public var code: MathEquivalenceReason? { MathEquivalenceReason(rawValue: reason) }
}

/// Policy knobs for answer comparison. The defaults are exact: no rounding, no tolerance.
public struct MathEquivalenceOptions: Sendable, Equatable {
    /// Accept a decimal that equals the other value rounded half-up to the decimal's digits (`0.33` for `1/3`).
    public var acceptRoundedDecimals: Bool
    /// Accept numbers within this relative difference (`|a-b| <= t·max(|a|,|b|)`); nil means exact.
    public var relativeTolerance: Double?
    public var limits: MathLimits

    public init(acceptRoundedDecimals: Bool = false, relativeTolerance: Double? = nil, limits: MathLimits = .default) {
        self.acceptRoundedDecimals = acceptRoundedDecimals
        self.relativeTolerance = relativeTolerance
        self.limits = limits
    }

    public static let `default` = MathEquivalenceOptions()
}
