import Foundation

/// Turns a raw answer string into the plain, mostly-ASCII form the answer parser reads.
///
/// Passes, each one linear scan: Unicode symbols to ASCII (`−`→`-`, `×`→`*`, `½`→`\frac{1}{2}`, currency symbols
/// dropped, thin and no-break spaces to spaces); LaTeX clean-up (`$…$`, `\(…\)`, `\text{…}`, `\mathrm{…}`,
/// `\boxed{…}` unwrapped, `\left`/`\right`, `\,` `\!` spacing, `^\circ` → `degrees`, `\dfrac` → `\frac`, `\cdot` →
/// `*`); lead-in phrases (`The answer is`, `Answer:`) and trailing sentence punctuation removed; an equation prefix
/// `x = …` dropped; then `MathUnitStripper` removes currency and unit words and thousands separators.
enum MathAnswerNormalizer {
    static func normalize(_ raw: String) -> String {
        var text = mapUnicode(raw)
        text = cleanLatex(text)
        text = replaceTimesLetter(removeSpaceBeforeCaret(collapseSpaces(text)))
        text = stripLeadIn(text)
        text = stripEquationPrefix(text)
        text = MathUnitStripper.strip(text)
        return collapseSpaces(text)
    }

    // MARK: Unicode

    private static let scalarMap: [Unicode.Scalar: String] = [
        "\u{2212}": "-", "\u{2012}": "-", "\u{2013}": "-", "\u{2014}": "-", "\u{FE63}": "-", "\u{FF0D}": "-",
        "\u{00D7}": "*", "\u{2715}": "*", "\u{22C5}": "*", "\u{00B7}": "*", "\u{2219}": "*", "\u{00F7}": "/",
        "\u{2215}": "/", "\u{221A}": "\\sqrt ", "\u{03C0}": "\\pi ", "\u{221E}": "\\infty ", "\u{222A}": "\\cup ",
        "\u{00B0}": " degrees ", "\u{00B2}": "^2", "\u{00B3}": "^3", "\u{00B9}": "^1",
        "\u{00BD}": "\\frac{1}{2}", "\u{00BC}": "\\frac{1}{4}", "\u{00BE}": "\\frac{3}{4}",
        "\u{2153}": "\\frac{1}{3}", "\u{2154}": "\\frac{2}{3}", "\u{215B}": "\\frac{1}{8}",
        "\u{2026}": "...", "\u{2264}": "\\le", "\u{2265}": "\\ge", "\u{2260}": "\\ne", "\u{00B1}": "\\pm ",
        "\u{2248}": "\\approx ", "\u{2205}": "\\emptyset",
        "$": "", "\u{20AC}": "", "\u{00A3}": "", "\u{00A5}": "", "\u{20B9}": "", "\u{20A9}": "", "\u{00A2}": "",
        "\u{201C}": "", "\u{201D}": "", "\u{2018}": "", "\u{2019}": "", "\"": "", "`": "",
        "\u{00A0}": " ", "\u{2002}": " ", "\u{2003}": " ", "\u{2007}": " ", "\u{2008}": " ", "\u{2009}": " ",
        "\u{200A}": " ", "\u{202F}": " ", "\u{200B}": "", "\u{FEFF}": "", "\t": " ", "\n": " ", "\r": " ",
    ]

