import ArgumentParser
import Foundation
import MoE

/// `refinery model synthesize OUT.gguf [--type q8_0] [shape flags]`: writes a `hunyuan-moe` file with seeded random
/// weights, by default the benchmark shape of the speed issue (470 M total / 101 M active parameters). The file
/// follows llama.cpp's conventions, so both engines can be benchmarked on the same bytes.
struct ModelSynthesizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synthesize",
        abstract: "Write a random-weight hunyuan-moe GGUF file (default: the 470M benchmark shape)."
    )

    @Argument(help: "Output GGUF path.")
    var output: String

    @Option(name: .long, help: "Weight storage type: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k.")
    var type = "q8_0"

    @Option(name: .long, help: "Vocabulary size.") var vocabulary = SyntheticModelSpec.benchmark.vocabulary
    @Option(name: .long, help: "Hidden size.") var embedding = SyntheticModelSpec.benchmark.embedding
    @Option(name: .long, help: "Transformer blocks.") var layers = SyntheticModelSpec.benchmark.layers
    @Option(name: .long, help: "Attention heads.") var heads = SyntheticModelSpec.benchmark.heads
    @Option(name: .long, help: "Key/value heads.") var kvHeads = SyntheticModelSpec.benchmark.kvHeads
    @Option(name: .long, help: "Head dimension.") var headDim = SyntheticModelSpec.benchmark.headDim
    @Option(name: .long, help: "Routed experts.") var experts = SyntheticModelSpec.benchmark.experts
    @Option(name: .long, help: "Experts per token.") var expertsUsed = SyntheticModelSpec.benchmark.expertsUsed
    @Option(name: .long, help: "Routed expert FFN size.") var expertLength = SyntheticModelSpec.benchmark.expertLength
    @Option(name: .long, help: "Shared expert FFN size.") var sharedLength = SyntheticModelSpec.benchmark.sharedLength
    @Option(name: .long, help: "Context length.") var context = SyntheticModelSpec.benchmark.context
    @Option(name: .long, help: "Layers per shared KV group (1: none).") var claShareFactor = 1
    @Flag(name: .long, help: "Tie the output head to the token embedding.") var tiedOutput = false
    @Option(name: .long, help: "Random seed of the weights.") var seed: UInt64 = 1

    func run() throws {
        guard let weightType = GGMLType(name: type) else {
            ModelCLI.err("error: unknown --type '\(type)' (f32, f16, bf16, q8_0, q4_0, q4_k, q6_k)\n")
            throw ExitCode(1)
        }
        var spec = SyntheticModelSpec()
        spec.weightType = weightType
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
        spec.claShareFactor = claShareFactor
        spec.tiedOutput = tiedOutput
        spec.seed = seed
        let bytes: [UInt8]
        do {
            bytes = try spec.build()
        } catch {
            ModelCLI.err("error: \(error)\n")
            throw ExitCode(1)
        }
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            ModelCLI.err("error: cannot write \(output): \(error.localizedDescription)\n")
            throw ExitCode(2)
        }
        ModelCLI.out("wrote \(output) (\(bytes.count) bytes, \(weightType))\n")
    }
}
