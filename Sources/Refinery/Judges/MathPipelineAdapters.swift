import Foundation

/// Math completions for the pipeline: parsing with the math judge's parser (`solution` is the canonical text,
/// steps + `#### answer`, which becomes the assistant message) and answer equivalence for difficulty labels.
public struct MathTaskSupport: TaskSupport {
    public init() {}

    public func parseCompletion(_ text: String) -> Result<ParsedFields, ParseFailure> {
        do {
            let parsed = try MathCompletion.parse(text)
            return .success(ParsedFields(problem: parsed.problem, solution: parsed.solution.canonicalText,
                                         answer: parsed.solution.answer))
        } catch {
            return .failure(ParseFailure(reason: error.code.rawValue, detail: error.message))
        }
    }

    public func parseSolution(_ text: String, for problem: ParsedFields) -> Result<ParsedFields, ParseFailure> {
        do {
            let solution = try MathSolution.parse(text)
            return .success(ParsedFields(problem: problem.problem, solution: solution.canonicalText,
                                         answer: solution.answer))
        } catch {
            return .failure(ParseFailure(reason: error.code.rawValue, detail: error.message))
        }
    }

    public func solves(_ attempt: ParsedFields, reference: ParsedFields) async throws -> Bool {
        MathAnswerEquivalence.compare(given: attempt.answer, expected: reference.answer).equivalent
    }
}

/// Pipeline adapter for the `math_answer` judge: answer format, every `<<expr=result>>` annotation, and the final
/// answer following from the last step. `detail` is the repair prompt's failure text.
public struct MathAnswerJudge: SampleJudge {
    public let name = "math_answer"
    public var version: String { MathJudge.version }
    private let math: MathJudge

    public init(requireAnnotations: Bool) {
        math = MathJudge(options: MathJudgeOptions(requireAnnotations: requireAnnotations))
    }

    public func judge(_ input: JudgeInput) async throws -> Judgment {
        let clock = ContinuousClock()
        let start = clock.now
        let solution = input.fields.solution.contains("####")
            ? input.fields.solution : input.fields.solution + "\n#### " + input.fields.answer
        let result = math.verifySolution(solution)
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return Judgment(judge: name, version: version, passed: result.passed, score: result.score,
                        reason: result.reason, detail: result.detail, seconds: seconds)
    }
}

/// Self-consistency for generated math problems: solve the problem `samples` more times with fresh solutions and
/// pass when the majority answer equals the sample's own answer in at least `agreement` of them. The agreement is
/// the score. Seeds derive from the problem text, so a resumed run judges identically.
public struct SelfConsistencyJudge: SampleJudge {
    public let name = "self_consistency"
    public var version: String { "1+\(MathJudge.version)" }
    public let template: PromptTemplate
    public let samples: Int
    public let agreement: Double
    public let sampling: SamplingConfig
    public let generator: any Generator

    public init(template: PromptTemplate, samples: Int, agreement: Double, sampling: SamplingConfig,
                generator: any Generator) {
        self.template = template
        self.samples = samples
        self.agreement = agreement
        self.sampling = sampling
        self.generator = generator
    }

    public func judge(_ input: JudgeInput) async throws -> Judgment {
        let started = Date()
        let prompt = try template.render(["problem": input.fields.problem])
        let answers = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            for index in 0..<samples {
                let seed = Hashing.seed53("self_consistency|\(input.fields.problem)|\(index)")
                group.addTask {
                    do {
                        let output = try await generator.generate(
                            GenerationRequest(prompt: prompt, sampling: sampling, seed: seed))
                        return (index, (try? MathSolution.parse(output.text))?.answer)
                    } catch is GenerationRefusal {
                        return (index, nil)
                    }
                }
            }
            var answers = [String?](repeating: nil, count: samples)
            for try await (index, answer) in group { answers[index] = answer }
            return answers
        }
        let verdict = MathJudge().selfConsistency(answers: answers, reference: input.fields.answer, threshold: agreement)
        return Judgment(judge: name, version: version, passed: verdict.passed, score: verdict.score,
                        reason: verdict.reason, detail: verdict.detail, seconds: Date().timeIntervalSince(started),
                        model: generator.identity, promptRef: template.reference)
    }
}
