import MoEKernels
import XCTest
@testable import MoE

/// The integer-activation ("q8") C kernels against the plain Swift references, at every instruction-set level this
/// CPU has (the 512-bit path needs AVX-512 VNNI; without it that level runs the AVX2 kernels).
final class Int8KernelTests: XCTestCase {
    static let types: [GGMLType] = [.q8_0, .q4_0, .q4_K, .q6_K]
    var levels: [Int] { Array(0...Int(mk_cpu_level())) }

    // MARK: - Quantisation

    func testQuantizeMatchesReferenceByteForByte() {
        XCTAssertEqual(MemoryLayout<mk_block_q8>.size, 40)
        var rng = TestRandom(seed: 21)
        var x: [Float] = []
        x += rng.floats(64, scale: 3)                                             // ordinary blocks
        x += [127, 2.5, -2.5, 3.5, -3.5, 0.5, -0.5, 1.5, -1.5, 126.5, -126.5, 4.5] // d = 1: exact ties
            + [Float](repeating: 0, count: 20)
        x += [63.5, 1.25, -1.25, 0.75, -0.75, 0.25, 2.25, -3.75] + rng.floats(24, scale: 60)  // d = 0.5: ties
        x += [Float](repeating: 0, count: 32)                                     // all zeros
        x += (0..<32).map { $0 % 3 == 0 ? 0 : -0.0 }                              // signed zeros
        x += rng.floats(32, scale: 3e38)                                          // near the float range
        x += rng.floats(32, scale: 1e30)
        x += rng.floats(32, scale: 1e-30)
        x += rng.floats(32, scale: 1e-38)                                         // d subnormal, 1 / d infinite
        x += rng.floats(32, scale: Float(bitPattern: 71))                          // ~1e-43: d underflows to 0
        x += [Float.infinity] + rng.floats(31)                                    // infinite value
        x += [Float.nan, 5] + rng.floats(30)                                      // NaN value
        x += (0..<32).map { i in i == 7 ? -9 : Float(i % 5) * 0.1 }               // negative extreme
        let reference = ReferenceKernels.quantizeQ8(x)
        let blocks = quantize(x)
        XCTAssertEqual(blocks.count, reference.blockCount)
        for b in 0..<blocks.count {
            let (d, sums, q) = fields(blocks[b])
            XCTAssertEqual(d.bitPattern, reference.scales[b].bitPattern, "block \(b) scale")
            XCTAssertEqual(sums, [reference.sums[2 * b], reference.sums[2 * b + 1]], "block \(b) sums")
            XCTAssertEqual(q, Array(reference.values[(32 * b)..<(32 * b + 32)]), "block \(b) values")
            XCTAssertEqual(Int(sums[0]), q[0..<16].reduce(0) { $0 + Int($1) }, "block \(b)")
            XCTAssertEqual(Int(sums[1]), q[16..<32].reduce(0) { $0 + Int($1) }, "block \(b)")
        }
        // Ties go to even; the largest magnitude maps to +-127.
        XCTAssertEqual(Array(reference.values[64..<76]), [127, 2, -2, 4, -4, 0, 0, 2, -2, 126, -126, 4])
        XCTAssertEqual(Array(reference.values[96..<104]), [127, 2, -2, 2, -2, 0, 4, -8])
        XCTAssertEqual(reference.values[(32 * 4)..<(32 * 6)].filter { $0 != 0 }.count, 0)
        XCTAssertEqual(reference.values[32 * 13 + 7], -127)
    }

    // MARK: - Against the reference

