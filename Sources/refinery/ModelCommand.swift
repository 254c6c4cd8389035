import ArgumentParser
import Foundation
import MoE

/// `refinery model info|generate|logits|synthesize`: inspect and run a GGUF model with the bundled MoE runtime.
/// Exit codes: 1 usage/config error, 2 input error (unreadable or malformed model; the message names the byte
/// offset), 3 internal error.
struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect and run GGUF models with the bundled MoE runtime.",
        subcommands: [ModelInfoCommand.self, ModelGenerateCommand.self, ModelLogitsCommand.self,
                      ModelSynthesizeCommand.self, ModelQuantizeCommand.self]
    )
}

/// `refinery model info MODEL [--json]`: architecture, parameter counts and KV-cache bytes per token, from metadata
/// alone (a file without tensor data still reports).
struct ModelInfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Architecture, total/active parameters and KV-cache bytes per token (from metadata alone)."
    )

    @Argument(help: "The GGUF model file.")
    var model: String

    @Flag(name: .long, help: "Print JSON (architecture, parameters_total, parameters_active, kv_bytes_per_token, ...).")
    var json = false

    func run() async throws {
        try ModelCLI.reporting {
            let file = try GGUFFile(path: ModelCLI.path(model), requireTensorData: false)
            let summary = try ModelRegistry.summary(of: file)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                ModelCLI.out(String(decoding: try encoder.encode(summary), as: UTF8.self) + "\n")
            } else {
                ModelCLI.out(ModelCLI.describe(summary, file: file))
            }
        }
    }
}

/// `refinery model logits MODEL --tokens 1,2,3 [--all-positions]`: next-token logits as JSON
/// `{"logits": [[Float]]}`, one row per position (the last position only without `--all-positions`).
struct ModelLogitsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logits",
        abstract: "Print next-token logits for a token sequence as JSON {\"logits\": [[Float]]}."
    )

    @Argument(help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "Comma-separated token ids, e.g. 1,2,3.")
    var tokens: String

    @Flag(name: .long, help: "One row per input position instead of the last position only.")
    var allPositions = false

    @OptionGroup var compute: ComputeOptions

    func run() async throws {
        try ModelCLI.reporting {
            let ids = try ModelCLI.parseTokens(tokens)
            let languageModel = try ModelRegistry.load(path: ModelCLI.path(model))
            let cache = KVCache(layout: languageModel.cacheLayout, maxTokens: ids.count,
                                maxPositions: languageModel.contextLength, precision: compute.kvCache ?? .float32)
            let indices = allPositions ? Array(ids.indices) : [ids.count - 1]
            let output = try languageModel.forward(
                ForwardBatch(entries: [.init(slot: cache.newSequence(), tokens: ids, logitIndices: indices)]),
                cache: cache, context: ForwardContext(threads: max(1, compute.threads),
                                                      activations: compute.activations ?? .float))
            var text = "{\"logits\": ["
            for row in 0..<output.rowCount {
                if row > 0 { text += ", " }
                text += "[" + output.row(row).map { $0.isFinite ? "\($0)" : "null" }.joined(separator: ", ") + "]"
            }
            ModelCLI.out(text + "]}\n")
        }
    }
}

