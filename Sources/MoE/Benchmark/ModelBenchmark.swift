import Foundation

/// What `ModelBenchmark` runs: sizes are clamped to the model's context (the report says when).
public struct ModelBenchmarkOptions: Sendable, Hashable {
    /// Prompt length of the prefill measurement.
    public var promptTokens = 512
    /// New tokens of the single-stream decode measurement (after a `decodePromptTokens` prompt).
    public var generateTokens = 128
    /// Concurrent sequences of the batched decode measurement.
    public var batch = 16
    /// New tokens per sequence in the batched measurement.
    public var batchGenerateTokens = 32
    /// Prompt length before both decode measurements.
    public var decodePromptTokens = 64
    /// Kernel threads of the engine (the step thread included).
    public var threads = 2
    /// Most tokens in one forward step (the engine's `maxBatchTokens`): a longer prompt is prefilled in chunks of
    /// this many. Scratch memory grows with it; 256 is what the pipeline's local backend uses at 16 sequences and
    /// prefills as fast as 512 here (bench Q4_K: 1467-1643 vs 1206-1366 tokens/s) in 24 MiB less.
    public var stepTokens = 256
    /// Seed of the random prompt token ids.
    public var seed: UInt64 = 0x5EED
    /// Size of the memcpy buffer for the copy bandwidth, and how many copies (the best one counts).
    public var copyBufferBytes = 256 << 20
    public var copyRepetitions = 4
    /// Activations of products against quantised weights.
    public var activations: ActivationPrecision = .int8
    /// Elements of the KV cache (the engine's default, half precision, unless set).
    public var kvCache: KVCachePrecision = .float16

    public init() {}
}

/// Numbers of one `ModelBenchmark` run. Encodes with the snake_case keys `refinery bench model --json` prints.
public struct ModelBenchmarkReport: Sendable, Encodable {
    public var architecture: String
    public var threads: Int
    public var kernelLevel: String
    /// `int8` or `float` (see `ActivationPrecision`).
    public var activations: String
    /// `f16` or `f32` (see `KVCachePrecision`).
    public var kvCache: String
    /// Prefill: `promptTokens` tokens over the time from admission to the first sampled token.
    public var promptTokens: Int
    public var promptTokensPerSecond: Double
    /// Single stream: `generateTokens` new tokens after a `decodePromptTokens` prompt; rate over the tokens after
    /// the first one (the first comes out of the prefill step).
    public var decodePromptTokens: Int
    public var generateTokens: Int
    public var decodeTokensPerSecond: Double
    /// Batched: `batch` concurrent requests of `batchGenerateTokens` new tokens each. The decode-only window runs
    /// from the moment the last request got its first token (every prefill done) to the last token of any request;
    /// `aggregateTokensPerSecond` is the tokens sampled inside that window over its length.
    public var batch: Int
    public var batchGenerateTokens: Int
    /// Most tokens per forward step (prompts are prefilled in chunks of this many).
    public var stepTokens: Int
    public var aggregateTokensPerSecond: Double
    public var aggregateWindowTokens: Int
    public var aggregateWindowSeconds: Double
    /// All generated tokens of the batch over the wall time from submission to the last finish (prefill included).
    public var aggregateEndToEndTokensPerSecond: Double
    /// VmRSS from /proc/self/status after the runs (nil where that file does not exist).
    public var rssBytes: Int?
    /// Size of the GGUF file and of the KV cache pages held when the RSS was read: the memory bound is
    /// `rss_bytes <= 1.15 * (file_bytes + kv_cache_bytes)`.
    public var fileBytes: Int
    public var kvCacheBytes: Int
    public var rssRatio: Double? {
        rssBytes.map { Double($0) / Double(max(1, fileBytes + kvCacheBytes)) }
    }
    /// Weight bytes one decoded token reads: everything but the routed experts it does not select, at the storage
    /// types (one row of the token embedding, plus the whole embedding again when it is the tied output head).
    public var activeWeightBytesPerToken: Int
    /// Best memcpy rate, counting the bytes read and the bytes written (the STREAM "copy" convention).
    public var copyBandwidthBytesPerSecond: Double
    /// activeWeightBytesPerToken × decodeTokensPerSecond / copyBandwidthBytesPerSecond.
    public var rooflineRatio: Double
    /// Clamps and other remarks.
    public var notes: [String]

