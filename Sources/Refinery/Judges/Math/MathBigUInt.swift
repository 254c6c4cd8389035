/// A small arbitrary-precision unsigned integer for the math judge's exact rationals.
///
/// Written here (rather than depending on a bignum package) because the judge caps every number at a few thousand
/// bits anyway: the operations only need to be correct and predictable, not fast on huge inputs. Limbs are base 2^32,
/// least significant first, with no trailing zero limbs (zero is the empty array). Callers bound sizes through
/// `MathBudget`; nothing here traps on any input except division by zero, which callers check first.
public struct MathBigUInt: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Base-2^32 digits, least significant first, normalised (no trailing zeros).
    public private(set) var limbs: [UInt32]

    public static let zero = MathBigUInt(limbs: [])
    public static let one = MathBigUInt(1)

    init(limbs: [UInt32]) {
        self.limbs = limbs
        normalize()
    }

    public init(_ value: UInt64) {
        var limbs: [UInt32] = []
        if value != 0 { limbs.append(UInt32(truncatingIfNeeded: value)) }
        if value >> 32 != 0 { limbs.append(UInt32(truncatingIfNeeded: value >> 32)) }
        self.limbs = limbs
    }

    /// Parses a string of ASCII decimal digits (no sign, no separators); nil when it contains anything else.
    public init?(decimalDigits: some StringProtocol) {
        var result = MathBigUInt.zero
        var chunk: UInt32 = 0
        var chunkLength = 0
        var sawDigit = false
        for byte in decimalDigits.utf8 {
            guard byte >= 48 && byte <= 57 else { return nil }
            sawDigit = true
            chunk = chunk * 10 + UInt32(byte - 48)
            chunkLength += 1
            if chunkLength == 9 {
                result = result.multipliedAdding(small: 1_000_000_000, add: chunk)
                chunk = 0
                chunkLength = 0
            }
        }
        guard sawDigit else { return nil }
        if chunkLength > 0 {
            var scale: UInt32 = 1
            for _ in 0..<chunkLength { scale *= 10 }
            result = result.multipliedAdding(small: scale, add: chunk)
        }
        self = result
    }

    private mutating func normalize() {
        while let last = limbs.last, last == 0 { limbs.removeLast() }
    }

    public var isZero: Bool { limbs.isEmpty }

    /// Number of significant bits (0 for zero).
    public var bitWidth: Int {
        guard let last = limbs.last else { return 0 }
        return limbs.count * 32 - last.leadingZeroBitCount
    }

    /// The value as UInt64 when it fits.
    public var uint64Value: UInt64? {
        switch limbs.count {
        case 0: return 0
        case 1: return UInt64(limbs[0])
        case 2: return UInt64(limbs[0]) | (UInt64(limbs[1]) << 32)
        default: return nil
        }
    }

    public static func < (lhs: MathBigUInt, rhs: MathBigUInt) -> Bool {
        compare(lhs.limbs, rhs.limbs) < 0
    }

    static func compare(_ a: [UInt32], _ b: [UInt32]) -> Int {
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        var index = a.count - 1
        while index >= 0 {
            if a[index] != b[index] { return a[index] < b[index] ? -1 : 1 }
            index -= 1
        }
        return 0
    }

    // MARK: Arithmetic

    public static func + (lhs: MathBigUInt, rhs: MathBigUInt) -> MathBigUInt {
        let (long, short) = lhs.limbs.count >= rhs.limbs.count ? (lhs.limbs, rhs.limbs) : (rhs.limbs, lhs.limbs)
        var result = [UInt32]()
        result.reserveCapacity(long.count + 1)
        var carry: UInt64 = 0
        for index in 0..<long.count {
            let sum = UInt64(long[index]) + (index < short.count ? UInt64(short[index]) : 0) + carry
            result.append(UInt32(truncatingIfNeeded: sum))
            carry = sum >> 32
        }
        if carry != 0 { result.append(UInt32(carry)) }
        return MathBigUInt(limbs: result)
    }

    /// `lhs - rhs`; nil when the result would be negative.
    public func subtractingReportingUnderflow(_ rhs: MathBigUInt) -> MathBigUInt? {
        guard MathBigUInt.compare(limbs, rhs.limbs) >= 0 else { return nil }
        var result = limbs
        var borrow: Int64 = 0
        for index in 0..<result.count {
            var difference = Int64(result[index]) - borrow - (index < rhs.limbs.count ? Int64(rhs.limbs[index]) : 0)
            if difference < 0 {
                difference += 1 << 32
                borrow = 1
            } else {
                borrow = 0
            }
            result[index] = UInt32(truncatingIfNeeded: difference)
        }
        return MathBigUInt(limbs: result)
    }

    public static func * (lhs: MathBigUInt, rhs: MathBigUInt) -> MathBigUInt {
        if lhs.isZero || rhs.isZero { return .zero }
        var result = [UInt32](repeating: 0, count: lhs.limbs.count + rhs.limbs.count)
        for i in 0..<lhs.limbs.count {
            var carry: UInt64 = 0
            let left = UInt64(lhs.limbs[i])
            for j in 0..<rhs.limbs.count {
                let product = left * UInt64(rhs.limbs[j]) + UInt64(result[i + j]) + carry
                result[i + j] = UInt32(truncatingIfNeeded: product)
                carry = product >> 32
            }
            result[i + rhs.limbs.count] = UInt32(truncatingIfNeeded: carry)
        }
        return MathBigUInt(limbs: result)
    }

    /// `self * small + add`.
    func multipliedAdding(small: UInt32, add: UInt32) -> MathBigUInt {
        var result = [UInt32]()
        result.reserveCapacity(limbs.count + 1)
        var carry = UInt64(add)
        for limb in limbs {
            let product = UInt64(limb) * UInt64(small) + carry
            result.append(UInt32(truncatingIfNeeded: product))
            carry = product >> 32
        }
        if carry != 0 { result.append(UInt32(carry)) }
        return MathBigUInt(limbs: result)
    }

    /// Quotient and remainder by a nonzero single limb.
    func quotientAndRemainder(dividingBySmall divisor: UInt32) -> (quotient: MathBigUInt, remainder: UInt32) {
        precondition(divisor != 0, "MathBigUInt: division by zero (callers check)")
        var quotient = [UInt32](repeating: 0, count: limbs.count)
        var remainder: UInt64 = 0
        var index = limbs.count - 1
        while index >= 0 {
            let current = (remainder << 32) | UInt64(limbs[index])
            quotient[index] = UInt32(truncatingIfNeeded: current / UInt64(divisor))
            remainder = current % UInt64(divisor)
            index -= 1
        }
        return (MathBigUInt(limbs: quotient), UInt32(truncatingIfNeeded: remainder))
    }

    /// Quotient and remainder; the divisor must be nonzero (callers check and report division by zero).
    /// Knuth's algorithm D with 32-bit digits and 64-bit intermediates.
    public func quotientAndRemainder(
        dividingBy divisor: MathBigUInt
    ) -> (quotient: MathBigUInt, remainder: MathBigUInt) {
        precondition(!divisor.isZero, "MathBigUInt: division by zero (callers check)")
        if MathBigUInt.compare(limbs, divisor.limbs) < 0 { return (.zero, self) }
        if divisor.limbs.count == 1 {
            let (quotient, remainder) = quotientAndRemainder(dividingBySmall: divisor.limbs[0])
            return (quotient, MathBigUInt(UInt64(remainder)))
        }
        let n = divisor.limbs.count
        let m = limbs.count
        let shift = divisor.limbs[n - 1].leadingZeroBitCount
        let vn = MathBigUInt.shiftedLeft(divisor.limbs, by: shift, extraLimb: false)
        var un = MathBigUInt.shiftedLeft(limbs, by: shift, extraLimb: true)
        var quotient = [UInt32](repeating: 0, count: m - n + 1)
        let base: UInt64 = 1 << 32
        var j = m - n
        while j >= 0 {
            let numerator = (UInt64(un[j + n]) << 32) | UInt64(un[j + n - 1])
            var qhat = numerator / UInt64(vn[n - 1])
            var rhat = numerator % UInt64(vn[n - 1])
            while qhat >= base || qhat * UInt64(vn[n - 2]) > ((rhat << 32) | UInt64(un[j + n - 2])) {
                qhat -= 1
                rhat += UInt64(vn[n - 1])
                if rhat >= base { break }
            }
            var k: Int64 = 0
            for i in 0..<n {
                let product = qhat * UInt64(vn[i])
                let t = Int64(un[i + j]) - k - Int64(product & 0xFFFF_FFFF)
                un[i + j] = UInt32(truncatingIfNeeded: t)
                k = Int64(product >> 32) - (t >> 32)
            }
            let t = Int64(un[j + n]) - k
            un[j + n] = UInt32(truncatingIfNeeded: t)
            if t < 0 {
                qhat -= 1
                var carry: UInt64 = 0
                for i in 0..<n {
                    let sum = UInt64(un[i + j]) + UInt64(vn[i]) + carry
                    un[i + j] = UInt32(truncatingIfNeeded: sum)
                    carry = sum >> 32
                }
                un[j + n] = UInt32(truncatingIfNeeded: UInt64(un[j + n]) + carry)
            }
            quotient[j] = UInt32(truncatingIfNeeded: qhat)
            j -= 1
        }
        var remainderLimbs = [UInt32](repeating: 0, count: n)
        for i in 0..<n {
            let low = UInt64(un[i]) >> UInt64(shift)
            let high = shift == 0 ? 0 : (UInt64(un[i + 1]) << UInt64(32 - shift))
            remainderLimbs[i] = UInt32(truncatingIfNeeded: low | high)
        }
        return (MathBigUInt(limbs: quotient), MathBigUInt(limbs: remainderLimbs))
    }

    private static func shiftedLeft(_ limbs: [UInt32], by shift: Int, extraLimb: Bool) -> [UInt32] {
        var result = [UInt32](repeating: 0, count: limbs.count + (extraLimb ? 1 : 0))
        var carry: UInt32 = 0
        for index in 0..<limbs.count {
            let limb = limbs[index]
            result[index] = (limb << UInt32(shift)) | carry
            carry = shift == 0 ? 0 : limb >> UInt32(32 - shift)
        }
        if extraLimb { result[limbs.count] = carry }
        return result
    }

    /// Greatest common divisor (Euclid); gcd(0, x) = x.
    public static func gcd(_ a: MathBigUInt, _ b: MathBigUInt) -> MathBigUInt {
        var x = a
        var y = b
        while !y.isZero {
            let remainder = x.quotientAndRemainder(dividingBy: y).remainder
            x = y
            y = remainder
        }
        return x
    }

    /// `self^exponent` by repeated squaring; callers bound the result size first.
    public func power(_ exponent: Int) -> MathBigUInt {
        var result = MathBigUInt.one
        var base = self
        var remaining = exponent
        while remaining > 0 {
            if remaining & 1 == 1 { result = result * base }
            remaining >>= 1
            if remaining > 0 { base = base * base }
        }
        return result
    }

    /// Largest r with r*r <= self (Newton's method).
    public func integerSquareRoot() -> MathBigUInt {
        if isZero { return .zero }
        // Start above the root: 2^ceil(bits/2).
        var x = MathBigUInt.one.shiftedLeft(bits: (bitWidth + 1) / 2)
        while true {
            let next = (x + quotientAndRemainder(dividingBy: x).quotient).shiftedRight(bits: 1)
            if next >= x { return x }
            x = next
        }
    }

    /// Largest r with r^k <= self, for k >= 1 (binary search on bits; used for small k only).
    public func integerRoot(_ k: Int) -> MathBigUInt {
        if k <= 1 || isZero { return self }
        if k == 2 { return integerSquareRoot() }
        var low = MathBigUInt.zero
        var high = MathBigUInt.one.shiftedLeft(bits: bitWidth / k + 1)
        while low < high {
            let mid = (low + high + .one).shiftedRight(bits: 1)
            if mid.power(k) <= self { low = mid } else { high = mid.subtractingReportingUnderflow(.one) ?? .zero }
        }
        return low
    }

    func shiftedLeft(bits: Int) -> MathBigUInt {
        if isZero || bits == 0 { return self }
        let limbShift = bits / 32
        let bitShift = bits % 32
        let shifted = MathBigUInt.shiftedLeft(limbs, by: bitShift, extraLimb: true)
        return MathBigUInt(limbs: [UInt32](repeating: 0, count: limbShift) + shifted)
    }

    func shiftedRight(bits: Int) -> MathBigUInt {
        let limbShift = bits / 32
        let bitShift = bits % 32
        if limbShift >= limbs.count { return .zero }
        var result = [UInt32](repeating: 0, count: limbs.count - limbShift)
        for index in 0..<result.count {
            let low = limbs[index + limbShift] >> UInt32(bitShift)
            let highIndex = index + limbShift + 1
            let high = (bitShift == 0 || highIndex >= limbs.count) ? 0 : limbs[highIndex] << UInt32(32 - bitShift)
            result[index] = low | high
        }
        return MathBigUInt(limbs: result)
    }

    /// Decimal digits, no separators.
    public var description: String {
        if isZero { return "0" }
        var chunks: [UInt32] = []
        var value = self
        while !value.isZero {
            let (quotient, remainder) = value.quotientAndRemainder(dividingBySmall: 1_000_000_000)
            chunks.append(remainder)
            value = quotient
        }
        var text = String(chunks[chunks.count - 1])
        for chunk in chunks.dropLast().reversed() {
            let digits = String(chunk)
            text += String(repeating: "0", count: 9 - digits.count) + digits
        }
        return text
    }
}