    /// Every level and token count 1...11 against the exact-integer reference, with weights from the encoder and
    /// random bytes (every quant value, negative Q6_K scales, -128 in Q8_0), at sizes with and without a partial
    /// last group of blocks.
    func testMatmulMatchesReferenceAtEveryLevelAndTokenCount() throws {
        for type in Self.types {
            let sizes = type.blockSize == 256 ? [256, 512, 768, 1024] : [256, 512, 1024, 96, 544]
            for (s, columns) in sizes.enumerated() {
                let rows = 5, pool = 11
                var rng = TestRandom(seed: 100 + UInt64(s))
                let bytes = s % 2 == 0 ? try Quantizer.encode(rng.floats(rows * columns, scale: 2), as: type)
                    : randomRows(type, rows: rows, columns: columns, rng: &rng)
                let rowBytes = try XCTUnwrap(type.rowBytes(elements: columns))
                let x = rng.floats(pool * columns, scale: 3)
                let quantized = (0..<pool).map { ReferenceKernels.quantizeQ8(Array(x[($0 * columns)..<(($0 + 1) * columns)])) }
                var expected = [Double](), magnitude = [Double]()
                for t in 0..<pool {
                    let xq = quantized[t]
                    let xd = (0..<columns).map { Double(xq.scales[$0 / 32]) * Double(xq.values[$0]) }
                    for r in 0..<rows {
                        let row = Array(bytes[(r * rowBytes)..<((r + 1) * rowBytes)])
                        expected.append(try ReferenceKernels.dotQ8(row, type: type, xq))
                        let w = try ReferenceKernels.dequantize(row, type: type, count: columns)
                        magnitude.append(zip(w, xd).reduce(0) { $0 + abs(Double($1.0) * $1.1) })
                    }
                }
                let blocks = quantize(x)
                for level in levels {
                    for tokens in 1...pool {
                        let y = try matmulQ8(bytes, type: type, rows: rows, columns: columns, x: blocks, tokens: tokens,
                                             level: level)
                        for i in y.indices {
                            XCTAssertEqual(Double(y[i]), expected[i], accuracy: 1e-5 * magnitude[i] + 1e-30,
                                           "\(type) k \(columns) level \(level) tokens \(tokens) element \(i)")
                        }
                    }
                }
            }
        }
    }

    // MARK: - Batch invariance

    /// Each token's result has the same bits whether it is computed alone, in small groups or with all the others,
    /// and each row's whatever the row range.
    func testMatmulIsBitIdenticalWhateverTheTokenCount() throws {
        for type in Self.types {
            for columns in type.blockSize == 256 ? [256, 768] : [256, 512, 544] {
                let rows = 16, tokens = 11
                var rng = TestRandom(seed: 7)
                let bytes = randomRows(type, rows: rows, columns: columns, rng: &rng)
                // Activations with a padded stride (ldx > k / 32).
                let stride = columns / 32 + 3
                var x = rng.floats(tokens * stride * 32, scale: 2)
                for t in 0..<tokens { for i in (columns + t * stride * 32)..<((t + 1) * stride * 32) { x[i] = 0 } }
                let blocks = quantize(x)
                for level in levels {
                    let all = try matmulQ8(bytes, type: type, rows: rows, columns: columns, x: blocks, ldx: stride,
                                           tokens: tokens, level: level)
                    for t in 0..<tokens {
                        let alone = try matmulQ8(bytes, type: type, rows: rows, columns: columns,
                                                 x: Array(blocks[(t * stride)..<((t + 1) * stride)]), ldx: stride,
                                                 tokens: 1, level: level)
                        XCTAssertEqual(alone.map(\.bitPattern), all[(t * rows)..<((t + 1) * rows)].map(\.bitPattern),
                                       "\(type) k \(columns) level \(level) token \(t)")
                    }
                    for (start, count) in [(0, 3), (3, 5), (8, 3)] {
                        let group = try matmulQ8(bytes, type: type, rows: rows, columns: columns,
                                                 x: Array(blocks[(start * stride)..<((start + count) * stride)]),
                                                 ldx: stride, tokens: count, level: level)
                        XCTAssertEqual(group.map(\.bitPattern),
                                       all[(start * rows)..<((start + count) * rows)].map(\.bitPattern),
                                       "\(type) k \(columns) level \(level) tokens \(start)..<\(start + count)")
                    }
                    // Rows 2..<5 only: the same bits, the other outputs untouched.
                    let part = try matmulQ8(bytes, type: type, rows: rows, columns: columns, x: blocks, ldx: stride,
                                            tokens: tokens, level: level, rowRange: 2..<5)
                    for i in part.indices {
                        if (2..<5).contains(i % rows) {
                            XCTAssertEqual(part[i].bitPattern, all[i].bitPattern, "\(type) level \(level) row range")
                        } else {
                            XCTAssertTrue(part[i].isNaN, "\(type) level \(level) row outside the range written")
                        }
                    }
                }
            }
        }
    }

