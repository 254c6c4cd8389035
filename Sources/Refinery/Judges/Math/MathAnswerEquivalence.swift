/// Decides whether a given answer is the same as an expected one, the way a careful human grader would, with exact
/// rational arithmetic.
///
/// Policies (each covered by the gold set):
/// - Numbers compare by exact value: `0.5` = `1/2` = `\frac{2}{4}`, `3.0` = `3`, `1e3` = `1,000` = `$1,000.00`,
///   `-0` = `0`. Thousands separators (`1,234`, `1 234`, `1_234`) only when every later group has three digits and
///   only outside brackets: `(1,234)` is a pair, `1,2` is a list.
/// - Rounded decimals are not equal to exact values: `0.33` vs `1/3` is `rounded_not_exact` (not equivalent) unless
///   `acceptRoundedDecimals` is set; `relativeTolerance` (off by default) accepts near values.
/// - Percentages: `p%` equals both `p` and `p/100` (`50%` = `50` = `0.5`), since graders accept either reading.
/// - Units, currency and number words are dropped (`12 apples` = `12`, `twelve` = `12`, `5 km` = `5`).
/// - Expressions in variables are equal when they agree at seven rational sample points (exact for polynomials up
///   to degree six, and in practice for rational functions): `x+1` = `1+x`, `2x` ≠ `x2` (not an expression).
/// - Irrational constants (`\sqrt{2}`, `\pi`) compare numerically to 1e-9 relative, and never equal a decimal.
/// - Tuples `(…)` and lists/intervals `[…]`, `[…)` are ordered and keep their brackets; sets `{…}` and bare comma
///   lists are unordered. Yes/true and no/false are booleans. Everything else compares as normalised text.
public enum MathAnswerEquivalence {
    /// Compares `given` with `expected`; never throws and never runs past `options.limits.stepBudget`.
    public static func compare(
        given: String, expected: String, options: MathEquivalenceOptions = .default
    ) -> MathEquivalenceResult {
        var budget = MathBudget(limits: options.limits)
        let givenValue: MathAnswerValue
        let expectedValue: MathAnswerValue
        switch parse(given, budget: &budget) {
        case .success(let value): givenValue = value
        case .failure(let error): return failure(error, given: true)
        }
        switch parse(expected, budget: &budget) {
        case .success(let value): expectedValue = value
        case .failure(let error): return failure(error, given: false)
        }
        do {
            var comparer = MathValueComparer(options: options, budget: budget)
            let (code, detail) = try comparer.compare(givenValue, expectedValue)
            return MathEquivalenceResult(code: code, detail: detail)
        } catch {
            return MathEquivalenceResult(code: .tooComplex, detail: "comparison stopped: \(error)")
        }
    }

    /// Normalises and parses one answer (exposed for self-consistency grouping and diagnostics).
    public static func parse(
        _ raw: String, limits: MathLimits = .default
    ) -> Result<MathAnswerValue, MathArithmeticError> {
        var budget = MathBudget(limits: limits)
        return parse(raw, budget: &budget)
    }

    static func parse(_ raw: String, budget: inout MathBudget) -> Result<MathAnswerValue, MathArithmeticError> {
        if raw.utf8.count > budget.limits.maxAnswerLength {
            return .failure(.inputTooLong(raw.utf8.count))
        }
        let normalized = MathAnswerNormalizer.normalize(raw)
        do {
            return .success(try MathAnswerParser.parse(normalized, budget: &budget))
        } catch let error as MathArithmeticError {
            return .failure(error)
        } catch {
            return .failure(.syntax("\(error)", offset: 0))
        }
    }

    private static func failure(_ error: MathArithmeticError, given: Bool) -> MathEquivalenceResult {
        let side = given ? "given" : "expected"
        switch error {
        case .tooLarge, .exponentTooLarge, .budgetExhausted, .nestingTooDeep, .inputTooLong:
            return MathEquivalenceResult(code: .tooComplex, detail: "the \(side) answer is too complex: \(error)")
        case .divisionByZero, .notExact, .syntax:
            return MathEquivalenceResult(
                code: given ? .unparseableGiven : .unparseableExpected,
                detail: "the \(side) answer cannot be read: \(error)")
        }
    }
}

extension Result where Success == MathRational, Failure == MathArithmeticError {
    /// Treats "not exact" as usable (the numeric fallback applies); other failures stay failures.
    fileprivate func mapNotExact() -> Result<Void, MathArithmeticError> {
        switch self {
        case .success: return .success(())
        case .failure(.notExact): return .success(())
        case .failure(let error): return .failure(error)
        }
    }
}

