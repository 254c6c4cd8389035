/// The pre-tokenizer families: how text is cut into words before BPE merges run inside each word.
///
/// Each family is one regular expression in HuggingFace `tokenizers`; here each is a hand-written scanner over
/// Unicode scalars that reproduces the regex's leftmost-first, backtracking semantics (`\p{L}`, `\p{N}` are the
/// general categories L* and N*; `\s` is the Unicode White_Space property, as in Oniguruma).
public enum BPEPreTokenizerKind: String, Sendable, CaseIterable {
    /// Qwen2 / Hunyuan: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|
    /// \s*[\r\n]+|\s+(?!\S)|\s+` — digits are split one by one.
    case qwen2
    /// Llama 3: the Qwen2 expression with `\p{N}{1,3}`, digits in groups of up to three.
    case llama3
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case gpt2

    /// Resolves a `tokenizer.ggml.pre` value. Returns the family and whether whole-word vocabulary hits bypass the
    /// merges (llama.cpp's and HF's `ignore_merges`, set for the Llama 3 tokenizer).
    static func resolve(_ name: String) -> (kind: BPEPreTokenizerKind, ignoreMerges: Bool)? {
        if let kind = namesToKinds[name] {
            return (kind, namesIgnoringMerges.contains(name))
        }
        return nil
    }

    /// Every accepted `tokenizer.ggml.pre` value (the empty string means the key is absent).
    public static var knownNames: [String] { namesToKinds.keys.sorted() }

    private static let namesToKinds: [String: BPEPreTokenizerKind] = [
        "qwen2": .qwen2, "hunyuan": .qwen2, "deepseek-r1-qwen": .qwen2, "megrez": .qwen2, "stablelm2": .qwen2,
        "llama3": .llama3, "llama-v3": .llama3, "llama-bpe": .llama3, "dbrx": .llama3, "smaug-bpe": .llama3,
        "gpt2": .gpt2, "gpt-2": .gpt2, "default": .gpt2, "": .gpt2,
    ]

    private static let namesIgnoringMerges: Set<String> = ["llama3", "llama-v3", "llama-bpe"]

    /// Splits `text` into pre-tokenizer pieces (the regex matches, in order; they cover the whole text).
    public func split(_ text: String) -> [String] {
        let utf8 = Array(text.utf8)
        var scalars = BPEScalarBuffer()
        scalars.load(utf8, range: 0..<utf8.count)
        var ends: [Int] = []
        BPEPreTokenizerScanner.split(scalars, kind: self, into: &ends)
        var pieces: [String] = []
        var start = 0
        for end in ends {
            let bytes = utf8[scalars.byteOffsets[start]..<scalars.byteOffsets[end]]
            pieces.append(String(decoding: bytes, as: UTF8.self))
            start = end
        }
        return pieces
    }
}

/// A run of text decoded into scalars with their character class and UTF-8 offsets, reused between segments.
struct BPEScalarBuffer {
    static let letter: UInt8 = 1
    static let number: UInt8 = 2
    static let space: UInt8 = 3
    static let other: UInt8 = 4

    var values: [UInt32] = []
    var classes: [UInt8] = []
    /// Byte offset (into the UTF-8 array given to `load`) of each scalar, plus one entry for the end.
    var byteOffsets: [Int] = []

    var count: Int { values.count }

    /// Decodes `utf8[range]`, which must be valid UTF-8 (it comes from a Swift String).
    mutating func load(_ utf8: [UInt8], range: Range<Int>) {
        values.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        byteOffsets.removeAll(keepingCapacity: true)
        var i = range.lowerBound
        while i < range.upperBound {
            let lead = utf8[i]
            byteOffsets.append(i)
            if lead < 0x80 {
                values.append(UInt32(lead))
                classes.append(BPEScalarBuffer.asciiClasses[Int(lead)])
                i += 1
                continue
            }
            let length = lead >= 0xF0 ? 4 : (lead >= 0xE0 ? 3 : 2)
            var value = UInt32(lead) & (length == 2 ? 0x1F : (length == 3 ? 0x0F : 0x07))
            var j = 1
            while j < length, i + j < range.upperBound {
                value = (value << 6) | (UInt32(utf8[i + j]) & 0x3F)
                j += 1
            }
            values.append(value)
            classes.append(BPEScalarBuffer.classify(value))
            i += length
        }
        byteOffsets.append(range.upperBound)
    }

