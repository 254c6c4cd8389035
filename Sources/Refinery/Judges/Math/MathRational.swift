/// An exact rational number, always reduced, with the sign kept apart from the magnitudes (zero is never negative,
/// so `-0` and `0` are the same value). Arithmetic that can grow numbers goes through a `MathBudget`, which
/// enforces `MathLimits.maxBits` and charges work, so no input can make it slow or huge.
public struct MathRational: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let isNegative: Bool
    public let numerator: MathBigUInt
    /// Always positive.
    public let denominator: MathBigUInt

    public static let zero = MathRational(integer: 0)
    public static let one = MathRational(integer: 1)

    /// An already-reduced value; used only where reduction is known to hold.
    private init(reducedNegative: Bool, numerator: MathBigUInt, denominator: MathBigUInt) {
        self.isNegative = reducedNegative && !numerator.isZero
        self.numerator = numerator
        self.denominator = numerator.isZero ? .one : denominator
    }

    public init(integer: Int) {
        self.init(reducedNegative: integer < 0, numerator: MathBigUInt(integer.magnitude.toUInt64), denominator: .one)
    }

    /// Builds `±numerator/denominator` reduced to lowest terms, enforcing the size limit.
    public static func make(
        negative: Bool, numerator: MathBigUInt, denominator: MathBigUInt, budget: inout MathBudget
    ) throws -> MathRational {
        if denominator.isZero { throw MathArithmeticError.divisionByZero }
        let cost = numerator.limbs.count + denominator.limbs.count
        try budget.charge(cost * cost + 1)
        var top = numerator
        var bottom = denominator
        if !(bottom.limbs.count == 1 && bottom.limbs[0] == 1) && !top.isZero {
            let divisor = MathBigUInt.gcd(top, bottom)
            if !(divisor.limbs.count == 1 && divisor.limbs[0] == 1) {
                top = top.quotientAndRemainder(dividingBy: divisor).quotient
                bottom = bottom.quotientAndRemainder(dividingBy: divisor).quotient
            }
        }
        let maxBits = budget.limits.maxBits
        if top.bitWidth > maxBits || bottom.bitWidth > maxBits {
            throw MathArithmeticError.tooLarge("more than \(maxBits) bits")
        }
        return MathRational(reducedNegative: negative, numerator: top, denominator: bottom)
    }

    public var isInteger: Bool { denominator.limbs.count == 1 && denominator.limbs[0] == 1 }
    public var isZero: Bool { numerator.isZero }

    public var negated: MathRational {
        MathRational(reducedNegative: !isNegative, numerator: numerator, denominator: denominator)
    }

    public var magnitude: MathRational {
        MathRational(reducedNegative: false, numerator: numerator, denominator: denominator)
    }

    // MARK: Arithmetic

    public func adding(_ other: MathRational, budget: inout MathBudget) throws -> MathRational {
        try budget.charge(chargeFor(other))
        let left = numerator * other.denominator
        let right = other.numerator * denominator
        let bottom = denominator * other.denominator
        if isNegative == other.isNegative {
            return try .make(negative: isNegative, numerator: left + right, denominator: bottom, budget: &budget)
        }
        if let difference = left.subtractingReportingUnderflow(right) {
            return try .make(negative: isNegative, numerator: difference, denominator: bottom, budget: &budget)
        }
        let difference = right.subtractingReportingUnderflow(left) ?? .zero
        return try .make(negative: other.isNegative, numerator: difference, denominator: bottom, budget: &budget)
    }

    public func subtracting(_ other: MathRational, budget: inout MathBudget) throws -> MathRational {
        try adding(other.negated, budget: &budget)
    }

    public func multiplied(by other: MathRational, budget: inout MathBudget) throws -> MathRational {
        try budget.charge(chargeFor(other))
        return try .make(
            negative: isNegative != other.isNegative, numerator: numerator * other.numerator,
            denominator: denominator * other.denominator, budget: &budget)
    }

    public func divided(by other: MathRational, budget: inout MathBudget) throws -> MathRational {
        if other.isZero { throw MathArithmeticError.divisionByZero }
        try budget.charge(chargeFor(other))
        return try .make(
            negative: isNegative != other.isNegative, numerator: numerator * other.denominator,
            denominator: denominator * other.numerator, budget: &budget)
    }

    /// `self^exponent` for an integer exponent; refuses exponents past `maxExponent` and results past `maxBits`.
    public func power(_ exponent: Int, budget: inout MathBudget) throws -> MathRational {
        let limits = budget.limits
        if exponent == 0 { return .one }
        if isZero {
            if exponent < 0 { throw MathArithmeticError.divisionByZero }
            return .zero
        }
        let isUnit = numerator == .one && denominator == .one
        if isUnit { return (isNegative && exponent % 2 != 0) ? self : .one }
        guard exponent.magnitude <= UInt(limits.maxExponent) else {
            throw MathArithmeticError.exponentTooLarge("^\(exponent)")
        }
        let count = Int(exponent.magnitude)
        let widest = max(numerator.bitWidth, denominator.bitWidth)
        if (widest - 1) * count + 1 > limits.maxBits {
            throw MathArithmeticError.tooLarge("power with more than \(limits.maxBits) bits")
        }
        let limbEstimate = (widest * count) / 32 + 1
        try budget.charge(limbEstimate * limbEstimate * 2)
        let top = numerator.power(count)
        let bottom = denominator.power(count)
        let negative = isNegative && count % 2 == 1
        if top.bitWidth > limits.maxBits || bottom.bitWidth > limits.maxBits {
            throw MathArithmeticError.tooLarge("power with more than \(limits.maxBits) bits")
        }
        let result = MathRational(reducedNegative: negative, numerator: top, denominator: bottom)
        return exponent < 0 ? try MathRational.one.divided(by: result, budget: &budget) : result
    }

    /// The exact k-th root when it is rational (k >= 1); throws `.notExact` otherwise.
    public func root(_ k: Int, budget: inout MathBudget) throws -> MathRational {
        guard k >= 1 else { throw MathArithmeticError.notExact("root of index \(k)") }
        if k == 1 || isZero { return self }
        guard k <= 64 else { throw MathArithmeticError.exponentTooLarge("root of index \(k)") }
        if isNegative && k % 2 == 0 { throw MathArithmeticError.notExact("even root of a negative number") }
        let cost = numerator.limbs.count + denominator.limbs.count + 1
        try budget.charge(cost * cost * 64 * k)
        let top = numerator.integerRoot(k)
        let bottom = denominator.integerRoot(k)
        guard top.power(k) == numerator, bottom.power(k) == denominator else {
            throw MathArithmeticError.notExact("root of \(self) is irrational")
        }
        return MathRational(reducedNegative: isNegative, numerator: top, denominator: bottom)
    }

    private func chargeFor(_ other: MathRational) -> Int {
        let a = numerator.limbs.count + denominator.limbs.count
        let b = other.numerator.limbs.count + other.denominator.limbs.count
        return a * b + 1
    }

    // MARK: Comparison and rounding

    public static func < (lhs: MathRational, rhs: MathRational) -> Bool {
        if lhs.isNegative != rhs.isNegative { return lhs.isNegative }
        let left = lhs.numerator * rhs.denominator
        let right = rhs.numerator * lhs.denominator
        return lhs.isNegative ? right < left : left < right
    }

    /// Rounds to `digits` decimal places, halves away from zero ("half-up" on the magnitude).
    public func rounded(toDecimalDigits digits: Int, budget: inout MathBudget) throws -> MathRational {
        guard digits >= 0, digits <= budget.limits.maxLiteralDigits else {
            throw MathArithmeticError.tooLarge("\(digits) decimal digits")
        }
        let scale = MathBigUInt(10).power(digits)
        try budget.charge((scale.limbs.count + numerator.limbs.count + denominator.limbs.count) * 4)
        // floor((2 * |x| * 10^d + 1) / 2) = round-half-up of |x| * 10^d.
        let twice = (numerator * scale).shiftedLeft(bits: 1) + denominator
        let rounded = twice.quotientAndRemainder(dividingBy: denominator.shiftedLeft(bits: 1)).quotient
        return try .make(negative: isNegative, numerator: rounded, denominator: scale, budget: &budget)
    }

    /// `-3/4`, `12`: the canonical text used in messages and keys.
    public var description: String {
        let sign = isNegative ? "-" : ""
        return isInteger ? "\(sign)\(numerator)" : "\(sign)\(numerator)/\(denominator)"
    }

    /// The exact decimal text when the denominator has only factors 2 and 5 and the expansion needs at most
    /// `maxFractionDigits` digits; nil otherwise.
    public func terminatingDecimal(maxFractionDigits: Int = 12) -> String? {
        if isInteger { return description }
        var scale = MathBigUInt.one
        for digits in 1...maxFractionDigits {
            scale = scale.multipliedAdding(small: 10, add: 0)
            let scaled = (numerator * scale).quotientAndRemainder(dividingBy: denominator)
            if scaled.remainder.isZero {
                var text = String(describing: scaled.quotient)
                if text.count <= digits { text = String(repeating: "0", count: digits - text.count + 1) + text }
                let split = text.index(text.endIndex, offsetBy: -digits)
                return (isNegative ? "-" : "") + text[..<split] + "." + text[split...]
            }
        }
        return nil
    }

    /// Text for a human: an integer, a short terminating decimal, `a/b (≈ 0.3333)`, or `≈ 1e-300` for values
    /// whose exact text would be longer than 40 characters.
    public var humanDescription: String {
        if let decimal = terminatingDecimal(maxFractionDigits: 12), decimal.count <= 40 { return decimal }
        let approx = doubleValue
        let text = description
        guard text.count <= 40 else { return "≈ \(approx)" }
        let shown = abs(approx) >= 1e-4 ? "\((approx * 10_000).rounded() / 10_000)" : "\(approx)"
        return "\(text) (≈ \(shown))"
    }

    /// A floating-point approximation (for messages and the irrational fallback only, never for decisions
    /// between rationals).
    public var doubleValue: Double {
        let top = MathRational.scaledDouble(numerator)
        let bottom = MathRational.scaledDouble(denominator)
        let value = Double(sign: .plus, exponent: top.exponent - bottom.exponent, significand: top.value / bottom.value)
        return isNegative ? -value : value
    }

    private static func scaledDouble(_ value: MathBigUInt) -> (value: Double, exponent: Int) {
        let shift = max(0, value.bitWidth - 64)
        let top = value.shiftedRight(bits: shift).uint64Value ?? 0
        return (Double(top), shift)
    }
}

extension UInt {
    fileprivate var toUInt64: UInt64 { UInt64(self) }
}
