import Foundation
import MoEKernels
import XCTest
@testable import MoE

/// SwiGLU's activation, its exp, RMS norm and RoPE tables: every level against a plain reference.
final class ElementwiseKernelTests: XCTestCase {
    var levels: [Int] { Array(0...Kernels.cpuLevel) }

    func testPolynomialExpIsWithinOnePointFiveTenMillionthsOfExp() {
        var worst = 0.0
        var x: Float = -87
        while x <= 88 {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(mk_exp_reference(x)) - exact) / exact)
            x += 0.0137
        }
        XCTAssertLessThan(worst, 1.5e-7)
        // Clamped outside [-87, 88]; NaN becomes the upper bound (callers keep NaN through their own arithmetic).
        XCTAssertEqual(mk_exp_reference(-1000), mk_exp_reference(-87))
        XCTAssertEqual(mk_exp_reference(1000), mk_exp_reference(88))
        XCTAssertTrue(mk_exp_reference(88).isFinite)
        XCTAssertEqual(mk_exp_reference(.nan), mk_exp_reference(88))
        XCTAssertEqual(mk_exp_reference(0), 1)
    }

    func testSiluMulGivesTheSameBitsAtEveryLevelAndMatchesTheFormula() {
        var rng = TestRandom(seed: 31)
        // Lengths with and without vector tails; values across the clamp range, plus special values.
        for n in [1, 7, 8, 15, 16, 17, 33, 100] {
            var g = rng.floats(n, scale: 12)
            let u = rng.floats(n, scale: 3)
            if n >= 8 {
                g[0] = 0
                g[1] = -200
                g[2] = 200
                g[3] = .nan
                g[4] = -.infinity
                g[5] = 1e-30
            }
            var results: [[Float]] = []
            for level in levels {
                var y = [Float](repeating: 0, count: n)
                mk_silu_mul_at_level(Int32(level), g, u, Int64(n), &y)
                results.append(y)
            }
            for (level, y) in results.enumerated() {
                XCTAssertEqual(y.map(\.bitPattern), results[0].map(\.bitPattern), "level \(level) n \(n)")
            }
            for i in 0..<n {
                let a = Double(g[i])
                let y = results[0][i]
                if a.isNaN {
                    XCTAssertTrue(y.isNaN)
                    continue
                }
                if a.isInfinite { continue }  // (the levels agree; no finite formula to compare with)
                let expected = a / (1 + Foundation.exp(-a)) * Double(u[i])
                XCTAssertEqual(Double(y), expected, accuracy: 1e-6 * abs(expected) + 1e-30, "silu(\(a)) * \(u[i])")
            }
        }
    }

    func testRMSNormGivesTheSameBitsAtEveryLevelAndMatchesTheFormula() {
        var rng = TestRandom(seed: 12)
        for n in [1, 7, 8, 24, 100, 128, 1024] {
            let x = rng.floats(n, scale: 5), w = rng.floats(n, scale: 2)
            var results: [[Float]] = []
            for level in levels {
                var y = [Float](repeating: 0, count: n)
                mk_rmsnorm_at_level(Int32(level), x, w, Int64(n), 1e-6, &y)
                results.append(y)
                var inPlace = x
                inPlace.withUnsafeMutableBufferPointer { mk_rmsnorm_at_level(Int32(level), $0.baseAddress!, w,
                                                                             Int64(n), 1e-6, $0.baseAddress!) }
                XCTAssertEqual(inPlace.map(\.bitPattern), y.map(\.bitPattern), "in place, level \(level)")
            }
            for (level, y) in results.enumerated() {
                XCTAssertEqual(y.map(\.bitPattern), results[0].map(\.bitPattern), "level \(level) n \(n)")
            }
            let meanSquare = x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(n)
            let scale = 1 / (meanSquare + 1e-6).squareRoot()
            for i in 0..<n {
                let expected = Double(x[i]) * scale * Double(w[i])
                XCTAssertEqual(Double(results[0][i]), expected, accuracy: 1e-6 * abs(expected) + 1e-30)
            }
        }
    }

    func testRopeWithATableGivesTheSameBitsAsRope() {
        var rng = TestRandom(seed: 5)
        for (heads, headDim, rotary) in [(3, 16, 16), (2, 24, 8), (4, 128, 128)] {
            for position in [0, 1, 77, 4095] {
                let x = rng.floats(heads * headDim, scale: 4)
                var direct = x
                mk_rope_neox(&direct, Int64(heads), Int64(headDim), Int64(rotary), Int64(position), 10000)
                var table = [Double](repeating: 0, count: rotary)
                mk_rope_cos_sin(Int64(rotary), Int64(position), 10000, &table)
                var viaTable = x
                mk_rope_neox_cs(&viaTable, Int64(heads), Int64(headDim), Int64(rotary), table)
                XCTAssertEqual(viaTable.map(\.bitPattern), direct.map(\.bitPattern))
                if position == 0 { XCTAssertEqual(viaTable, x) }
            }
        }
    }
}