    enum CodingKeys: String, CodingKey {
        case architecture, threads, batch, notes
        case kernelLevel = "kernel_level"
        case activations
        case kvCache = "kv_cache"
        case promptTokens = "prompt_tokens"
        case promptTokensPerSecond = "prompt_tokens_per_second"
        case decodePromptTokens = "decode_prompt_tokens"
        case generateTokens = "generate_tokens"
        case decodeTokensPerSecond = "decode_tokens_per_second"
        case batchGenerateTokens = "batch_generate_tokens"
        case stepTokens = "step_tokens"
        case aggregateTokensPerSecond = "aggregate_tokens_per_second"
        case aggregateWindowTokens = "aggregate_window_tokens"
        case aggregateWindowSeconds = "aggregate_window_seconds"
        case aggregateEndToEndTokensPerSecond = "aggregate_end_to_end_tokens_per_second"
        case rssBytes = "rss_bytes"
        case fileBytes = "file_bytes"
        case kvCacheBytes = "kv_cache_bytes"
        case rssRatio = "rss_ratio"
        case activeWeightBytesPerToken = "active_weight_bytes_per_token"
        case copyBandwidthBytesPerSecond = "copy_bandwidth_bytes_per_second"
        case rooflineRatio = "roofline_ratio"
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(architecture, forKey: .architecture)
        try c.encode(threads, forKey: .threads)
        try c.encode(kernelLevel, forKey: .kernelLevel)
        try c.encode(activations, forKey: .activations)
        try c.encode(kvCache, forKey: .kvCache)
        try c.encode(promptTokens, forKey: .promptTokens)
        try c.encode(promptTokensPerSecond, forKey: .promptTokensPerSecond)
        try c.encode(decodePromptTokens, forKey: .decodePromptTokens)
        try c.encode(generateTokens, forKey: .generateTokens)
        try c.encode(decodeTokensPerSecond, forKey: .decodeTokensPerSecond)
        try c.encode(batch, forKey: .batch)
        try c.encode(batchGenerateTokens, forKey: .batchGenerateTokens)
        try c.encode(stepTokens, forKey: .stepTokens)
        try c.encode(aggregateTokensPerSecond, forKey: .aggregateTokensPerSecond)
        try c.encode(aggregateWindowTokens, forKey: .aggregateWindowTokens)
        try c.encode(aggregateWindowSeconds, forKey: .aggregateWindowSeconds)
        try c.encode(aggregateEndToEndTokensPerSecond, forKey: .aggregateEndToEndTokensPerSecond)
        try c.encode(rssBytes, forKey: .rssBytes)  // null rather than absent when unknown
        try c.encode(fileBytes, forKey: .fileBytes)
        try c.encode(kvCacheBytes, forKey: .kvCacheBytes)
        try c.encode(rssRatio, forKey: .rssRatio)
        try c.encode(activeWeightBytesPerToken, forKey: .activeWeightBytesPerToken)
        try c.encode(copyBandwidthBytesPerSecond, forKey: .copyBandwidthBytesPerSecond)
        try c.encode(rooflineRatio, forKey: .rooflineRatio)
        try c.encode(notes, forKey: .notes)
    }

