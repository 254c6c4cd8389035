import XCTest
@testable import MoE

final class SyntheticModelTests: XCTestCase {
    func testBuildsALoadableModelWithATokenizerOfTheRequestedShape() throws {
        for type in [GGMLType.q8_0, .q4_K, .f32] {
            let file = try GGUFFile(bytes: SyntheticModelSpec.small(type).build())
            let model = try ModelRegistry.load(file)
            XCTAssertEqual(model.vocabularySize, 300)
            XCTAssertEqual(model.summary.expertsUsed, 2)
            XCTAssertEqual(file.tensor(named: "blk.0.ffn_up_exps.weight")?.type, type)
            XCTAssertEqual(file.tensor(named: "blk.0.ffn_gate_inp.weight")?.type, .f32)
            let tokenizer = try BPETokenizer(metadata: file)
            let ids = tokenizer.encode("hello, world", parseSpecial: false, addSpecialTokens: true)
            XCTAssertEqual(ids.first, 298, "BOS is the second-last token")
            XCTAssertEqual(try tokenizer.decode(Array(ids.dropFirst())), "hello, world")
        }
    }

    func testSameSeedSameBytesAndTheBenchmarkShapeMatchesTheIssue() throws {
        XCTAssertEqual(try SyntheticModelSpec.small(.q8_0).build(), try SyntheticModelSpec.small(.q8_0).build())
        var other = SyntheticModelSpec.small(.q8_0)
        other.seed = 2
        XCTAssertNotEqual(try SyntheticModelSpec.small(.q8_0).build(), try other.build())
        let bench = SyntheticModelSpec.benchmark
        XCTAssertEqual([bench.embedding, bench.layers, bench.heads, bench.headDim, bench.kvHeads, bench.experts,
                        bench.expertsUsed, bench.expertLength, bench.sharedLength, bench.vocabulary],
                       [1024, 8, 8, 128, 2, 32, 4, 512, 512, 16384])
    }

    func testInvalidShapesAreRejectedWithAReason() {
        var spec = SyntheticModelSpec.small(.q4_K)
        spec.expertLength = 96
        XCTAssertThrowsError(try spec.build()) { error in
            XCTAssertTrue("\(error)".contains("expert length 96"), "\(error)")
        }
        spec = SyntheticModelSpec.small(.q8_0)
        spec.heads = 3
        XCTAssertThrowsError(try spec.build())
        spec = SyntheticModelSpec.small(.q8_0)
        spec.vocabulary = 100
        XCTAssertThrowsError(try spec.build())
    }
}
