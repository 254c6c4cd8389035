/// Plain-Swift reference versions of the block formats: dequantisation of a row and a dot product computed from
/// the dequantised values in double precision. They define the expected results the optimised C kernels are tested
/// against; they are not used on the hot path.
public enum ReferenceKernels {
    public enum Failure: Error, Equatable {
        case unsupported(GGMLType)
        case badLength(expected: Int, found: Int)
    }

    /// Dequantises `count` elements encoded as `type` in `bytes`.
    public static func dequantize(_ bytes: [UInt8], type: GGMLType, count: Int) throws -> [Float] {
        guard type.isSupported else { throw Failure.unsupported(type) }
        guard let needed = type.rowBytes(elements: count) else {
            throw Failure.badLength(expected: type.blockSize, found: count)
        }
        guard bytes.count >= needed else { throw Failure.badLength(expected: needed, found: bytes.count) }
        var out = [Float](repeating: 0, count: count)
        let blocks = count / type.blockSize
        for b in 0..<blocks {
            let base = b * type.blockBytes
            let first = b * type.blockSize
            switch type {
            case .f32:
                out[first] = Float(bitPattern: u32(bytes, base))
            case .f16:
                out[first] = HalfPrecision.float(fromHalf: u16(bytes, base))
            case .bf16:
                out[first] = HalfPrecision.float(fromBFloat16: u16(bytes, base))
            case .q8_0:
                let d = HalfPrecision.float(fromHalf: u16(bytes, base))
                for i in 0..<32 { out[first + i] = Float(Int8(bitPattern: bytes[base + 2 + i])) * d }
            case .q4_0:
                let d = HalfPrecision.float(fromHalf: u16(bytes, base))
                for j in 0..<16 {
                    let q = bytes[base + 2 + j]
                    out[first + j] = Float(Int(q & 0xF) - 8) * d
                    out[first + j + 16] = Float(Int(q >> 4) - 8) * d
                }
            case .q4_K:
                decodeQ4K(bytes, base, into: &out, at: first)
            case .q6_K:
                decodeQ6K(bytes, base, into: &out, at: first)
            default:
                throw Failure.unsupported(type)
            }
        }
        return out
    }

    /// Dot product of a dequantised row with `x`, accumulated in double.
    public static func dot(_ bytes: [UInt8], type: GGMLType, _ x: [Float]) throws -> Double {
        let w = try dequantize(bytes, type: type, count: x.count)
        var sum = 0.0
        for i in 0..<x.count { sum += Double(w[i]) * Double(x[i]) }
        return sum
    }

    /// Q4_K sub-block scale and min (6 bits each) for sub-block j of the 12 packed bytes at `at`.
    static func q4kScaleMin(_ j: Int, _ q: [UInt8], _ at: Int) -> (scale: UInt8, min: UInt8) {
        if j < 4 { return (q[at + j] & 63, q[at + j + 4] & 63) }
        let scale = (q[at + j + 4] & 0xF) | ((q[at + j - 4] >> 6) << 4)
        let min = (q[at + j + 4] >> 4) | ((q[at + j] >> 6) << 4)
        return (scale, min)
    }

    private static func decodeQ4K(_ bytes: [UInt8], _ base: Int, into out: inout [Float], at first: Int) {
        let d = HalfPrecision.float(fromHalf: u16(bytes, base))
        let dmin = HalfPrecision.float(fromHalf: u16(bytes, base + 2))
        for c in 0..<4 {
            let (s1, m1) = q4kScaleMin(2 * c, bytes, base + 4)
            let (s2, m2) = q4kScaleMin(2 * c + 1, bytes, base + 4)
            let d1 = d * Float(s1), min1 = dmin * Float(m1)
            let d2 = d * Float(s2), min2 = dmin * Float(m2)
            for l in 0..<32 {
                let q = bytes[base + 16 + 32 * c + l]
                out[first + 64 * c + l] = d1 * Float(q & 0xF) - min1
                out[first + 64 * c + 32 + l] = d2 * Float(q >> 4) - min2
            }
        }
    }

    private static func decodeQ6K(_ bytes: [UInt8], _ base: Int, into out: inout [Float], at first: Int) {
        let d = HalfPrecision.float(fromHalf: u16(bytes, base + 208))
        for n in 0..<2 {
            let ql = base + 64 * n, qh = base + 128 + 32 * n, sc = base + 192 + 8 * n
            for l in 0..<32 {
                let isub = l / 16
                let low0 = bytes[ql + l], low1 = bytes[ql + l + 32], high = bytes[qh + l]
                let q1 = Int((low0 & 0xF) | ((high & 3) << 4)) - 32
                let q2 = Int((low1 & 0xF) | (((high >> 2) & 3) << 4)) - 32
                let q3 = Int((low0 >> 4) | (((high >> 4) & 3) << 4)) - 32
                let q4 = Int((low1 >> 4) | (((high >> 6) & 3) << 4)) - 32
                let o = first + 128 * n
                out[o + l] = d * Float(Int8(bitPattern: bytes[sc + isub])) * Float(q1)
                out[o + l + 32] = d * Float(Int8(bitPattern: bytes[sc + isub + 2])) * Float(q2)
                out[o + l + 64] = d * Float(Int8(bitPattern: bytes[sc + isub + 4])) * Float(q3)
                out[o + l + 96] = d * Float(Int8(bitPattern: bytes[sc + isub + 6])) * Float(q4)
            }
        }
    }

    static func u16(_ b: [UInt8], _ i: Int) -> UInt16 { UInt16(b[i]) | UInt16(b[i + 1]) << 8 }
    static func u32(_ b: [UInt8], _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }
}