    /// The human-readable report.
    public var text: String {
        func rate(_ v: Double) -> String { String(format: "%.1f", v) }
        func gb(_ v: Double) -> String { String(format: "%.2f GB/s", v / 1e9) }
        var lines = [
            "model: \(architecture), \(threads) threads, kernels \(kernelLevel), \(activations) activations, "
                + "\(kvCache) KV cache",
            "prefill:        \(rate(promptTokensPerSecond)) tokens/s (\(promptTokens)-token prompt, steps of "
                + "\(stepTokens))",
            "decode:         \(rate(decodeTokensPerSecond)) tokens/s (\(generateTokens) new tokens after "
                + "\(decodePromptTokens) prompt tokens, single stream)",
            "batched decode: \(rate(aggregateTokensPerSecond)) tokens/s aggregate (\(batch) sequences × "
                + "\(batchGenerateTokens) new tokens; decode only: \(aggregateWindowTokens) tokens in "
                + String(format: "%.3f s", aggregateWindowSeconds) + " after the last prefill)",
            "                \(rate(aggregateEndToEndTokensPerSecond)) tokens/s end to end (prefill included)",
            "rss:            " + (rssBytes.map { String(format: "%.1f MiB", Double($0) / 1_048_576) } ?? "unknown")
                + String(format: " (GGUF file %.1f MiB + KV cache %.1f MiB", Double(fileBytes) / 1_048_576,
                         Double(kvCacheBytes) / 1_048_576)
                + (rssRatio.map { String(format: "; %.3f× their sum)", $0) } ?? ")"),
            "weights/token:  " + String(format: "%.2f MiB", Double(activeWeightBytesPerToken) / 1_048_576)
                + " (active parameters at their storage types)",
            "copy bandwidth: \(gb(copyBandwidthBytesPerSecond)) (best memcpy of a buffer, bytes read + written)",
            "roofline:       " + String(format: "%.3f", rooflineRatio)
                + " (weight bytes/token × decode tokens/s ÷ copy bandwidth)",
        ]
        lines += notes.map { "note: \($0)" }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Throughput of a model on this machine: prefill, single-stream decode, batched decode, resident memory and how
/// close decode comes to the memory-bandwidth bound. Greedy sampling, seeded random prompts, weights prefaulted.
public enum ModelBenchmark {
    /// Runs every measurement on `file` (which it prefaults and loads).
    public static func run(file: GGUFFile, options: ModelBenchmarkOptions) async throws -> ModelBenchmarkReport {
        _ = file.prefault()
        let model = try ModelRegistry.load(file)
        let context = model.contextLength
        var notes: [String] = []
        func clamp(_ value: Int, _ limit: Int, _ name: String) -> Int {
            let limited = max(1, min(value, limit))
            if limited != value { notes.append("\(name) clamped from \(value) to \(limited) (context \(context))") }
            return limited
        }
        let promptLength = clamp(options.promptTokens, context - 1, "prompt tokens")
        let decodePrompt = clamp(options.decodePromptTokens, max(1, context / 2), "decode prompt tokens")
        let generate = clamp(options.generateTokens, context - decodePrompt, "generate tokens")
        let batchGenerate = clamp(options.batchGenerateTokens, context - decodePrompt, "batch new tokens")
        let batch = max(1, options.batch)
        let threads = max(1, options.threads)
        // Sequences hold whole pages: room for every batched sequence at once, or some would wait for others.
        let page = KVCache.defaultPageSize
        func pages(_ positions: Int) -> Int { (positions + page - 1) / page * page }
        let cacheTokens = max(pages(promptLength + 1), pages(decodePrompt + generate),
                              batch * pages(decodePrompt + batchGenerate)) + 64
        let stepTokens = max(options.stepTokens, batch)
        let engine = InferenceEngine(model: model, threads: threads, maxBatchTokens: stepTokens,
                                     maxSequences: batch, cacheTokens: cacheTokens,
                                     activations: options.activations, kvCache: options.kvCache)
        defer { engine.shutdown() }
        var random = SeededGenerator(seed: options.seed)
        func prompt(_ count: Int) -> [Int32] {
            (0..<count).map { _ in Int32(truncatingIfNeeded: random.next() % UInt64(model.vocabularySize)) }
        }

        // Warm-up: starts the worker pool and touches the scratch buffers.
        _ = try await engine.generate(prompt: prompt(min(8, decodePrompt)), parameters: .greedy(maxTokens: 2))

        let prefill = try await engine.generate(prompt: prompt(promptLength), parameters: .greedy(maxTokens: 1))
        let promptRate = prefill.promptSeconds > 0 ? Double(promptLength) / prefill.promptSeconds : 0

        let single = try await engine.generate(prompt: prompt(decodePrompt), parameters: .greedy(maxTokens: generate))
        let decodeRate = single.decodeSeconds > 0 ? Double(max(single.tokens.count - 1, 0)) / single.decodeSeconds : 0
        if generate < 2 { notes.append("decode rate needs at least 2 new tokens") }

        let prompts = (0..<batch).map { _ in prompt(decodePrompt) }
        let batched = try await runBatch(engine: engine, prompts: prompts, newTokens: batchGenerate)
        if batched.windowTokens == 0 { notes.append("batched decode window is empty (too few new tokens)") }

        let resident = residentBytes()  // before the copy-bandwidth buffers
        let activeBytes = activeWeightBytesPerToken(file: file, expertsUsed: model.summary.expertsUsed)
        let bandwidth = copyBandwidth(bytes: options.copyBufferBytes, repetitions: options.copyRepetitions)
        return ModelBenchmarkReport(
            architecture: model.architecture, threads: threads, kernelLevel: MoERuntime.kernelLevel,
            activations: options.activations.rawValue, kvCache: options.kvCache.rawValue,
            promptTokens: promptLength, promptTokensPerSecond: promptRate, decodePromptTokens: decodePrompt,
            generateTokens: generate, decodeTokensPerSecond: decodeRate, batch: batch,
            batchGenerateTokens: batchGenerate, stepTokens: stepTokens, aggregateTokensPerSecond: batched.windowRate,
            aggregateWindowTokens: batched.windowTokens, aggregateWindowSeconds: batched.windowSeconds,
            aggregateEndToEndTokensPerSecond: batched.endToEndRate, rssBytes: resident,
            fileBytes: file.fileSize, kvCacheBytes: engine.statistics.kvCacheBytes,
            activeWeightBytesPerToken: activeBytes, copyBandwidthBytesPerSecond: bandwidth,
            rooflineRatio: bandwidth > 0 ? Double(activeBytes) * decodeRate / bandwidth : 0, notes: notes)
    }

    struct BatchResult {
        var windowTokens = 0
        var windowSeconds = 0.0
        var windowRate = 0.0
        var endToEndRate = 0.0
    }

    /// Submits every prompt at once and timestamps each sampled token on the engine's step thread.
    static func runBatch(engine: InferenceEngine, prompts: [[Int32]], newTokens: Int) async throws -> BatchResult {
        let clock = TokenTimestamps(requests: prompts.count)
        let start = DispatchTime.now().uptimeNanoseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, prompt) in prompts.enumerated() {
                group.addTask {
                    _ = try await engine.generate(prompt: prompt, parameters: .greedy(maxTokens: newTokens),
                                                  shouldStop: { _ in clock.record(request: index) })
                }
            }
            try await group.waitForAll()
        }
        let times = clock.snapshot()
        var result = BatchResult()
        let firsts = times.compactMap(\.first), lasts = times.compactMap(\.last)
        guard let prefillsDone = firsts.max(), let end = lasts.max() else { return result }
        let total = times.reduce(0) { $0 + $1.count }
        // Tokens of one step are sampled microseconds apart, steps a forward pass apart: half the shortest gap
        // between a request's consecutive tokens separates the last prefill's step from the steps after it.
        var shortestGap = UInt64.max
        for request in times where request.count >= 2 {
            for i in 1..<request.count { shortestGap = min(shortestGap, request[i] - request[i - 1]) }
        }
        let cut = shortestGap == .max ? prefillsDone : prefillsDone + shortestGap / 2
        result.windowTokens = times.reduce(0) { $0 + $1.filter { $0 > cut }.count }
        result.windowSeconds = Double(end - prefillsDone) / 1e9
        result.windowRate = result.windowSeconds > 0 ? Double(result.windowTokens) / result.windowSeconds : 0
        let wall = Double(end - start) / 1e9
        result.endToEndRate = wall > 0 ? Double(total) / wall : 0
        return result
    }

