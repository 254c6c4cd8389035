/// One math-judge decision, as stored in the ledger: pass/fail, an optional score, a stable reason code, a human
/// detail and the judge version. For failures, `detail` completes the sentence "The solution below has an error: …"
/// of `Prompts/repair/math.mustache` (lower-case start, no final period).
public struct MathJudgment: Sendable, Equatable, Codable {
    public let passed: Bool
    /// Self-consistency agreement in [0, 1]; nil for pass/fail checks.
    public let score: Double?
    /// A reason code: `ok`, `no_annotations`, `answer_format`, `no_answer`, a `MathParseError.Code`, a
    /// `MathAnnotationReason`, a `MathEquivalenceReason` or a `MathConsistencyReason` raw value.
    public let reason: String
    public let detail: String
    public let judgeVersion: String

    public init(passed: Bool, score: Double? = nil, reason: String, detail: String,
                judgeVersion: String = MathJudge.version) {
        self.passed = passed
        self.score = score
        self.reason = reason
        self.detail = detail
        self.judgeVersion = judgeVersion
    }
}

/// Settings of the math judge; pipelines set them from their YAML.
public struct MathJudgeOptions: Sendable, Equatable {
    /// Fail solutions without `<<expr=result>>` annotations (otherwise they pass with reason `no_annotations`).
    public var requireAnnotations: Bool
    /// With annotations present, the final answer must be the last annotation's result.
    public var requireAnswerFromLastStep: Bool
    /// The `####` answer must be a plain number as the format asks: `14`, `-2.5`, `3/4` (no units, `$` or commas).
    public var strictAnswerFormat: Bool
    public var equivalence: MathEquivalenceOptions

    public init(requireAnnotations: Bool = false, requireAnswerFromLastStep: Bool = true,
                strictAnswerFormat: Bool = true, equivalence: MathEquivalenceOptions = .default) {
        self.requireAnnotations = requireAnnotations
        self.requireAnswerFromLastStep = requireAnswerFromLastStep
        self.strictAnswerFormat = strictAnswerFormat
        self.equivalence = equivalence
    }
}

/// The math judge's entry points: verify a completion or solution, compare with a reference, aggregate samples.
/// Pure and synchronous; every call is bounded by `MathLimits`, so pathological text ends quickly.
public struct MathJudge: Sendable {
    /// Bumped whenever a decision on some input can change.
    public static let version = "math-1.0.0"
    public static let passReason = "ok"
    public static let answerFormatReason = "answer_format"

    public var options: MathJudgeOptions

    public init(options: MathJudgeOptions = MathJudgeOptions()) {
        self.options = options
    }

    private var limits: MathLimits { options.equivalence.limits }

    /// Parses a *math completion* (problem, `Solution:`, steps, `#### answer`), checks the answer format and every
    /// annotation, and that the answer follows from the last step.
    public func verifyCompletion(_ text: String) -> MathJudgment {
        do {
            let completion = try MathCompletion.parse(text, limits: limits)
            return verify(completion.solution)
        } catch {
            return MathJudgment(passed: false, reason: error.code.rawValue, detail: error.message)
        }
    }

    /// The same checks for a bare *math solution* (steps + `#### answer`), as written for solve and repair prompts.
    public func verifySolution(_ text: String) -> MathJudgment {
        do {
            return verify(try MathSolution.parse(text, limits: limits))
        } catch {
            return MathJudgment(passed: false, reason: error.code.rawValue, detail: error.message)
        }
    }

    public func verify(_ solution: MathSolution) -> MathJudgment {
        if let problem = answerFormatProblem(solution.answer) {
            return MathJudgment(passed: false, reason: MathJudge.answerFormatReason, detail: problem)
        }
        let report = MathAnnotationChecker.check(
            solution: solution.stepsText, finalAnswer: solution.answer,
            options: MathAnnotationOptions(requireAnnotations: options.requireAnnotations,
                                           requireAnswerFromLastStep: options.requireAnswerFromLastStep,
                                           limits: limits))
        let reason = report.reason == .ok ? MathJudge.passReason : report.reason.rawValue
        return MathJudgment(passed: report.passed, reason: reason, detail: report.message)
    }

