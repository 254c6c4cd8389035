import XCTest
@testable import MoE

/// The runtime against the independent numpy reference (Tests/MoETests/Fixtures, made by Tools/reference).
final class FixtureLogitsTests: XCTestCase {
    /// Max over positions and vocab of |runtime - reference| / max |reference|.
    static func relativeError(_ output: ForwardOutput, _ reference: [[Double]]) -> Double {
        var maxDiff = 0.0, maxRef = 0.0
        for (p, row) in reference.enumerated() {
            for (a, e) in zip(output.row(p), row) {
                maxDiff = max(maxDiff, abs(Double(a) - e))
                maxRef = max(maxRef, abs(e))
            }
        }
        return maxDiff / max(maxRef, 1e-30)
    }

    func testEveryModelFixtureMatchesReferenceLogits() throws {
        let names = Fixtures.modelNames
        try XCTSkipIf(names.isEmpty, "no model fixtures in \(Fixtures.directory.path)")
        for name in names {
            let fixture = try Fixtures.logits(name)
            let model = try HunyuanMoEModel(file: GGUFFile(path: Fixtures.url(name + ".gguf").path))
            let cache = KVCache(layout: model.cacheLayout, maxTokens: 64, maxPositions: 64)
            let slot = cache.newSequence()
            let output = try model.forward(
                ForwardBatch(entries: [.init(slot: slot, tokens: fixture.tokens,
                                             logitIndices: Array(fixture.tokens.indices))]),
                cache: cache, context: ForwardContext(threads: 2))
            let error = Self.relativeError(output, fixture.logits)
            let tolerance = fixture.tolerance["logits"] ?? 1e-4
            print("fixture \(name): relative error \(error) (tolerance \(tolerance))")
            XCTAssertLessThanOrEqual(error, tolerance, name)
            for (p, expected) in fixture.argmax.enumerated() {
                let row = Array(output.row(p))
                let argmax = row.indices.max { row[$0] < row[$1] } ?? -1
                XCTAssertEqual(argmax, expected, "\(name) argmax at position \(p)")
            }
        }
    }

    /// Decoding one token at a time through the cache gives the same logits as the reference.
    func testIncrementalDecodeMatchesReference() throws {
        let name = "hy-f32-cla3-gqa4-top2"
        try XCTSkipUnless(Fixtures.exists(name + ".gguf"), "fixture missing")
        let fixture = try Fixtures.logits(name)
        let model = try HunyuanMoEModel(file: GGUFFile(path: Fixtures.url(name + ".gguf").path))
        let cache = KVCache(layout: model.cacheLayout, maxTokens: 64, maxPositions: 64)
        let slot = cache.newSequence()
        let context = ForwardContext(threads: 2)
        var rows: [Float] = []
        for token in fixture.tokens {
            let out = try model.forward(ForwardBatch(entries: [.init(slot: slot, tokens: [token], logitIndices: [0])]),
                                        cache: cache, context: context)
            rows += out.logits
        }
        let output = ForwardOutput(vocabularySize: model.vocabularySize, logits: rows)
        XCTAssertLessThanOrEqual(Self.relativeError(output, fixture.logits), fixture.tolerance["logits"] ?? 1e-4)
    }

    func testSummaryMatchesFixtureInfo() throws {
        let names = Fixtures.modelNames
        try XCTSkipIf(names.isEmpty, "no model fixtures")
        for name in names {
            let fixture = try Fixtures.logits(name)
            let summary = try ModelRegistry.summary(of: GGUFFile(path: Fixtures.url(name + ".gguf").path))
            XCTAssertEqual(summary.architecture, fixture.info.architecture, name)
            XCTAssertEqual(summary.parametersTotal, fixture.info.parameters_total, name)
            XCTAssertEqual(summary.parametersActive, fixture.info.parameters_active, name)
            XCTAssertEqual(summary.kvBytesPerToken, fixture.info.kv_bytes_per_token["f32"], name)
            XCTAssertEqual(summary.kvBytesPerTokenMHA, fixture.info.kv_bytes_per_token_mha["f32"], name)
        }
    }

    /// Hunyuan-Large shaped metadata-only file: KV exactly 5% of MHA, parameter counts near 389 B / 52 B.
    func testHunyuanLargeMetadataOnlySummary() throws {
        let name = "hunyuan-large-meta.gguf"
        try XCTSkipUnless(Fixtures.exists(name), "fixture missing")
        let file = try GGUFFile(path: Fixtures.url(name).path, requireTensorData: false)
        XCTAssertTrue(file.tensors.isEmpty)
        let summary = try ModelRegistry.summary(of: file)
        XCTAssertEqual(summary.architecture, "hunyuan-moe")
        XCTAssertEqual(summary.kvBytesPerToken * 20, summary.kvBytesPerTokenMHA)
        XCTAssertEqual(summary.kvBytesPerToken, 163_840)
        XCTAssertEqual(summary.kvBytesPerTokenMHA, 3_276_800)
        XCTAssertEqual(summary.parametersTotal, 389_520_605_440)
        XCTAssertEqual(summary.parametersActive, 52_141_277_440)
        XCTAssertEqual(Double(summary.parametersTotal) / 389e9, 1, accuracy: 0.01)
        XCTAssertEqual(Double(summary.parametersActive) / 52e9, 1, accuracy: 0.01)
        XCTAssertThrowsError(try HunyuanMoEModel(file: file))
    }
}
