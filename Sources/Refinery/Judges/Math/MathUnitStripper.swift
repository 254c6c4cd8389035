/// Removes what a grader ignores around a numeric answer: currency prefixes (`USD 12`), percent words
/// (`50 percent` → `50%`), number words (`twelve` → `12`), unit words after a number (`12 apples`, `5 km/h`,
/// `3 hours`, `20 degrees C`) and units glued to it (`5km`, `30min`), and thousands separators.
///
/// Conservative by design: a trailing tail is removed only when every word of it looks like a unit word (letters,
/// optional `^2`, `/` between letter groups) and the first is not a lone letter such as `x` (`2 x` stays `2x`), so
/// answers such as `3 hours and 20 minutes` or `x + 1` are left for the parser to reject or read as expressions.
enum MathUnitStripper {
    static func strip(_ text: String) -> String {
        var words = text.split(separator: " ").map(String.init)
        guard !words.isEmpty else { return text }
        words = replacePercentWords(words)
        words = stripCurrencyPrefix(words)
        words = replaceNumberWords(words)
        words = stripUnitTail(words)
        words = stripAttachedUnit(words)
        let joined = words.joined(separator: " ")
        return String(decoding: MathThousands.removingGroupSeparators(Array(joined.utf8)), as: UTF8.self)
    }

    /// Lone letters that are units when separated from the number by a space (`5 m`, `3 h`, `2 L`).
    private static let singleLetterUnits: Set<String> = ["m", "g", "s", "h", "l", "L", "K", "C", "F", "J", "N", "W"]
    /// Words that follow a number without being units.
    private static let notUnits: Set<String> = ["pi", "sqrt", "i", "e", "and", "or", "to", "of", "plus", "minus",
                                                "times", "over", "x", "y", "z", "n", "k"]
    /// Units written directly after the digits (`5km`); single letters are excluded there (`5m` stays `5m`).
    private static let attachedUnits: Set<String> = [
        "km", "cm", "mm", "nm", "kg", "mg", "lb", "lbs", "oz", "ft", "yd", "yds", "mi", "mph", "kph", "kmh", "hr",
        "hrs", "min", "mins", "sec", "secs", "ms", "ml", "cl", "dl", "cal", "kcal", "gal", "qt", "in", "pt", "px",
        "sq", "usd", "eur", "gbp", "am", "pm", "kw", "kwh", "mb", "gb", "kb", "tb", "ha", "acres", "rpm",
    ]

    private static func replacePercentWords(_ words: [String]) -> [String] {
        var result = words
        let lower = words.map { $0.lowercased() }
        if lower.count >= 2, lower[lower.count - 1] == "cent", lower[lower.count - 2] == "per" {
            result.removeLast(2)
            return appendPercent(result)
        }
        if let last = lower.last, last == "percent" || last == "pct" || last == "percentage" {
            result.removeLast()
            return appendPercent(result)
        }
        return result
    }

    private static func appendPercent(_ words: [String]) -> [String] {
        guard var last = words.last else { return words }
        var result = words
        last += "%"
        result[result.count - 1] = last
        return result
    }

    private static let currencyWords: Set<String> = ["usd", "us", "eur", "gbp", "inr", "rs", "rs.", "cad", "aud"]

    private static func stripCurrencyPrefix(_ words: [String]) -> [String] {
        guard words.count >= 2, currencyWords.contains(words[0].lowercased()),
              let first = words[1].unicodeScalars.first,
              first == "-" || first == "." || (first.value >= 48 && first.value <= 57) else { return words }
        return Array(words.dropFirst())
    }

    // MARK: Number words

