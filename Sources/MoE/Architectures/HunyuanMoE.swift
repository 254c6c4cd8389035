/// Hyperparameters of a `hunyuan-moe` model, read with llama.cpp's key names plus Refinery's two extensions:
/// `hunyuan-moe.attention.cla_share_factor` (u32, default 1) and `hunyuan-moe.expert_weights_norm` (bool,
/// default true). A file without the extensions (llama.cpp's convention) loads unchanged.
public struct HunyuanMoEHyperparameters: Sendable, Hashable {
    public var vocabularySize: Int
    public var contextLength: Int
    public var embeddingLength: Int
    public var blockCount: Int
    public var headCount: Int
    public var headCountKV: Int
    public var headDim: Int
    public var rotaryDim: Int
    public var ropeFreqBase: Double
    public var rmsEpsilon: Float
    public var expertCount: Int
    public var expertUsedCount: Int
    public var expertFeedForwardLength: Int
    public var sharedFeedForwardLength: Int
    /// Layers per K/V group: layer i reuses the K/V of layer i - i % claShareFactor.
    public var claShareFactor: Int
    /// Renormalise the top-k router weights to sum to 1.
    public var expertWeightsNorm: Bool

    static let prefix = "hunyuan-moe."

    /// Reads the hyperparameters; `vocabularySize` falls back to the tokenizer's token list, then to
    /// `token_embd.weight`'s shape.
    public init(file: GGUFFile) throws {
        let p = Self.prefix
        func required(_ key: String) throws -> Int {
            guard let v = try file.int(p + key) else {
                throw ModelError.invalidHyperparameter(key: p + key, reason: "missing")
            }
            return v
        }
        embeddingLength = try required("embedding_length")
        blockCount = try required("block_count")
        headCount = try required("attention.head_count")
        contextLength = try required("context_length")
        headCountKV = try file.int(p + "attention.head_count_kv") ?? headCount
        let defaultHeadDim = headCount > 0 ? embeddingLength / headCount : 0
        headDim = try file.int(p + "attention.key_length") ?? defaultHeadDim
        let valueLength = try file.int(p + "attention.value_length") ?? headDim
        rotaryDim = try file.int(p + "rope.dimension_count") ?? headDim
        ropeFreqBase = try file.double(p + "rope.freq_base") ?? 10000
        rmsEpsilon = Float(try file.double(p + "attention.layer_norm_rms_epsilon") ?? 1e-5)
        expertCount = try required("expert_count")
        expertUsedCount = try required("expert_used_count")
        // FFN widths: llama.cpp shapes the expert tensors by feed_forward_length and the shared expert by
        // expert_shared_feed_forward_length (falling back to feed_forward_length); files from its converter have
        // feed_forward_length == expert_feed_forward_length. When tensors are present their shapes decide.
        let denseLength = try file.int(p + "feed_forward_length")
        guard let expertLength = try file.int(p + "expert_feed_forward_length") ?? denseLength else {
            throw ModelError.invalidHyperparameter(key: p + "expert_feed_forward_length", reason: "missing")
        }
        expertFeedForwardLength = expertLength
        sharedFeedForwardLength = try file.int(p + "expert_shared_feed_forward_length") ?? denseLength ?? expertLength
        if let gate = file.tensor(named: "blk.0.ffn_gate_exps.weight"), gate.shape.count == 3 {
            expertFeedForwardLength = gate.shape[1]
        }
        if let sharedGate = file.tensor(named: "blk.0.ffn_gate_shexp.weight"), sharedGate.shape.count == 2 {
            sharedFeedForwardLength = sharedGate.shape[1]
        }
        claShareFactor = try file.int(p + "attention.cla_share_factor") ?? 1
        expertWeightsNorm = try file.bool(p + "expert_weights_norm") ?? true
        if let v = try file.int(p + "vocab_size") {
            vocabularySize = v
        } else if let tokens = file.value("tokenizer.ggml.tokens")?.arrayValue {
            vocabularySize = tokens.count
        } else if let embedding = file.tensor(named: "token_embd.weight"), embedding.shape.count == 2 {
            vocabularySize = embedding.shape[1]
        } else {
            throw ModelError.invalidHyperparameter(key: p + "vocab_size",
                                                   reason: "missing (no tokenizer.ggml.tokens or token_embd.weight)")
        }
        try validate(valueLength: valueLength)
    }