    static func mapUnicode(_ raw: String) -> String {
        var result = ""
        result.reserveCapacity(raw.utf8.count)
        for scalar in raw.unicodeScalars {
            if scalar == "$" && result.unicodeScalars.last == "\\" {
                result.unicodeScalars.removeLast()
            } else if let replacement = scalarMap[scalar] {
                result += replacement
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }

    // MARK: LaTeX

    private enum Brace { case keep, drop(space: Bool) }

    private static let spacedWrappers: Set<String> = ["text", "textbf", "textit", "textrm", "textsf", "texttt",
                                                      "mbox", "hbox", "textnormal"]
    private static let plainWrappers: Set<String> = ["mathrm", "mathbf", "mathit", "mathsf", "mathtt", "mathbb",
                                                     "operatorname", "boxed", "fbox", "bm", "boldsymbol", "mathcal"]
    private static let dropped: Set<String> = ["left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl",
                                               "Bigr", "biggl", "biggr", "displaystyle", "textstyle", "limits",
                                               "rm", "bf", "it"]
    private static let replaced: [String: String] = [
        "dfrac": "\\frac", "tfrac": "\\frac", "cfrac": "\\frac", "cdot": "*", "times": "*", "ast": "*",
        "div": "/", "ldots": "...", "dots": "...", "cdots": "...", "lbrace": "\\{", "rbrace": "\\}",
        "quad": " ", "qquad": " ", "circ": " degrees ", "degree": " degrees ", "neq": "\\ne", "leq": "\\le",
        "geq": "\\ge", "varnothing": "\\emptyset", "infin": "\\infty", "lt": "<", "gt": ">",
    ]

    static func cleanLatex(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var stack: [Brace] = []
        var i = 0
        func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 97 && (b | 0x20) <= 122 }
        func append(_ s: String) { out.append(contentsOf: Array(s.utf8)) }
        func nextNonSpace(_ from: Int) -> Int {
            var j = from
            while j < bytes.count && bytes[j] == 32 { j += 1 }
            return j
        }
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "^") {
                // ^\circ and ^{\circ} are degrees.
                let j = nextNonSpace(i + 1)
                if MathNumberLiteral.matches(bytes, at: j, "\\circ") {
                    append(" degrees ")
                    i = j + 5
                    continue
                }
                if MathNumberLiteral.matches(bytes, at: j, "{\\circ}") {
                    append(" degrees ")
                    i = j + 7
                    continue
                }
                out.append(byte)
                i += 1
            } else if byte == UInt8(ascii: "*") && i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "*") {
                out.append(UInt8(ascii: "^"))
                i += 2
            } else if MathNumberLiteral.matches(bytes, at: i, "{,}") {
                // LaTeX thousands separator: 1{,}000.
                out.append(UInt8(ascii: ","))
                i += 3
            } else if byte == UInt8(ascii: "{") {
                stack.append(.keep)
                out.append(byte)
                i += 1
            } else if byte == UInt8(ascii: "}") {
                switch stack.popLast() {
                case .drop(let space)?: if space { out.append(32) }
                default: out.append(byte)
                }
                i += 1
            } else if byte == UInt8(ascii: "\\") && i + 1 < bytes.count {
                let next = bytes[i + 1]
                if !isLetter(next) {
                    switch next {
                    case UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: ":"), UInt8(ascii: " "),
                         UInt8(ascii: "\\"):
                        out.append(32)
                    case UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "("), UInt8(ascii: ")"),
                         UInt8(ascii: "["), UInt8(ascii: "]"):
                        break
                    case UInt8(ascii: "%"), UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "_"):
                        out.append(next)
                    default:
                        out.append(byte)
                        out.append(next)
                    }
                    i += 2
                    continue
                }
                var j = i + 1
                while j < bytes.count && isLetter(bytes[j]) { j += 1 }
                let name = String(decoding: bytes[(i + 1)..<j], as: UTF8.self)
                if spacedWrappers.contains(name) || plainWrappers.contains(name) {
                    let k = nextNonSpace(j)
                    if k < bytes.count && bytes[k] == UInt8(ascii: "{") {
                        let spaced = spacedWrappers.contains(name)
                        stack.append(.drop(space: spaced))
                        if spaced { out.append(32) }
                        i = k + 1
                    } else {
                        i = j
                    }
                } else if dropped.contains(name) {
                    i = j
                    // \right. closes nothing.
                    if i < bytes.count && bytes[i] == UInt8(ascii: ".") && (name == "right" || name == "left") {
                        i += 1
                    }
                } else if let replacement = replaced[name] {
                    append(replacement)
                    i = j
                } else {
                    out.append(contentsOf: bytes[i..<j])
                    i = j
                }
            } else {
                out.append(byte)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: Phrases

    static func collapseSpaces(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            if scalar == " " {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out += " " }
                pendingSpace = false
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    private static let leadIns = ["the final answer is", "final answer is", "final answer:", "final answer",
                                  "approximately", "approx.", "approx", "about", "\\approx",
                                  "the answer is", "answer is", "answer:", "ans:", "answer", "result:",
                                  "solution:", "therefore,", "therefore", "thus,", "thus", "so,", "so"]

    static func stripLeadIn(_ text: String) -> String {
        var current = Substring(text)
        var changed = true
        while changed {
            changed = false
            let lower = current.lowercased()
            for phrase in leadIns where lower.hasPrefix(phrase) {
                let rest = current.dropFirst(phrase.count)
                // Whole words only: "answer" must not eat the start of "answers", nor "so" that of "so-called".
                if let last = phrase.last, last.isLetter, let first = rest.first, !(first == " " || first == ":"
                                                                                   || first == ",") { continue }
                current = rest.drop { $0 == " " || $0 == ":" }
                changed = true
                break
            }
            if let first = current.first, first == "=" || first == ":" {
                current = current.dropFirst().drop { $0 == " " }
                changed = true
            }
        }
        // Markdown bold around the whole answer.
        if current.hasPrefix("^") && current.hasSuffix("^") && current.count > 2 {
            current = current.dropFirst().dropLast()
        }
        // Trailing sentence punctuation (a final "." is never a decimal point worth keeping: "5." is 5).
        while let last = current.last, last == "." || last == ";" || last == "!" || last == " " || last == "?" {
            if current.hasSuffix("...") { break }
            current = current.dropLast()
        }
        return MathText.trim(current)
    }

    /// `x = 5` → `5` when the left side is one variable (a letter, a LaTeX name, or a short word); `x \in [1,2]`
    /// → `[1,2]`; `4 \times 3 = 12` → `12` when the left side is plain arithmetic. `2x = 10` is left alone (the
    /// right side is not the solved value).
    static func stripEquationPrefix(_ text: String) -> String {
        if let range = text.range(of: "\\in ") ?? text.range(of: "\\in{") ?? text.range(of: "\\in("),
           isName(MathText.trim(text[..<range.lowerBound])) {
            return MathText.trim(text[text.index(range.lowerBound, offsetBy: 3)...])
        }
        let parts = text.split(separator: "=", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return text }
        let left = MathText.trim(parts[0])
        let right = MathText.trim(parts[1])
        guard !right.isEmpty, !left.isEmpty, !right.hasPrefix("<"), !right.hasPrefix(">") else { return text }
        if (left.count <= 20 && (isName(left) || isFunctionName(left))) || isArithmetic(left) { return right }
        return text
    }

    /// Letters, spaces, `\` and `_` (subscripted names like `x_1`).
    private static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy {
            ($0.value >= 65 && $0.value <= 90) || ($0.value >= 97 && $0.value <= 122) || $0 == "\\" || $0 == "_"
                || $0 == " " || ($0.value >= 48 && $0.value <= 57 && text.contains("_"))
        }
    }

    /// `f(x)`, `g(a, b)`: a name applied to names.
    private static func isFunctionName(_ text: String) -> Bool {
        guard text.hasSuffix(")"), let open = text.firstIndex(of: "(") else { return false }
        let head = String(text[..<open])
        let arguments = text[text.index(after: open)..<text.index(before: text.endIndex)]
        return isName(MathText.trim(head)) && !arguments.isEmpty
            && arguments.split(separator: ",").allSatisfy { isName(MathText.trim($0)) }
    }

    /// Digits and operators only (LaTeX command names aside), with at least one digit.
    private static func isArithmetic(_ text: String) -> Bool {
        var sawDigit = false
        var inCommand = false
        for scalar in text.unicodeScalars {
            let isLetter = (scalar.value >= 65 && scalar.value <= 90) || (scalar.value >= 97 && scalar.value <= 122)
            if scalar == "\\" {
                inCommand = true
                continue
            }
            if inCommand && isLetter { continue }
            inCommand = false
            if scalar.value >= 48 && scalar.value <= 57 {
                sawDigit = true
            } else if !" +-*/^.(){}[]".unicodeScalars.contains(scalar) {
                return false
            }
        }
        return sawDigit
    }

    /// `2 x 3` → `2*3`: a lone `x` between numbers is a multiplication sign.
    static func replaceTimesLetter(_ text: String) -> String {
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            if index >= 1, index + 3 < bytes.count, bytes[index] == 32, bytes[index + 1] == UInt8(ascii: "x"),
               bytes[index + 2] == 32, MathNumberLiteral.isDigit(bytes[index - 1]),
               MathNumberLiteral.isDigit(bytes[index + 3]) {
                out.append(UInt8(ascii: "*"))
                index += 3
                continue
            }
            out.append(bytes[index])
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `cm ^2` → `cm^2` (a `\text{ cm}` wrapper leaves a space before the exponent).
    static func removeSpaceBeforeCaret(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            if scalar == "^" && out.unicodeScalars.last == " " { out.unicodeScalars.removeLast() }
            out.unicodeScalars.append(scalar)
        }
        return out
    }
}

/// Small string helpers for the math judge (kept in a namespace so the module gains no generic extensions).
enum MathText {
    static func trim(_ text: some StringProtocol) -> String {
        var slice = Substring(text)
        while let first = slice.first, first.isWhitespace { slice = slice.dropFirst() }
        while let last = slice.last, last.isWhitespace { slice = slice.dropLast() }
        return String(slice)
    }
}
