/// The MoE inference runtime: GGUF files, tensor types, kernels, model architectures, tokenizer, sampler and
/// the batched generation engine. It knows nothing of pipelines.
public enum MoERuntime {
    /// Version of the runtime, reported by `refinery model info` and recorded with generated samples.
    public static let version = "0.1.0"

    /// The instruction-set level the kernels use on this CPU ("avx512+vnni", "avx512", "avx2+fma" or "scalar"), chosen at run
    /// time from the CPU's features.
    public static var kernelLevel: String { Kernels.cpuLevelName }
}
