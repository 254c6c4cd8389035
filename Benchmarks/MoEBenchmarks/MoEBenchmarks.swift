// Runtime benchmarks of the MoE inference runtime (ordo-one/benchmark). Run with `swift package benchmark`; see
// Benchmarks/README.md. Not part of `swift test`.
//
// Kernels: one 1024-column × 4096-row weight matrix per type, multiplied with 1 token (matrix-vector, the decode
// case) and 64 tokens (matrix-matrix, the prefill case), single-threaded, on the CPU's best kernel level.
// Engine: decode of a small synthetic hunyuan-moe model built in memory, one sequence and 16 at once, 2 threads.

import Benchmark
import Foundation
import MoE
import MoEKernels

let benchmarks: @Sendable () -> Void = {
    // Small, time-bounded runs: the whole suite takes about a minute. Wall clock in microseconds, and throughput
    // (calls per second); the engine benchmarks add tokens-per-second metrics of their own.
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .throughput],
        timeUnits: .microseconds,
        warmupIterations: 2,
        maxDuration: .seconds(2),
        maxIterations: 2_000,
        thresholds: thresholds([.wallClock, .throughput])
    )

    // MARK: Kernels

    let columns = 1024, rows = 4096
    for type in [GGMLType.f32, .q8_0, .q4_K] {
        for tokens in [1, 64] {
            Benchmark("mk_matmul \(type) \(columns)x\(rows) tokens=\(tokens)") { benchmark, fixture in
                for _ in benchmark.scaledIterations {
                    blackHole(fixture.matmulFloat())
                }
            } setup: {
                try MatmulFixture(type: type, columns: columns, rows: rows, tokens: tokens, integer: false)
            }
        }
    }

    // Integer activations: the quantisation of the activations is part of each call, as in the engine's `.int8`
    // path, so these compare directly with the float rows above.
    for type in [GGMLType.q8_0, .q4_K] {
        for tokens in [1, 64] {
            Benchmark("mk_quantize_q8+mk_matmul_q8 \(type) \(columns)x\(rows) tokens=\(tokens)") { benchmark, fixture in
                for _ in benchmark.scaledIterations {
                    blackHole(fixture.matmulQ8())
                }
            } setup: {
                try MatmulFixture(type: type, columns: columns, rows: rows, tokens: tokens, integer: true)
            }
        }
    }

    Benchmark("mk_quantize_q8 \(columns) tokens=64") { benchmark, fixture in
        for _ in benchmark.scaledIterations {
            fixture.quantizeActivations()
            blackHole(fixture.quantized[0].d)
        }
    } setup: {
        try MatmulFixture(type: .q8_0, columns: columns, rows: 32, tokens: 64, integer: true)
    }

    // MARK: Engine

    for activations in [ActivationPrecision.int8, .float] {
        let holder = EngineHolder()
        Benchmark(
            "engine decode synthetic-q8_0 prompt=16 new=32 threads=2 activations=\(activations.rawValue)",
            configuration: .init(
                metrics: [.wallClock, .throughput, EngineMetrics.decodeTokensPerSecond,
                          EngineMetrics.prefillTokensPerSecond],
                timeUnits: .milliseconds,
                warmupIterations: 1,
                maxDuration: .seconds(4),
                maxIterations: 50,
                thresholds: thresholds([.wallClock, .throughput, EngineMetrics.decodeTokensPerSecond,
                                        EngineMetrics.prefillTokensPerSecond])
            )
        ) { benchmark in
            guard let fixture = holder.fixture else { return benchmark.error("engine fixture missing") }
            do {
                let result = try await fixture.engine.generate(prompt: fixture.prompt,
                                                               parameters: .greedy(maxTokens: EngineFixture.newTokens))
                benchmark.stopMeasurement()
                // Same definition as `refinery bench model`: the first new token comes out of the prefill step, so
                // the decode rate counts the tokens after it over the decode time.
                if result.decodeSeconds > 0 {
                    let rate = Double(max(result.tokens.count - 1, 0)) / result.decodeSeconds
                    benchmark.measurement(EngineMetrics.decodeTokensPerSecond, Int(rate.rounded()))
                }
                if result.promptSeconds > 0 {
                    let rate = Double(result.promptTokens) / result.promptSeconds
                    benchmark.measurement(EngineMetrics.prefillTokensPerSecond, Int(rate.rounded()))
                }
                blackHole(result.tokens)
            } catch {
                benchmark.error("generate failed: \(error)")
            }
        } setup: {
            holder.fixture = try await EngineFixture(activations: activations)
        } teardown: {
            holder.fixture?.engine.shutdown()
            holder.fixture = nil
        }
    }
    batchedEngineBenchmark()
}

