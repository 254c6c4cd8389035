import Foundation
import Synchronization
@testable import Refinery

/// A generator whose text is a pure function of the request, like a batch-invariant model.
final class ScriptedGenerator: Generator, Sendable {
    let identity = "scripted@000000000000"
    private let calls = Mutex(0)
    /// Fail (with an internal error, which ends the run) after this many successful calls.
    let failAfter: Int?
    /// When true every output is the same text (for duplicate tests).
    let constant: Bool

    init(failAfter: Int? = nil, constant: Bool = false) {
        self.failAfter = failAfter
        self.constant = constant
    }

    var callCount: Int { calls.withLock { $0 } }

    func generate(_ request: GenerationRequest) async throws -> GenerationOutput {
        let count = calls.withLock { value -> Int in
            value += 1
            return value
        }
        if let failAfter, count > failAfter {
            throw RefineryError.internal("scripted failure after \(failAfter) calls")
        }
        await Task.yield()
        if constant {
            return GenerationOutput(text: "Same problem?\n\nSolution:\n1+1 = <<1+1=2>>2\n#### 2", finishReason: .eos,
                                    promptTokens: 10, completionTokens: 10, seconds: 0.001)
        }
        let text = Self.respond(to: request)
        return GenerationOutput(text: text, finishReason: .eos, promptTokens: request.prompt.count / 4,
                                completionTokens: text.count / 4, seconds: 0.001)
    }
}

extension ScriptedGenerator {
    /// Generation: a problem whose answer is the seed mod 100. Evolve: a harder problem with an even answer, or the
    /// parent problem verbatim when the instruction says "restate". Repair: a fixed solution with answer 4.
    /// Solve: always answers 4.
    static func respond(to request: GenerationRequest) -> String {
        let prompt = request.prompt
        if prompt.hasSuffix("Harder problem:\n") {
            let parent = prompt.components(separatedBy: "Problem:\n").last?
                .components(separatedBy: "\n\nHarder problem:").first ?? ""
            if prompt.contains("instruction: restate") {
                return "\(parent)\n\nSolution:\nSame.\n#### 6"
            }
            return "With two more crates of \(request.seed % 7) pears each and a second trip across town, "
                + "how many pieces of fruit are carried?\n\nSolution:\nMore steps.\n#### \(2 * (request.seed % 50))"
        }
        if prompt.hasSuffix("Corrected solution:\n") {
            return "We fix the step.\n#### 4"
        }
        if prompt.hasPrefix("Solve:") {
            return "Quick.\n#### 4"
        }
        let passage = prompt.components(separatedBy: "\n\nProblem:").first ?? prompt
        let words = passage.split(separator: " ").suffix(3).joined(separator: " ").replacingOccurrences(of: ".", with: "")
        let answer = Int(request.seed % 100)
        return "How many items, given \(words)?\n\nSolution:\nWe count \(answer).\n#### \(answer)"
    }
}

/// Splits "problem\n\nSolution:\nsolution" and takes the answer after "#### ".
struct SimpleSupport: TaskSupport {
    func parseCompletion(_ completion: String) -> Result<ParsedFields, ParseFailure> {
        guard let range = completion.range(of: "\n\nSolution:\n") else {
            return .failure(ParseFailure(reason: "missing_solution", detail: "no Solution: section"))
        }
        let solution = String(completion[range.upperBound...])
        return .success(ParsedFields(problem: String(completion[..<range.lowerBound]), solution: solution,
                                     answer: Self.answer(solution)))
    }

    func parseSolution(_ text: String, for problem: ParsedFields) -> Result<ParsedFields, ParseFailure> {
        guard text.contains("#### ") else { return .failure(ParseFailure(reason: "missing_answer", detail: "")) }
        return .success(ParsedFields(problem: problem.problem, solution: text, answer: Self.answer(text)))
    }

    func solves(_ attempt: ParsedFields, reference: ParsedFields) async throws -> Bool {
        attempt.answer == reference.answer
    }

