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
        let words = request.prompt.split(separator: " ").suffix(3).joined(separator: " ")
        let answer = Int(request.seed % 100)
        let text = "How many items, given \(words)?\n\nSolution:\nWe count \(answer).\n#### \(answer)"
        return GenerationOutput(text: text, finishReason: .eos, promptTokens: request.prompt.count / 4,
                                completionTokens: text.count / 4, seconds: 0.001)
    }
}

/// Splits "problem\n\nSolution:\nsolution" and takes the answer after "#### ".
struct SimpleParser: CompletionParser {
    func parse(_ completion: String) -> Result<ParsedFields, ParseFailure> {
        guard let range = completion.range(of: "\n\nSolution:\n") else {
            return .failure(ParseFailure(reason: "missing_solution", detail: "no Solution: section"))
        }
        let solution = String(completion[range.upperBound...])
        let answer = solution.components(separatedBy: "#### ").last ?? ""
        return .success(ParsedFields(problem: String(completion[..<range.lowerBound]), solution: solution,
                                     answer: answer.trimmingCharacters(in: .whitespacesAndNewlines)))
    }
}

/// Passes samples whose answer is even.
struct EvenAnswerJudge: SampleJudge {
    let name = "even"
    let version = "1"

    func judge(_ input: JudgeInput) async throws -> Judgment {
        let passed = (Int(input.fields.answer) ?? 1) % 2 == 0
        return Judgment(judge: name, version: version, passed: passed, score: passed ? 1 : 0,
                        reason: passed ? "passed" : "odd_answer", detail: "answer \(input.fields.answer)")
    }
}

/// A small pipeline in a temp folder: a corpus, a template, and a config.
struct PipelineFixture {
    let root: URL
    let config: PipelineConfig

    init(root: URL, seeds: Int = 12, samplesPerSeed: Int = 2, shardBytes: String = "64MiB", extraCorpus: [String: [UInt8]] = [:]) throws {
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
        _ = try root.appendingPathComponent("model.gguf").writing("stand-in")
        let yaml = """
            name: fixture
            seeds: { corpus: corpus, chunk: { min_chars: 40, max_chars: 200 } }
            model: { path: model.gguf, batch: 4 }
            tasks:
              - { name: math, prompt: prompts/gen.mustache, samples_per_seed: \(samplesPerSeed) }
            output: { shard_bytes: \(shardBytes), zstd_level: 3 }
            """
        config = try PipelineConfig.parse(yaml: yaml, file: "fixture.yaml", baseDirectory: root)
    }

    func run(directory: URL, generator: ScriptedGenerator, limit: Int? = nil, newRun: Bool = false) async throws -> RunSummary {
        let pipeline = try makeRun(directory: directory, generator: generator, limit: limit, newRun: newRun)
        return try await pipeline.run()
    }

    func makeRun(directory: URL, generator: ScriptedGenerator, limit: Int? = nil, newRun: Bool = false) throws -> PipelineRun {
        let task = TaskRuntime(
            config: config.tasks[0], template: try PromptTemplate(url: URL(fileURLWithPath: config.tasks[0].prompt)),
            parser: SimpleParser(), judges: [EvenAnswerJudge()])
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