/// `refinery model generate MODEL --prompt TEXT [sampling flags]`: tokenizes with the model's own tokenizer,
/// generates through the batching engine, prints the text (or JSON with `--json`).
struct ModelGenerateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Generate text from a prompt with the model's tokenizer and the batching engine."
    )

    @Argument(help: "The GGUF model file.")
    var model: String

    @Option(name: .long, help: "The prompt text.")
    var prompt: String

    @Option(name: .long, help: "Sampling temperature; 0 is greedy.")
    var temperature: Float = 0.8

    @Option(name: .long, help: "Keep the k most likely tokens (0: off).")
    var topK = 40

    @Option(name: .long, help: "Nucleus sampling mass (1: off).")
    var topP: Float = 0.95

    @Option(name: .long, help: "Drop tokens below this fraction of the best one's probability (0: off).")
    var minP: Float = 0.05

    @Option(name: .long, help: "Penalty for tokens seen in the last --repetition-window tokens (1: off).")
    var repetitionPenalty: Float = 1

    @Option(name: .long, help: "Tokens the repetition penalty looks back over (0: all).")
    var repetitionWindow = 64

    @Option(name: .long, help: "Random seed; the same seed gives the same text.")
    var seed: UInt64 = 0

    @Option(name: .long, help: "Most tokens to generate.")
    var maxTokens = 256

    @Option(name: .long, help: "Stop when this text appears (repeatable); it is cut from the output.")
    var stop: [String] = []

    @Flag(name: .long, help: "Do not add the tokenizer's BOS token.")
    var noBos = false

    @Flag(name: .long, help: "Print JSON {text, tokens, finish_reason, prompt_tokens, ...}.")
    var json = false

    @OptionGroup var compute: ComputeOptions

    func run() async throws {
        guard temperature >= 0, topK >= 0, topP > 0, topP <= 1, minP >= 0, minP <= 1, repetitionPenalty > 0,
              maxTokens >= 0, compute.threads >= 1 else {
            ModelCLI.err("error: sampling flags out of range (temperature >= 0, top-k >= 0, 0 < top-p <= 1, "
                         + "0 <= min-p <= 1, repetition-penalty > 0, max-tokens >= 0, threads >= 1)\n")
            throw ExitCode(1)
        }
        try await ModelCLI.reportingAsync { try await execute() }
    }

    private func execute() async throws {
        let file = try GGUFFile(path: ModelCLI.path(model))
        let tokenizer = try ModelCLI.tokenizer(from: file)
        let languageModel = try ModelRegistry.load(file)
        var ids = tokenizer.encode(prompt, parseSpecial: true, addSpecialTokens: !noBos)
        if ids.isEmpty, let bos = tokenizer.bosTokenID { ids = [bos] }
        guard !ids.isEmpty else { throw ModelCLI.Failure.input("the prompt encodes to no tokens") }
        var stopIDs = Set<Int32>()
        if let eos = tokenizer.eosTokenID { stopIDs.insert(eos) }
        let parameters = SamplingParameters(
            temperature: temperature, topK: topK, topP: topP, minP: minP, repetitionPenalty: repetitionPenalty,
            repetitionWindow: repetitionWindow, seed: seed, maxTokens: maxTokens, stopTokenIDs: stopIDs)
        let stops: [String] = stop.filter { !$0.isEmpty }
        let cacheTokens = min(languageModel.contextLength, ids.count + maxTokens + 1)
        let engine = InferenceEngine(model: languageModel, threads: compute.threads, maxBatchTokens: 512,
                                     maxSequences: 1, cacheTokens: cacheTokens,
                                     activations: compute.activations ?? .int8,
                                     kvCache: compute.kvCache ?? .float16)
        defer { engine.shutdown() }
        let decode: @Sendable ([Int32]) -> String = { tokens in (try? tokenizer.decode(tokens)) ?? "" }
        var shouldStop: (@Sendable ([Int32]) -> Bool)?
        if !stops.isEmpty {
            shouldStop = { generated in
                let text = decode(generated)
                return stops.contains { text.contains($0) }
            }
        }
        let result = try await engine.generate(prompt: ids, parameters: parameters, shouldStop: shouldStop)
        var text = decode(result.tokens)
        if result.finishReason == .stop {
            let cuts = stops.compactMap { text.range(of: $0)?.lowerBound }
            if let cut = cuts.min() { text = String(text[..<cut]) }
        }
        let generatedAfterFirst = Double(max(result.tokens.count - 1, 0))
        let decodeRate = result.decodeSeconds > 0 ? generatedAfterFirst / result.decodeSeconds : 0
        if json {
            let object: [String: Any] = [
                "text": text, "tokens": result.tokens.map { Int($0) }, "finish_reason": result.finishReason.rawValue,
                "prompt_tokens": result.promptTokens, "prompt_seconds": result.promptSeconds,
                "decode_seconds": result.decodeSeconds, "decode_tokens_per_second": decodeRate,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            ModelCLI.out(String(decoding: data, as: UTF8.self) + "\n")
        } else {
            ModelCLI.out(text + "\n")
            let summary = String(format: "[%d prompt tokens in %.2f s; %d tokens in %.2f s (%.1f tok/s); ",
                                 result.promptTokens, result.promptSeconds, result.tokens.count,
                                 result.decodeSeconds, decodeRate)
            ModelCLI.err(summary + result.finishReason.rawValue + "]\n")
        }
    }
}

/// Shared plumbing of the `model` subcommands.
enum ModelCLI {
    enum Failure: Error {
        case usage(String)
        case input(String)
    }