    /// The Unicode version whose character data the classes follow. HuggingFace `tokenizers` 0.23 (Oniguruma)
    /// knows Unicode 16.0; scalars assigned later are unassigned (`[^\s\p{L}\p{N}]`) there, so they are here too,
    /// whatever newer tables the Swift toolchain has. Raise it together with the fixtures.
    static let unicodeVersion = (major: 16, minor: 0)

    static func classify(_ value: UInt32) -> UInt8 {
        if value < 0x80 { return asciiClasses[Int(value)] }
        guard let scalar = Unicode.Scalar(value) else { return other }
        let properties = scalar.properties
        if properties.isWhitespace { return space }
        guard let age = properties.age, (age.major, age.minor) <= (unicodeVersion.major, unicodeVersion.minor) else {
            return other
        }
        switch properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
            return letter
        case .decimalNumber, .letterNumber, .otherNumber:
            return number
        default:
            return other
        }
    }

    private static let asciiClasses: [UInt8] = (0..<128).map { code -> UInt8 in
        switch code {
        case 0x09...0x0D, 0x20: return space
        case 0x30...0x39: return number
        case 0x41...0x5A, 0x61...0x7A: return letter
        default: return other
        }
    }
}

/// The scanners themselves. Each returns piece end indices (in scalars, exclusive) for one segment of text.
enum BPEPreTokenizerScanner {
    private static let apostrophe: UInt32 = 0x27
    private static let spaceChar: UInt32 = 0x20
    private static let carriageReturn: UInt32 = 0x0D
    private static let lineFeed: UInt32 = 0x0A

    static func split(_ buffer: BPEScalarBuffer, kind: BPEPreTokenizerKind, into ends: inout [Int]) {
        var i = 0
        let n = buffer.count
        while i < n {
            let end: Int
            switch kind {
            case .qwen2: end = nextQwenPiece(buffer, at: i, maxDigits: 1)
            case .llama3: end = nextQwenPiece(buffer, at: i, maxDigits: 3)
            case .gpt2: end = nextGPT2Piece(buffer, at: i)
            }
            ends.append(end)
            i = end
        }
    }

    /// One match of the Qwen2 / Llama 3 expression starting at `i`.
    private static func nextQwenPiece(_ b: BPEScalarBuffer, at i: Int, maxDigits: Int) -> Int {
        let n = b.count
        let c = b.values[i]
        let k = b.classes[i]
        // (?i:'s|'t|'re|'ve|'m|'ll|'d)
        if c == apostrophe, let end = contractionEnd(b, at: i, caseInsensitive: true) {
            return end
        }
        // [^\r\n\p{L}\p{N}]?\p{L}+
        if k == BPEScalarBuffer.letter {
            return runEnd(b, of: BPEScalarBuffer.letter, from: i + 1)
        }
        if k != BPEScalarBuffer.number, c != carriageReturn, c != lineFeed,
           i + 1 < n, b.classes[i + 1] == BPEScalarBuffer.letter {
            return runEnd(b, of: BPEScalarBuffer.letter, from: i + 2)
        }
        // \p{N} or \p{N}{1,3}
        if k == BPEScalarBuffer.number {
            var j = i + 1
            while j < n, j - i < maxDigits, b.classes[j] == BPEScalarBuffer.number { j += 1 }
            return j
        }
        //  ?[^\s\p{L}\p{N}]+[\r\n]*
        var start = i
        if c == spaceChar, i + 1 < n, b.classes[i + 1] == BPEScalarBuffer.other { start = i + 1 }
        if b.classes[start] == BPEScalarBuffer.other {
            var j = runEnd(b, of: BPEScalarBuffer.other, from: start + 1)
            while j < n, b.values[j] == carriageReturn || b.values[j] == lineFeed { j += 1 }
            return j
        }
        // Only whitespace is left. \s*[\r\n]+ ends after the run's last line break, if it has one.
        var end = i
        var afterLastBreak = -1
        while end < n, b.classes[end] == BPEScalarBuffer.space {
            if b.values[end] == carriageReturn || b.values[end] == lineFeed { afterLastBreak = end + 1 }
            end += 1
        }
        if afterLastBreak >= 0 { return afterLastBreak }
        return whitespaceRunEnd(runStart: i, runEnd: end, count: n)
    }