    /// Gathered tokens (an MoE expert's rows read in place, repeats allowed) give the bits of the same rows copied
    /// out, on the per-row (5 tokens) and the blocked (9 tokens) paths, at every level.
    func testGatheredTokenRowsMatchCopiedRows() throws {
        var rng = TestRandom(seed: 23)
        let columns = 512, rows = 40, sourceRows = 7
        let source = quantize(rng.floats(sourceRows * columns, scale: 2))
        let blocksPerRow = columns / 32
        for type in [GGMLType.q8_0, .q4_0, .q4_K, .q6_K] {
            let bytes = randomRows(type, rows: rows, columns: columns, rng: &rng)
            let rowBytes = try XCTUnwrap(type.rowBytes(elements: columns))
            for tokenRows in [[Int32]([3, 0, 3, 6, 1]), [6, 5, 4, 3, 2, 1, 0, 0, 2]] {
                let copied = tokenRows.flatMap { row in
                    Array(source[(Int(row) * blocksPerRow)..<((Int(row) + 1) * blocksPerRow)])
                }
                for level in levels {
                    let expected = try matmulQ8(bytes, type: type, rows: rows, columns: columns, x: copied,
                                                tokens: tokenRows.count, level: level)
                    var y = [Float](repeating: .nan, count: rows * tokenRows.count)
                    let status = bytes.withUnsafeBytes { w in
                        mk_matmul_q8_rows_at_level(Int32(level), Int32(type.rawValue), w.baseAddress, rowBytes,
                                                   Int64(columns), 0, Int64(rows), source, Int64(blocksPerRow),
                                                   tokenRows, Int64(tokenRows.count), &y, Int64(rows))
                    }
                    XCTAssertEqual(status, 0)
                    XCTAssertEqual(y.map(\.bitPattern), expected.map(\.bitPattern),
                                   "\(type) level \(level) tokens \(tokenRows.count)")
                }
            }
        }
    }

    /// Many rows (several cache tiles) and many tokens (several packed chunks) against single-row, single-token calls.
    func testTilingAndChunkingKeepEveryResult() throws {
        let best = Int(mk_cpu_level())
        var rng = TestRandom(seed: 17)
        // Q6_K rows of 840 bytes: 300 rows span two 192 KiB tiles of the per-row kernels (2 tokens) and nine 48 KiB
        // tiles of decoded rows (1408 bytes each, the next tile's raw rows prefetched) on the blocked AVX-512 path
        // (9 tokens).
        let rows = 300, columns = 1024
        let bytes = randomRows(.q6_K, rows: rows, columns: columns, rng: &rng)
        let blocks = quantize(rng.floats(9 * columns))
        for level in Set([0, best]) {
            for tokens in [2, 9] {
                let all = try matmulQ8(bytes, type: .q6_K, rows: rows, columns: columns, x: blocks, tokens: tokens,
                                       level: level)
                for r in stride(from: 0, to: rows, by: 7) {
                    let one = try matmulQ8(bytes, type: .q6_K, rows: rows, columns: columns, x: blocks, tokens: tokens,
                                           level: level, rowRange: r..<(r + 1))
                    for t in 0..<tokens {
                        XCTAssertEqual(one[t * rows + r].bitPattern, all[t * rows + r].bitPattern,
                                       "level \(level) tokens \(tokens) row \(r) token \(t)")
                    }
                }
                // A range across the decoded tiles, starting at an odd row.
                let part = try matmulQ8(bytes, type: .q6_K, rows: rows, columns: columns, x: blocks, tokens: tokens,
                                        level: level, rowRange: 3..<297)
                for t in 0..<tokens {
                    XCTAssertEqual(part[(t * rows + 3)..<(t * rows + 297)].map(\.bitPattern),
                                   all[(t * rows + 3)..<(t * rows + 297)].map(\.bitPattern),
                                   "level \(level) tokens \(tokens) token \(t) rows 3..<297")
                }
            }
        }
        // 750 tokens of 1024 Q8_0 activations (1408 packed bytes each) cross the 256 KiB packing chunk of the per-row
        // kernels and the 1 MiB chunk of the blocked path (744 tokens, then 6 that take the per-row kernels).
        let tokens = 750
        let q8 = randomRows(.q8_0, rows: 3, columns: columns, rng: &rng)
        let many = quantize(rng.floats(tokens * columns))
        for level in Set([1, best].filter { $0 <= best }) {
            let all = try matmulQ8(q8, type: .q8_0, rows: 3, columns: columns, x: many, tokens: tokens, level: level)
            for t in 0..<tokens {
                let alone = try matmulQ8(q8, type: .q8_0, rows: 3, columns: columns,
                                         x: Array(many[(t * 32)..<((t + 1) * 32)]), tokens: 1, level: level)
                XCTAssertEqual(alone.map(\.bitPattern), all[(3 * t)..<(3 * t + 3)].map(\.bitPattern),
                               "level \(level) token \(t)")
            }
        }
    }

