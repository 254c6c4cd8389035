import Foundation

/// Which differences between two texts dedup and decontamination ignore.
///
/// `.standard` (all four) makes "ﬁnal  ANSWER: ２" and "final answer 2" the same text. Punctuation (Unicode general
/// category P*) becomes a word boundary rather than vanishing, so "x,y" and "x, y" agree; symbols such as `+ = $`
/// are kept because they carry meaning in math and code.
public struct TextNormalization: OptionSet, Sendable, Hashable, Codable {
    public let rawValue: UInt8

    public init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// Unicode NFKC: compatibility forms (ligatures, full-width digits, superscripts) become their plain form.
    public static let nfkc = TextNormalization(rawValue: 1 << 0)
    /// Unicode case folding ("Straße" and "STRASSE" agree).
    public static let caseFold = TextNormalization(rawValue: 1 << 1)
    /// Runs of whitespace become one space; leading and trailing whitespace is dropped.
    public static let collapseWhitespace = TextNormalization(rawValue: 1 << 2)
    /// Punctuation becomes whitespace.
    public static let stripPunctuation = TextNormalization(rawValue: 1 << 3)

    public static let standard: TextNormalization = [.nfkc, .caseFold, .collapseWhitespace, .stripPunctuation]

    /// Parses a comma-separated list of names (`nfkc,case_fold,collapse_whitespace,strip_punctuation`), `standard`
    /// or `none`.
    public init(names list: String) throws(RefineryError) {
        var options: TextNormalization = []
        for name in list.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces).lowercased() }) {
            switch name {
            case "nfkc": options.insert(.nfkc)
            case "case_fold", "casefold": options.insert(.caseFold)
            case "collapse_whitespace", "whitespace": options.insert(.collapseWhitespace)
            case "strip_punctuation", "punctuation": options.insert(.stripPunctuation)
            case "standard", "all": options.formUnion(.standard)
            case "none", "": break
            default:
                throw .usage("unknown normalization '\(name)': use nfkc, case_fold, collapse_whitespace, "
                             + "strip_punctuation, standard or none")
            }
        }
        self = options
    }

    /// Names for reports and summaries, e.g. `["nfkc", "case_fold"]`.
    public var names: [String] {
        var names: [String] = []
        if contains(.nfkc) { names.append("nfkc") }
        if contains(.caseFold) { names.append("case_fold") }
        if contains(.collapseWhitespace) { names.append("collapse_whitespace") }
        if contains(.stripPunctuation) { names.append("strip_punctuation") }
        return names
    }
}

/// Applies a `TextNormalization` to text.
///
/// ASCII is handled byte by byte; only the non-ASCII stretches (with the ASCII character before them, which a
/// combining mark may compose with) go through Foundation's Unicode normalization, which is much slower.
public enum TextNormalizer {
    /// The normalized text.
    public static func normalize(_ text: String, _ options: TextNormalization) -> String {
        String(decoding: normalizedBytes(text, options), as: UTF8.self)
    }

    /// The normalized text as UTF-8. With `.collapseWhitespace` the result is words separated by single spaces.
    static func normalizedBytes(_ text: String, _ options: TextNormalization) -> [UInt8] {
        if let ascii = DedupKernels.normalizeASCII(
            text, foldCase: options.contains(.caseFold), stripPunctuation: options.contains(.stripPunctuation),
            collapseWhitespace: options.contains(.collapseWhitespace)) {
            return ascii
        }
        return normalizedBytesGeneral(text, options)
    }

    /// The general path (any Unicode); also the reference the ASCII kernel is tested against.
    static func normalizedBytesGeneral(_ text: String, _ options: TextNormalization) -> [UInt8] {
        let input = Array(text.utf8)
        var output = Output(options: options, capacity: input.count)
        let count = input.count
        var index = 0
        while index < count {
            let byte = input[index]
            if byte < 0x80 && (index + 1 == count || input[index + 1] < 0x80) {
                output.appendASCII(byte)
                index += 1
                continue
            }
            // A non-ASCII stretch, starting at the ASCII character before it when there is one.
            var end = index + 1
            while end < count && input[end] >= 0x80 { end += 1 }
            output.appendComplex(String(decoding: input[index..<end], as: UTF8.self))
            index = end
        }
        return output.bytes
    }

