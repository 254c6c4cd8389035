import XCTest
@testable import MoE

final class HunyuanForwardTests: XCTestCase {
    /// Runs all positions of `tokens` through the model in one prefill and returns each position's logits.
    func runtimeLogits(_ model: HunyuanMoEModel, _ tokens: [Int32], threads: Int = 2) throws -> ForwardOutput {
        let cache = KVCache(layout: model.cacheLayout, maxTokens: 256, maxPositions: model.contextLength)
        let slot = cache.newSequence()
        let context = ForwardContext(threads: threads)
        return try model.forward(ForwardBatch(entries: [.init(slot: slot, tokens: tokens,
                                                              logitIndices: Array(tokens.indices))]),
                                 cache: cache, context: context)
    }

    func checkAgainstReference(_ config: TinyModelConfig, tolerance: Double, file: StaticString = #filePath,
                               line: UInt = #line) throws {
        let bytes = try config.build()
        let gguf = try GGUFFile(bytes: bytes)
        let model = try HunyuanMoEModel(file: gguf)
        let tokens: [Int32] = [1, 5, 9, 2, 33, 7]
        let output = try runtimeLogits(model, tokens)
        let expected = try ReferenceForward(file: gguf).logits(tokens)
        for t in tokens.indices {
            let err = relativeError(output.row(t), expected[t])
            XCTAssertLessThan(err, tolerance, "position \(t)", file: file, line: line)
        }
    }

    func testF32MatchesReference() throws {
        try checkAgainstReference(TinyModelConfig(), tolerance: 1e-5)
    }

    func testCLAAndTopOneMatchReference() throws {
        var config = TinyModelConfig()
        config.layers = 3
        config.claShareFactor = 2
        config.expertsUsed = 1
        config.expertWeightsNorm = false
        config.kvHeads = 1
        try checkAgainstReference(config, tolerance: 1e-5)
    }

    func testQuantizedTypesMatchReference() throws {
        for type in [GGMLType.f16, .bf16, .q8_0, .q4_0] {
            var config = TinyModelConfig()
            config.weightType = type
            try checkAgainstReference(config, tolerance: 1e-5)
        }
        var config = TinyModelConfig()
        config.embedding = 256
        config.expertLength = 256
        config.sharedLength = 256
        config.heads = 4
        config.headDim = 64
        for type in [GGMLType.q4_K, .q6_K] {
            config.weightType = type
            try checkAgainstReference(config, tolerance: 1e-5)
        }
    }
}
