import Foundation
import MoE

/// A validated pipeline: what to read, which model generates, which tasks and judges run, how output is written.
///
/// Built from a pipeline YAML file by `PipelineConfig.load(from:)`; every path is resolved against the file's folder.
public struct PipelineConfig: Sendable, Hashable, Codable {
    public var name: String
    public var seeds: SeedsConfig
    public var model: ModelConfig
    public var tasks: [TaskConfig]
    public var dedup: DedupConfig
    public var output: OutputConfig
    public var diversity: DiversityConfig
    /// Run every judge even after one fails (for audits); by default judging stops at the first failure.
    public var runAllJudges: Bool
    /// The folder the pipeline file lives in; relative paths resolve against it.
    public var baseDirectory: String
}

public struct SeedsConfig: Sendable, Hashable, Codable {
    /// Corpus files or folders (absolute paths after loading).
    public var corpus: [String]
    /// Field holding the text in JSONL corpora.
    public var textField: String
    public var minCharacters: Int
    public var maxCharacters: Int
    /// At most this many seeds (the `--limit` flag overrides it).
    public var limit: Int?
    /// File names skipped inside corpus folders.
    public var exclude: [String]
}

public struct ModelConfig: Sendable, Hashable, Codable {
    /// A local GGUF file run by the bundled runtime.
    public var path: String?
    /// An OpenAI-compatible endpoint, e.g. `http://host:8000/v1`.
    public var endpoint: String?
    /// The model name sent to the endpoint.
    public var remoteModel: String?
    /// Environment variable holding the endpoint's API key.
    public var apiKeyEnvironment: String?
    public var threads: Int
    /// Sequences decoded together by the local runtime.
    public var batch: Int
    /// Concurrent requests to a remote endpoint.
    public var concurrency: Int
    /// Activations of the local runtime's products against quantised weights (`int8`: fast; `float`: exact).
    public var activations: ActivationPrecision = .int8
    /// Elements of the local runtime's KV cache (`f16`: half the memory and attention reads; `f32`: exact).
    public var kvCache: KVCachePrecision = .float16
}

public struct SamplingConfig: Sendable, Hashable, Codable {
    public var temperature: Double
    public var topP: Double
    public var topK: Int
    public var minP: Double
    public var repetitionPenalty: Double
    public var maxTokens: Int
    public var stop: [String]

    public static let defaults = SamplingConfig(
        temperature: 0.8, topP: 0.95, topK: 0, minP: 0, repetitionPenalty: 1.0, maxTokens: 384, stop: [])
}

/// What a task produces; decides the parser and the record's fields.
public enum TaskKind: String, Sendable, Hashable, Codable, CaseIterable {
    case math
    case code
}

public struct TaskConfig: Sendable, Hashable, Codable {
    public var name: String
    public var kind: TaskKind
    /// Absolute path of the generation template.
    public var prompt: String
    public var samplesPerSeed: Int
    public var sampling: SamplingConfig
    public var judges: [JudgeConfig]
    /// Rewrite accepted problems into harder ones, round by round.
    public var evolve: EvolveConfig?
    /// Ask the model to fix samples a verifier rejected.
    public var repair: RepairConfig?
    /// Label accepted samples with the generator's solve rate.
    public var difficulty: DifficultyConfig?
}

/// Evol-Instruct style rounds: each accepted sample of round r is rewritten into a harder one for round r + 1.
public struct EvolveConfig: Sendable, Hashable, Codable {
    public var rounds: Int
    /// Absolute path of the evolve template (variables: instruction, problem).
    public var prompt: String
    /// Rewrite instructions; each evolution takes one, chosen from the sample's identity.
    public var instructions: [String]
    /// An evolved problem whose word 5-gram Jaccard similarity to its parent reaches this merely restates it.
    public var maxSimilarity: Double
}

/// Critique-and-revise: a sample rejected by a verifier is shown its failure and regenerated, up to `attempts` times.
public struct RepairConfig: Sendable, Hashable, Codable {
    public var attempts: Int
    /// Absolute path of the repair template (variables: failure, problem, solution, and tests for code).
    public var prompt: String
}

/// Solve each accepted problem `attempts` times with fresh solutions; the solve rate is the sample's difficulty.
public struct DifficultyConfig: Sendable, Hashable, Codable {
    public var attempts: Int
    /// Absolute path of the solve template (variable: problem).
    public var prompt: String
    public var sampling: SamplingConfig
    /// Samples solved more often than this are dropped as too easy (1.0 keeps everything).
    public var maxSolveRate: Double
    /// Samples solved less often than this are dropped (0 keeps everything).
    public var minSolveRate: Double
}

/// Caps that keep the output from collapsing into one template or one seed.
public struct DiversityConfig: Sendable, Hashable, Codable {
    /// At most this many accepted samples per seed and task.
    public var maxPerSeed: Int?
    /// At most this many accepted samples per seed source file and task.
    public var maxPerSource: Int?
    /// Reject a sample whose word 5-gram Jaccard similarity to an already kept sample from another seed reaches this.
    public var maxSimilarity: Double?

    public static let none = DiversityConfig(maxPerSeed: nil, maxPerSource: nil, maxSimilarity: nil)
}

/// One judge in a task's chain, in the order they run.
public enum JudgeConfig: Sendable, Hashable, Codable {
    /// Parse the math completion, check every `<<expr=result>>` and that the answer follows from the last step.
    case mathAnswer(requireAnnotations: Bool)
    /// Run solution + tests in the sandbox.
    case codeTests(timeoutSeconds: Double, minTests: Int, memoryMegabytes: Int)
    /// Model-graded score read from score-token probabilities.
    case rubric(prompt: String, minScore: Double)
    /// Mean token negative log-likelihood of the completion under the model.
    case likelihood(maxNLL: Double)
    /// Solve the problem `samples` times with a solve template; pass when the majority answer agrees with the
    /// sample's answer in at least `agreement` of the solutions.
    case selfConsistency(prompt: String, samples: Int, agreement: Double)

    public var name: String {
        switch self {
        case .mathAnswer: "math_answer"
        case .codeTests: "code_tests"
        case .rubric: "rubric"
        case .likelihood: "likelihood"
        case .selfConsistency: "self_consistency"
        }
    }
}

public struct DedupConfig: Sendable, Hashable, Codable {
    public var exact: Bool
    public var minhash: MinHashConfig?
    public var decontaminate: [BenchmarkSource]
    public var decontaminationNGram: Int
}

public struct MinHashConfig: Sendable, Hashable, Codable {
    public var ngram: Int
    public var bands: Int
    public var rows: Int
    public var threshold: Double
}

/// A benchmark file whose items must not leak into the output.
public struct BenchmarkSource: Sendable, Hashable, Codable {
    public var path: String
    public var field: String
}

public struct OutputConfig: Sendable, Hashable, Codable {
    public var shardBytes: Int
    public var zstdLevel: Int
}
