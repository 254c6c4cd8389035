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
        let spec = weights
        spec.addHyperparameters(to: &w, name: "tiny", ropeBase: ropeBase, epsilon: epsilon)
        let p = "hunyuan-moe."
        if writeExtensionKeys {
            w.set(p + "attention.cla_share_factor", uint32: UInt32(claShareFactor))
            w.set(p + "expert_weights_norm", bool: expertWeightsNorm)
        }
        try spec.addWeights(to: &w, hasKeyValue: { $0 % claShareFactor == 0 || !writeExtensionKeys })
        return w.serialize()
    }

    /// The same shape as a synthetic-model spec, whose key and weight writers fill the file.
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
        spec.context = context
        spec.tiedOutput = tiedOutput
        spec.weightType = weightType
        spec.seed = seed
        return spec
    }

    func load() throws -> HunyuanMoEModel {
        try HunyuanMoEModel(file: GGUFFile(bytes: build()))
    }
}
