import XCTest
@testable import MoE

/// Loading validates hyperparameters and every tensor with errors that name what is wrong.
final class ModelLoadingTests: XCTestCase {
    /// Rebuilds the tiny model's file with one tensor changed (nil removes it).
    func file(replacing name: String, with replacement: (shape: [Int], type: GGMLType, bytes: [UInt8])?,
              config: TinyModelConfig = TinyModelConfig()) throws -> GGUFFile {
        let original = try GGUFFile(bytes: config.build())
        var writer = GGUFWriter()
        for key in original.metadataKeys { writer.set(key, original.metadata[key] ?? .bool(false)) }
        for info in original.tensors {
            if info.name == name {
                if let r = replacement { try writer.addTensor(name: name, shape: r.shape, type: r.type, bytes: r.bytes) }
            } else {
                try writer.addTensor(name: info.name, shape: info.shape, type: info.type,
                                     bytes: original.rawBytes(of: info) ?? [])
            }
        }
        return try GGUFFile(bytes: writer.serialize())
    }

    func file(settingKey key: String, to value: GGUFValue?) throws -> GGUFFile {
        let original = try GGUFFile(bytes: TinyModelConfig().build())
        var writer = GGUFWriter()
        for k in original.metadataKeys where k != key { writer.set(k, original.metadata[k] ?? .bool(false)) }
        if let value { writer.set(key, value) }
        for info in original.tensors {
            try writer.addTensor(name: info.name, shape: info.shape, type: info.type,
                                 bytes: original.rawBytes(of: info) ?? [])
        }
        return try GGUFFile(bytes: writer.serialize())
    }

    func expect(_ expected: ModelError, _ file: GGUFFile, line: UInt = #line) {
        XCTAssertThrowsError(try HunyuanMoEModel(file: file), line: line) { error in
            XCTAssertEqual(error as? ModelError, expected, line: line)
        }
    }

    func testMissingTensorIsNamed() throws {
        expect(.missingTensor("blk.1.attn_q.weight"), try file(replacing: "blk.1.attn_q.weight", with: nil))
        expect(.missingTensor("output_norm.weight"), try file(replacing: "output_norm.weight", with: nil))
    }

    func testShapeMismatchNamesExpectedShape() throws {
        let bytes = try Quantizer.encode([Float](repeating: 0.5, count: 64 * 32), as: .f32)
        expect(.shapeMismatch(tensor: "blk.0.attn_k.weight", expected: [64, 32], found: [32, 64]),
               try file(replacing: "blk.0.attn_k.weight", with: ([32, 64], .f32, bytes)))
    }

    func testUnsupportedTypeIsNamed() throws {
        var config = TinyModelConfig()
        config.embedding = 256
        config.heads = 4
        config.headDim = 64
        config.vocabulary = 16
        let bytes = [UInt8](repeating: 0, count: 176 * 16)
        expect(.unsupportedTensorType(tensor: "token_embd.weight", type: .q5_K),
               try file(replacing: "token_embd.weight", with: ([256, 16], .q5_K, bytes), config: config))
    }

    func testHyperparameterErrorsNameTheKey() throws {
        expect(.invalidHyperparameter(key: "hunyuan-moe.block_count", reason: "missing"),
               try file(settingKey: "hunyuan-moe.block_count", to: nil))
        XCTAssertThrowsError(try HunyuanMoEModel(file: file(settingKey: "hunyuan-moe.expert_used_count",
                                                            to: .uint32(9)))) { error in
            guard case ModelError.invalidHyperparameter("hunyuan-moe.expert_used_count", _)? = error as? ModelError
            else { return XCTFail("\(error)") }
        }
        XCTAssertThrowsError(try HunyuanMoEModel(file: file(settingKey: "hunyuan-moe.embedding_length",
                                                            to: .string("x")))) { error in
            XCTAssertEqual(error as? GGUFError, .typeMismatch(key: "hunyuan-moe.embedding_length",
                                                              expected: "an integer", found: "string"))
        }
        XCTAssertThrowsError(try ModelRegistry.load(file(settingKey: "general.architecture", to: .string("llama"))))
        { error in XCTAssertEqual(error as? ModelError, .unknownArchitecture("llama")) }
    }