    /// The many-token path (7 tokens or more at the AVX-512 VNNI level: kernels over 2 rows x 4 tokens at a time)
    /// against single-token and single-row calls, which take the per-row kernels: odd row counts, row ranges that
    /// start at odd rows or hold one row, token counts that are not a multiple of 4, partial last groups of blocks.
    func testBlockedEdgesAreBitIdentical() throws {
        for type in Self.types {
            for columns in type.blockSize == 256 ? [256, 768] : [544, 1024] {
                let rows = 19, tokens = 14
                var rng = TestRandom(seed: 31 + UInt64(columns))
                let bytes = randomRows(type, rows: rows, columns: columns, rng: &rng)
                let blocks = quantize(rng.floats(tokens * columns, scale: 2))
                let nb = columns / 32
                for level in levels {
                    let all = try matmulQ8(bytes, type: type, rows: rows, columns: columns, x: blocks, tokens: tokens,
                                           level: level)
                    for t in 0..<tokens {
                        let alone = try matmulQ8(bytes, type: type, rows: rows, columns: columns,
                                                 x: Array(blocks[(t * nb)..<((t + 1) * nb)]), tokens: 1, level: level)
                        XCTAssertEqual(alone.map(\.bitPattern), all[(t * rows)..<((t + 1) * rows)].map(\.bitPattern),
                                       "\(type) k \(columns) level \(level) token \(t)")
                    }
                    for (start, count) in [(0, 7), (1, 9), (3, 10), (2, 11), (1, 13)] {
                        for range in [0..<rows, 1..<2, 3..<18, 5..<8, 7..<19, 18..<19] {
                            let part = try matmulQ8(bytes, type: type, rows: rows, columns: columns,
                                                    x: Array(blocks[(start * nb)..<((start + count) * nb)]),
                                                    tokens: count, level: level, rowRange: range)
                            for i in part.indices {
                                let (t, r) = (i / rows, i % rows)
                                if range.contains(r) {
                                    XCTAssertEqual(part[i].bitPattern, all[(start + t) * rows + r].bitPattern,
                                                   "\(type) k \(columns) level \(level) tokens \(start)+\(count) "
                                                       + "rows \(range) element \(i)")
                                } else {
                                    XCTAssertTrue(part[i].isNaN, "\(type) level \(level) row outside the range written")
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: - Against the float path

    /// The integer path differs from the float path on the unquantised activations only by the activation
    /// quantisation error (8 bits per 32-value block): within 2e-2 of the row's sum of |w * x| on random data.
    func testCloseToTheFloatPath() throws {
        for type in Self.types {
            let rows = 8, columns = 512, tokens = 5
            var rng = TestRandom(seed: 5)
            let bytes = try Quantizer.encode(rng.floats(rows * columns), as: type)
            let rowBytes = try XCTUnwrap(type.rowBytes(elements: columns))
            let x = rng.floats(tokens * columns, scale: 4)
            let blocks = quantize(x)
            var magnitude = [Double]()
            for t in 0..<tokens {
                for r in 0..<rows {
                    let w = try ReferenceKernels.dequantize(Array(bytes[(r * rowBytes)..<((r + 1) * rowBytes)]),
                                                            type: type, count: columns)
                    magnitude.append((0..<columns).reduce(0) { $0 + abs(Double(w[$1]) * Double(x[t * columns + $1])) })
                }
            }
            for level in levels {
                let q8 = try matmulQ8(bytes, type: type, rows: rows, columns: columns, x: blocks, tokens: tokens,
                                      level: level)
                var float = [Float](repeating: .nan, count: rows * tokens)
                let status = bytes.withUnsafeBytes { w in
                    mk_matmul_at_level(Int32(level), Int32(type.rawValue), w.baseAddress, rowBytes, Int64(columns), 0,
                                       Int64(rows), x, Int64(columns), Int64(tokens), &float, Int64(rows))
                }
                XCTAssertEqual(status, 0)
                var worst = 0.0
                for i in q8.indices { worst = max(worst, abs(Double(q8[i]) - Double(float[i])) / magnitude[i]) }
                XCTAssertLessThan(worst, 2e-2, "\(type) level \(level)")
                XCTAssertGreaterThan(worst, 0, "\(type) level \(level): the activations were quantised")
            }
        }
    }

    // MARK: - Unsupported input

    func testUnsupportedTypesAndSizesReturnMinusOne() {
        for type in Self.types { XCTAssertEqual(mk_q8_supports(Int32(type.rawValue)), 1, "\(type)") }
        let blocks = quantize([Float](repeating: 1, count: 256))
        let weights = [UInt8](repeating: 0, count: 4096)
        for type in [GGMLType.f32, .f16, .bf16] {
            XCTAssertEqual(mk_q8_supports(Int32(type.rawValue)), 0, "\(type)")
            for level in levels {
                var y = [Float](repeating: 0, count: 1)
                let status = weights.withUnsafeBytes {
                    mk_matmul_q8_at_level(Int32(level), Int32(type.rawValue), $0.baseAddress, 1024, 256, 0, 1, blocks,
                                          8, 1, &y, 1)
                }
                XCTAssertEqual(status, -1, "\(type) level \(level)")
            }
        }
        XCTAssertEqual(mk_q8_supports(99), 0)
        // K-quants need whole 256-element super-blocks.
        var y = [Float](repeating: 0, count: 1)
        let status = weights.withUnsafeBytes {
            mk_matmul_q8(Int32(GGMLType.q4_K.rawValue), $0.baseAddress, 144, 96, 0, 1, blocks, 8, 1, &y, 1)
        }
        XCTAssertEqual(status, -1)
    }

    // MARK: - Helpers

    func quantize(_ x: [Float]) -> [mk_block_q8] {
        var blocks = [mk_block_q8](repeating: mk_block_q8(), count: x.count / 32)
        blocks.withUnsafeMutableBufferPointer { mk_quantize_q8(x, Int64(x.count), $0.baseAddress) }
        return blocks
    }

    func fields(_ block: mk_block_q8) -> (d: Float, sums: [Int16], q: [Int8]) {
        withUnsafeBytes(of: block) { raw in
            (raw.load(as: Float.self), [raw.load(fromByteOffset: 4, as: Int16.self),
                                        raw.load(fromByteOffset: 6, as: Int16.self)],
             (0..<32).map { Int8(bitPattern: raw[8 + $0]) })
        }
    }

    /// Random bytes with finite, moderate scales in place of the format's fp16 fields.
    func randomRows(_ type: GGMLType, rows: Int, columns: Int, rng: inout TestRandom) -> [UInt8] {
        let total = rows * (type.rowBytes(elements: columns) ?? 0)
        var bytes = (0..<total).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        for base in stride(from: 0, to: total, by: type.blockBytes) {
            func put(_ offset: Int, _ value: Float) {
                let h = HalfPrecision.half(from: value)
                bytes[base + offset] = UInt8(h & 0xFF)
                bytes[base + offset + 1] = UInt8(h >> 8)
            }
            switch type {
            case .q8_0, .q4_0: put(0, rng.uniform() * 0.1)
            case .q4_K:
                put(0, abs(rng.uniform()) * 0.01)
                put(2, abs(rng.uniform()) * 0.01)
            case .q6_K: put(208, rng.uniform() * 0.01)
            default: break
            }
        }
        return bytes
    }

    /// y[t * rows + r] for r in rowRange (other outputs stay NaN), through mk_matmul_q8_at_level.
    func matmulQ8(_ bytes: [UInt8], type: GGMLType, rows: Int, columns: Int, x: [mk_block_q8], ldx: Int? = nil,
                  tokens: Int, level: Int, rowRange: Range<Int>? = nil) throws -> [Float] {
        let rowBytes = try XCTUnwrap(type.rowBytes(elements: columns))
        let range = rowRange ?? 0..<rows
        var y = [Float](repeating: .nan, count: rows * tokens)
        let status = bytes.withUnsafeBytes { w in
            mk_matmul_q8_at_level(Int32(level), Int32(type.rawValue), w.baseAddress, rowBytes, Int64(columns),
                                  Int64(range.lowerBound), Int64(range.upperBound), x, Int64(ldx ?? columns / 32),
                                  Int64(tokens), &y, Int64(rows))
        }
        XCTAssertEqual(status, 0)
        return y
    }
}
