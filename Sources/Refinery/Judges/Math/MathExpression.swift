import Foundation

/// A parsed arithmetic expression: numbers, variables, π, sums, products, powers and roots.
///
/// Sums and products are n-ary and repeated signs collapse, so the tree's depth is bounded by the input's bracket
/// nesting (capped by the parser), never by its length: evaluation cannot overflow the stack.
public indirect enum MathExpression: Sendable, Hashable {
    case number(MathRational)
    /// A single-letter (or LaTeX-named) variable.
    case variable(String)
    /// The constant π (irrational: exact evaluation refuses it, approximate evaluation uses `Double.pi`).
    case pi
    case negate(MathExpression)
    /// Terms with their signs: `(isSubtracted, term)`.
    case sum([MathSumTerm])
    /// Factors with their operation: `(isDivisor, factor)`.
    case product([MathProductFactor])
    case power(base: MathExpression, exponent: MathExpression)
    /// The principal `index`-th root (`sqrt` is index 2).
    case root(MathExpression, index: Int)

    /// The variable names used anywhere in the expression.
    public var variables: Set<String> {
        var names = Set<String>()
        collectVariables(into: &names)
        return names
    }

    /// Whether π (or another irrational constant) appears.
    public var containsIrrationalConstant: Bool {
        switch self {
        case .pi: return true
        case .number, .variable: return false
        case .negate(let inner), .root(let inner, _): return inner.containsIrrationalConstant
        case .sum(let terms): return terms.contains { $0.term.containsIrrationalConstant }
        case .product(let factors): return factors.contains { $0.factor.containsIrrationalConstant }
        case .power(let base, let exponent):
            return base.containsIrrationalConstant || exponent.containsIrrationalConstant
        }
    }

    private func collectVariables(into names: inout Set<String>) {
        switch self {
        case .number, .pi: break
        case .variable(let name): names.insert(name)
        case .negate(let inner), .root(let inner, _): inner.collectVariables(into: &names)
        case .sum(let terms): for term in terms { term.term.collectVariables(into: &names) }
        case .product(let factors): for factor in factors { factor.factor.collectVariables(into: &names) }
        case .power(let base, let exponent):
            base.collectVariables(into: &names)
            exponent.collectVariables(into: &names)
        }
    }

    /// Exact value under `bindings`; throws `.notExact` for irrational results and the budget/size errors.
    public func evaluate(_ bindings: [String: MathRational] = [:], budget: inout MathBudget) throws -> MathRational {
        try budget.charge(1)
        switch self {
        case .number(let value):
            return value
        case .variable(let name):
            guard let value = bindings[name] else { throw MathArithmeticError.notExact("unbound variable \(name)") }
            return value
        case .pi:
            throw MathArithmeticError.notExact("π")
        case .negate(let inner):
            return try inner.evaluate(bindings, budget: &budget).negated
        case .sum(let terms):
            var total = MathRational.zero
            for term in terms {
                let value = try term.term.evaluate(bindings, budget: &budget)
                total = term.isSubtracted
                    ? try total.subtracting(value, budget: &budget) : try total.adding(value, budget: &budget)
            }
            return total
        case .product(let factors):
            var total = MathRational.one
            for factor in factors {
                let value = try factor.factor.evaluate(bindings, budget: &budget)
                total = factor.isDivisor
                    ? try total.divided(by: value, budget: &budget) : try total.multiplied(by: value, budget: &budget)
            }
            return total
        case .power(let base, let exponent):
            let power = try exponent.evaluate(bindings, budget: &budget)
            let value = try base.evaluate(bindings, budget: &budget)
            return try MathExpression.exactPower(value, power, budget: &budget)
        case .root(let inner, let index):
            return try inner.evaluate(bindings, budget: &budget).root(index, budget: &budget)
        }
    }

    /// `base^exponent` for integer exponents, and for `p/q` exponents when the q-th root is exact.
    static func exactPower(
        _ base: MathRational, _ exponent: MathRational, budget: inout MathBudget
    ) throws -> MathRational {
        guard let q = exponent.denominator.uint64Value, q <= 64 else {
            throw MathArithmeticError.exponentTooLarge("exponent \(exponent)")
        }
        guard let p = exponent.numerator.uint64Value, p <= UInt64(budget.limits.maxExponent) else {
            throw MathArithmeticError.exponentTooLarge("exponent \(exponent)")
        }
        let rooted = q == 1 ? base : try base.root(Int(q), budget: &budget)
        return try rooted.power(exponent.isNegative ? -Int(p) : Int(p), budget: &budget)
    }

    /// Floating-point value under `bindings` (for irrational answers only); nil when undefined or not finite.
    public func approximate(_ bindings: [String: Double] = [:], budget: inout MathBudget) -> Double? {
        guard (try? budget.charge(1)) != nil else { return nil }
        var result: Double?
        switch self {
        case .number(let value): result = value.doubleValue
        case .variable(let name): result = bindings[name]
        case .pi: result = Double.pi
        case .negate(let inner): result = inner.approximate(bindings, budget: &budget).map { -$0 }
        case .sum(let terms):
            var total = 0.0
            for term in terms {
                guard let value = term.term.approximate(bindings, budget: &budget) else { return nil }
                total += term.isSubtracted ? -value : value
            }
            result = total
        case .product(let factors):
            var total = 1.0
            for factor in factors {
                guard let value = factor.factor.approximate(bindings, budget: &budget) else { return nil }
                if factor.isDivisor {
                    guard value != 0 else { return nil }
                    total /= value
                } else {
                    total *= value
                }
            }
            result = total
        case .power(let base, let exponent):
            guard let b = base.approximate(bindings, budget: &budget),
                  let e = exponent.approximate(bindings, budget: &budget) else { return nil }
            result = MathExpression.realPower(b, e)
        case .root(let inner, let index):
            guard let value = inner.approximate(bindings, budget: &budget) else { return nil }
            if value < 0 {
                result = index % 2 == 1 ? -MathExpression.realPower(-value, 1 / Double(index)) : nil
            } else {
                result = MathExpression.realPower(value, 1 / Double(index))
            }
        }
        guard let value = result, value.isFinite else { return nil }
        return value
    }

    private static func realPower(_ base: Double, _ exponent: Double) -> Double {
        if base < 0 && exponent != exponent.rounded() { return .nan }
        return Foundation.pow(base, exponent)
    }
}

public struct MathSumTerm: Sendable, Hashable {
    public let isSubtracted: Bool
    public let term: MathExpression
}

public struct MathProductFactor: Sendable, Hashable {
    public let isDivisor: Bool
    public let factor: MathExpression
}
