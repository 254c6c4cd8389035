import MoE

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
        var rng = TestRandom(seed: seed)
        let d = embedding, qDim = heads * headDim, kvDim = kvHeads * headDim
        func matrix(_ name: String, _ shape: [Int], scale: Float) throws {
            let type = shape[0] % weightType.blockSize == 0 ? weightType : .f32
            try w.addTensor(name: name, shape: shape, type: type,
                            values: rng.floats(shape.reduce(1, *), scale: scale))
        }
        func norm(_ name: String, _ n: Int) throws {
            try w.addTensor(name: name, shape: [n], type: .f32, values: (0..<n).map { _ in 1 + 0.2 * rng.uniform() })
        }
        let s = 1 / Float(d).squareRoot()
        try matrix("token_embd.weight", [d, vocabulary], scale: 1)
        try norm("output_norm.weight", d)
        if !tiedOutput { try matrix("output.weight", [d, vocabulary], scale: s) }
        for i in 0..<layers {
            let b = "blk.\(i)."
            try norm(b + "attn_norm.weight", d)
            try matrix(b + "attn_q.weight", [d, qDim], scale: s)
            if i % claShareFactor == 0 || !writeExtensionKeys {
                try matrix(b + "attn_k.weight", [d, kvDim], scale: s)
                try matrix(b + "attn_v.weight", [d, kvDim], scale: s)
            }
            try matrix(b + "attn_output.weight", [qDim, d], scale: 1 / Float(qDim).squareRoot())
            try norm(b + "attn_q_norm.weight", headDim)
            try norm(b + "attn_k_norm.weight", headDim)
            try norm(b + "ffn_norm.weight", d)
            try w.addTensor(name: b + "ffn_gate_inp.weight", shape: [d, experts], type: .f32,
                            values: rng.floats(d * experts, scale: 2 * s))
            try matrix(b + "ffn_gate_exps.weight", [d, expertLength, experts], scale: s)
            try matrix(b + "ffn_up_exps.weight", [d, expertLength, experts], scale: s)
            try matrix(b + "ffn_down_exps.weight", [expertLength, d, experts],
                       scale: 1 / Float(expertLength).squareRoot())
            try matrix(b + "ffn_gate_shexp.weight", [d, sharedLength], scale: s)
            try matrix(b + "ffn_up_shexp.weight", [d, sharedLength], scale: s)
            try matrix(b + "ffn_down_shexp.weight", [sharedLength, d], scale: 1 / Float(sharedLength).squareRoot())
        }
        return w.serialize()
    }

    func load() throws -> HunyuanMoEModel {
        try HunyuanMoEModel(file: GGUFFile(bytes: build()))
    }
}