    static func answer(_ solution: String) -> String {
        (solution.components(separatedBy: "#### ").last ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// Passes samples whose answer is even; named like the math verifier so its failures are repairable.
struct EvenAnswerJudge: SampleJudge {
    let name = "math_answer"
    let version = "1"

    func judge(_ input: JudgeInput) async throws -> Judgment {
        let passed = (Int(input.fields.answer) ?? 1) % 2 == 0
        return Judgment(judge: name, version: version, passed: passed, score: passed ? 1 : 0,
                        reason: passed ? "passed" : "odd_answer", detail: "the answer \(input.fields.answer) is odd")
    }
}

/// A small pipeline in a temp folder: a corpus, a template, and a config.
struct PipelineFixture {
    let root: URL
    let config: PipelineConfig

    init(root: URL, seeds: Int = 12, samplesPerSeed: Int = 2, shardBytes: String = "64MiB",
         extraCorpus: [String: [UInt8]] = [:], taskExtras: String = "", topLevelExtras: String = "") throws {
        self.root = root
        for index in 0..<seeds {
            let text = "Passage \(index): Mia buys \(index + 2) apples at the market for \(index + 3) dollars each, "
                + "then walks home along the river path past the old mill number \(index)."
            _ = try root.appendingPathComponent("corpus/part-\(index / 5).txt").appendingLine(text)
        }
        for (name, bytes) in extraCorpus {
            _ = try root.appendingPathComponent("corpus/\(name)").writing(bytes: bytes)
        }
        _ = try root.appendingPathComponent("prompts/gen.mustache").writing("Passage:\n{{{passage}}}\n\nProblem:\n")
        _ = try root.appendingPathComponent("prompts/evolve.mustache")
            .writing("instruction: {{{instruction}}}\n\nProblem:\n{{{problem}}}\n\nHarder problem:\n")
        _ = try root.appendingPathComponent("prompts/repair.mustache")
            .writing("Failure: {{{failure}}}\n\nProblem:\n{{{problem}}}\n\n{{{solution}}}\n\nCorrected solution:\n")
        _ = try root.appendingPathComponent("prompts/solve.mustache").writing("Solve:\n{{{problem}}}\n\nSolution:\n")
        _ = try root.appendingPathComponent("model.gguf").writing("stand-in")
        let yaml = """
            name: fixture
            seeds: { corpus: corpus, chunk: { min_chars: 40, max_chars: 200 } }
            model: { path: model.gguf, batch: 4 }
            tasks:
              - name: math
                prompt: prompts/gen.mustache
                samples_per_seed: \(samplesPerSeed)
            \(taskExtras)
            output: { shard_bytes: \(shardBytes), zstd_level: 3 }
            \(topLevelExtras)
            """
        config = try PipelineConfig.parse(yaml: yaml, file: "fixture.yaml", baseDirectory: root)
    }

    func run(directory: URL, generator: ScriptedGenerator, limit: Int? = nil, newRun: Bool = false) async throws -> RunSummary {
        let pipeline = try makeRun(directory: directory, generator: generator, limit: limit, newRun: newRun)
        return try await pipeline.run()
    }

    func makeRun(directory: URL, generator: ScriptedGenerator, limit: Int? = nil, newRun: Bool = false) throws -> PipelineRun {
        let task = try TaskRuntime(config: config.tasks[0], support: SimpleSupport(), judges: [EvenAnswerJudge()])
        return try PipelineRun(
            config: config, options: RunOptions(directory: directory, limit: limit, newRun: newRun, progress: .silent),
            backend: PipelineBackend(generator: generator, scorer: nil, concurrency: 4), tasks: [task])
    }
}

extension URL {
    /// Appends a paragraph (blank-line separated) to a text file.
    func appendingLine(_ text: String) throws -> URL {
        let existing = (try? String(contentsOf: self, encoding: .utf8)) ?? ""
        return try writing(existing.isEmpty ? text + "\n" : existing + "\n" + text + "\n")
    }
}

/// Every record of a run's shards, by id.
func acceptedRecordIDs(in directory: URL) throws -> [String] {
    let manifest = try Manifest.read(from: directory.appendingPathComponent(Manifest.fileName))
    var ids: [String] = []
    for shard in manifest.shards {
        for line in try ShardReader.lines(url: directory.appendingPathComponent(shard.file)) {
            ids.append(try JSONValue.parse(line.text)["id"]?.stringValue ?? "")
        }
    }
    return ids
}
