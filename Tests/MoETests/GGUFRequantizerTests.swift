import XCTest
@testable import MoE

final class GGUFRequantizerTests: XCTestCase {
    private func lastLogits(_ file: GGUFFile, _ tokens: [Int32]) throws -> [Float] {
        let model = try ModelRegistry.load(file)
        let cache = KVCache(layout: model.cacheLayout, maxTokens: 64, maxPositions: model.contextLength)
        let context = ForwardContext(threads: 1, activations: .float)
        let entry = ForwardBatch.Entry(slot: cache.newSequence(), tokens: tokens, logitIndices: [tokens.count - 1])
        return try model.forward(ForwardBatch(entries: [entry]), cache: cache, context: context).logits
    }

    /// An F32 model stored as Q8_0 is the very file the synthesizer writes as Q8_0 from the same values (the same
    /// encoder; F32 decodes exactly), tensor for tensor and byte for byte.
    func testF32ToQ8_0MatchesTheQ8_0FileOfTheSameWeights() throws {
        let f32 = try GGUFFile(bytes: SyntheticModelSpec.small(.f32).build())
        let (bytes, report) = try GGUFRequantizer.requantize(f32, to: .q8_0)
        XCTAssertEqual(bytes, try SyntheticModelSpec.small(.q8_0).build())
        XCTAssertTrue(report.converted.contains("blk.0.ffn_up_exps.weight"))
        XCTAssertTrue(report.kept.contains("blk.0.ffn_gate_inp.weight"), "the router stays F32")
        XCTAssertTrue(report.kept.contains("blk.1.attn_norm.weight"), "vectors are copied")
    }

    func testQ4_KKeepsMetadataRouterAndNormsAndStaysCloseToF32() throws {
        let f32 = try GGUFFile(bytes: SyntheticModelSpec.small(.f32).build())
        let q4 = try GGUFFile(bytes: GGUFRequantizer.requantize(f32, to: .q4_K).bytes)
        XCTAssertEqual(q4.metadataKeys, f32.metadataKeys)
        XCTAssertEqual(q4.value("tokenizer.ggml.tokens"), f32.value("tokenizer.ggml.tokens"))
        XCTAssertEqual(q4.tensor(named: "blk.1.ffn_down_exps.weight")?.type, .q4_K)
        XCTAssertEqual(q4.tensor(named: "output.weight")?.type, .q4_K)
        XCTAssertEqual(q4.tensor(named: "blk.1.ffn_gate_inp.weight")?.type, .f32)
        XCTAssertEqual(q4.tensor(named: "output_norm.weight")?.type, .f32)
        XCTAssertEqual(q4.tensors.map(\.name), f32.tensors.map(\.name))
        XCTAssertEqual(q4.tensors.map(\.shape), f32.tensors.map(\.shape))

        // 4.5 bits per weight: the logits move, but stay those of the same model.
        let tokens: [Int32] = (0..<24).map { Int32(($0 * 37 + 5) % 290) }
        let reference = try lastLogits(f32, tokens), quantized = try lastLogits(q4, tokens)
        var dot = 0.0, a = 0.0, b = 0.0
        for (x, y) in zip(reference, quantized) {
            dot += Double(x) * Double(y)
            a += Double(x) * Double(x)
            b += Double(y) * Double(y)
        }
        XCTAssertGreaterThan(dot / (a.squareRoot() * b.squareRoot()), 0.97, "cosine of the last position's logits")
        XCTAssertNotEqual(reference, quantized)
    }

    /// Matrices of a type the runtime cannot decode (Q5_K here) travel unchanged beside the converted ones.
    func testUndecodableMatricesAreCopied() throws {
        var writer = GGUFWriter()
        writer.set("general.architecture", string: "test")
        var rng = TestRandom(seed: 3)
        let q5 = (0..<(2 * 176)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        try writer.addTensor(name: "a.weight", shape: [256, 2], type: .q5_K, bytes: q5)
        try writer.addTensor(name: "b.weight", shape: [64, 2], type: .f32, values: rng.floats(128))
        let (bytes, report) = try GGUFRequantizer.requantize(try GGUFFile(bytes: writer.serialize()), to: .q8_0)
        let file = try GGUFFile(bytes: bytes)
        XCTAssertEqual(report.kept, ["a.weight"])
        XCTAssertEqual(report.converted, ["b.weight"])
        XCTAssertEqual(file.tensor(named: "a.weight").flatMap(file.rawBytes(of:)), q5)
        XCTAssertEqual(file.tensor(named: "b.weight")?.type, .q8_0)
    }

    func testUnchangedTypeIsACopyAndUnsupportedTargetsAreRefused() throws {
        let bytes = try SyntheticModelSpec.small(.q8_0).build()
        let file = try GGUFFile(bytes: bytes)
        let (copy, report) = try GGUFRequantizer.requantize(file, to: .q8_0)
        XCTAssertEqual(copy, bytes)
        XCTAssertTrue(report.converted.isEmpty)
        XCTAssertThrowsError(try GGUFRequantizer.requantize(file, to: .q5_K)) { error in
            XCTAssertTrue("\(error)".contains("cannot store weights as"), "\(error)")
        }
    }
}
