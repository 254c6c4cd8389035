@testable import MoE

/// Builds tiny `hunyuan-moe` GGUF files with seeded random weights.
struct TinyModelConfig {
    var vocabulary = 64
    var embedding = 64
    var layers = 2
    var heads = 4
    var kvHeads = 2
    var headDim = 16
    var experts = 4
    var expertsUsed = 2
    var expertLength = 32
    var sharedLength = 32
    var context = 64
    var claShareFactor = 1
    var expertWeightsNorm = true
    /// Write the two Refinery extension keys (false: a llama.cpp-convention file).
    var writeExtensionKeys = true
    var tiedOutput = false
    var weightType: GGMLType = .f32
    var seed: UInt64 = 1
    var ropeBase: Float = 10000
    var epsilon: Float = 1e-5

    func build() throws -> [UInt8] {
        var w = GGUFWriter()
        let p = "hunyuan-moe."
        w.set("general.architecture", string: "hunyuan-moe")
        w.set("general.name", string: "tiny")
        w.set(p + "context_length", uint32: UInt32(context))
        w.set(p + "embedding_length", uint32: UInt32(embedding))
        w.set(p + "block_count", uint32: UInt32(layers))
        w.set(p + "feed_forward_length", uint32: UInt32(expertLength))
        w.set(p + "attention.head_count", uint32: UInt32(heads))
        w.set(p + "attention.head_count_kv", uint32: UInt32(kvHeads))
        w.set(p + "attention.key_length", uint32: UInt32(headDim))
        w.set(p + "attention.value_length", uint32: UInt32(headDim))
        w.set(p + "rope.dimension_count", uint32: UInt32(headDim))
        w.set(p + "rope.freq_base", float32: ropeBase)
        w.set(p + "attention.layer_norm_rms_epsilon", float32: epsilon)
        w.set(p + "expert_count", uint32: UInt32(experts))
        w.set(p + "expert_used_count", uint32: UInt32(expertsUsed))
        w.set(p + "expert_feed_forward_length", uint32: UInt32(expertLength))
        w.set(p + "expert_shared_feed_forward_length", uint32: UInt32(sharedLength))
        w.set(p + "vocab_size", uint32: UInt32(vocabulary))
        if writeExtensionKeys {
            w.set(p + "attention.cla_share_factor", uint32: UInt32(claShareFactor))
            w.set(p + "expert_weights_norm", bool: expertWeightsNorm)
        }
        try weights.addWeights(to: &w, hasKeyValue: { $0 % claShareFactor == 0 || !writeExtensionKeys })
        return w.serialize()
    }

    /// The same shape as a synthetic-model spec, whose weight writer fills the file.
    var weights: SyntheticModelSpec {
        var spec = SyntheticModelSpec()
        spec.vocabulary = vocabulary
        spec.embedding = embedding
        spec.layers = layers
        spec.heads = heads
        spec.kvHeads = kvHeads
        spec.headDim = headDim
        spec.experts = experts
        spec.expertsUsed = expertsUsed
        spec.expertLength = expertLength
        spec.sharedLength = sharedLength
        spec.tiedOutput = tiedOutput
        spec.weightType = weightType
        spec.seed = seed
        return spec
    }

    func load() throws -> HunyuanMoEModel {
        try HunyuanMoEModel(file: GGUFFile(bytes: build()))
    }
}
