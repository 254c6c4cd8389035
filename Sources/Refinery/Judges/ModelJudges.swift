import Foundation

/// Asks the model for a 1–10 score and reads it from the score tokens' probabilities, not from free text.
///
/// The score is the expectation over the ten scores' probabilities (renormalised over the ten); the argmax is
/// reported in the detail. Passes when the expectation reaches `minScore`.
public struct RubricJudge: SampleJudge {
    public let name = "rubric"
    public let version = "1"
    public let template: PromptTemplate
    public let minScore: Double
    public let model: any ScoringModel

    public init(template: PromptTemplate, minScore: Double, model: any ScoringModel) {
        self.template = template
        self.minScore = minScore
        self.model = model
    }

    public static let scores = Array(1...10)

    public func judge(_ input: JudgeInput) async throws -> Judgment {
        let started = Date()
        var values = ["problem": input.fields.problem, "solution": input.fields.solution]
        if template.variables.contains("tests") { values["tests"] = input.fields.tests }
        if template.variables.contains("passage") { values["passage"] = input.seed.text }
        let prompt = try template.render(values)
        let raw = try await model.sequenceLogProbabilities(prompt: prompt, candidates: Self.scores.map(String.init))
        let (expectation, best, mass) = Self.expectation(logProbabilities: Self.exclusive(raw))
        let passed = expectation >= minScore
        return Judgment(
            judge: name, version: version, passed: passed, score: expectation,
            reason: passed ? "passed" : "score_below_threshold",
            detail: String(format: "expected score %.2f (argmax %d, score-token mass %.3f), minimum %.1f",
                           expectation, best, mass, minScore),
            seconds: Date().timeIntervalSince(started), model: model.identity, promptRef: template.reference)
    }

    /// Makes prefix candidates exclusive: the raw probability of "1" includes every continuation, "10" among them,
    /// so the score 1 gets P("1") − P("10") (what is left once the longer candidate is taken out).
    public static func exclusive(_ raw: [Double]) -> [Double] {
        let labels = scores.map(String.init)
        let probabilities = raw.map { exp($0) }
        return labels.indices.map { index in
            var value = probabilities[index]
            for other in labels.indices where other != index && labels[other].hasPrefix(labels[index]) {
                value -= probabilities[other]
            }
            return log(max(value, 1e-300))
        }
    }

    /// Expectation and argmax of the scores given their log-probabilities, and the probability mass they held.
    public static func expectation(logProbabilities: [Double]) -> (expectation: Double, argmax: Int, mass: Double) {
        let maxLog = logProbabilities.max() ?? 0
        let weights = logProbabilities.map { exp($0 - maxLog) }
        let total = weights.reduce(0, +)
        guard total > 0 else { return (0, 0, 0) }
        let expectation = zip(scores, weights).reduce(0.0) { $0 + Double($1.0) * $1.1 } / total
        let argmax = scores[weights.indices.max(by: { weights[$0] < weights[$1] }) ?? 0]
        let mass = logProbabilities.reduce(0.0) { $0 + exp($1) }
        return (expectation, argmax, mass)
    }
}

/// Mean token negative log-likelihood of the completion under the model; rejects outliers above `maxNLL`.
public struct LikelihoodJudge: SampleJudge {
    public let name = "likelihood"
    public let version = "1"
    public let maxNLL: Double
    public let model: any ScoringModel

    public init(maxNLL: Double, model: any ScoringModel) {
        self.maxNLL = maxNLL
        self.model = model
    }

    public func judge(_ input: JudgeInput) async throws -> Judgment {
        let started = Date()
        let logProbabilities = try await model.tokenLogProbabilities(prompt: input.prompt, continuation: input.completion)
        guard !logProbabilities.isEmpty else {
            return Judgment(judge: name, version: version, passed: false, score: nil, reason: "empty_completion",
                            seconds: Date().timeIntervalSince(started), model: model.identity)
        }
        let nll = -logProbabilities.reduce(0, +) / Double(logProbabilities.count)
        let passed = nll <= maxNLL
        return Judgment(
            judge: name, version: version, passed: passed, score: nll,
            reason: passed ? "passed" : "nll_above_threshold",
            detail: String(format: "mean NLL %.3f over %d tokens, maximum %.2f", nll, logProbabilities.count, maxNLL),
            seconds: Date().timeIntervalSince(started), model: model.identity)
    }
}
