import MoEKernels
import XCTest
@testable import MoE

/// Optimised C kernels against the plain Swift references, at every instruction-set level this CPU has.
final class KernelTests: XCTestCase {
    static let types: [GGMLType] = [.f32, .f16, .bf16, .q8_0, .q4_0, .q4_K, .q6_K]
    var levels: [Int] { Array(0...Kernels.cpuLevel) }

    func testMatmulMatchesReferenceAtEveryLevelAndTokenCount() throws {
        for type in Self.types {
            let columns = type.blockSize == 256 ? 512 : 96 + (type.blockSize == 1 ? 5 : 0)
            let rows = 7
            var rng = TestRandom(seed: 99)
            let bytes = try Quantizer.encode(rng.floats(rows * columns, scale: 2), as: type)
            let rowBytes = try XCTUnwrap(type.rowBytes(elements: columns))
            for tokens in [1, 2, 3, 4, 5, 9] {
                let x = rng.floats(tokens * columns)
                var expected: [Double] = []
                var magnitude: [Double] = []
                for t in 0..<tokens {
                    let xt = Array(x[(t * columns)..<((t + 1) * columns)])
                    for r in 0..<rows {
                        let row = Array(bytes[(r * rowBytes)..<((r + 1) * rowBytes)])
                        expected.append(try ReferenceKernels.dot(row, type: type, xt))
                        let w = try ReferenceKernels.dequantize(row, type: type, count: columns)
                        magnitude.append(zip(w, xt).reduce(0) { $0 + abs(Double($1.0) * Double($1.1)) })
                    }
                }
                for level in levels {
                    let y = try matmul(bytes, type: type, rows: rows, columns: columns, x: x, tokens: tokens,
                                       level: level)
                    for i in y.indices {
                        XCTAssertEqual(Double(y[i]), expected[i], accuracy: 1e-6 * magnitude[i] + 1e-30,
                                       "\(type) level \(level) tokens \(tokens) element \(i)")
                    }
                }
            }
        }
    }

    /// Each token's result is the same bits whether it is computed alone or with other tokens.
    func testMatmulIsBitIdenticalWhateverTheTokenCount() throws {
        for type in Self.types {
            let columns = type.blockSize == 256 ? 256 : 64 + (type.blockSize == 1 ? 3 : 0)
            var rng = TestRandom(seed: 7)
            let bytes = try Quantizer.encode(rng.floats(5 * columns), as: type)
            let x = rng.floats(11 * columns)
            for level in levels {
                let all = try matmul(bytes, type: type, rows: 5, columns: columns, x: x, tokens: 11, level: level)
                for t in [0, 4, 10] {
                    let alone = try matmul(bytes, type: type, rows: 5, columns: columns,
                                           x: Array(x[(t * columns)..<((t + 1) * columns)]), tokens: 1, level: level)
                    XCTAssertEqual(alone.map(\.bitPattern), all[(t * 5)..<(t * 5 + 5)].map(\.bitPattern),
                                   "\(type) level \(level) token \(t)")
                }
            }
        }
    }

    /// Matrices long enough for the streaming paths: rows read by the streaming kernels (first token group), rows
    /// whose tile was prefetched by the groups before (next tiles), and the last rows of the range (no prefetch).
    /// Every token keeps its bits whatever the token count, and matches the reference.
    func testLongMatricesKeepTheirBitsAcrossStreamingAndPrefetchedTiles() throws {
        for type: GGMLType in [.f32, .f16, .bf16, .q8_0] {
            let columns = type.blockSize == 1 ? 1029 : 1024
            let rowBytes = try XCTUnwrap(type.rowBytes(elements: columns))
            let rows = 3 * (192 * 1024 / rowBytes) + 5  // three whole tiles and a part
            var rng = TestRandom(seed: 21)
            let bytes = try Quantizer.encode(rng.floats(rows * columns), as: type)
            let tokens = 9  // token groups of 4, 4 and 1 for float rows of 1029
            let x = rng.floats(tokens * columns)
            for level in levels {
                let all = try matmul(bytes, type: type, rows: rows, columns: columns, x: x, tokens: tokens,
                                     level: level)
                for t in [0, 5, 8] {
                    let xt = Array(x[(t * columns)..<((t + 1) * columns)])
                    let alone = try matmul(bytes, type: type, rows: rows, columns: columns, x: xt, tokens: 1,
                                           level: level)
                    let differing = zip(alone, all[(t * rows)..<((t + 1) * rows)]).filter {
                        $0.bitPattern != $1.bitPattern
                    }.count
                    XCTAssertEqual(differing, 0, "\(type) level \(level) token \(t): rows differing from 9 tokens")
                    for r in [0, rows / 2, rows - 1] {
                        let row = Array(bytes[(r * rowBytes)..<((r + 1) * rowBytes)])
                        let expected = try ReferenceKernels.dot(row, type: type, xt)
                        let w = try ReferenceKernels.dequantize(row, type: type, count: columns)
                        let magnitude = zip(w, xt).reduce(0) { $0 + abs(Double($1.0) * Double($1.1)) }
                        XCTAssertEqual(Double(alone[r]), expected, accuracy: 1e-6 * magnitude,
                                       "\(type) level \(level) token \(t) row \(r)")
                    }
                }
            }
        }
    }