/// The recursive comparison behind `MathAnswerEquivalence`, holding the call's budget.
struct MathValueComparer {
    let options: MathEquivalenceOptions
    var budget: MathBudget
    /// Inside collections only the verdict matters: skip formatting numbers for messages (it dominates the cost
    /// of comparing hundreds of elements).
    private var quiet = false

    init(options: MathEquivalenceOptions, budget: MathBudget) {
        self.options = options
        self.budget = budget
    }

    private func show(_ value: MathRational) -> String { quiet ? "" : value.humanDescription }

    /// Compares collection elements: the verdict only, each charged to the budget.
    private mutating func elementsEquivalent(_ a: MathAnswerValue, _ b: MathAnswerValue) throws -> Bool {
        let saved = quiet
        quiet = true
        defer { quiet = saved }
        try budget.charge(4)
        return try compare(a, b).0.isEquivalent
    }

    /// Rational sample points for expressions in variables: unusual values so that accidental zeros are rare.
    private static let samplePoints: [(Int, Int)] = [(2, 7), (-3, 5), (11, 13), (17, 3), (-5, 11), (7, 2), (13, 17)]

    mutating func compare(_ given: MathAnswerValue, _ expected: MathAnswerValue) throws
        -> (MathEquivalenceReason, String)
    {
        try budget.charge(1)
        switch (given, expected) {
        case (.number(let a, let placesA), .number(let b, let placesB)):
            return try compareNumbers(a, placesA, b, placesB)
        case (.percent(let p, let placesP), .percent(let q, let placesQ)):
            let (code, detail) = try compareNumbers(p, placesP, q, placesQ)
            return (code, "\(detail) (both percentages)")
        case (.percent(let p, let places), .number(let x, let placesX)):
            return try comparePercent(p, places, x, placesX, percentIsGiven: true)
        case (.number(let x, let placesX), .percent(let p, let places)):
            return try comparePercent(p, places, x, placesX, percentIsGiven: false)
        case (.irrational(let a), .irrational(let b)):
            return compareIrrational(a, b)
        case (.number(let x, let places), .irrational(let e)), (.irrational(let e), .number(let x, let places)):
            return compareNumberToIrrational(x, places, e)
        case (.symbolic(let a), .symbolic(let b)):
            return try compareExpressions(a, b)
        case (.infinity(let a), .infinity(let b)):
            return a == b ? (.equalInfinity, "both are \(a ? "-" : "")∞") : (.differentValue, "∞ and -∞ differ")
        case (.boolean(let a), .boolean(let b)):
            return a == b ? (.equalBoolean, "both are \(a ? "yes" : "no")")
                : (.differentBoolean, "\(a ? "yes" : "no") vs \(b ? "yes" : "no")")
        case (.text(let a), .text(let b)):
            return a == b ? (.equalText, "same text '\(a)'") : (.differentText, "'\(a)' vs '\(b)'")
        case (.sequence(let openA, let closeA, let a), .sequence(let openB, let closeB, let b)):
            return try compareSequences(openA + closeA, a, openB + closeB, b)
        case (.set(let a), .set(let b)), (.union(let a), .union(let b)):
            return try compareSets(a, b)
        default:
            return (.differentType, "\(given.kindPhrase) vs \(expected.kindPhrase)")
        }
    }

    // MARK: Numbers

    private mutating func compareNumbers(
        _ a: MathRational, _ placesA: Int?, _ b: MathRational, _ placesB: Int?
    ) throws -> (MathEquivalenceReason, String) {
        if a == b { return (.equalRational, "both equal \(show(a))") }
        if let rounded = try roundingMatch(a, placesA, b, placesB) {
            if options.acceptRoundedDecimals { return (.equalRounded, rounded) }
            return (.roundedNotExact, rounded + "; rounded values are not exact")
        }
        if let tolerance = options.relativeTolerance, try withinTolerance(a, b, tolerance) {
            return (.equalWithinTolerance, "\(show(a)) and \(show(b)) within \(tolerance)")
        }
        return (.differentValue, "\(show(a)) ≠ \(show(b))")
    }