    static func out(_ text: String) { FileHandle.standardOutput.write(Data(text.utf8)) }
    static func err(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    static func path(_ argument: String) -> String {
        let expanded = (argument as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return expanded }
        return FileManager.default.currentDirectoryPath + "/" + expanded
    }

    /// Maps errors to the documented exit codes with a message on stderr.
    static func exitCode(for error: Error) -> (code: Int32, message: String) {
        switch error {
        case let failure as Failure:
            switch failure {
            case .usage(let message): return (1, message)
            case .input(let message): return (2, message)
            }
        case let error as GGUFError: return (2, error.description)
        case let error as ModelError: return (2, error.description)
        case let error as EngineError:
            if case .forwardFailed = error { return (3, error.description) }
            return (2, error.description)
        case let error as KVCacheError: return (2, error.description)
        case let error as GGUFRequantizer.RequantizeError: return (2, error.description)
        default: return (3, "internal error: \(error)")
        }
    }

    static func reporting(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let (code, message) = exitCode(for: error)
            err("error: \(message)\n")
            throw ExitCode(code)
        }
    }

    static func reportingAsync(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            let (code, message) = exitCode(for: error)
            err("error: \(message)\n")
            throw ExitCode(code)
        }
    }

    static func parseTokens(_ text: String) throws -> [Int32] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
        let ids = parts.compactMap { Int32($0) }
        guard !parts.isEmpty, ids.count == parts.count, ids.allSatisfy({ $0 >= 0 }) else {
            throw Failure.usage("--tokens expects comma-separated non-negative token ids, e.g. 1,2,3; got '\(text)'")
        }
        return ids
    }

    /// The model's byte-level BPE tokenizer from its `tokenizer.ggml.*` metadata.
    static func tokenizer(from file: GGUFFile) throws -> BPETokenizer {
        guard file.metadata["tokenizer.ggml.tokens"] != nil else {
            throw Failure.input("the model has no tokenizer (tokenizer.ggml.tokens)")
        }
        do {
            return try BPETokenizer(metadata: file)
        } catch {
            throw Failure.input("tokenizer: \(error)")
        }
    }

    static func describe(_ s: ModelSummary, file: GGUFFile) -> String {
        func billions(_ n: Int) -> String {
            n >= 1_000_000_000 ? String(format: "%.2f B", Double(n) / 1e9) : String(format: "%.2f M", Double(n) / 1e6)
        }
        let ratio = s.kvBytesPerTokenMHA > 0 ? 100 * Double(s.kvBytesPerToken) / Double(s.kvBytesPerTokenMHA) : 0
        var types: [String: Int] = [:]
        for info in file.tensors { types[info.type.description, default: 0] += 1 }
        let typeList = types.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        let origin = s.countedFromTensors ? "" : " [from metadata; untied output assumed]"
        let tensorText = typeList.isEmpty ? " (metadata only)" : " (\(typeList))"
        var lines: [String] = []
        lines.append("architecture:       \(s.architecture)")
        lines.append("parameters:         \(billions(s.parametersTotal)) total (\(s.parametersTotal)), "
                     + "\(billions(s.parametersActive)) active (\(s.parametersActive))\(origin)")
        lines.append("layers:             \(s.layers), embedding \(s.embeddingLength), context \(s.contextLength), "
                     + "vocabulary \(s.vocabularySize)")
        lines.append("attention:          \(s.heads) heads x \(s.headDim), \(s.kvHeads) KV heads, "
                     + "CLA share factor \(s.claShareFactor)")
        lines.append("experts:            \(s.experts) routed, top-\(s.expertsUsed), \(s.sharedExperts) shared")
        lines.append("kv cache (f32):     \(s.kvBytesPerToken) bytes/token (plain MHA: \(s.kvBytesPerTokenMHA), "
                     + String(format: "%.2f%%)", ratio))
        lines.append("tensors:            \(file.tensors.count)\(tensorText)")
        lines.append("runtime:            MoE \(MoERuntime.version), kernels \(MoERuntime.kernelLevel)")
        return lines.joined(separator: "\n") + "\n"
    }
}

extension ActivationPrecision: ExpressibleByArgument {}
extension KVCachePrecision: ExpressibleByArgument {}

/// Kernel options of `model logits` and `model generate`.
struct ComputeOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Activations against quantised weights: float or int8.",
        discussion: "float is exact (logits default); int8 is fast (generate default)."))
    var activations: ActivationPrecision?

    @Option(name: .customLong("kv-cache"), help: ArgumentHelp(
        "KV cache elements: f32 or f16.",
        discussion: "f32 is exact (logits default); f16 halves the cache and its reads (generate default)."))
    var kvCache: KVCachePrecision?

    @Option(name: .long, help: "Kernel threads.")
    var threads = 2
}