    func matmul(_ bytes: [UInt8], type: GGMLType, rows: Int, columns: Int, x: [Float], tokens: Int,
                level: Int) throws -> [Float] {
        let rowBytes = try XCTUnwrap(type.rowBytes(elements: columns))
        var y = [Float](repeating: .nan, count: rows * tokens)
        bytes.withUnsafeBytes { w in
            x.withUnsafeBufferPointer { xp in
                y.withUnsafeMutableBufferPointer { yp in
                    let matrix = WeightMatrix(name: "w", type: type, columns: columns, rows: rows, rowBytes: rowBytes,
                                              base: w.baseAddress!)
                    Kernels.matmul(.init(weight: matrix, input: xp.baseAddress!, inputStride: columns,
                                         tokens: tokens, output: yp.baseAddress!, outputStride: rows), level: level)
                }
            }
        }
        return y
    }

    func testDequantizeRowMatchesReference() throws {
        for type in Self.types {
            let columns = type.blockSize == 256 ? 512 : 64
            var rng = TestRandom(seed: 3)
            let bytes = try Quantizer.encode(rng.floats(columns, scale: 5), as: type)
            let reference = try ReferenceKernels.dequantize(bytes, type: type, count: columns)
            var kernel = [Float](repeating: 0, count: columns)
            let status = bytes.withUnsafeBytes { b in
                kernel.withUnsafeMutableBufferPointer { mk_dequantize_row(Int32(type.rawValue), b.baseAddress!,
                                                                          $0.baseAddress!, Int64(columns)) }
            }
            XCTAssertEqual(status, 0)
            XCTAssertEqual(kernel.map(\.bitPattern), reference.map(\.bitPattern), "\(type)")
        }
    }

    /// Quantisers round-trip within the format's resolution.
    func testQuantizersRoundTripWithinResolution() throws {
        let bounds: [GGMLType: Float] = [.f32: 0, .f16: 1e-3, .bf16: 8e-3, .q8_0: 1.0 / 127, .q4_0: 1.0 / 7,
                                         .q4_K: 1.0 / 7, .q6_K: 1.0 / 31]
        for type in Self.types {
            var rng = TestRandom(seed: 11)
            let values = rng.floats(512, scale: 3)
            let decoded = try ReferenceKernels.dequantize(Quantizer.encode(values, as: type), type: type, count: 512)
            let maxAbs = values.reduce(0) { max($0, abs($1)) }
            let worst = zip(values, decoded).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
            XCTAssertLessThanOrEqual(worst, (bounds[type] ?? 0) * maxAbs + 1e-6, "\(type)")
        }
    }