/// Batched decode: `EngineFixture.batch` concurrent requests on one engine (continuous batching, experts grouped by
/// token), reported as all new tokens over the wall time (prefill included).
func batchedEngineBenchmark() {
    let holder = EngineHolder()
    Benchmark(
        "engine batch synthetic-q8_0 sequences=\(EngineFixture.batch) prompt=16 new=32 threads=2 activations=int8",
        configuration: .init(
            metrics: [.wallClock, .throughput, EngineMetrics.aggregateTokensPerSecond],
            timeUnits: .milliseconds,
            warmupIterations: 1,
            maxDuration: .seconds(4),
            maxIterations: 30,
            thresholds: thresholds([.wallClock, .throughput, EngineMetrics.aggregateTokensPerSecond])
        )
    ) { benchmark in
        guard let fixture = holder.fixture else { return benchmark.error("engine fixture missing") }
        let start = DispatchTime.now().uptimeNanoseconds
        do {
            let tokens = try await withThrowingTaskGroup(of: Int.self) { group in
                for prompt in fixture.prompts {
                    group.addTask {
                        try await fixture.engine.generate(prompt: prompt,
                                                          parameters: .greedy(maxTokens: EngineFixture.newTokens))
                            .tokens.count
                    }
                }
                return try await group.reduce(0, +)
            }
            benchmark.stopMeasurement()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if seconds > 0 {
                benchmark.measurement(EngineMetrics.aggregateTokensPerSecond, Int((Double(tokens) / seconds).rounded()))
            }
        } catch {
            benchmark.error("generate failed: \(error)")
        }
    } setup: {
        holder.fixture = try await EngineFixture(activations: .int8, sequences: EngineFixture.batch)
    } teardown: {
        holder.fixture?.engine.shutdown()
        holder.fixture = nil
    }
}

/// What `swift package benchmark baseline check` calls a regression: the median or p75 more than 10 % worse than the
/// baseline's (the package's default, 5 % at p25/p50/p75, flags noise on a shared machine).
func thresholds(_ metrics: [BenchmarkMetric]) -> [BenchmarkMetric: BenchmarkThresholds] {
    let tolerance = BenchmarkThresholds(relative: [.p50: 10.0, .p75: 10.0])
    return Dictionary(uniqueKeysWithValues: metrics.map { ($0, tolerance) })
}

enum EngineMetrics {
    static let decodeTokensPerSecond = BenchmarkMetric.custom("decode tokens/s", polarity: .prefersLarger,
                                                              useScalingFactor: false)
    static let prefillTokensPerSecond = BenchmarkMetric.custom("prefill tokens/s", polarity: .prefersLarger,
                                                               useScalingFactor: false)
    static let aggregateTokensPerSecond = BenchmarkMetric.custom("aggregate tokens/s", polarity: .prefersLarger,
                                                                 useScalingFactor: false)
}

// MARK: - Fixtures

/// splitmix64, uniform floats in [-1, 1): the same weights and inputs on every run.
struct Random {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func uniform() -> Float { Float(Double(next() >> 11) / Double(1 << 52) - 1) }
    mutating func floats(_ count: Int, scale: Float = 1) -> [Float] { (0..<count).map { _ in uniform() * scale } }
}

