/// Plain-Swift references of the integer-activation ("q8") kernels: the activation quantiser, byte for byte as
/// `mk_quantize_q8` writes it, and the dot product of a quantised weight row with quantised activations computed from
/// exact integer sums per block with the scales applied in double. Tests compare the C kernels against them; they are
/// not used on the hot path.
extension ReferenceKernels {
    /// Activations quantised to 8 bits per 32-element block: x[32b + i] ~= scales[b] * values[32b + i]; sums[2b] and
    /// sums[2b + 1] are the sums of the block's values 0..15 and 16..31.
    public struct Q8Activations: Equatable, Sendable {
        public var scales: [Float]
        public var values: [Int8]
        public var sums: [Int16]

        public var blockCount: Int { scales.count }
    }

    /// Quantises `x` (a multiple of 32 values) like `mk_quantize_q8`: d = max|x| / 127 over the block (NaN ignored),
    /// q = x * (1 / d) clamped to [-127, 127] and rounded to the nearest integer, ties to even (NaN gives 0; all q are
    /// 0 when d is 0).
    public static func quantizeQ8(_ x: [Float]) -> Q8Activations {
        precondition(x.count % 32 == 0, "quantizeQ8 needs a multiple of 32 values")
        let blocks = x.count / 32
        var out = Q8Activations(scales: [], values: [], sums: [])
        out.scales.reserveCapacity(blocks)
        out.values.reserveCapacity(x.count)
        out.sums.reserveCapacity(2 * blocks)
        for b in 0..<blocks {
            var amax: Float = 0
            for i in 0..<32 {
                let a = abs(x[32 * b + i])
                if a > amax { amax = a }
            }
            let d = amax / 127
            let inverse: Float = d != 0 ? 1 / d : 0
            var sums = [0, 0]
            for i in 0..<32 {
                var c = x[32 * b + i] * inverse
                if c > 127 { c = 127 }
                if c < -127 { c = -127 }
                if c.isNaN { c = 0 }
                let q = Int8(c.rounded(.toNearestOrEven))
                out.values.append(q)
                sums[i / 16] += Int(q)
            }
            out.scales.append(d)
            out.sums.append(Int16(sums[0]))
            out.sums.append(Int16(sums[1]))
        }
        return out
    }

    /// Dot product of one row of `type` (Q8_0, Q4_0, Q4_K or Q6_K) with quantised activations, the way the integer
    /// kernels define it: per 32-element block (16-element sub-block for Q6_K) an exact integer sum of weight quants
    /// times activation quants, then the scales (weight scale, mins for Q4_K, activation scale) in double.
    public static func dotQ8(_ bytes: [UInt8], type: GGMLType, _ x: Q8Activations) throws -> Double {
        let count = 32 * x.blockCount
        guard [.q8_0, .q4_0, .q4_K, .q6_K].contains(type) else { throw Failure.unsupported(type) }
        guard let needed = type.rowBytes(elements: count) else {
            throw Failure.badLength(expected: type.blockSize, found: count)
        }
        guard bytes.count >= needed else { throw Failure.badLength(expected: needed, found: bytes.count) }
        /// Exact sum of weights[i] * activation quants of block j (i in the block's elements `range`).
        func intDot(_ weights: [Int], _ first: Int, _ j: Int, _ range: Range<Int>) -> Int {
            var s = 0
            for i in range { s += weights[first + i] * Int(x.values[32 * j + i]) }
            return s
        }
        var sum = 0.0
        switch type {
        case .q8_0, .q4_0:
            for j in 0..<x.blockCount {
                let base = j * type.blockBytes
                let dw = Double(HalfPrecision.float(fromHalf: u16(bytes, base)))
                var w = [Int](repeating: 0, count: 32)
                for i in 0..<32 {
                    if type == .q8_0 {
                        w[i] = Int(Int8(bitPattern: bytes[base + 2 + i]))
                    } else {
                        let q = bytes[base + 2 + i % 16]
                        w[i] = Int(i < 16 ? q & 0xF : q >> 4) - 8
                    }
                }
                sum += Double(intDot(w, 0, j, 0..<32)) * dw * Double(x.scales[j])
            }
        case .q4_K:
            for b in 0..<(count / 256) {
                let base = b * type.blockBytes
                let d = Double(HalfPrecision.float(fromHalf: u16(bytes, base)))
                let dmin = Double(HalfPrecision.float(fromHalf: u16(bytes, base + 2)))
                var nibbles = [Int](repeating: 0, count: 256)
                for c in 0..<4 {
                    for l in 0..<32 {
                        let q = bytes[base + 16 + 32 * c + l]
                        nibbles[64 * c + l] = Int(q & 0xF)
                        nibbles[64 * c + 32 + l] = Int(q >> 4)
                    }
                }
                for s in 0..<8 {
                    let j = 8 * b + s
                    let (scale, min) = q4kScaleMin(s, bytes, base + 4)
                    let xsum = (0..<32).reduce(0) { $0 + Int(x.values[32 * j + $1]) }
                    let dx = Double(x.scales[j])
                    sum += d * Double(scale) * dx * Double(intDot(nibbles, 32 * s, j, 0..<32))
                    sum -= dmin * Double(min) * dx * Double(xsum)
                }
            }
        case .q6_K:
            for b in 0..<(count / 256) {
                let base = b * type.blockBytes
                let d = Double(HalfPrecision.float(fromHalf: u16(bytes, base + 208)))
                var q6 = [Int](repeating: 0, count: 256)
                for n in 0..<2 {
                    let ql = base + 64 * n, qh = base + 128 + 32 * n
                    for l in 0..<32 {
                        let low0 = Int(bytes[ql + l]), low1 = Int(bytes[ql + l + 32]), high = Int(bytes[qh + l])
                        q6[128 * n + l] = ((low0 & 0xF) | ((high & 3) << 4)) - 32
                        q6[128 * n + l + 32] = ((low1 & 0xF) | (((high >> 2) & 3) << 4)) - 32
                        q6[128 * n + l + 64] = ((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
                        q6[128 * n + l + 96] = ((low1 >> 4) | (((high >> 6) & 3) << 4)) - 32
                    }
                }
                for j in 0..<8 {
                    let scaleA = Int(Int8(bitPattern: bytes[base + 192 + 2 * j]))
                    let scaleB = Int(Int8(bitPattern: bytes[base + 192 + 2 * j + 1]))
                    let total = scaleA * intDot(q6, 32 * j, 8 * b + j, 0..<16)
                        + scaleB * intDot(q6, 32 * j, 8 * b + j, 16..<32)
                    sum += d * Double(x.scales[8 * b + j]) * Double(total)
                }
            }
        default:
            throw Failure.unsupported(type)
        }
        return sum
    }
}