    /// One match of the GPT-2 expression starting at `i`.
    private static func nextGPT2Piece(_ b: BPEScalarBuffer, at i: Int) -> Int {
        let n = b.count
        let c = b.values[i]
        let k = b.classes[i]
        // 's|'t|'re|'ve|'m|'ll|'d
        if c == apostrophe, let end = contractionEnd(b, at: i, caseInsensitive: false) {
            return end
        }
        //  ?\p{L}+ |  ?\p{N}+ |  ?[^\s\p{L}\p{N}]+  (the optional space binds to whichever class follows it)
        if c == spaceChar, i + 1 < n, b.classes[i + 1] != BPEScalarBuffer.space {
            return runEnd(b, of: b.classes[i + 1], from: i + 2)
        }
        if k != BPEScalarBuffer.space {
            return runEnd(b, of: k, from: i + 1)
        }
        var end = i
        while end < n, b.classes[end] == BPEScalarBuffer.space { end += 1 }
        return whitespaceRunEnd(runStart: i, runEnd: end, count: n)
    }

    /// `\s+(?!\S)|\s+` over a whitespace run [runStart, runEnd): the whole run at the end of the text, otherwise
    /// all but its last scalar (which then leads the next word), or the single scalar of a one-scalar run.
    private static func whitespaceRunEnd(runStart: Int, runEnd: Int, count: Int) -> Int {
        if runEnd == count || runEnd - runStart == 1 { return runEnd }
        return runEnd - 1
    }

    private static func runEnd(_ b: BPEScalarBuffer, of cls: UInt8, from start: Int) -> Int {
        var j = start
        let n = b.count
        while j < n, b.classes[j] == cls { j += 1 }
        return j
    }

    /// End of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `i`, or nil.
    private static func contractionEnd(_ b: BPEScalarBuffer, at i: Int, caseInsensitive: Bool) -> Int? {
        let n = b.count
        guard i + 1 < n else { return nil }
        let first = caseInsensitive ? foldedLetter(b.values[i + 1]) : b.values[i + 1]
        switch first {
        case 0x73, 0x74, 0x6D, 0x64:  // s t m d
            return i + 2
        case 0x72, 0x76, 0x6C:  // r v l
            guard i + 2 < n else { return nil }
            let second = caseInsensitive ? foldedLetter(b.values[i + 2]) : b.values[i + 2]
            if (first == 0x72 || first == 0x76) && second == 0x65 { return i + 3 }  // re ve
            if first == 0x6C && second == 0x6C { return i + 3 }  // ll
            return nil
        default:
            return nil
        }
    }

    /// Simple case folding as Oniguruma applies it to the contraction letters: ASCII upper case, and U+017F LATIN
    /// SMALL LETTER LONG S, which folds to `s`.
    private static func foldedLetter(_ value: UInt32) -> UInt32 {
        if value >= 0x41 && value <= 0x5A { return value + 0x20 }
        if value == 0x17F { return 0x73 }
        return value
    }
}
