/// Scanning of numeric literals: `12`, `3.50`, `.5`, `1.5e3`, `0.\overline{3}`, `0.1666...`, and the fraction part
/// of mixed numbers. Pure forward scans over ASCII bytes with bounded lookahead.
struct MathNumberLiteral {
    let value: MathRational
    /// Byte offset just past the literal.
    let end: Int
    /// Digits only (no point, exponent or repetition).
    let isPlainInteger: Bool
    /// Digits after the point for a plain terminating decimal (`3.50` → 2); nil for integers, exponents, repeats.
    let decimalPlaces: Int?

    /// Scans a literal that starts at `start` (a digit, or a point followed by a digit).
    static func scan(_ bytes: [UInt8], from start: Int, budget: inout MathBudget) throws -> MathNumberLiteral {
        let limits = budget.limits
        var position = start
        func digitRun() -> Range<Int> {
            let runStart = position
            while position < bytes.count && isDigit(bytes[position]) { position += 1 }
            return runStart..<position
        }
        let integerDigits = digitRun()
        var fractionDigits = position..<position
        var repeatingDigits = position..<position
        var sawPoint = false
        if position < bytes.count && bytes[position] == UInt8(ascii: "."),
           !(position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: ".")) {
            sawPoint = true
            position += 1
            fractionDigits = digitRun()
            if let overline = scanOverline(bytes, from: position) {
                repeatingDigits = overline.digits
                position = overline.end
            } else if fractionDigits.count >= 2, hasEllipsis(bytes, at: position),
                      let period = repeatingPeriod(bytes, fractionDigits) {
                repeatingDigits = (fractionDigits.upperBound - period)..<fractionDigits.upperBound
                fractionDigits = fractionDigits.lowerBound..<(fractionDigits.upperBound - period)
                position += 3
            }
        }
        var exponent = 0
        var sawExponent = false
        if position < bytes.count, bytes[position] | 0x20 == UInt8(ascii: "e") {
            var probe = position + 1
            var negative = false
            if probe < bytes.count && (bytes[probe] == UInt8(ascii: "+") || bytes[probe] == UInt8(ascii: "-")) {
                negative = bytes[probe] == UInt8(ascii: "-")
                probe += 1
            }
            if probe < bytes.count && isDigit(bytes[probe]) {
                position = probe
                let run = digitRun()
                guard run.count <= 6, let magnitude = Int(String(decoding: bytes[run], as: UTF8.self)),
                      magnitude <= limits.maxExponent else {
                    throw MathArithmeticError.exponentTooLarge("e-notation exponent")
                }
                exponent = negative ? -magnitude : magnitude
                sawExponent = true
            }
        }
        let digitCount = integerDigits.count + fractionDigits.count + repeatingDigits.count
        guard digitCount <= limits.maxLiteralDigits else {
            throw MathArithmeticError.tooLarge("\(digitCount)-digit literal")
        }
        try budget.charge(digitCount + 1)
        let allDigits = Array(bytes[integerDigits]) + Array(bytes[fractionDigits])
        let base = MathBigUInt(decimalDigits: String(decoding: allDigits.isEmpty ? [48] : allDigits, as: UTF8.self))
            ?? .zero
        var value = try scaled(base, exponent: exponent - fractionDigits.count, budget: &budget)
        if !repeatingDigits.isEmpty {
            // 0.a(b) = a/10^|a| + b / (10^|a| (10^|b| - 1))
            let period = MathBigUInt(decimalDigits: String(decoding: bytes[repeatingDigits], as: UTF8.self)) ?? .zero
            let nines = (MathBigUInt(10).power(repeatingDigits.count).subtractingReportingUnderflow(.one)) ?? .one
            let repeating = try MathRational.make(
                negative: false, numerator: period, denominator: nines, budget: &budget)
            let shift = try scaled(.one, exponent: exponent - fractionDigits.count, budget: &budget)
            value = try value.adding(repeating.multiplied(by: shift, budget: &budget), budget: &budget)
        }
        let plainDecimal = sawPoint && !sawExponent && repeatingDigits.isEmpty && !fractionDigits.isEmpty
        return MathNumberLiteral(
            value: value, end: position,
            isPlainInteger: !sawPoint && !sawExponent && !integerDigits.isEmpty,
            decimalPlaces: plainDecimal ? fractionDigits.count : nil)
    }

    /// `mantissa × 10^exponent`, refusing results wider than the bit limit before computing them.
    static func scaled(_ mantissa: MathBigUInt, exponent: Int, budget: inout MathBudget) throws -> MathRational {
        let limits = budget.limits
        // 10^k needs about 3.33 k bits.
        if abs(exponent) * 10 / 3 > limits.maxBits + 64 {
            throw MathArithmeticError.tooLarge("10^\(exponent)")
        }
        let power = MathBigUInt(10).power(abs(exponent))
        try budget.charge(power.limbs.count * (mantissa.limbs.count + 1) + 1)
        if exponent >= 0 {
            return try MathRational.make(negative: false, numerator: mantissa * power, denominator: .one,
                                         budget: &budget)
        }
        return try MathRational.make(negative: false, numerator: mantissa, denominator: power, budget: &budget)
    }

    /// The fraction of a mixed number right after its integer part: `\frac{1}{2}`, `\frac12`, or ` 1/2` followed by
    /// the end, a space or a closing bracket/comma. Returns nil (consuming nothing) otherwise.
    static func scanMixedFraction(
        _ bytes: [UInt8], from start: Int
    ) -> (numerator: MathBigUInt, denominator: MathBigUInt, end: Int)? {
        var position = start
        // `3 \frac{1}{2}`: spaces may separate the whole part from a LaTeX fraction.
        var afterSpaces = start
        while afterSpaces < bytes.count && bytes[afterSpaces] == UInt8(ascii: " ") { afterSpaces += 1 }
        if afterSpaces < bytes.count && bytes[afterSpaces] == UInt8(ascii: "\\") { position = afterSpaces }
        func digits(max: Int = 18) -> MathBigUInt? {
            let runStart = position
            while position < bytes.count && isDigit(bytes[position]) && position - runStart < max { position += 1 }
            guard position > runStart else { return nil }
            return MathBigUInt(decimalDigits: String(decoding: bytes[runStart..<position], as: UTF8.self))
        }
        func braced() -> MathBigUInt? {
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: "{") {
                position += 1
                guard let value = digits(), position < bytes.count, bytes[position] == UInt8(ascii: "}") else {
                    return nil
                }
                position += 1
                return value
            }
            return digits(max: 1)
        }
        if matches(bytes, at: position, "\\frac") || matches(bytes, at: position, "\\dfrac")
            || matches(bytes, at: position, "\\tfrac") {
            position += bytes[position + 1] == UInt8(ascii: "f") ? 5 : 6
            guard let top = braced(), let bottom = braced(), !bottom.isZero else { return nil }
            return (top, bottom, position)
        }
        guard position < bytes.count, bytes[position] == UInt8(ascii: " ") else { return nil }
        while position < bytes.count && bytes[position] == UInt8(ascii: " ") { position += 1 }
        guard let top = digits(), position < bytes.count, bytes[position] == UInt8(ascii: "/") else { return nil }
        position += 1
        guard let bottom = digits(), !bottom.isZero, top < bottom else { return nil }
        if position < bytes.count {
            let next = bytes[position]
            let allowed: [UInt8] = Array(" ),]}".utf8)
            guard allowed.contains(next) else { return nil }
        }
        return (top, bottom, position)
    }

    /// Parses a whole string as a signed literal or `a/b` (the GSM8K result and final-answer format), allowing
    /// thousands commas in the integer part. Returns nil for anything else.
    static func parseSimpleNumber(_ text: String, budget: inout MathBudget) throws -> (MathRational, Int?)? {
        var bytes = Array(text.utf8)
        while let last = bytes.last, last == 32 { bytes.removeLast() }
        var start = 0
        while start < bytes.count && bytes[start] == 32 { start += 1 }
        var negative = false
        if start < bytes.count && bytes[start] == UInt8(ascii: "-") {
            negative = true
            start += 1
        }
        bytes = Array(bytes[start...])
        bytes = MathThousands.removingGroupSeparators(bytes)
        guard let first = bytes.first, isDigit(first) || first == UInt8(ascii: ".") else { return nil }
        let literal = try scan(bytes, from: 0, budget: &budget)
        var value = literal.value
        var places = literal.decimalPlaces
        if literal.end < bytes.count {
            guard literal.isPlainInteger, bytes[literal.end] == UInt8(ascii: "/") else { return nil }
            let rest = Array(bytes[(literal.end + 1)...])
            guard let head = rest.first, isDigit(head) else { return nil }
            let denominator = try scan(rest, from: 0, budget: &budget)
            guard denominator.isPlainInteger, denominator.end == rest.count else { return nil }
            value = try value.divided(by: denominator.value, budget: &budget)
            places = nil
        }
        return (negative ? value.negated : value, places)
    }

    private static func scanOverline(_ bytes: [UInt8], from start: Int) -> (digits: Range<Int>, end: Int)? {
        guard matches(bytes, at: start, "\\overline{") || matches(bytes, at: start, "\\dot{") else { return nil }
        var position = start + (bytes[start + 1] == UInt8(ascii: "o") ? 10 : 5)
        let runStart = position
        while position < bytes.count && isDigit(bytes[position]) { position += 1 }
        guard position > runStart, position < bytes.count, bytes[position] == UInt8(ascii: "}") else { return nil }
        return (runStart..<position, position + 1)
    }

    private static func hasEllipsis(_ bytes: [UInt8], at position: Int) -> Bool {
        matches(bytes, at: position, "...")
    }

    /// Smallest period p <= 6 such that the fraction digits end with the same p-digit block written twice
    /// (`0.1666...` → 1, `0.142857142857...` → 6); nil when no such block exists (`0.125...`).
    private static func repeatingPeriod(_ bytes: [UInt8], _ digits: Range<Int>) -> Int? {
        for period in 1...6 where digits.count >= 2 * period {
            let end = digits.upperBound
            var repeats = true
            for offset in 0..<period where bytes[end - 1 - offset] != bytes[end - 1 - offset - period] {
                repeats = false
            }
            if repeats { return period }
        }
        return nil
    }

    /// Whether `literal` occurs in `bytes` at `position` (no allocation: used in hot scanning loops).
    static func matches(_ bytes: [UInt8], at position: Int, _ literal: String) -> Bool {
        guard position >= 0 else { return false }
        var index = position
        for byte in literal.utf8 {
            guard index < bytes.count, bytes[index] == byte else { return false }
            index += 1
        }
        return true
    }

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
}