    func testAbsurdMetadataOnlyFileThrowsInsteadOfOverflowing() throws {
        var writer = GGUFWriter()
        let p = "hunyuan-moe."
        writer.set("general.architecture", string: "hunyuan-moe")
        for (key, value) in [("embedding_length", 16_000_000), ("block_count", 4000), ("attention.head_count", 4000),
                             ("context_length", 1000), ("expert_count", 60000), ("expert_used_count", 1),
                             ("expert_feed_forward_length", 16_000_000), ("vocab_size", 60_000_000)] {
            writer.set(p + key, .uint32(UInt32(value)))
        }
        let file = try GGUFFile(bytes: writer.serialize())
        XCTAssertThrowsError(try ModelRegistry.summary(of: file))
    }

    /// A file written by llama.cpp's conventions (no extension keys) loads: CLA 1, renormalised top-k.
    func testLlamaCppConventionFileLoadsAndRuns() throws {
        var config = TinyModelConfig()
        config.writeExtensionKeys = false
        let model = try config.load()
        XCTAssertEqual(model.hyperparameters.claShareFactor, 1)
        XCTAssertTrue(model.hyperparameters.expertWeightsNorm)
        XCTAssertEqual(model.cacheLayout.groups, config.layers)
        let cache = KVCache(layout: model.cacheLayout, maxTokens: 32, maxPositions: 32)
        let slot = cache.newSequence()
        let out = try model.forward(ForwardBatch(entries: [.init(slot: slot, tokens: [1, 2], logitIndices: [1])]),
                                    cache: cache, context: ForwardContext(threads: 1))
        XCTAssertEqual(out.rowCount, 1)
        XCTAssertTrue(out.logits.allSatisfy(\.isFinite))
        if Fixtures.exists("hy-llamacpp-f32.gguf") {
            let file = try GGUFFile(path: Fixtures.url("hy-llamacpp-f32.gguf").path)
            XCTAssertNil(file.metadata["hunyuan-moe.attention.cla_share_factor"])
            XCTAssertEqual(try ModelRegistry.load(file).architecture, "hunyuan-moe")
        }
    }

    func testTiedOutputUsesTokenEmbeddingsAndCountsOnce() throws {
        var config = TinyModelConfig()
        config.tiedOutput = true
        let file = try GGUFFile(bytes: config.build())
        let model = try HunyuanMoEModel(file: file)
        XCTAssertTrue(model.summary.tiedEmbeddings)
        XCTAssertEqual(model.summary.parametersTotal, file.tensors.reduce(0) { $0 + $1.elementCount })
        let expected = try ReferenceForward(file: file).logits([4, 5])
        let cache = KVCache(layout: model.cacheLayout, maxTokens: 32, maxPositions: 32)
        let out = try model.forward(ForwardBatch(entries: [.init(slot: cache.newSequence(), tokens: [4, 5],
                                                                 logitIndices: [1])]),
                                    cache: cache, context: ForwardContext(threads: 1))
        XCTAssertLessThan(relativeError(out.row(0), expected[1]), 1e-5)
    }

    func testForwardRejectsInconsistentBatches() throws {
        let model = try TinyModelConfig().load()
        let cache = KVCache(layout: model.cacheLayout, maxTokens: 64, maxPositions: 64)
        let slot = cache.newSequence()
        let context = ForwardContext(threads: 1)
        func run(_ entries: [ForwardBatch.Entry]) throws {
            _ = try model.forward(ForwardBatch(entries: entries), cache: cache, context: context)
        }
        XCTAssertThrowsError(try run([.init(slot: 99, tokens: [1], logitIndices: [])]))
        XCTAssertThrowsError(try run([.init(slot: slot, tokens: [], logitIndices: [])]))
        XCTAssertThrowsError(try run([.init(slot: slot, tokens: [64], logitIndices: [])])) { error in
            XCTAssertEqual(error as? ModelError, .tokenOutOfRange(token: 64, vocabularySize: 64))
        }
        XCTAssertThrowsError(try run([.init(slot: slot, tokens: [1], logitIndices: [1])]))
        XCTAssertThrowsError(try run([.init(slot: slot, tokens: [1], logitIndices: []),
                                      .init(slot: slot, tokens: [2], logitIndices: [])]))
        XCTAssertThrowsError(try run([.init(slot: slot, tokens: [Int32](repeating: 1, count: 65), logitIndices: [])]))
        XCTAssertEqual(cache.length(of: slot), 0, "failed steps leave the cache untouched")
        let otherLayout = KVCache(layout: KVCacheLayout(groups: 1, kvHeads: 1, headDim: 4), maxTokens: 8,
                                  maxPositions: 8)
        XCTAssertThrowsError(try model.forward(ForwardBatch(entries: []), cache: otherLayout, context: context))
    }
}
