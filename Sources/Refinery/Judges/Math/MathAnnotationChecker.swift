/// One `<<expression=result>>` calculator annotation found in a solution.
public struct MathAnnotation: Sendable, Equatable, Codable {
    /// The annotation as written, `<<…>>` included.
    public let text: String
    public let expression: String
    public let result: String
    /// Byte offset of `<<` in the checked text.
    public let offset: Int

    /// The annotation for messages: as written, or its first 60 characters and `…>>` when longer.
    public var shortText: String {
        text.count <= 80 ? text : String(text.prefix(60)) + "…>>"
    }
}

/// Stable reason codes of the arithmetic-consistency check.
public enum MathAnnotationReason: String, Sendable, Codable, CaseIterable {
    /// Every annotation holds (and the final answer follows from the last one, when checked).
    case ok = "ok"
    /// The solution has no annotations: information when they are optional, a failure when required.
    case noAnnotations = "no_annotations"
    /// An annotation's result differs from the exact value of its expression.
    case wrongStep = "wrong_step"
    /// `<<` without `>>`, no `=`, an empty side, or a result that is not a number.
    case malformedAnnotation = "malformed_annotation"
    /// The expression uses something besides numbers, `+ - * / ^ %`, and parentheses.
    case unsupportedExpression = "unsupported_expression"
    case divisionByZero = "division_by_zero"
    /// Numbers or exponents past the limits, or the step budget ran out.
    case tooComplex = "too_complex"
    case tooManyAnnotations = "too_many_annotations"
    case inputTooLong = "input_too_long"
    /// The final answer is not the result of the last annotation.
    case answerNotFromLastStep = "answer_not_from_last_step"
}

/// The outcome of checking a solution's annotations.
public struct MathAnnotationReport: Sendable, Equatable {
    public let passed: Bool
    public let reason: MathAnnotationReason
    /// A human message; for failures it completes "The solution below has an error: …" in the repair prompt.
    public let message: String
    /// Every annotation found (up to the limit), in order.
    public let annotations: [MathAnnotation]
    /// The annotation that failed, if any.
    public let failing: MathAnnotation?
}

/// Options of the arithmetic-consistency check; the pipeline decides what to require.
public struct MathAnnotationOptions: Sendable, Equatable {
    /// Fail solutions that have no annotations (otherwise `no_annotations` is only information).
    public var requireAnnotations: Bool
    /// When annotations exist, the final answer must equal the result of the last one.
    public var requireAnswerFromLastStep: Bool
    public var limits: MathLimits

    public init(
        requireAnnotations: Bool = false, requireAnswerFromLastStep: Bool = true, limits: MathLimits = .default
    ) {
        self.requireAnnotations = requireAnnotations
        self.requireAnswerFromLastStep = requireAnswerFromLastStep
        self.limits = limits
    }
}

/// Checks GSM8K-style calculator annotations with exact rational arithmetic.
///
/// Each `<<expr=result>>` is split at its last `=`; `expr` may use numbers (thousands commas allowed), `+ - * /`,
/// `^` or `**`, parentheses, unary minus, `%` (divides by 100), `×`, `÷`, `−`, and `$`. The result is a number
/// (integer, decimal, `a/b`, optionally `%`). It holds when it equals the exact value, or when it is a decimal with d
/// digits after the point equal to the exact value rounded half away from zero to d digits (`<<10/3=3.33>>`). The
/// first failure is reported with a message such as `the step <<4*3=13>> is wrong: 4*3 = 12`.
public enum MathAnnotationChecker {
    public static func check(
        solution: String, finalAnswer: String?, options: MathAnnotationOptions = MathAnnotationOptions()
    ) -> MathAnnotationReport {
        let limits = options.limits
        guard solution.utf8.count <= limits.maxSolutionLength else {
            return report(false, .inputTooLong, "the solution is too long to check (\(solution.utf8.count) bytes)")
        }
        let scan = findAnnotations(Array(solution.utf8), limits: limits)
        if let failure = scan.failure { return failure }
        let annotations = scan.annotations
        guard !annotations.isEmpty else {
            return report(!options.requireAnnotations, .noAnnotations,
                          "the solution shows no calculations as <<expression=result>>")
        }
        var budget = MathBudget(limits: limits)
        var lastValues: [MathRational] = []
        for annotation in annotations {
            switch checkOne(annotation, budget: &budget) {
            case .success(let values): lastValues = values
            case .failure(let failure): return failure.withAnnotations(annotations)
            }
        }
        if options.requireAnswerFromLastStep, let finalAnswer, let last = annotations.last {
            let answerValue = try? MathNumberLiteral.parseSimpleNumber(
                cleanNumber(finalAnswer), budget: &budget)?.0
            let lenient: MathRational? = answerValue ?? {
                if case .success(.number(let value, _)) = MathAnswerEquivalence.parse(finalAnswer, limits: limits) {
                    return value
                }
                return nil
            }()
            guard let value = lenient, lastValues.contains(value) else {
                let shown = lastValues.first.map { $0.humanDescription } ?? last.result
                return MathAnnotationReport(
                    passed: false, reason: .answerNotFromLastStep,
                    message: "the final answer \(finalAnswer) does not match the result of the last step "
                        + "\(last.text), which is \(shown)",
                    annotations: annotations, failing: last)
            }
        }
        let count = annotations.count
        return MathAnnotationReport(
            passed: true, reason: .ok, message: "\(count) annotation\(count == 1 ? "" : "s") checked",
            annotations: annotations, failing: nil)
    }

