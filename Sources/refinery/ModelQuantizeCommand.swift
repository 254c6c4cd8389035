import ArgumentParser
import Foundation
import MoE

/// `refinery model quantize IN.gguf OUT.gguf --type q4_k`: the same model with its weight matrices stored as another
/// type (router and norms stay as they are); see `GGUFRequantizer`.
struct ModelQuantizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "quantize",
        abstract: "Rewrite a GGUF model with its weight matrices as f32, f16, bf16, q8_0, q4_0, q4_k or q6_k."
    )

    @Argument(help: "Input GGUF path.")
    var input: String

    @Argument(help: "Output GGUF path.")
    var output: String

    @Option(name: .long, help: "Storage type of the weight matrices: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k.")
    var type: String

    func run() throws {
        try ModelCLI.reporting {
            guard let target = GGMLType(name: type), target.isSupported else {
                throw ModelCLI.Failure.usage("unknown --type '\(type)' (f32, f16, bf16, q8_0, q4_0, q4_k, q6_k)")
            }
            let file = try GGUFFile(path: ModelCLI.path(input))
            let (bytes, report) = try GGUFRequantizer.requantize(file, to: target)
            do {
                try Data(bytes).write(to: URL(fileURLWithPath: ModelCLI.path(output)), options: .atomic)
            } catch {
                ModelCLI.err("error: cannot write \(output): \(error.localizedDescription)\n")
                throw ExitCode(2)
            }
            ModelCLI.out("wrote \(output) (\(bytes.count) bytes): \(report.converted.count) tensors as \(target), "
                         + "\(report.kept.count) kept as they were\n")
        }
    }
}
