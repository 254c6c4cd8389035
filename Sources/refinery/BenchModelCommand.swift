import ArgumentParser
import Foundation
import MoE
import Refinery

/// `refinery bench model MODEL.gguf [--prompt 512] [--generate 128] [--batch N] [--threads N] [--json]`: prefill,
/// single-stream and batched decode throughput, resident memory and the memory-bandwidth roofline ratio.
struct BenchModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Benchmark a GGUF model: prefill and decode tokens/s, batched decode, RSS and roofline ratio.",
        discussion: """
            Prefaults the weights, then with greedy sampling and seeded random token ids measures: prefill tokens/s \
            of a --prompt-token prompt fed in steps of at most --step-tokens tokens (admission to first token); \
            single-stream decode tokens/s of --generate new tokens after a 64-token prompt (tokens after the first \
            over the time after the first); batched decode: --batch concurrent requests of --batch-generate new \
            tokens after 64-token prompts, reported as tokens sampled after the last request's prefill step over the \
            time from that step to the last token (decode only), and end to end (prefill included). RSS is VmRSS \
            after the runs, also as a ratio to the GGUF file's size plus the KV cache pages held. The roofline ratio \
            is the weight bytes a decoded token reads (attention, shared expert, top-k routed experts and output head \
            at their storage types) times decode tokens/s, divided by the best memcpy rate of a 256 MB buffer (bytes \
            read plus bytes written, as STREAM counts a copy). Sizes that do not fit the model's context are clamped \
            (the report says so).
            """
    )

    @Argument(help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "Prompt tokens of the prefill measurement.")
    var prompt = 512

    @Option(name: .long, help: "New tokens of the single-stream decode measurement.")
    var generate = 128

    @Option(name: .long, help: "Concurrent sequences of the batched decode measurement.")
    var batch = 16

    @Option(name: .customLong("batch-generate"), help: "New tokens per sequence of the batched decode measurement.")
    var batchGenerate = 32

    @Option(name: .customLong("step-tokens"),
            help: "Most tokens per forward step: longer prompts are prefilled in chunks of this many.")
    var stepTokens = 256

    @Option(name: .long, help: "Kernel threads (0: all cores).")
    var threads = 0

    @Option(name: .long, help: "Seed of the random prompt token ids.")
    var seed: UInt64 = 0x5EED

    @Option(name: .customLong("copy-megabytes"), help: ArgumentHelp("Buffer size of the copy bandwidth.",
                                                                     visibility: .hidden))
    var copyMegabytes = 256

    @Option(name: .long, help: "Activations against quantised weights: int8 (fast path) or float (exact path).")
    var activations = ActivationPrecision.int8

    @Option(name: .customLong("kv-cache"), help: "KV cache elements: f16 (halves its memory and reads) or f32 (exact).")
    var kvCache = KVCachePrecision.float16

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            guard prompt >= 1, generate >= 1, batchGenerate >= 1, batch >= 1, batch <= 1024, threads >= 0,
                  stepTokens >= 1, stepTokens <= 65536, copyMegabytes >= 1, copyMegabytes <= 4096 else {
                throw RefineryError.usage("--prompt, --generate and --batch-generate must be >= 1, --batch in "
                                          + "1...1024, --step-tokens in 1...65536, --threads >= 0")
            }
            let path = URL(commandLinePath: model).path
            let file: GGUFFile
            do {
                file = try GGUFFile(path: path)
            } catch let error as GGUFError {
                throw RefineryError.input(error.description, at: SourceLocation(file: path))
            }
            var options = ModelBenchmarkOptions()
            options.promptTokens = prompt
            options.generateTokens = generate
            options.batch = batch
            options.batchGenerateTokens = batchGenerate
            options.stepTokens = stepTokens
            options.threads = threads > 0 ? threads : ProcessInfo.processInfo.activeProcessorCount
            options.seed = seed
            options.copyBufferBytes = copyMegabytes << 20
            options.activations = activations
            options.kvCache = kvCache
            let report: ModelBenchmarkReport
            do {
                report = try await ModelBenchmark.run(file: file, options: options)
            } catch let error as ModelError {
                throw RefineryError.input(error.description, at: SourceLocation(file: path))
            } catch let error as GGUFError {
                throw RefineryError.input(error.description, at: SourceLocation(file: path))
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                printOut(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
            } else {
                printOut(report.text)
            }
        }
    }
}