    private func validate(valueLength: Int) throws {
        let p = Self.prefix
        func check(_ ok: Bool, _ key: String, _ reason: String) throws {
            if !ok { throw ModelError.invalidHyperparameter(key: p + key, reason: reason) }
        }
        let limit = 1 << 24
        try check(embeddingLength > 0 && embeddingLength < limit, "embedding_length", "must be 1..<\(limit)")
        try check(blockCount > 0 && blockCount < 4096, "block_count", "must be 1..<4096")
        try check(headCount > 0 && headCount < 4096, "attention.head_count", "must be 1..<4096")
        try check(headCountKV > 0 && headCount % headCountKV == 0, "attention.head_count_kv",
                  "must divide attention.head_count (\(headCount)), found \(headCountKV)")
        try check(headDim > 0 && headDim < 65536, "attention.key_length", "must be 1..<65536")
        try check(valueLength == headDim, "attention.value_length", "must equal key_length (\(headDim))")
        try check(rotaryDim > 0 && rotaryDim <= headDim && rotaryDim % 2 == 0, "rope.dimension_count",
                  "must be even and at most the head size \(headDim)")
        try check(contextLength > 0 && contextLength < (1 << 28), "context_length", "must be 1..<2^28")
        try check(expertCount > 0 && expertCount < 65536, "expert_count", "must be 1..<65536")
        try check(expertUsedCount > 0 && expertUsedCount <= expertCount, "expert_used_count",
                  "must be 1...expert_count (\(expertCount))")
        try check(expertFeedForwardLength > 0 && expertFeedForwardLength < limit, "expert_feed_forward_length",
                  "must be 1..<\(limit)")
        try check(sharedFeedForwardLength >= 0 && sharedFeedForwardLength < limit,
                  "expert_shared_feed_forward_length", "must be 0..<\(limit)")
        try check(claShareFactor >= 1 && claShareFactor <= blockCount, "attention.cla_share_factor",
                  "must be 1...block_count (\(blockCount))")
        try check(vocabularySize > 0 && vocabularySize < (1 << 26), "vocab_size", "must be 1..<2^26")
        try check(ropeFreqBase > 0 && ropeFreqBase.isFinite, "rope.freq_base", "must be positive")
        try check(rmsEpsilon >= 0 && rmsEpsilon.isFinite, "attention.layer_norm_rms_epsilon", "must be >= 0")
    }

    /// Layer groups sharing one K/V entry.
    public var kvGroups: Int { (blockCount + claShareFactor - 1) / claShareFactor }

    public var cacheLayout: KVCacheLayout {
        KVCacheLayout(groups: kvGroups, kvHeads: headCountKV, headDim: headDim)
    }

    /// Whether layer `index` has its own K/V projections (the first layer of its group).
    public func ownsKeyValue(layer index: Int) -> Bool { index % claShareFactor == 0 }

    /// Parameter counts from shapes alone; `tied` says whether the output projection reuses the embeddings.
    /// Returns nil if a count overflows (absurd metadata).
    func parameterCounts(tied: Bool) -> (total: Int, perExpert: Int, kvBytes: Int, mhaBytes: Int)? {
        var c = CheckedArithmetic()
        let d = embeddingLength, qDim = c.mul(headCount, headDim), kvDim = c.mul(headCountKV, headDim)
        let perExpert = c.mul(3, embeddingLength, expertFeedForwardLength)
        let embeddings = c.mul(vocabularySize, d)
        var total = c.add(embeddings, d, tied ? 0 : embeddings)
        let ownerLayers = kvGroups
        let layer = c.add(c.mul(2, d), c.mul(2, d, qDim), c.mul(2, headDim), c.mul(d, expertCount),
                          c.mul(expertCount, perExpert), c.mul(3, d, sharedFeedForwardLength))
        total = c.add(total, c.mul(blockCount, layer), c.mul(ownerLayers, 2, d, kvDim))
        let kvBytes = c.mul(kvGroups, 2, kvDim, cacheLayout.elementBytes)
        let mhaBytes = c.mul(blockCount, 2, qDim, cacheLayout.elementBytes)
        return c.overflowed ? nil : (total, perExpert, kvBytes, mhaBytes)
    }
}

/// Integer arithmetic that records overflow instead of trapping (sizes computed from untrusted metadata).
struct CheckedArithmetic {
    private(set) var overflowed = false

    mutating func mul(_ values: Int...) -> Int {
        var result = 1
        for v in values {
            let (r, o) = result.multipliedReportingOverflow(by: v)
            if o { overflowed = true }
            result = o ? 0 : r
        }
        return result
    }

    mutating func add(_ values: Int...) -> Int {
        var result = 0
        for v in values {
            let (r, o) = result.addingReportingOverflow(v)
            if o { overflowed = true }
            result = o ? 0 : r
        }
        return result
    }
}