    private static let smallNumbers: [String: Int] = [
        "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
        "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
        "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    ]
    private static let tens: [String: Int] = [
        "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90,
    ]

    /// Value of a number word or a hyphenated/two-word tens-units pair; nil otherwise.
    private static func numberWordValue(_ words: ArraySlice<String>) -> (value: String, used: Int)? {
        guard let first = words.first?.lowercased() else { return nil }
        let hyphenParts = first.split(separator: "-").map(String.init)
        if hyphenParts.count == 2, let ten = tens[hyphenParts[0]], let unit = smallNumbers[hyphenParts[1]],
           unit > 0, unit < 10 {
            return (String(ten + unit), 1)
        }
        if hyphenParts.count == 2, ["one", "a"].contains(hyphenParts[0]), hyphenParts[1] == "half" {
            return ("1/2", 1)
        }
        if let ten = tens[first] {
            if words.count >= 2, let unit = smallNumbers[words[words.startIndex + 1].lowercased()], unit > 0,
               unit < 10 {
                return (String(ten + unit), 2)
            }
            return (String(ten), 1)
        }
        if let small = smallNumbers[first] {
            if words.count >= 2 {
                let next = words[words.startIndex + 1].lowercased()
                if next == "hundred" { return (String(small * 100), 2) }
                if next == "thousand" { return (String(small * 1000), 2) }
                if next == "half" && small == 1 { return ("1/2", 2) }
            }
            return (String(small), 1)
        }
        if first == "a" && words.count >= 2 {
            switch words[words.startIndex + 1].lowercased() {
            case "hundred": return ("100", 2)
            case "thousand": return ("1000", 2)
            case "half": return ("1/2", 2)
            case "dozen": return ("12", 2)
            default: return nil
            }
        }
        switch first {
        case "hundred": return ("100", 1)
        case "thousand": return ("1000", 1)
        case "half": return ("1/2", 1)
        case "dozen": return ("12", 1)
        default: return nil
        }
    }

    /// Replaces a leading number word when the rest of the answer is empty or unit words only.
    private static func replaceNumberWords(_ words: [String]) -> [String] {
        var start = 0
        var negative = false
        if words.first?.lowercased() == "negative" || words.first?.lowercased() == "minus" {
            start = 1
            negative = true
        }
        guard let match = numberWordValue(words[start...]) else { return words }
        let rest = Array(words[(start + match.used)...])
        guard rest.allSatisfy(isUnitWord), !rest.contains(where: isConnective) else { return words }
        return [(negative ? "-" : "") + match.value] + rest
    }

    // MARK: Units

    /// Words that join two answers ("5 apples and a pear"): a tail containing one is not a unit.
    private static let connectives: Set<String> = ["and", "or", "of", "plus", "minus", "to", "times", "over", "by",
                                                   "with", "than", "each"]

    private static func isConnective(_ word: String) -> Bool { connectives.contains(word.lowercased()) }

    /// Letters with an optional trailing `.`, an optional `^2`/`^{2}`, and `/` between letter groups.
    static func isUnitWord(_ word: String) -> Bool {
        let bytes = Array(word.utf8)
        var index = 0
        var groups = 0
        while index < bytes.count {
            let groupStart = index
            while index < bytes.count && isLetter(bytes[index]) { index += 1 }
            guard index > groupStart else { return false }
            groups += 1
            if index < bytes.count && bytes[index] == UInt8(ascii: ".") { index += 1 }
            if index < bytes.count && bytes[index] == UInt8(ascii: "^") {
                index += 1
                let braced = index < bytes.count && bytes[index] == UInt8(ascii: "{")
                if braced { index += 1 }
                let digitStart = index
                while index < bytes.count && MathNumberLiteral.isDigit(bytes[index]) { index += 1 }
                guard index > digitStart else { return false }
                if braced {
                    guard index < bytes.count && bytes[index] == UInt8(ascii: "}") else { return false }
                    index += 1
                }
            }
            if index < bytes.count {
                guard bytes[index] == UInt8(ascii: "/") else { return false }
                index += 1
            }
        }
        return groups > 0
    }

    private static func stripUnitTail(_ words: [String]) -> [String] {
        var start = words.count
        while start > 0 && isUnitWord(words[start - 1]) { start -= 1 }
        guard start > 0, start < words.count, !words[start...].contains(where: isConnective) else { return words }
        let prefix = words[..<start].joined(separator: " ")
        guard prefix.unicodeScalars.contains(where: { ($0.value >= 48 && $0.value <= 57) || $0 == "\\" }) else {
            return words
        }
        // Scale words multiply: "3.5 million dollars" is 3.5*10^6.
        let first = words[start]
        if let scale = scaleWords[first.lowercased()] {
            return [words[..<start].joined(separator: " ") + "*" + scale]
        }
        // Skip leading non-units such as "x" in "2 x" (then nothing is stripped) or "pi" in "2 pi".
        let letters = String(first.prefix { $0.isLetter })
        if notUnits.contains(letters.lowercased()) && letters == first { return words }
        if letters.count == 1 && !singleLetterUnits.contains(letters) && !first.contains("/") { return words }
        return Array(words[..<start])
    }

    private static let scaleWords: [String: String] = [
        "thousand": "10^3", "million": "10^6", "billion": "10^9", "trillion": "10^12", "dozen": "12",
    ]

    private static func stripAttachedUnit(_ words: [String]) -> [String] {
        guard let last = words.last else { return words }
        let bytes = Array(last.utf8)
        var split = bytes.count
        while split > 0 && !MathNumberLiteral.isDigit(bytes[split - 1]) && bytes[split - 1] != UInt8(ascii: "}") {
            split -= 1
        }
        guard split > 0, split < bytes.count else { return words }
        let unit = String(decoding: bytes[split...], as: UTF8.self)
        guard isUnitWord(unit) else { return words }
        let letters = String(unit.prefix { $0.isLetter }).lowercased()
        guard attachedUnits.contains(letters) || unit.contains("/") && !letters.isEmpty else { return words }
        var result = words
        result[result.count - 1] = String(decoding: bytes[..<split], as: UTF8.self)
        return result
    }

    private static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 97 && (byte | 0x20) <= 122 }
}