    /// Whether an ASCII byte is in Unicode general category P (punctuation); `$ + < = > ^ ` | ~` are symbols.
    static let asciiPunctuation: [Bool] = (0..<128).map { code in
        let punctuation: Set<UInt8> = Set(Array("!\"#%&'()*,-./:;?@[\\]_{}".utf8))
        return punctuation.contains(UInt8(code))
    }

    /// ASCII whitespace as Unicode's White_Space property has it (tab, LF, VT, FF, CR, space) plus the separators
    /// 0x1C–0x1F that Python's `str.split()` also treats as whitespace.
    static let asciiWhitespace: [Bool] = (0..<128).map { code in
        (0x09...0x0D).contains(code) || (0x1C...0x20).contains(code)
    }

    /// Accumulates normalized output, collapsing whitespace on the fly.
    struct Output {
        let options: TextNormalization
        let collapse: Bool
        let fold: Bool
        let strip: Bool
        var bytes: [UInt8]
        var pendingSpace = false

        init(options: TextNormalization, capacity: Int) {
            self.options = options
            collapse = options.contains(.collapseWhitespace)
            fold = options.contains(.caseFold)
            strip = options.contains(.stripPunctuation)
            bytes = []
            bytes.reserveCapacity(capacity)
        }

        @inline(__always)
        mutating func appendASCII(_ byte: UInt8) {
            if TextNormalizer.asciiWhitespace[Int(byte)] {
                appendSpace(byte)
            } else if strip && TextNormalizer.asciiPunctuation[Int(byte)] {
                appendSpace(0x20)
            } else {
                appendVisible(fold && byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
        }

        @inline(__always)
        mutating func appendSpace(_ byte: UInt8) {
            if collapse {
                pendingSpace = true
            } else {
                bytes.append(byte)
            }
        }

        @inline(__always)
        mutating func appendVisible(_ byte: UInt8) {
            if pendingSpace {
                if !bytes.isEmpty { bytes.append(0x20) }
                pendingSpace = false
            }
            bytes.append(byte)
        }

        mutating func appendComplex(_ segment: String) {
            var text = segment
            if options.contains(.nfkc) { text = text.precomposedStringWithCompatibilityMapping }
            if fold {
                text = text.folding(options: [.caseInsensitive], locale: nil)
                // Folding can leave text that NFKC would change again (rare); normalise once more.
                if options.contains(.nfkc) { text = text.precomposedStringWithCompatibilityMapping }
            }
            for scalar in text.unicodeScalars {
                if scalar.isASCII {
                    appendASCII(UInt8(scalar.value))
                    continue
                }
                let properties = scalar.properties
                if properties.isWhitespace {
                    appendSpace(0x20)
                    continue
                }
                if strip && Self.isPunctuation(properties.generalCategory) {
                    appendSpace(0x20)
                    continue
                }
                appendScalar(scalar.value)
            }
        }

        /// Appends a non-ASCII scalar as UTF-8.
        mutating func appendScalar(_ value: UInt32) {
            if value < 0x800 {
                appendVisible(UInt8(0xC0 | value >> 6))
            } else if value < 0x10000 {
                appendVisible(UInt8(0xE0 | value >> 12))
                bytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
            } else {
                appendVisible(UInt8(0xF0 | value >> 18))
                bytes.append(UInt8(0x80 | (value >> 12) & 0x3F))
                bytes.append(UInt8(0x80 | (value >> 6) & 0x3F))
            }
            bytes.append(UInt8(0x80 | value & 0x3F))
        }

        static func isPunctuation(_ category: Unicode.GeneralCategory) -> Bool {
            switch category {
            case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
                 .initialPunctuation, .finalPunctuation, .otherPunctuation:
                true
            default:
                false
            }
        }
    }
}