    /// A message when one side is a plain decimal equal to the other rounded to its digits.
    private mutating func roundingMatch(
        _ a: MathRational, _ placesA: Int?, _ b: MathRational, _ placesB: Int?
    ) throws -> String? {
        if let places = placesA, try b.rounded(toDecimalDigits: places, budget: &budget) == a {
            return "\(show(a)) is \(show(b)) rounded to \(places) decimal places"
        }
        if let places = placesB, try a.rounded(toDecimalDigits: places, budget: &budget) == b {
            return "\(show(b)) is \(show(a)) rounded to \(places) decimal places"
        }
        return nil
    }

    private mutating func withinTolerance(_ a: MathRational, _ b: MathRational, _ tolerance: Double) throws -> Bool {
        guard tolerance > 0, tolerance.isFinite,
              let (t, _) = try MathNumberLiteral.parseSimpleNumber("\(tolerance)", budget: &budget) else {
            return false
        }
        let difference = try a.subtracting(b, budget: &budget).magnitude
        let scale = max(a.magnitude, b.magnitude)
        return difference <= (try scale.multiplied(by: t, budget: &budget))
    }

    private mutating func comparePercent(
        _ p: MathRational, _ placesP: Int?, _ x: MathRational, _ placesX: Int?, percentIsGiven: Bool
    ) throws -> (MathEquivalenceReason, String) {
        let fraction = try p.divided(by: MathRational(integer: 100), budget: &budget)
        let label = "\(show(p))%"
        if x == p { return (.equalPercent, "\(label) read as \(show(p))") }
        if x == fraction { return (.equalPercent, "\(label) read as \(show(fraction))") }
        let placesFraction = placesP.map { $0 + 2 } ?? (p.isInteger ? 2 : nil)
        let asNumber = try compareNumbers(x, placesX, p, placesP)
        let asFraction = try compareNumbers(x, placesX, fraction, placesFraction)
        for (code, detail) in [asNumber, asFraction] where code.isEquivalent {
            return (code, "\(label): \(detail)")
        }
        for (code, detail) in [asNumber, asFraction] where code == .roundedNotExact {
            return (code, "\(label): \(detail)")
        }
        return (.differentValue, "\(label) is neither \(show(x)) as a percentage nor as a fraction")
    }

    // MARK: Irrational and symbolic

    private mutating func compareIrrational(
        _ a: MathExpression, _ b: MathExpression
    ) -> (MathEquivalenceReason, String) {
        guard let x = a.approximate(budget: &budget), let y = b.approximate(budget: &budget) else {
            return (.differentValue, "an irrational value could not be evaluated")
        }
        return MathValueComparer.close(x, y, relative: 1e-9)
            ? (.equalIrrational, "both ≈ \(x)") : (.differentValue, "≈ \(x) ≠ ≈ \(y)")
    }

    private mutating func compareNumberToIrrational(
        _ x: MathRational, _ places: Int?, _ e: MathExpression
    ) -> (MathEquivalenceReason, String) {
        guard let y = e.approximate(budget: &budget) else {
            return (.differentValue, "an irrational value could not be evaluated")
        }
        if let tolerance = options.relativeTolerance, MathValueComparer.close(x.doubleValue, y, relative: tolerance) {
            return (.equalWithinTolerance, "\(show(x)) ≈ \(y) within \(tolerance)")
        }
        if let places, places <= 15 {
            var scale = 1.0
            for _ in 0..<places { scale *= 10 }
            if ((y * scale).rounded(.toNearestOrAwayFromZero) / scale - x.doubleValue).magnitude < 0.5 / scale / 1e6 {
                let message = "\(show(x)) is the irrational ≈ \(y) rounded to \(places) decimal places"
                return options.acceptRoundedDecimals ? (.equalRounded, message) : (.roundedNotExact, message)
            }
        }
        return (.differentValue, "\(show(x)) is rational, the other value (≈ \(y)) is not")
    }

