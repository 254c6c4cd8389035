import Foundation
import MoE

/// The bundled runtime as a pipeline backend: one model, one tokenizer, one continuously batching engine shared
/// by every concurrent request of the run.
public final class LocalModel: Generator, ScoringModel {
    public let identity: String
    public let tokenizer: BPETokenizer
    public let engine: InferenceEngine
    public let file: GGUFFile
    private let stopTokens: Set<Int32>

    /// Opens a GGUF model. Errors name the file and, for malformed files, the byte offset.
    public init(url: URL, threads: Int, maxSequences: Int, activations: ActivationPrecision = .int8,
                kvCache: KVCachePrecision = .float16) throws {
        do {
            file = try GGUFFile(path: url.path)
        } catch {
            throw RefineryError.input("cannot load model: \(error)", at: SourceLocation(file: url.path))
        }
        do {
            tokenizer = try BPETokenizer(metadata: file)
        } catch {
            throw RefineryError.input("cannot build the tokenizer from the model's metadata: \(error)",
                                      at: SourceLocation(file: url.path))
        }
        let model: any LanguageModel
        do {
            model = try ModelRegistry.load(file)
        } catch {
            throw RefineryError.input("cannot load model: \(error)", at: SourceLocation(file: url.path))
        }
        file.prefault()
        let name = file.metadata["general.name"]?.stringValue ?? url.deletingPathExtension().lastPathComponent
        identity = "\(name)@\(try Self.fileHash(url).prefix(12))"
        var stops = Set<Int32>()
        if let eos = tokenizer.eosTokenID { stops.insert(eos) }
        if let eot = file.metadata["tokenizer.ggml.eot_token_id"]?.intValue { stops.insert(Int32(eot)) }
        stopTokens = stops
        engine = InferenceEngine(model: model, threads: threads, maxBatchTokens: max(256, maxSequences * 4),
                                 maxSequences: maxSequences, activations: activations, kvCache: kvCache)
    }

    /// The model file's sha256, cached next to nothing: computed once per process (fast for small models).
    static func fileHash(_ url: URL) throws -> String {
        try Hashing.sha256Hex(fileAt: url)
    }

    public func shutdown() { engine.shutdown() }

    func encodePrompt(_ text: String) -> [Int32] {
        tokenizer.encode(text, parseSpecial: false, addSpecialTokens: true)
    }

    public func generate(_ request: GenerationRequest) async throws -> GenerationOutput {
        let started = Date()
        let prompt = encodePrompt(request.prompt)
        let sampling = request.sampling
        let parameters = SamplingParameters(
            temperature: Float(sampling.temperature), topK: sampling.topK, topP: Float(sampling.topP),
            minP: Float(sampling.minP), repetitionPenalty: Float(sampling.repetitionPenalty), seed: request.seed,
            maxTokens: sampling.maxTokens, stopTokenIDs: stopTokens)
        let stopStrings = sampling.stop
        let tokenizer = self.tokenizer
        var shouldStop: (@Sendable ([Int32]) -> Bool)?
        if !stopStrings.isEmpty {
            shouldStop = { tokens in
                guard let text = try? tokenizer.decode(tokens) else { return false }
                return stopStrings.contains { text.contains($0) }
            }
        }
        let result: GenerationResult
        do {
            result = try await engine.generate(prompt: prompt, parameters: parameters, shouldStop: shouldStop)
        } catch let error as EngineError {
            if case .tooLong = error {
                throw GenerationRefusal(reason: "prompt_too_long", detail: "\(error)")
            }
            throw RefineryError.internal("generation failed: \(error)")
        }
        var text = try tokenizer.decode(result.tokens)
        var finish: FinishReason = switch result.finishReason {
        case .eos: .eos
        case .stop: .stop
        case .length: .length
        }
        if let cut = stopStrings.compactMap({ text.range(of: $0)?.lowerBound }).min() {
            text = String(text[..<cut])
            finish = .stop
        }
        return GenerationOutput(text: text, finishReason: finish, promptTokens: prompt.count,
                                completionTokens: result.tokens.count, seconds: Date().timeIntervalSince(started))
    }

    public func tokenLogProbabilities(prompt: String, continuation: String) async throws -> [Double] {
        let promptTokens = encodePrompt(prompt)
        var continuationTokens = tokenizer.encode(continuation, parseSpecial: false, addSpecialTokens: false)
        if let eos = tokenizer.eosTokenID { continuationTokens.append(eos) }
        return try await engine.logProbabilities(prompt: promptTokens, continuation: continuationTokens).map(Double.init)
    }

    /// Scores each candidate as a token sequence: shared prefixes are evaluated once (a trie of next-token
    /// distributions), so the ten rubric scores cost two forward passes, not ten.
    public func sequenceLogProbabilities(prompt: String, candidates: [String]) async throws -> [Double] {
        let promptTokens = encodePrompt(prompt)
        let sequences = candidates.map { tokenizer.encode($0, parseSpecial: false, addSpecialTokens: false) }
        var distributions: [[Int32]: [Float]] = [:]
        var result: [Double] = []
        for sequence in sequences {
            var total = 0.0
            for index in sequence.indices {
                let prefix = Array(sequence[..<index])
                if distributions[prefix] == nil {
                    distributions[prefix] = try await engine.nextTokenLogProbabilities(prompt: promptTokens + prefix)
                }
                let distribution = distributions[prefix] ?? []
                let token = Int(sequence[index])
                total += token < distribution.count ? Double(distribution[token]) : -.infinity
            }
            result.append(total)
        }
        return result
    }
}
