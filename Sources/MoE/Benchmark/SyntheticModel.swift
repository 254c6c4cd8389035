import Foundation

/// A `hunyuan-moe` GGUF file of a chosen shape with seeded random weights, for benchmarks: the same file loads in
/// this runtime and in llama.cpp (llama.cpp conventions, a byte-level `gpt2` vocabulary), so both engines can be
/// measured on identical bytes.
public struct SyntheticModelSpec: Sendable, Equatable {
    public var vocabulary = 16384
    public var embedding = 1024
    public var layers = 8
    public var heads = 8
    public var kvHeads = 2
    public var headDim = 128
    public var experts = 32
    public var expertsUsed = 4
    public var expertLength = 512
    public var sharedLength = 512
    public var context = 4096
    /// Layers per shared KV group (1: no cross-layer sharing; llama.cpp reads only files with 1).
    public var claShareFactor = 1
    public var tiedOutput = false
    /// Storage type of the 2-D and 3-D weights (norms and the router stay F32, as llama.cpp writes them).
    public var weightType: GGMLType = .q8_0
    public var seed: UInt64 = 1

    /// The benchmark shape of the speed issue: 470 M total / 101 M active parameters.
    public static let benchmark = SyntheticModelSpec()

    public init() {}

    public enum SpecError: Error, CustomStringConvertible, Equatable {
        case invalid(String)
        public var description: String { "invalid synthetic model: \(self.detail)" }
        private var detail: String { switch self { case .invalid(let s): s } }
    }

    /// Checks the shape: positive sizes, divisible head counts, rows that are whole blocks of the weight type.
    public func validate() throws {
        let sizes = [vocabulary, embedding, layers, heads, kvHeads, headDim, experts, expertsUsed, expertLength,
                     sharedLength, context, claShareFactor]
        guard sizes.allSatisfy({ $0 >= 1 }) else { throw SpecError.invalid("every size must be >= 1") }
        guard heads % kvHeads == 0 else { throw SpecError.invalid("heads must be a multiple of kv heads") }
        guard expertsUsed <= experts else { throw SpecError.invalid("experts used must be <= experts") }
        guard vocabulary >= 258 else { throw SpecError.invalid("vocabulary must hold 256 bytes + BOS + EOS") }
        guard weightType.isSupported else { throw SpecError.invalid("unsupported weight type \(weightType)") }
        for (name, n) in [("embedding", embedding), ("heads * head dim", heads * headDim),
                          ("expert length", expertLength), ("shared length", sharedLength)]
        where n % weightType.blockSize != 0 {
            throw SpecError.invalid("\(name) \(n) is not a multiple of \(weightType)'s block of \(weightType.blockSize)")
        }
    }

    /// The encoded GGUF file.
    public func build() throws -> [UInt8] {
        try validate()
        var w = GGUFWriter()
        addHyperparameters(to: &w, name: "synthetic-benchmark")
        if claShareFactor != 1 { w.set("hunyuan-moe.attention.cla_share_factor", uint32: UInt32(claShareFactor)) }
        Self.addVocabulary(&w, size: vocabulary)

        try addWeights(to: &w, hasKeyValue: { $0 % claShareFactor == 0 })
        return w.serialize()
    }

    /// Adds `general.*` and the `hunyuan-moe.*` shape keys llama.cpp reads (not the Refinery extension keys).
    func addHyperparameters(to w: inout GGUFWriter, name: String, ropeBase: Float = 10000, epsilon: Float = 1e-5) {
        let p = "hunyuan-moe."
        w.set("general.architecture", string: "hunyuan-moe")
        w.set("general.name", string: name)
        w.set(p + "context_length", uint32: UInt32(context))
        w.set(p + "embedding_length", uint32: UInt32(embedding))
        w.set(p + "block_count", uint32: UInt32(layers))
        // llama.cpp sizes the *_exps tensors by feed_forward_length.
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
    }

    /// Adds every weight tensor in llama.cpp's names and order, with seeded values (splitmix64, uniform in
    /// [-1, 1) times a fan-in scale; norms near 1; the router F32). Rows that are not whole blocks of `weightType`
    /// are stored F32 (the tests' tiny shapes). `hasKeyValue(layer)` says which layers own K/V projections.
    func addWeights(to w: inout GGUFWriter, hasKeyValue: (Int) -> Bool) throws {
        var rng = SplitMix(seed: seed)
        let d = embedding, qDim = heads * headDim, kvDim = kvHeads * headDim
        let weightType = self.weightType
        func matrix(_ name: String, _ shape: [Int], scale: Float) throws {
            let type = shape[0] % weightType.blockSize == 0 ? weightType : .f32
            try w.addTensor(name: name, shape: shape, type: type, values: rng.floats(shape.reduce(1, *), scale: scale))
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
            if hasKeyValue(i) {
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
    }

    /// A byte-level BPE vocabulary of exactly `size` tokens: the 256 byte symbols, merges of byte pairs as filler,
    /// then BOS and EOS. Any text encodes; the benchmark uses random token ids anyway.
    static func addVocabulary(_ w: inout GGUFWriter, size: Int) {
        let symbols = BPEByteLevelMapping.scalarForByte.map { String(Character($0)) }
        var tokens = symbols
        var merges: [String] = []
        var i = 0
        while tokens.count < size - 2 {
            let a = symbols[i / 256], b = symbols[i % 256]
            tokens.append(a + b)
            merges.append(a + " " + b)
            i += 1
        }
        tokens += ["<|bos|>", "<|eos|>"]
        var types = [Int32](repeating: 1, count: tokens.count)
        types[size - 2] = 3
        types[size - 1] = 3
        w.set("tokenizer.ggml.model", string: "gpt2")
        w.set("tokenizer.ggml.pre", string: "hunyuan")
        w.set("tokenizer.ggml.tokens", strings: tokens)
        w.set("tokenizer.ggml.token_type", int32s: types)
        w.set("tokenizer.ggml.merges", strings: merges)
        w.set("tokenizer.ggml.bos_token_id", uint32: UInt32(size - 2))
        w.set("tokenizer.ggml.eos_token_id", uint32: UInt32(size - 1))
        w.set("tokenizer.ggml.add_bos_token", bool: true)
    }
}

/// splitmix64: fast seeded random numbers for synthetic weights.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [-1, 1).
    mutating func uniform() -> Float { Float(Double(next() >> 11) / Double(1 << 52) - 1) }

    mutating func floats(_ count: Int, scale: Float) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        for i in 0..<count { out[i] = uniform() * scale }
        return out
    }
}