    /// Finds every annotation in one left-to-right pass.
    static func findAnnotations(_ bytes: [UInt8], limits: MathLimits)
        -> (annotations: [MathAnnotation], failure: MathAnnotationReport?)
    {
        var annotations: [MathAnnotation] = []
        var index = 0
        while index + 1 < bytes.count {
            guard bytes[index] == UInt8(ascii: "<") && bytes[index + 1] == UInt8(ascii: "<") else {
                index += 1
                continue
            }
            let start = index
            var end = index + 2
            var closed = false
            while end + 1 < bytes.count {
                if bytes[end] == UInt8(ascii: ">") && bytes[end + 1] == UInt8(ascii: ">") {
                    closed = true
                    break
                }
                if bytes[end] == UInt8(ascii: "<") && bytes[end + 1] == UInt8(ascii: "<") { break }
                if bytes[end] == 10 || end - start > limits.maxAnnotationLength { break }
                end += 1
            }
            let shown = String(decoding: bytes[start..<min(bytes.count, max(end, start + 2), start + 60)],
                               as: UTF8.self) + (end - start > 60 ? "…" : "")
            guard closed else {
                if end - start > limits.maxAnnotationLength {
                    return (annotations, report(false, .tooComplex, "the step \(shown) is too long to check"))
                }
                return (annotations, report(false, .malformedAnnotation,
                                            "the step \(shown) is not closed with >>"))
            }
            let content = Array(bytes[(start + 2)..<end])
            let text = String(decoding: bytes[start..<(end + 2)], as: UTF8.self)
            guard let equals = content.lastIndex(of: UInt8(ascii: "=")) else {
                return (annotations, report(false, .malformedAnnotation,
                                            "the step \(text) has no \"=\" between the expression and its result"))
            }
            let expression = MathText.trim(String(decoding: content[..<equals], as: UTF8.self))
            let result = MathText.trim(String(decoding: content[(equals + 1)...], as: UTF8.self))
            guard !expression.isEmpty, !result.isEmpty else {
                return (annotations, report(false, .malformedAnnotation,
                                            "the step \(text) needs both an expression and a result"))
            }
            annotations.append(MathAnnotation(text: text, expression: expression, result: result, offset: start))
            if annotations.count > limits.maxAnnotations {
                return (annotations, report(false, .tooManyAnnotations,
                                            "the solution has more than \(limits.maxAnnotations) annotations"))
            }
            index = end + 2
        }
        return (annotations, nil)
    }

    /// Checks one annotation; on success returns the values the result may stand for (written and exact).
    private static func checkOne(_ annotation: MathAnnotation, budget: inout MathBudget)
        -> Result<[MathRational], MathAnnotationFailure>
    {
        let text = annotation.shortText
        let expressionText = cleanExpression(annotation.expression)
        let exact: MathRational
        do {
            let expression = try MathExpressionParser.parse(expressionText, options: .arithmetic, budget: &budget)
            exact = try expression.evaluate(budget: &budget)
        } catch let error as MathArithmeticError {
            return .failure(failure(error, annotation))
        } catch {
            return .failure(MathAnnotationFailure(.unsupportedExpression, "the step \(text) cannot be checked",
                                                  annotation))
        }
        let written: (MathRational, Int?)?
        do {
            written = try parseResult(annotation.result, budget: &budget)
        } catch let error as MathArithmeticError {
            return .failure(failure(error, annotation))
        } catch {
            written = nil
        }
        guard let (value, places) = written else {
            return .failure(MathAnnotationFailure(
                .malformedAnnotation, "the step \(text) has a result that is not a number", annotation))
        }
        if value == exact { return .success([value]) }
        if let places, (try? exact.rounded(toDecimalDigits: places, budget: &budget)) == value {
            return .success([value, exact])
        }
        var message = "the step \(text) is wrong: \(valueSentence(annotation.expression, exact))"
        if let places, let rounded = try? exact.rounded(toDecimalDigits: places, budget: &budget), rounded != exact {
            message += ", which rounds to \(rounded.humanDescription)"
        }
        return .failure(MathAnnotationFailure(.wrongStep, message, annotation))
    }

