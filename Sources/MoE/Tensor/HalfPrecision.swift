/// IEEE half and bfloat16 conversions in plain Swift (the reference for the C kernels' conversions; `Float16`
/// is not available on every platform the package targets).
public enum HalfPrecision {
    public static func float(fromHalf h: UInt16) -> Float {
        let sign = UInt32(h & 0x8000) << 16
        let exponent = UInt32((h >> 10) & 0x1f)
        var mantissa = UInt32(h & 0x3ff)
        if exponent == 0 {
            if mantissa == 0 { return Float(bitPattern: sign) }
            var e: UInt32 = 0
            while mantissa & 0x400 == 0 {
                mantissa <<= 1
                e += 1
            }
            mantissa &= 0x3ff
            return Float(bitPattern: sign | ((127 - 15 + 1 - e) << 23) | (mantissa << 13))
        }
        if exponent == 0x1f { return Float(bitPattern: sign | 0x7f80_0000 | (mantissa << 13)) }
        return Float(bitPattern: sign | ((exponent + 127 - 15) << 23) | (mantissa << 13))
    }

    /// Round to nearest even; overflow gives infinity.
    public static func half(from f: Float) -> UInt16 {
        let x = f.bitPattern
        let sign = UInt16((x >> 16) & 0x8000)
        let absx = x & 0x7fff_ffff
        if absx >= 0x7f80_0000 { return sign | 0x7c00 | (absx > 0x7f80_0000 ? 0x200 : 0) }
        if absx >= 0x477f_f000 { return sign | 0x7c00 }
        let exponent = Int32(absx >> 23) - 127 + 15
        var mantissa = absx & 0x7f_ffff
        if exponent <= 0 {
            if exponent < -10 { return sign }
            mantissa |= 0x80_0000
            let shift = UInt32(14 - exponent)
            var half = mantissa >> shift
            let rem = mantissa & ((1 << shift) - 1)
            let mid: UInt32 = 1 << (shift - 1)
            if rem > mid || (rem == mid && half & 1 == 1) { half += 1 }
            return sign | UInt16(half)
        }
        var half = (UInt32(exponent) << 10) | (mantissa >> 13)
        let rem = mantissa & 0x1fff
        if rem > 0x1000 || (rem == 0x1000 && half & 1 == 1) { half += 1 }
        return sign | UInt16(half)
    }

    public static func float(fromBFloat16 b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

    /// Round to nearest even; NaN stays a quiet NaN.
    public static func bfloat16(from f: Float) -> UInt16 {
        let x = f.bitPattern
        if x & 0x7fff_ffff > 0x7f80_0000 { return UInt16(x >> 16) | 0x40 }
        let rounded = x &+ 0x7fff &+ ((x >> 16) & 1)
        return UInt16(rounded >> 16)
    }
}