    func testHalfConversionsMatchBetweenSwiftAndC() {
        for h in 0...UInt16.max {
            let swift = HalfPrecision.float(fromHalf: h), c = mk_fp16_to_fp32(h)
            XCTAssertTrue(swift.bitPattern == c.bitPattern || (swift.isNaN && c.isNaN), "half \(h)")
            if !swift.isNaN {
                XCTAssertEqual(HalfPrecision.half(from: swift), h, "round trip \(h)")
                XCTAssertEqual(mk_fp32_to_fp16(swift), h, "C round trip \(h)")
            }
        }
        var rng = TestRandom(seed: 5)
        for _ in 0..<20_000 {
            let f = Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()))
            guard !f.isNaN else { continue }
            XCTAssertEqual(HalfPrecision.half(from: f), mk_fp32_to_fp16(f), "\(f)")
        }
        XCTAssertEqual(HalfPrecision.half(from: 65520), 0x7c00)
        XCTAssertEqual(HalfPrecision.half(from: 65519), 0x7bff)
        XCTAssertEqual(HalfPrecision.bfloat16(from: 1.00390625), 0x3f80)  // ties to even
    }

    func testAttentionKernelMatchesNaiveAttention() {
        // Head dims that are not a multiple of 16 take the generic path at every level; the others the fused AVX-512
        // kernel (heads in groups of 4, values in chunks of 64 dimensions, scores 16 positions at a time for at most
        // 16 heads, then one at a time for the tail; softmax tails of 1..15 positions). F16 caches against the same
        // attention over the half-rounded keys and values.
        for (headDim, group, positions, pageSize) in [(24, 3, 37, 8), (128, 4, 37, 8), (48, 5, 1, 4), (80, 6, 50, 16),
                                                      (16, 1, 16, 16), (32, 4, 100, 32), (32, 17, 40, 8)] {
            for precision in KVCachePrecision.allCases {
                checkAttention(headDim: headDim, group: group, positions: positions, pageSize: pageSize,
                               precision: precision)
            }
        }
    }

    private func checkAttention(headDim: Int, group: Int, positions: Int, pageSize: Int, precision: KVCachePrecision) {
        var rng = TestRandom(seed: UInt64(8 + headDim + positions))
        let q = rng.floats(group * headDim)
        func stored(_ x: [Float]) -> [Float] {
            precision == .float32 ? x : x.map { mk_fp16_to_fp32(mk_fp32_to_fp16($0)) }
        }
        let keys = (0..<positions).map { _ in stored(rng.floats(headDim, scale: 2)) }
        let values = (0..<positions).map { _ in stored(rng.floats(headDim)) }
        let pageCount = (positions + pageSize - 1) / pageSize
        // Page layout: K block then V block, each [pageSize][headDim].
        var pages = (0..<pageCount).map { _ in [Float](repeating: 0, count: 2 * pageSize * headDim) }
        for p in 0..<positions {
            for i in 0..<headDim {
                pages[p / pageSize][(p % pageSize) * headDim + i] = keys[p][i]
                pages[p / pageSize][pageSize * headDim + (p % pageSize) * headDim + i] = values[p][i]
            }
        }
        let eps: Float = 1e-6, scale: Float = 0.2
        var expected = [Double](repeating: 0, count: group * headDim)
        for h in 0..<group {
            let scores = keys.map { k -> Double in
                let rms = (k.reduce(0.0) { $0 + Double($1 * $1) } / Double(headDim) + Double(eps)).squareRoot()
                return (0..<headDim).reduce(0.0) { $0 + Double(q[h * headDim + $1]) * Double(k[$1]) } / rms
                    * Double(scale)
            }
            let m = scores.max() ?? 0
            let e = scores.map { exp($0 - m) }
            let z = e.reduce(0, +)
            for p in 0..<positions {
                for i in 0..<headDim { expected[h * headDim + i] += e[p] / z * Double(values[p][i]) }
            }
        }
        let bytes = precision.elementBytes
        for level in levels {
            var out = [Float](repeating: 0, count: group * headDim)
            var scores = [Float](repeating: 0, count: group * positions)
            let buffers = pages.map { page -> UnsafeMutableRawPointer in
                let b = UnsafeMutableRawPointer.allocate(byteCount: page.count * bytes, alignment: 64)
                for (i, x) in page.enumerated() {
                    if precision == .float32 {
                        b.storeBytes(of: x, toByteOffset: 4 * i, as: Float.self)
                    } else {
                        b.storeBytes(of: mk_fp32_to_fp16(x), toByteOffset: 2 * i, as: UInt16.self)
                    }
                }
                return b
            }
            defer { buffers.forEach { $0.deallocate() } }
            var table: [UnsafeRawPointer?] = buffers.map { UnsafeRawPointer($0) }
            let status = table.withUnsafeMutableBufferPointer { t in
                mk_attention(Int32(level), precision.kernelType, q, Int64(group), Int64(headDim), t.baseAddress!,
                             Int64(pageSize), 0, Int64(pageSize * headDim), Int64(positions), eps, scale, &scores,
                             &out)
            }
            XCTAssertEqual(status, 0)
            for i in out.indices {
                XCTAssertEqual(Double(out[i]), expected[i], accuracy: 1e-5,
                               "\(precision) level \(level) head dim \(headDim) group \(group) positions \(positions)")
            }
        }
    }

    /// The row conversion of the F16 KV cache gives the reference conversion's bits at every level (NaNs stay NaNs).
    func testHalfRowConversionMatchesReferenceAtEveryLevel() {
        var rng = TestRandom(seed: 61)
        var x = rng.floats(1000, scale: 70000)
        x += [0, -0, 1, -1, 65504, 65519, 65520, -65520, 1e-8, -6e-8, 5.9604645e-8, 2.9802322e-8, 6.1035156e-5,
              6.097555e-5, .infinity, -.infinity, .nan, 1.00048828125, 1.00146484375]
        x += (0..<200).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        let expected = x.map(mk_fp32_to_fp16)
        for level in levels {
            for count in [x.count, 7, 16, 23] {
                var y = [UInt16](repeating: 0xFFFF, count: count)
                mk_f32_to_f16_at_level(Int32(level), x, Int64(count), &y)
                for i in 0..<count {
                    if x[i].isNaN {
                        XCTAssertTrue(mk_fp16_to_fp32(y[i]).isNaN, "level \(level) element \(i)")
                    } else {
                        XCTAssertEqual(y[i], expected[i], "level \(level) element \(i): \(x[i])")
                    }
                }
            }
        }
    }

    func testWorkerPoolRunsEveryTaskOnce() {
        for threads in [1, 2, 4] {
            let pool = WorkerPool(threads: threads)
            for count in [0, 1, 3, 100] {
                let counts = UnsafeMutablePointer<Int>.allocate(capacity: max(count, 1))
                counts.initialize(repeating: 0, count: max(count, 1))
                defer { counts.deallocate() }
                var maxThread = 0
                let lock = NSLock()
                pool.run(count) { task, thread in
                    counts[task] += 1
                    lock.lock()
                    maxThread = max(maxThread, thread)
                    lock.unlock()
                }
                XCTAssertEqual((0..<count).map { counts[$0] }, [Int](repeating: 1, count: count))
                XCTAssertLessThan(maxThread, pool.threads)
            }
        }
    }
}
