import Foundation
import MoE

extension PipelineConfig {
    /// Reads and validates a pipeline file. Errors name the file, line and key.
    public static func load(from url: URL) throws -> PipelineConfig {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RefineryError.usage("cannot read the pipeline file: \(error.localizedDescription)",
                                      at: SourceLocation(file: url.path))
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = UTF8Validation.firstInvalidByte(in: data) ?? 0
            throw RefineryError.usage("the pipeline file is not valid UTF-8",
                                      at: SourceLocation(file: url.path, offset: offset))
        }
        return try parse(yaml: text, file: url.path, baseDirectory: url.deletingLastPathComponent())
    }

    /// Parses pipeline YAML; relative paths resolve against `baseDirectory`.
    public static func parse(yaml: String, file: String, baseDirectory: URL) throws -> PipelineConfig {
        let root = try ConfigNode.parse(yaml: yaml, file: file)
        var mapping = try root.mapping()
        let resolver = PathResolver(base: baseDirectory)
        let name = try mapping.required("name").string()
        let seeds = try parseSeeds(mapping.required("seeds"), resolver)
        let model = try parseModel(mapping.required("model"), resolver)
        let tasksNode = try mapping.required("tasks")
        let tasks = try tasksNode.sequence().map { try parseTask($0, resolver) }
        if tasks.isEmpty { throw tasksNode.error("at least one task is required") }
        var names = Set<String>()
        for (task, node) in zip(tasks, try tasksNode.sequence()) where !names.insert(task.name).inserted {
            throw node.error("task name \"\(task.name)\" is used twice")
        }
        let dedup = try mapping.optional("dedup").map { try parseDedup($0, resolver) }
            ?? DedupConfig(exact: true, minhash: .defaults, decontaminate: [], decontaminationNGram: 13)
        let output = try mapping.optional("output").map(parseOutput)
            ?? OutputConfig(shardBytes: 64 << 20, zstdLevel: 10)
        let diversity = try mapping.optional("diversity").map(parseDiversity) ?? .none
        let runAll = try mapping.optional("run_all_judges")?.bool() ?? false
        try mapping.finish()
        return PipelineConfig(
            name: name, seeds: seeds, model: model, tasks: tasks, dedup: dedup, output: output, diversity: diversity,
            runAllJudges: runAll, baseDirectory: baseDirectory.standardizedFileURL.path)
    }

    private static func parseSeeds(_ node: ConfigNode, _ resolver: PathResolver) throws -> SeedsConfig {
        var mapping = try node.mapping()
        let corpusNode = try mapping.required("corpus")
        let corpus = try corpusNode.listOrSingle().map { try resolver.existing($0, what: "corpus path") }
        let textField = try mapping.optional("text_field")?.string() ?? "text"
        var minCharacters = 300
        var maxCharacters = 1500
        if let chunkNode = mapping.optional("chunk") {
            var chunk = try chunkNode.mapping()
            minCharacters = try chunk.optional("min_chars")?.int(in: 1...1_000_000) ?? minCharacters
            let maxNode = chunk.optional("max_chars")
            maxCharacters = try maxNode?.int(in: 1...1_000_000) ?? maxCharacters
            try chunk.finish()
            if minCharacters > maxCharacters {
                throw (maxNode ?? chunkNode).error("max_chars (\(maxCharacters)) is below min_chars (\(minCharacters))")
            }
        }
        let limit = try mapping.optional("limit")?.int(in: 0...Int(Int32.max))
        let exclude = try mapping.optional("exclude")?.listOrSingle().map { try $0.string() } ?? ["README.md"]
        try mapping.finish()
        return SeedsConfig(corpus: corpus, textField: textField, minCharacters: minCharacters,
                           maxCharacters: maxCharacters, limit: limit, exclude: exclude)
    }

    private static func parseModel(_ node: ConfigNode, _ resolver: PathResolver) throws -> ModelConfig {
        var mapping = try node.mapping()
        let pathNode = mapping.optional("path")
        let endpointNode = mapping.optional("endpoint")
        let path = try pathNode.map { try resolver.existing($0, what: "model file") }
        let endpoint = try endpointNode?.string()
        if path == nil && endpoint == nil { throw node.error("set either \"path\" (a GGUF file) or \"endpoint\"") }
        if path != nil && endpoint != nil, let endpointNode {
            throw endpointNode.error("set either \"path\" or \"endpoint\", not both")
        }
        if let endpoint, let endpointNode, URL(string: endpoint)?.scheme?.hasPrefix("http") != true {
            throw endpointNode.error("expected an http(s) URL such as http://localhost:8000/v1")
        }
        let remoteModel = try mapping.optional("model")?.string()
        let keyEnvironment = try mapping.optional("api_key_env")?.string()
        let threads = try mapping.optional("threads")?.int(in: 1...1024)
            ?? max(1, ProcessInfo.processInfo.activeProcessorCount)
        let batch = try mapping.optional("batch")?.int(in: 1...4096) ?? 16
        let concurrency = try mapping.optional("concurrency")?.int(in: 1...4096) ?? 8
        let activations = try mapping.optional("activations")?.choice("activations", of: ActivationPrecision.self)
            ?? .int8
        let kvCache = try mapping.optional("kv_cache")?.choice("kv_cache", of: KVCachePrecision.self) ?? .float16
        try mapping.finish()
        return ModelConfig(path: path, endpoint: endpoint, remoteModel: remoteModel,
                           apiKeyEnvironment: keyEnvironment, threads: threads, batch: batch,
                           concurrency: concurrency, activations: activations, kvCache: kvCache)
    }

    private static func parseTask(_ node: ConfigNode, _ resolver: PathResolver) throws -> TaskConfig {
        var mapping = try node.mapping()
        let nameNode = try mapping.required("name")
        let name = try nameNode.string()
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
            throw nameNode.error("task names use letters, digits, _ and - only")
        }
        let kind: TaskKind
        if let kindNode = mapping.optional("kind") {
            let text = try kindNode.string()
            guard let parsed = TaskKind(rawValue: text) else {
                throw kindNode.error("unknown task kind \"\(text)\" (expected math or code)")
            }
            kind = parsed
        } else if let parsed = TaskKind(rawValue: name) {
            kind = parsed
        } else {
            throw node.error("set \"kind\" (math or code) for task \"\(name)\"")
        }
        let prompt = try resolver.existing(mapping.required("prompt"), what: "prompt template")
        let samples = try mapping.optional("samples_per_seed")?.int(in: 1...10_000) ?? 1
        let sampling = try mapping.optional("sampling").map(parseSampling) ?? .defaults
        let judges: [JudgeConfig]
        if let judgesNode = mapping.optional("judges") {
            judges = try judgesNode.sequence().map { try parseJudge($0, kind: kind, resolver) }
        } else {
            judges = kind == .math ? [.mathAnswer(requireAnnotations: true)]
                : [.codeTests(timeoutSeconds: 10, minTests: 3, memoryMegabytes: 512)]
        }
        let evolve = try mapping.optional("evolve").map { try parseEvolve($0, kind: kind, resolver) }
        let repair = try mapping.optional("repair").map { try parseRepair($0, resolver) }
        let difficulty = try mapping.optional("difficulty").map { try parseDifficulty($0, sampling: sampling, resolver) }
        try mapping.finish()
        return TaskConfig(name: name, kind: kind, prompt: prompt, samplesPerSeed: samples,
                          sampling: sampling, judges: judges, evolve: evolve, repair: repair, difficulty: difficulty)
    }

    /// Instructions the bundled model was trained with (Tools/train/corpus.py).
    static let defaultEvolveInstructions: [TaskKind: [String]] = [
        .math: ["add one more step", "add a constraint", "use larger numbers", "change the setting"],
        .code: ["handle an empty list", "add a limit so that only larger numbers are counted",
                "ignore upper and lower case"],
    ]

    private static func parseEvolve(_ node: ConfigNode, kind: TaskKind, _ resolver: PathResolver) throws -> EvolveConfig {
        var mapping = try node.mapping()
        let rounds = try mapping.optional("rounds")?.int(in: 0...20) ?? 1
        let prompt = try resolver.existing(mapping.required("prompt"), what: "evolve template")
        let instructionsNode = mapping.optional("instructions")
        let instructions = try instructionsNode?.listOrSingle().map { try $0.string() }
            ?? defaultEvolveInstructions[kind] ?? []
        if instructions.isEmpty, let instructionsNode { throw instructionsNode.error("give at least one instruction") }
        let similarity = try mapping.optional("max_similarity")?.double(in: 0...1) ?? 0.8
        try mapping.finish()
        return EvolveConfig(rounds: rounds, prompt: prompt, instructions: instructions, maxSimilarity: similarity)
    }

    private static func parseRepair(_ node: ConfigNode, _ resolver: PathResolver) throws -> RepairConfig {
        var mapping = try node.mapping()
        let attempts = try mapping.optional("attempts")?.int(in: 0...20) ?? 1
        let prompt = try resolver.existing(mapping.required("prompt"), what: "repair template")
        try mapping.finish()
        return RepairConfig(attempts: attempts, prompt: prompt)
    }

    private static func parseDifficulty(_ node: ConfigNode, sampling: SamplingConfig,
                                        _ resolver: PathResolver) throws -> DifficultyConfig {
        var mapping = try node.mapping()
        let attempts = try mapping.optional("attempts")?.int(in: 1...100) ?? 4
        let prompt = try resolver.existing(mapping.required("prompt"), what: "solve template")
        let solveSampling = try mapping.optional("sampling").map(parseSampling) ?? sampling
        let maxNode = mapping.optional("max_solve_rate")
        let maxRate = try maxNode?.double(in: 0...1) ?? 1
        let minRate = try mapping.optional("min_solve_rate")?.double(in: 0...1) ?? 0
        try mapping.finish()
        if minRate > maxRate, let maxNode { throw maxNode.error("max_solve_rate is below min_solve_rate") }
        return DifficultyConfig(attempts: attempts, prompt: prompt, sampling: solveSampling, maxSolveRate: maxRate,
                                minSolveRate: minRate)
    }

    private static func parseDiversity(_ node: ConfigNode) throws -> DiversityConfig {
        var mapping = try node.mapping()
        let perSeed = try mapping.optional("max_per_seed")?.int(in: 1...1_000_000)
        let perSource = try mapping.optional("max_per_source")?.int(in: 1...1_000_000_000)
        let similarity = try mapping.optional("max_similarity")?.double(in: 0...1)
        try mapping.finish()
        return DiversityConfig(maxPerSeed: perSeed, maxPerSource: perSource, maxSimilarity: similarity)
    }

    private static func parseSampling(_ node: ConfigNode) throws -> SamplingConfig {
        var mapping = try node.mapping()
        var sampling = SamplingConfig.defaults
        sampling.temperature = try mapping.optional("temperature")?.double(in: 0...10) ?? sampling.temperature
        sampling.topP = try mapping.optional("top_p")?.double(in: 0...1) ?? sampling.topP
        sampling.topK = try mapping.optional("top_k")?.int(in: 0...1_000_000) ?? sampling.topK
        sampling.minP = try mapping.optional("min_p")?.double(in: 0...1) ?? sampling.minP
        sampling.repetitionPenalty = try mapping.optional("repetition_penalty")?.double(in: 0.1...10)
            ?? sampling.repetitionPenalty
        sampling.maxTokens = try mapping.optional("max_tokens")?.int(in: 1...1_000_000) ?? sampling.maxTokens
        sampling.stop = try mapping.optional("stop")?.listOrSingle().map { try $0.string() } ?? []
        try mapping.finish()
        return sampling
    }

    private static func parseJudge(_ node: ConfigNode, kind: TaskKind, _ resolver: PathResolver) throws -> JudgeConfig {
        var mapping = try node.mapping()
        let kindNode = try mapping.required("kind")
        let judgeKind = try kindNode.string()
        let judge: JudgeConfig
        switch judgeKind {
        case "math_answer":
            if kind != .math { throw kindNode.error("math_answer judges math tasks only") }
            judge = .mathAnswer(requireAnnotations: try mapping.optional("require_annotations")?.bool() ?? true)
        case "code_tests":
            if kind != .code { throw kindNode.error("code_tests judges code tasks only") }
            judge = .codeTests(
                timeoutSeconds: try mapping.optional("timeout_s")?.double(in: 0.1...3600) ?? 10,
                minTests: try mapping.optional("min_tests")?.int(in: 0...1000) ?? 3,
                memoryMegabytes: try mapping.optional("memory_mb")?.int(in: 16...1_000_000) ?? 512)
        case "rubric":
            judge = .rubric(
                prompt: try resolver.existing(mapping.required("prompt"), what: "rubric template"),
                minScore: try mapping.optional("min_score")?.double(in: 0...10) ?? 0)
        case "likelihood":
            judge = .likelihood(maxNLL: try mapping.required("max_nll").double(in: 0...1000))
        case "self_consistency":
            if kind != .math { throw kindNode.error("self_consistency judges math tasks only") }
            judge = .selfConsistency(
                prompt: try resolver.existing(mapping.required("prompt"), what: "solve template"),
                samples: try mapping.optional("samples")?.int(in: 1...64) ?? 4,
                agreement: try mapping.optional("agreement")?.double(in: 0...1) ?? 0.5)
        default:
            throw kindNode.error("unknown judge kind \"\(judgeKind)\" (expected math_answer, code_tests, rubric, "
                                 + "likelihood or self_consistency)")
        }
        try mapping.finish()
        return judge
    }

    private static func parseDedup(_ node: ConfigNode, _ resolver: PathResolver) throws -> DedupConfig {
        var mapping = try node.mapping()
        let exact = try mapping.optional("exact")?.bool() ?? true
        var minhash: MinHashConfig? = .defaults
        if let minhashNode = mapping.optional("minhash") {
            if case .scalar = minhashNode.node {
                minhash = try minhashNode.bool() ? .defaults : nil
            } else {
                var values = try minhashNode.mapping()
                var config = MinHashConfig.defaults
                config.ngram = try values.optional("ngram")?.int(in: 1...64) ?? config.ngram
                config.bands = try values.optional("bands")?.int(in: 1...1024) ?? config.bands
                config.rows = try values.optional("rows")?.int(in: 1...1024) ?? config.rows
                config.threshold = try values.optional("threshold")?.double(in: 0...1) ?? config.threshold
                try values.finish()
                minhash = config
            }
        }
        var benchmarks: [BenchmarkSource] = []
        if let list = mapping.optional("decontaminate") {
            for item in try list.sequence() {
                var entry = try item.mapping()
                let path = try resolver.existing(entry.required("path"), what: "benchmark file")
                let field = try entry.optional("field")?.string() ?? BenchmarkLayout.automatic
                try entry.finish()
                benchmarks.append(BenchmarkSource(path: path, field: field))
            }
        }
        let ngram = try mapping.optional("ngram")?.int(in: 1...256) ?? 13
        try mapping.finish()
        return DedupConfig(exact: exact, minhash: minhash, decontaminate: benchmarks, decontaminationNGram: ngram)
    }

    private static func parseOutput(_ node: ConfigNode) throws -> OutputConfig {
        var mapping = try node.mapping()
        let shardBytes = try mapping.optional("shard_bytes")?.byteSize() ?? (64 << 20)
        let level = try mapping.optional("zstd_level")?.int(in: 1...22) ?? 10
        try mapping.finish()
        return OutputConfig(shardBytes: shardBytes, zstdLevel: level)
    }
}

extension MinHashConfig {
    public static let defaults = MinHashConfig(ngram: 5, bands: 14, rows: 8, threshold: 0.8)
}

/// Resolves paths in a pipeline file against its folder and checks they exist.
struct PathResolver {
    let base: URL

    func resolve(_ path: String) -> URL {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded).standardizedFileURL }
        return base.appendingPathComponent(expanded).standardizedFileURL
    }

    func existing(_ node: ConfigNode, what: String) throws -> String {
        let raw = try node.string()
        let url = resolve(raw)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw node.error("\(what) not found: \(raw) (resolved to \(url.path))")
        }
        return url.path
    }
}