/// Thousands separators: `1,234,567`, `1 234 567`, `1_234`, `1'234` become `1234567` when every group after the
/// first has exactly three digits and nothing numeric follows. Commas count only outside brackets, where they
/// separate tuple elements instead (`(1,234)` is a pair); `1,2` and `1,23` are never thousands.
enum MathThousands {
    /// `commasInsideBrackets`: also inside brackets (for calculator annotations, which have no tuples).
    static func removingGroupSeparators(_ bytes: [UInt8], commasInsideBrackets: Bool = false) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var depth = 0
        var index = 0
        func isDigit(_ i: Int) -> Bool { i >= 0 && i < bytes.count && MathNumberLiteral.isDigit(bytes[i]) }
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "(") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "{") { depth += 1 }
            if byte == UInt8(ascii: ")") || byte == UInt8(ascii: "]") || byte == UInt8(ascii: "}") {
                depth = max(0, depth - 1)
            }
            let startsNumber = MathNumberLiteral.isDigit(byte) && !isDigit(index - 1)
                && !(index > 0 && (bytes[index - 1] == UInt8(ascii: ".") || isLetterByte(bytes[index - 1])))
            guard startsNumber else {
                out.append(byte)
                index += 1
                continue
            }
            var end = index
            while isDigit(end) { end += 1 }
            let leadLength = end - index
            var groups = 0
            var separator: UInt8?
            if leadLength <= 3 {
                while end < bytes.count {
                    let candidate = bytes[end]
                    let allowed = candidate == UInt8(ascii: "_") || candidate == UInt8(ascii: " ")
                        || candidate == UInt8(ascii: "'")
                        || (candidate == UInt8(ascii: ",") && (depth == 0 || commasInsideBrackets))
                    guard allowed, separator == nil || separator == candidate,
                          isDigit(end + 1), isDigit(end + 2), isDigit(end + 3), !isDigit(end + 4) else { break }
                    // "1 234/5" and "1 234.5e" stay; a space group may not start a fraction.
                    if candidate == UInt8(ascii: " ") && end + 4 < bytes.count && bytes[end + 4] == UInt8(ascii: "/") {
                        break
                    }
                    separator = candidate
                    groups += 1
                    end += 4
                }
            }
            if groups == 0 {
                out.append(contentsOf: bytes[index..<(index + leadLength)])
                index += leadLength
                continue
            }
            for position in index..<end where MathNumberLiteral.isDigit(bytes[position]) {
                out.append(bytes[position])
            }
            index = end
        }
        return out
    }

    private static func isLetterByte(_ byte: UInt8) -> Bool { (byte | 0x20) >= 97 && (byte | 0x20) <= 122 }
}