/// A `rows` × `columns` weight matrix of `type` (encoded by `Quantizer`, 64-byte aligned like a mapped GGUF file),
/// `tokens` rows of float activations, their 8-bit quantisation and the output.
final class MatmulFixture: @unchecked Sendable {
    let type: GGMLType
    let columns: Int
    let rows: Int
    let tokens: Int
    let rowBytes: Int
    let weights: UnsafeMutableRawPointer
    var activations: [Float]
    var quantized: [mk_block_q8]
    var output: [Float]

    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    init(type: GGMLType, columns: Int, rows: Int, tokens: Int, integer: Bool) throws {
        guard let rowBytes = type.rowBytes(elements: columns) else {
            throw Unsupported(description: "\(columns) columns are not whole blocks of \(type)")
        }
        self.type = type
        self.columns = columns
        self.rows = rows
        self.tokens = tokens
        self.rowBytes = rowBytes
        var random = Random(seed: 0x5EED ^ UInt64(type.rawValue))
        let scale = 1 / Float(columns).squareRoot()
        let bytes = try Quantizer.encode(random.floats(rows * columns, scale: scale), as: type)
        precondition(bytes.count == rows * rowBytes)
        let weights = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
        bytes.withUnsafeBytes { weights.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        self.weights = weights
        activations = random.floats(tokens * columns)
        quantized = [mk_block_q8](repeating: mk_block_q8(), count: tokens * columns / 32)
        output = [Float](repeating: 0, count: tokens * rows)
        // Check once that the kernels accept the type, so a failing call cannot pass for a fast one.
        if integer {
            guard mk_q8_supports(Int32(type.rawValue)) == 1, matmulQ8() == 0 else {
                throw Unsupported(description: "mk_matmul_q8 does not support \(type)")
            }
        } else {
            guard matmulFloat() == 0 else { throw Unsupported(description: "mk_matmul does not support \(type)") }
        }
    }

    deinit {
        weights.deallocate()
    }

    /// y = W·x for every token, float activations. Returns the kernel's status.
    func matmulFloat() -> Int32 {
        let (type, columns, rows, tokens, rowBytes, weights) = (type, columns, rows, tokens, rowBytes, weights)
        return activations.withUnsafeBufferPointer { x in
            output.withUnsafeMutableBufferPointer { y in
                mk_matmul(Int32(type.rawValue), weights, rowBytes, Int64(columns), 0, Int64(rows),
                          x.baseAddress, Int64(columns), Int64(tokens), y.baseAddress, Int64(rows))
            }
        }
    }

    /// Quantises every token's activations to 8-bit blocks.
    func quantizeActivations() {
        let (columns, tokens) = (columns, tokens)
        activations.withUnsafeBufferPointer { x in
            quantized.withUnsafeMutableBufferPointer { q in
                for t in 0..<tokens {
                    mk_quantize_q8(x.baseAddress! + t * columns, Int64(columns), q.baseAddress! + t * (columns / 32))
                }
            }
        }
    }

    /// Quantises the activations, then y = W·x with integer dot products. Returns the kernel's status.
    func matmulQ8() -> Int32 {
        quantizeActivations()
        let (type, columns, rows, tokens, rowBytes, weights) = (type, columns, rows, tokens, rowBytes, weights)
        return quantized.withUnsafeBufferPointer { q in
            output.withUnsafeMutableBufferPointer { y in
                mk_matmul_q8(Int32(type.rawValue), weights, rowBytes, Int64(columns), 0, Int64(rows),
                             q.baseAddress, Int64(columns / 32), Int64(tokens), y.baseAddress, Int64(rows))
            }
        }
    }
}

/// A small synthetic hunyuan-moe model (built in memory, Q8_0 weights) behind a single-sequence engine.
final class EngineFixture: @unchecked Sendable {
    static let promptTokens = 16
    static let newTokens = 32
    /// Sequences of the batched benchmark.
    static let batch = 16

    let file: GGUFFile
    let engine: InferenceEngine
    /// One prompt per sequence (`prompt` is the first).
    let prompts: [[Int32]]
    var prompt: [Int32] { prompts[0] }

    static var spec: SyntheticModelSpec {
        var spec = SyntheticModelSpec()
        spec.vocabulary = 4096
        spec.embedding = 256
        spec.layers = 4
        spec.heads = 4
        spec.kvHeads = 2
        spec.headDim = 64
        spec.experts = 8
        spec.expertsUsed = 2
        spec.expertLength = 256
        spec.sharedLength = 256
        spec.context = 512
        spec.weightType = .q8_0
        spec.seed = 1
        return spec
    }

    init(activations: ActivationPrecision, sequences: Int = 1) async throws {
        file = try GGUFFile(bytes: Self.spec.build())
        file.prefault()
        let model = try ModelRegistry.load(file)
        engine = InferenceEngine(model: model, threads: 2, maxBatchTokens: max(64, sequences * Self.promptTokens),
                                 maxSequences: sequences, activations: activations)
        var random = Random(seed: 0x5EED)
        // Ordinary tokens only (the last two ids are BOS and EOS).
        prompts = (0..<sequences).map { _ in
            (0..<Self.promptTokens).map { _ in
                Int32(truncatingIfNeeded: random.next() % UInt64(model.vocabularySize - 2))
            }
        }
        // Warm-up: starts the worker pool and touches the scratch buffers.
        _ = try await engine.generate(prompt: prompt, parameters: .greedy(maxTokens: 2))
    }
}

/// Lets a benchmark's teardown reach the engine its setup made.
final class EngineHolder: @unchecked Sendable {
    var fixture: EngineFixture?
}