    private mutating func compareExpressions(_ a: MathExpression, _ b: MathExpression) throws
        -> (MathEquivalenceReason, String)
    {
        let variables = a.variables
        guard variables == b.variables else {
            let left = a.variables.sorted().joined(separator: ", ")
            let right = b.variables.sorted().joined(separator: ", ")
            return (.differentExpression, "variables {\(left)} vs {\(right)}")
        }
        let names = variables.sorted()
        var agreed = 0
        for (pointIndex, _) in MathValueComparer.samplePoints.enumerated() {
            var exact: [String: MathRational] = [:]
            var approx: [String: Double] = [:]
            for (offset, name) in names.enumerated() {
                let (top, bottom) = MathValueComparer.samplePoints[(pointIndex + 3 * offset) % 7]
                let value = try MathRational(integer: top).adding(
                    MathRational(integer: offset), budget: &budget
                ).divided(by: MathRational(integer: bottom), budget: &budget)
                exact[name] = value
                approx[name] = value.doubleValue
            }
            let left = exactValue(a, exact)
            let right = exactValue(b, exact)
            if budget.remaining <= 0 { throw MathArithmeticError.budgetExhausted }
            switch (left, right) {
            case (.success(let x), .success(let y)):
                if x != y {
                    return (.differentExpression, "they differ at \(MathValueComparer.describe(exact)): "
                        + "\(show(x)) vs \(show(y))")
                }
                agreed += 1
            case (.failure(.notExact), _), (_, .failure(.notExact)):
                // Irrational at this point (π, √): compare numerically. Other failures skip the point.
                guard case .success = left.mapNotExact(), case .success = right.mapNotExact(),
                      let x = a.approximate(approx, budget: &budget),
                      let y = b.approximate(approx, budget: &budget) else { continue }
                if !MathValueComparer.close(x, y, relative: 1e-9) {
                    return (.differentExpression,
                            "they differ at \(MathValueComparer.describe(exact)): ≈ \(x) vs ≈ \(y)")
                }
                agreed += 1
            default:
                continue
            }
        }
        guard agreed >= 4 else {
            return (.tooComplex, "the expressions could not be evaluated exactly at enough points")
        }
        return (.equalExpression, "equal at \(agreed) sample points of \(names.joined(separator: ", "))")
    }

    private mutating func exactValue(_ expression: MathExpression, _ bindings: [String: MathRational])
        -> Result<MathRational, MathArithmeticError>
    {
        do {
            return .success(try expression.evaluate(bindings, budget: &budget))
        } catch let error as MathArithmeticError {
            return .failure(error)
        } catch {
            return .failure(.notExact("\(error)"))
        }
    }

    private static func describe(_ bindings: [String: MathRational]) -> String {
        bindings.keys.sorted().map { "\($0) = \(bindings[$0]?.description ?? "")" }.joined(separator: ", ")
    }

    static func close(_ x: Double, _ y: Double, relative: Double) -> Bool {
        let scale = max(abs(x), abs(y))
        return abs(x - y) <= max(relative * scale, 1e-12)
    }

    // MARK: Collections

    private mutating func compareSequences(
        _ bracketsA: String, _ a: [MathAnswerValue], _ bracketsB: String, _ b: [MathAnswerValue]
    ) throws -> (MathEquivalenceReason, String) {
        guard bracketsA == bracketsB else {
            return (.differentStructure, "brackets \(bracketsA) vs \(bracketsB)")
        }
        guard a.count == b.count else {
            return (.differentStructure, "\(a.count) elements vs \(b.count)")
        }
        var firstMismatch: Int?
        for index in 0..<a.count where try !elementsEquivalent(a[index], b[index]) {
            firstMismatch = index
            break
        }
        let isInterval = bracketsA == "(]" || bracketsA == "[)" || bracketsA == "[]"
        guard let mismatch = firstMismatch else {
            return isInterval ? (.equalInterval, "same endpoints and brackets \(bracketsA)")
                : (.equalTuple, "\(a.count) equal elements in order")
        }
        if try sameElements(a, b) {
            return (.differentOrder, "same elements in a different order (order matters in \(bracketsA))")
        }
        return (.differentElements, "element \(mismatch + 1) differs")
    }

    private mutating func compareSets(_ a: [MathAnswerValue], _ b: [MathAnswerValue]) throws
        -> (MathEquivalenceReason, String)
    {
        if try covers(a, b), try covers(b, a) { return (.equalSet, "same elements in any order") }
        return (.differentElements, "the elements differ")
    }

    /// Every element of `a` has an equivalent in `b`.
    private mutating func covers(_ a: [MathAnswerValue], _ b: [MathAnswerValue]) throws -> Bool {
        for element in a {
            var found = false
            for candidate in b where try elementsEquivalent(element, candidate) {
                found = true
                break
            }
            if !found { return false }
        }
        return true
    }

    /// Same multiset of elements (each used once).
    private mutating func sameElements(_ a: [MathAnswerValue], _ b: [MathAnswerValue]) throws -> Bool {
        var unused = Array(b.indices)
        for element in a {
            var matched: Int?
            for (position, index) in unused.enumerated() where try elementsEquivalent(element, b[index]) {
                matched = position
                break
            }
            guard let position = matched else { return false }
            unused.remove(at: position)
        }
        return true
    }
}