/// The `hunyuan-moe` architecture (Hunyuan-A13B in llama.cpp; Hunyuan-Large with the extension keys): pre-norm
/// blocks of grouped-query attention with NeoX RoPE then per-head q/k RMS norm, followed by a softmax-routed top-k
/// mixture of SwiGLU experts plus an ungated shared expert; tied output when `output.weight` is absent.
public final class HunyuanMoEModel: LanguageModel, ModelArchitecture {
    public static let architectureName = "hunyuan-moe"

    public let file: GGUFFile
    public let hyperparameters: HunyuanMoEHyperparameters
    public let summary: ModelSummary

    private let tokenEmbedding: WeightMatrix
    private let outputNorm: [Float]
    private let output: WeightMatrix
    private let attentionLayers: [AttentionWeights]
    private let feedForwardLayers: [MoEWeights]

    public var architecture: String { Self.architectureName }
    public var vocabularySize: Int { hyperparameters.vocabularySize }
    public var contextLength: Int { hyperparameters.contextLength }
    public var cacheLayout: KVCacheLayout { hyperparameters.cacheLayout }

    /// Loads and validates every tensor against the hyperparameters. Weights stay in the mapped file.
    public init(file: GGUFFile) throws {
        guard file.architecture == Self.architectureName else { throw ModelError.unknownArchitecture(file.architecture) }
        let hp = try HunyuanMoEHyperparameters(file: file)
        let loader = try TensorLoader(file: file)
        let d = hp.embeddingLength, v = hp.vocabularySize, hd = hp.headDim
        let qDim = hp.headCount * hd, kvDim = hp.headCountKV * hd
        let ff = hp.expertFeedForwardLength, fs = hp.sharedFeedForwardLength, e = hp.expertCount

        tokenEmbedding = try loader.matrix("token_embd.weight", shape: [d, v])
        outputNorm = try loader.vector("output_norm.weight", length: d)
        output = try loader.optionalMatrix("output.weight", shape: [d, v]) ?? tokenEmbedding

        var attention: [AttentionWeights] = []
        var feedForward: [MoEWeights] = []
        for i in 0..<hp.blockCount {
            let b = "blk.\(i)."
            let owns = hp.ownsKeyValue(layer: i)
            let qNorm = try loader.vector(b + "attn_q_norm.weight", length: hd)
            let kNorm = try loader.vector(b + "attn_k_norm.weight", length: hd)
            attention.append(AttentionWeights(
                norm: try loader.vector(b + "attn_norm.weight", length: d),
                query: try loader.matrix(b + "attn_q.weight", shape: [d, qDim]),
                key: owns ? try loader.matrix(b + "attn_k.weight", shape: [d, kvDim]) : nil,
                value: owns ? try loader.matrix(b + "attn_v.weight", shape: [d, kvDim]) : nil,
                output: try loader.matrix(b + "attn_output.weight", shape: [qDim, d]),
                queryKeyNorm: zip(qNorm, kNorm).map { $0 * $1 },
                group: i / hp.claShareFactor))
            feedForward.append(MoEWeights(
                norm: try loader.vector(b + "ffn_norm.weight", length: d),
                router: try loader.matrix(b + "ffn_gate_inp.weight", shape: [d, e]),
                gate: try loader.matrix(b + "ffn_gate_exps.weight", shape: [d, ff, e]),
                up: try loader.matrix(b + "ffn_up_exps.weight", shape: [d, ff, e]),
                down: try loader.matrix(b + "ffn_down_exps.weight", shape: [ff, d, e]),
                sharedGate: fs > 0 ? try loader.matrix(b + "ffn_gate_shexp.weight", shape: [d, fs]) : nil,
                sharedUp: fs > 0 ? try loader.matrix(b + "ffn_up_shexp.weight", shape: [d, fs]) : nil,
                sharedDown: fs > 0 ? try loader.matrix(b + "ffn_down_shexp.weight", shape: [fs, d]) : nil))
        }
        self.file = file
        self.hyperparameters = hp
        self.attentionLayers = attention
        self.feedForwardLayers = feedForward
        self.summary = try Self.summary(hp, file: file)
    }

    // MARK: - ModelArchitecture

    public static func load(_ file: GGUFFile) throws -> any LanguageModel { try HunyuanMoEModel(file: file) }

    public static func summary(of file: GGUFFile) throws -> ModelSummary {
        try summary(try HunyuanMoEHyperparameters(file: file), file: file)
    }

