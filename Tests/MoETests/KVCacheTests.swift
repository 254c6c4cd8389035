import MoEKernels
import XCTest
@testable import MoE

final class KVCacheTests: XCTestCase {
    /// Both precisions store what they are given at their precision, in pages of their element size.
    func testStoreRoundsToThePrecisionAndPagesShrinkWithIt() throws {
        let layout = KVCacheLayout(groups: 2, kvHeads: 2, headDim: 16)
        var rng = TestRandom(seed: 5)
        let values = rng.floats(16, scale: 3)
        for precision in KVCachePrecision.allCases {
            let cache = KVCache(layout: layout, maxTokens: 64, maxPositions: 64, pageSize: 8, precision: precision)
            let slot = cache.newSequence()
            try cache.reserve(slot, positions: 10)
            XCTAssertEqual(cache.allocatedBytes, 2 * 8 * layout.floatsPerPosition * precision.elementBytes)
            XCTAssertEqual(cache.bytesPerToken, layout.floatsPerPosition * precision.elementBytes)
            values.withUnsafeBufferPointer { buffer in
                XCTAssertTrue(cache.store(buffer.baseAddress!, slot: slot, group: 1, value: true, head: 1, position: 9))
                XCTAssertFalse(cache.store(buffer.baseAddress!, slot: slot, group: 0, value: false, head: 0,
                                           position: 16), "position 16 is not reserved")
            }
            let stored = try XCTUnwrap(cache.load(slot: slot, group: 1, value: true, head: 1, position: 9))
            let expected = precision == .float32 ? values : values.map { mk_fp16_to_fp32(mk_fp32_to_fp16($0)) }
            XCTAssertEqual(stored.map(\.bitPattern), expected.map(\.bitPattern), "\(precision)")
            if precision == .float16 { XCTAssertNotEqual(stored, values, "half precision should round") }
            // Neighbouring vectors are untouched.
            XCTAssertEqual(cache.load(slot: slot, group: 1, value: true, head: 0, position: 9),
                           [Float](repeating: 0, count: 16))
            XCTAssertEqual(cache.load(slot: slot, group: 1, value: false, head: 1, position: 9),
                           [Float](repeating: 0, count: 16))
        }
    }
}