    /// Extracts the final answer of a free-form solution (`####`, `\boxed{}`, `Answer:`, last number) and compares
    /// it with `reference`.
    public func compareToReference(solution: String, reference: String) -> MathJudgment {
        guard let extracted = MathAnswerExtractor.extract(from: solution) else {
            return MathJudgment(passed: false, reason: MathAnswerExtractor.noAnswerReason,
                                detail: "the solution has no final answer")
        }
        let judgment = compareAnswers(given: extracted.raw, expected: reference)
        return MathJudgment(passed: judgment.passed, reason: judgment.reason,
                            detail: "answer \(extracted.raw) (by \(extracted.rule.rawValue)): \(judgment.detail)")
    }

    /// Compares two answers (see `MathAnswerEquivalence`).
    public func compareAnswers(given: String, expected: String) -> MathJudgment {
        let result = MathAnswerEquivalence.compare(given: given, expected: expected, options: options.equivalence)
        return MathJudgment(passed: result.equivalent, reason: result.reason, detail: result.detail)
    }

    /// Self-consistency over k answers: passes when the majority reaches `threshold` (and matches `reference`
    /// when given); the score is the agreement.
    public func selfConsistency(answers: [String?], reference: String? = nil, threshold: Double) -> MathJudgment {
        let result = MathSelfConsistency.aggregate(
            answers, threshold: threshold, reference: reference, options: options.equivalence)
        let top = result.clusters.first?.members.count ?? 0
        var detail = "\(top) of \(result.total) answers agree"
        if let majority = result.majorityAnswer { detail += " on \(majority)" }
        detail += " (agreement \(rounded(result.agreement)), threshold \(rounded(threshold)))"
        if result.reason == .tie { detail += "; the top answers are tied" }
        if let solveRate = result.referenceAgreement { detail += "; solve rate \(rounded(solveRate))" }
        return MathJudgment(passed: result.accepted, score: result.agreement, reason: result.reason.rawValue,
                            detail: detail)
    }

    /// Self-consistency over k free-form solutions: extracts each answer first (a solution without one counts as
    /// a disagreeing sample).
    public func selfConsistency(solutions: [String], reference: String? = nil, threshold: Double) -> MathJudgment {
        selfConsistency(answers: solutions.map { MathAnswerExtractor.extract(from: $0)?.raw },
                        reference: reference, threshold: threshold)
    }

    /// Nil when the answer is acceptable; otherwise a message for the repair prompt.
    func answerFormatProblem(_ answer: String) -> String? {
        if options.strictAnswerFormat {
            if MathJudge.isPlainNumber(answer) { return nil }
            return "the final answer \"\(answer)\" is not a plain number: write it like 14, 2.5, 3/4 or -7, "
                + "without units, $ or commas"
        }
        if case .success(.number) = MathAnswerEquivalence.parse(answer, limits: limits) { return nil }
        return "the final answer \"\(answer)\" is not a number"
    }

    /// `-?digits(.digits)?` or `-?digits/digits` (nonzero denominator).
    static func isPlainNumber(_ text: String) -> Bool {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "-") { bytes = bytes.dropFirst() }
        let isDigit = MathNumberLiteral.isDigit
        if let slash = bytes.firstIndex(of: UInt8(ascii: "/")) {
            let top = bytes[..<slash]
            let bottom = bytes[(slash + 1)...]
            return !top.isEmpty && !bottom.isEmpty && top.allSatisfy(isDigit) && bottom.allSatisfy(isDigit)
                && bottom.contains { $0 != UInt8(ascii: "0") }
        }
        if let point = bytes.firstIndex(of: UInt8(ascii: ".")) {
            let whole = bytes[..<point]
            let fraction = bytes[(point + 1)...]
            return !whole.isEmpty && !fraction.isEmpty && whole.allSatisfy(isDigit) && fraction.allSatisfy(isDigit)
        }
        return !bytes.isEmpty && bytes.allSatisfy(isDigit)
    }

    private func rounded(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return "\(scaled)"
    }
}
