/// How matrix products against quantised weights treat their float activations.
///
/// `.int8` quantises each token's activations to 8 bits per 32-value block (one float scale) and multiplies them
/// with the weights' integers exactly, as llama.cpp does for Q8_0/Q4_K weights: the fast path (VNNI where the CPU
/// has it). `.float` multiplies dequantised weights with float activations: slower, and within 1e-6 of a float64
/// reference, which is what the correctness tests hold the runtime to. F32/F16/BF16 weights always use `.float`.
/// Both are batch invariant (a token's result never depends on the other tokens in the step).
public enum ActivationPrecision: String, Sendable, Hashable, Codable, CaseIterable {
    case float
    case int8
}