    /// Weight bytes one decoded token reads: routed expert tensors (`*_exps`, experts on the last axis) count
    /// `expertsUsed` of their experts, the token embedding one row (all of it again when it doubles as the output
    /// head), every other tensor (attention, norms, router, shared expert, output head) in full.
    public static func activeWeightBytesPerToken(file: GGUFFile, expertsUsed: Int) -> Int {
        let tied = file.tensor(named: "output.weight") == nil
        var total = 0
        for info in file.tensors {
            if info.name.hasSuffix("_exps.weight"), info.shape.count == 3, let experts = info.shape.last, experts > 0 {
                total += info.byteCount / experts * min(expertsUsed, experts)
            } else if info.name == "token_embd.weight" {
                total += info.byteCount / max(info.rowCount, 1) + (tied ? info.byteCount : 0)
            } else {
                total += info.byteCount
            }
        }
        return total
    }

    /// Best rate of `repetitions` copies of a `bytes`-byte buffer, in buffer bytes per second.
    public static func copyBandwidth(bytes: Int, repetitions: Int) -> Double {
        let count = max(bytes, 1 << 20)
        let source = Data(repeating: 0x5A, count: count)
        var destination = Data(repeating: 0, count: count)
        var best = 0.0
        for _ in 0..<max(1, repetitions) {
            let start = DispatchTime.now().uptimeNanoseconds
            destination.replaceSubrange(0..<count, with: source)
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if seconds > 0 { best = max(best, 2 * Double(count) / seconds) }
        }
        // Keep the copy observable.
        if destination.last != source.last { return 0 }
        return best
    }

    /// VmRSS of this process from /proc/self/status, in bytes; nil where that file is not available.
    public static func residentBytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2, let value = Int(fields[1]) else { return nil }
            let unit = fields.count >= 3 ? fields[2].lowercased() : "kb"
            return unit == "kb" ? value * 1024 : value
        }
        return nil
    }
}

/// Per-request token timestamps (nanoseconds of uptime), written from the engine's step thread.
final class TokenTimestamps: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [[UInt64]]

    init(requests: Int) { times = Array(repeating: [], count: requests) }

    /// Records one sampled token of `request`; always returns false (never stops generation).
    func record(request: Int) -> Bool {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.withLock { times[request].append(now) }
        return false
    }

    func snapshot() -> [[UInt64]] { lock.withLock { times } }
}
