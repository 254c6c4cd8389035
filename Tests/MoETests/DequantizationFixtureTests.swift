import XCTest
@testable import MoE

/// Dequantisation against gguf-py's (Tests/MoETests/Fixtures/dequant-*): bit for bit, for the Swift reference and
/// the C kernels.
final class DequantizationFixtureTests: XCTestCase {
    func testDequantizationMatchesGGUFPyBitForBit() throws {
        try XCTSkipUnless(Fixtures.exists("dequant-fixtures.json"), "fixtures missing")
        let fixtures = try Fixtures.dequantFixtures()
        XCTAssertEqual(Set(fixtures.map(\.type)), ["F32", "F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"])
        for fixture in fixtures {
            let file = try GGUFFile(path: Fixtures.url(fixture.gguf).path)
            guard let info = file.tensor(named: fixture.tensor), let bytes = file.rawBytes(of: info) else {
                XCTFail("\(fixture.gguf): tensor \(fixture.tensor) missing")
                continue
            }
            XCTAssertEqual(info.type.description, fixture.type)
            XCTAssertEqual(info.shape, fixture.ne)
            let expected = try Fixtures.floats(fixture.f32)
            XCTAssertEqual(expected.count, fixture.n_elements)

            let reference = try ReferenceKernels.dequantize(bytes, type: info.type, count: info.elementCount)
            let loader = try TensorLoader(file: file)
            let matrix = try loader.matrix(fixture.tensor, shape: info.shape)
            var kernel = [Float](repeating: 0, count: info.elementCount)
            kernel.withUnsafeMutableBufferPointer { out in
                for r in 0..<matrix.rows { Kernels.dequantizeRow(matrix, row: r, into: out.baseAddress! + r * matrix.columns) }
            }
            for i in expected.indices {
                XCTAssertEqual(reference[i].bitPattern, expected[i].bitPattern,
                               "\(fixture.type) reference element \(i): \(reference[i]) vs \(expected[i])")
                XCTAssertEqual(kernel[i].bitPattern, expected[i].bitPattern,
                               "\(fixture.type) kernel element \(i): \(kernel[i]) vs \(expected[i])")
                if reference[i].bitPattern != expected[i].bitPattern { break }
            }
        }
    }
}
