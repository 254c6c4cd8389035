/// Swift encoders for the writer: floats to the block formats. Simple round-to-nearest schemes with per-block
/// scales chosen from the block's range (not llama.cpp's iterative searches); any valid encoding is fine because
/// tests compare against the dequantised values of the bytes actually written.
public enum Quantizer {
    /// Encodes `values` (a whole tensor, row-major; the row length a multiple of the block size) as `type`.
    public static func encode(_ values: [Float], as type: GGMLType) throws -> [UInt8] {
        guard values.count % type.blockSize == 0 else {
            throw ReferenceKernels.Failure.badLength(expected: type.blockSize, found: values.count)
        }
        var out = ByteWriter()
        out.bytes.reserveCapacity(values.count / type.blockSize * type.blockBytes)
        switch type {
        case .f32: for v in values { out.u32(v.bitPattern) }
        case .f16: for v in values { out.u16(HalfPrecision.half(from: v)) }
        case .bf16: for v in values { out.u16(HalfPrecision.bfloat16(from: v)) }
        case .q8_0: for b in stride(from: 0, to: values.count, by: 32) { q8_0(values[b..<(b + 32)], &out) }
        case .q4_0: for b in stride(from: 0, to: values.count, by: 32) { q4_0(values[b..<(b + 32)], &out) }
        case .q4_K: for b in stride(from: 0, to: values.count, by: 256) { q4_K(values[b..<(b + 256)], &out) }
        case .q6_K: for b in stride(from: 0, to: values.count, by: 256) { q6_K(values[b..<(b + 256)], &out) }
        default: throw ReferenceKernels.Failure.unsupported(type)
        }
        return out.bytes
    }

    private static func q8_0(_ x: ArraySlice<Float>, _ out: inout ByteWriter) {
        let amax = x.reduce(0) { max($0, abs($1)) }
        let d = amax / 127
        let id: Float = d != 0 ? 1 / d : 0
        out.u16(HalfPrecision.half(from: d))
        for v in x { out.u8(UInt8(bitPattern: Int8(clamping: Int((v * id).rounded())))) }
    }

    private static func q4_0(_ x: ArraySlice<Float>, _ out: inout ByteWriter) {
        // The value of largest magnitude maps to -8, so the full signed range is used on its side.
        var extreme: Float = 0
        for v in x where abs(v) > abs(extreme) { extreme = v }
        let d = extreme / -8
        let id: Float = d != 0 ? 1 / d : 0
        out.u16(HalfPrecision.half(from: d))
        let q = x.map { v -> UInt8 in UInt8(clamping: min(15, max(0, Int((v * id + 8.5).rounded(.down))))) }
        for j in 0..<16 { out.u8(q[j] | (q[j + 16] << 4)) }
    }

    private static func q4_K(_ x: ArraySlice<Float>, _ out: inout ByteWriter) {
        let v = Array(x)
        var scales = [Float](repeating: 0, count: 8), mins = [Float](repeating: 0, count: 8)
        for j in 0..<8 {
            let sub = v[(32 * j)..<(32 * j + 32)]
            let lo = min(sub.min() ?? 0, 0), hi = sub.max() ?? 0
            scales[j] = (hi - lo) / 15
            mins[j] = -lo
        }
        let maxScale = scales.max() ?? 0, maxMin = mins.max() ?? 0
        let d = HalfPrecision.float(fromHalf: HalfPrecision.half(from: maxScale / 63))
        let dmin = HalfPrecision.float(fromHalf: HalfPrecision.half(from: maxMin / 63))
        var ls = [UInt8](repeating: 0, count: 8), lm = [UInt8](repeating: 0, count: 8)
        for j in 0..<8 {
            ls[j] = d > 0 ? UInt8(min(63, max(0, Int((scales[j] / d).rounded())))) : 0
            lm[j] = dmin > 0 ? UInt8(min(63, max(0, Int((mins[j] / dmin).rounded())))) : 0
        }
        var packed = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {
            if j < 4 {
                packed[j] = ls[j]
                packed[j + 4] = lm[j]
            } else {
                packed[j + 4] = (ls[j] & 0xF) | ((lm[j] & 0xF) << 4)
                packed[j - 4] |= (ls[j] >> 4) << 6
                packed[j] |= (lm[j] >> 4) << 6
            }
        }
        var q = [UInt8](repeating: 0, count: 256)
        for j in 0..<8 {
            let step = d * Float(ls[j]), offset = dmin * Float(lm[j])
            for i in 0..<32 {
                let value = v[32 * j + i]
                q[32 * j + i] = step > 0 ? UInt8(min(15, max(0, Int(((value + offset) / step).rounded())))) : 0
            }
        }
        out.u16(HalfPrecision.half(from: d))
        out.u16(HalfPrecision.half(from: dmin))
        out.bytes.append(contentsOf: packed)
        for c in 0..<4 {
            for l in 0..<32 { out.u8(q[64 * c + l] | (q[64 * c + 32 + l] << 4)) }
        }
    }

    private static func q6_K(_ x: ArraySlice<Float>, _ out: inout ByteWriter) {
        let v = Array(x)
        var scales = [Float](repeating: 0, count: 16)
        for j in 0..<16 {
            var extreme: Float = 0
            for value in v[(16 * j)..<(16 * j + 16)] where abs(value) > abs(extreme) { extreme = value }
            scales[j] = extreme / -32
        }
        let maxScale = scales.reduce(0) { max($0, abs($1)) }
        let d = HalfPrecision.float(fromHalf: HalfPrecision.half(from: maxScale / 127))
        var sc = [Int8](repeating: 0, count: 16)
        for j in 0..<16 { sc[j] = d > 0 ? Int8(clamping: Int((scales[j] / d).rounded())) : 0 }
        var q = [UInt8](repeating: 32, count: 256)
        for j in 0..<16 {
            let step = d * Float(sc[j])
            guard step != 0 else { continue }
            for i in 0..<16 {
                let level = min(31, max(-32, Int((v[16 * j + i] / step).rounded())))
                q[16 * j + i] = UInt8(level + 32)
            }
        }
        var ql = [UInt8](repeating: 0, count: 128), qh = [UInt8](repeating: 0, count: 64)
        for n in 0..<2 {
            for l in 0..<32 {
                let q1 = q[128 * n + l], q2 = q[128 * n + 32 + l], q3 = q[128 * n + 64 + l], q4 = q[128 * n + 96 + l]
                ql[64 * n + l] = (q1 & 0xF) | ((q3 & 0xF) << 4)
                ql[64 * n + 32 + l] = (q2 & 0xF) | ((q4 & 0xF) << 4)
                qh[32 * n + l] = (q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6)
            }
        }
        out.bytes.append(contentsOf: ql)
        out.bytes.append(contentsOf: qh)
        for s in sc { out.u8(UInt8(bitPattern: s)) }
        out.u16(HalfPrecision.half(from: d))
    }
}