    /// `4*3 = 12`, `10/3 ≈ 3.3333`, `1/7 = 1/7 ≈ 0.1429`… in the shortest readable form.
    static func valueSentence(_ expression: String, _ value: MathRational) -> String {
        if let decimal = value.terminatingDecimal(maxFractionDigits: 12), decimal.count <= 40 {
            return "\(expression) = \(decimal)"
        }
        let approx = value.doubleValue
        let shown = abs(approx) >= 1e-4 && abs(approx) < 1e15 ? "\((approx * 10_000).rounded() / 10_000)" : "\(approx)"
        let exact = value.description
        let compact = expression.filter { $0 != " " }
        if exact.count > 40 || compact == exact { return "\(expression) ≈ \(shown)" }
        return "\(expression) = \(exact) ≈ \(shown)"
    }

    private static func failure(_ error: MathArithmeticError, _ annotation: MathAnnotation) -> MathAnnotationFailure {
        let text = annotation.shortText
        switch error {
        case .divisionByZero:
            return MathAnnotationFailure(.divisionByZero, "the step \(text) divides by zero", annotation)
        case .syntax, .notExact:
            return MathAnnotationFailure(
                .unsupportedExpression,
                "the step \(text) cannot be checked: write the calculation with numbers and + - * / ( ) only",
                annotation)
        case .tooLarge, .exponentTooLarge, .budgetExhausted, .nestingTooDeep, .inputTooLong:
            return MathAnnotationFailure(.tooComplex, "the step \(text) is too large to check: \(error)", annotation)
        }
    }

    /// The written result: a number, `a/b`, or `p%`; with its decimal places when a plain decimal.
    private static func parseResult(_ text: String, budget: inout MathBudget) throws -> (MathRational, Int?)? {
        var cleaned = cleanNumber(text)
        var percent = false
        if cleaned.hasSuffix("%") {
            cleaned.removeLast()
            percent = true
        }
        guard let (value, places) = try MathNumberLiteral.parseSimpleNumber(cleaned, budget: &budget) else {
            return nil
        }
        guard percent else { return (value, places) }
        return (try value.divided(by: MathRational(integer: 100), budget: &budget), places.map { $0 + 2 })
    }

    /// Removes `$`, spaces and a trailing period, and maps Unicode minus signs.
    private static func cleanNumber(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars where scalar != "$" && scalar != " " {
            result.unicodeScalars.append(scalar == "\u{2212}" || scalar == "\u{2013}" ? "-" : scalar)
        }
        while result.hasSuffix(".") { result.removeLast() }
        return result
    }

    /// Maps `×`, `÷`, `−`, `**` and drops `$`; removes thousands commas anywhere (annotations have no tuples).
    private static func cleanExpression(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "$": continue
            case "\u{00D7}", "\u{22C5}", "\u{00B7}": result += "*"
            case "\u{00F7}": result += "/"
            case "\u{2212}", "\u{2013}": result += "-"
            default: result.unicodeScalars.append(scalar)
            }
        }
        result = replacingDoubleStar(result)
        let bytes = MathThousands.removingGroupSeparators(Array(result.utf8), commasInsideBrackets: true)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `2**3` → `2^3`.
    private static func replacingDoubleStar(_ text: String) -> String {
        var out = ""
        var previousStar = false
        for scalar in text.unicodeScalars {
            if scalar == "*" && previousStar {
                out.unicodeScalars.removeLast()
                out += "^"
                previousStar = false
                continue
            }
            previousStar = scalar == "*"
            out.unicodeScalars.append(scalar)
        }
        return out
    }

    private static func report(_ passed: Bool, _ reason: MathAnnotationReason, _ message: String)
        -> MathAnnotationReport
    {
        MathAnnotationReport(passed: passed, reason: reason, message: message, annotations: [], failing: nil)
    }
}

/// A failed annotation, before the report gathers all annotations.
struct MathAnnotationFailure: Error {
    let reason: MathAnnotationReason
    let message: String
    let annotation: MathAnnotation

    init(_ reason: MathAnnotationReason, _ message: String, _ annotation: MathAnnotation) {
        self.reason = reason
        self.message = message
        self.annotation = annotation
    }

    func withAnnotations(_ annotations: [MathAnnotation]) -> MathAnnotationReport {
        MathAnnotationReport(passed: false, reason: reason, message: message, annotations: annotations,
                             failing: annotation)
    }
}