    static func summary(_ hp: HunyuanMoEHyperparameters, file: GGUFFile) throws -> ModelSummary {
        // A metadata-only file cannot show whether output.weight exists: count an untied head (the common case).
        let fromTensors = file.tensor(named: "token_embd.weight") != nil
        let tied = fromTensors ? file.tensor(named: "output.weight") == nil : false
        var c = CheckedArithmetic()
        guard let counts = hp.parameterCounts(tied: tied) else {
            throw ModelError.invalidHyperparameter(key: HunyuanMoEHyperparameters.prefix + "*",
                                                   reason: "parameter or cache sizes overflow")
        }
        var total = counts.total
        if fromTensors {
            total = 0
            for info in file.tensors { total = c.add(total, info.elementCount) }
        }
        let inactive = c.mul(hp.blockCount, hp.expertCount - hp.expertUsedCount, counts.perExpert)
        guard !c.overflowed else {
            throw ModelError.invalidHyperparameter(key: HunyuanMoEHyperparameters.prefix + "*",
                                                   reason: "parameter counts overflow")
        }
        return ModelSummary(
            architecture: architectureName, parametersTotal: total, parametersActive: total - inactive,
            kvBytesPerToken: counts.kvBytes, kvBytesPerTokenMHA: counts.mhaBytes, contextLength: hp.contextLength,
            vocabularySize: hp.vocabularySize, layers: hp.blockCount, embeddingLength: hp.embeddingLength,
            heads: hp.headCount, kvHeads: hp.headCountKV, headDim: hp.headDim, experts: hp.expertCount,
            expertsUsed: hp.expertUsedCount, sharedExperts: hp.sharedFeedForwardLength > 0 ? 1 : 0,
            claShareFactor: hp.claShareFactor, tiedEmbeddings: tied, countedFromTensors: fromTensors)
    }

    // MARK: - Forward

    private enum Scratch: Int { case hidden = 0, compact, normed }

    public func forward(_ batch: ForwardBatch, cache: KVCache, context: ForwardContext) throws -> ForwardOutput {
        let hp = hyperparameters
        guard cache.layout == cacheLayout else {
            throw ModelError.invalidBatch("cache layout \(cache.layout) does not match the model's \(cacheLayout)")
        }
        let step = try StepLayout(batch: batch, cache: cache, vocabularySize: hp.vocabularySize,
                                  contextLength: hp.contextLength)
        try step.reserve(in: cache)
        let count = step.tokens.count, d = hp.embeddingLength
        var x = context.buffer(Scratch.hidden.rawValue, count * d)
        for (t, token) in step.tokens.enumerated() {
            Kernels.dequantizeRow(tokenEmbedding, row: Int(token), into: x + t * d)
        }
        let attentionBlock = AttentionBlock(
            embedding: d, heads: hp.headCount, kvHeads: hp.headCountKV, headDim: hp.headDim,
            rotaryDim: hp.rotaryDim, ropeBase: hp.ropeFreqBase, epsilon: hp.rmsEpsilon)
        let moeBlock = MixtureOfExpertsBlock(
            embedding: d, experts: hp.expertCount, expertsUsed: hp.expertUsedCount,
            expertLength: hp.expertFeedForwardLength, sharedLength: hp.sharedFeedForwardLength,
            normalizeWeights: hp.expertWeightsNorm, epsilon: hp.rmsEpsilon)
        var rows = count
        let rotary = attentionBlock.rotaryTables(step)
        for layer in 0..<hp.blockCount {
            rotary.withUnsafeBufferPointer { table in
                attentionBlock.apply(attentionLayers[layer], x: x, step: step, rotary: table.baseAddress!, cache: cache,
                                     context: context)
            }
            if layer == hp.blockCount - 1 {
                // Only the rows whose logits are wanted matter after the last attention.
                let compact = context.buffer(Scratch.compact.rawValue, max(step.outputTokens.count, 1) * d)
                for (i, t) in step.outputTokens.enumerated() { (compact + i * d).update(from: x + t * d, count: d) }
                x = compact
                rows = step.outputTokens.count
            }
            if rows > 0 { moeBlock.apply(feedForwardLayers[layer], x: x, rows: rows, context: context) }
        }
        step.commit(to: cache)
        guard rows > 0 else { return ForwardOutput(vocabularySize: hp.vocabularySize, logits: []) }
        let normed = context.buffer(Scratch.normed.rawValue, rows * d)
        Kernels.rmsnorm(x, rows: rows, weight: outputNorm, epsilon: hp.rmsEpsilon, into: normed)
        // The head writes straight into the returned array (no scratch copy: 64 KB per row at a 16K vocabulary).
        let values = [Float](unsafeUninitializedCapacity: rows * hp.vocabularySize) { buffer, count in
            Kernels.matmul([.init(weight: output, input: normed, inputStride: d, tokens: rows,
                                  output: buffer.baseAddress!, outputStride: hp.vocabularySize)], context: context)
            count = rows * hp.vocabularySize
        }
        return ForwardOutput(vocabularySize: hp.vocabularySize, logits: values)
    }
}
