/// Turns token ids into text one id at a time during generation, emitting only complete UTF-8 characters.
///
/// A byte-level token may end in the middle of a multi-byte character (an emoji is often split over two or three
/// tokens). The decoder holds back such an unfinished tail until the bytes that complete it arrive, so every string
/// it returns is final and can be searched for stop strings. Bytes that can never form a valid character (a stray
/// continuation byte, an invalid lead byte, a truncated sequence followed by something else) come out as U+FFFD, one
/// per maximal invalid subpart, exactly as `BPETokenizer.decode` renders them: concatenating everything `push` and
/// `finish` return equals `decode` of all ids.
public struct BPEStreamingDecoder: Sendable {
    private let tokenizer: BPETokenizer
    private let renderSpecial: Bool
    private var pending: [UInt8] = []

    /// A decoder for `tokenizer`; `renderSpecial` renders control tokens' text instead of skipping it.
    public init(tokenizer: BPETokenizer, renderSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.renderSpecial = renderSpecial
    }

    /// Whether bytes of an unfinished character are being held back.
    public var hasPendingBytes: Bool { !pending.isEmpty }

    /// Adds one token and returns the text that became complete (possibly empty).
    public mutating func push(_ id: Int32) throws(BPETokenizerError) -> String {
        pending.append(contentsOf: try tokenizer.pieceBytes(for: id, renderSpecial: renderSpecial))
        let cut = BPEUTF8.completePrefixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[0..<cut], as: UTF8.self)
        pending.removeFirst(cut)
        return text
    }

    /// Adds several tokens and returns the text that became complete.
    public mutating func push(_ ids: [Int32]) throws(BPETokenizerError) -> String {
        var text = ""
        for id in ids { text += try push(id) }
        return text
    }

    /// Ends the stream: any held-back unfinished character is returned as U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return pending.isEmpty ? "" : String(decoding: pending, as: UTF8.self)
    }
}

/// UTF-8 helpers for the decoders.
enum BPEUTF8 {
    /// The length of the longest prefix of `bytes` after which no held-back byte can still become part of a valid
    /// character: everything except a trailing, so far valid, but incomplete multi-byte sequence.
    ///
    /// Decoding `bytes[..<cut]` and later `bytes[cut...] + more` gives the same text as decoding everything at once,
    /// because `cut` is the position of a lead byte, where a decoder always starts a new character.
    static func completePrefixLength(_ bytes: [UInt8]) -> Int {
        let end = bytes.count
        // The last lead byte (non-continuation) within the last four bytes.
        var lead = end - 1
        while lead >= 0, end - lead <= 4, bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0, end - lead <= 4 else { return end }
        let needed = sequenceLength(lead: bytes[lead])
        let have = end - lead
        guard needed > have else { return end }
        // Incomplete: hold it back only if the bytes so far could still start a valid sequence.
        for offset in 1..<have where !isValidContinuation(bytes[lead + offset], lead: bytes[lead], offset: offset) {
            return end
        }
        return lead
    }

    /// The number of bytes a sequence starting with `lead` has, or 1 for ASCII and bytes that cannot lead.
    private static func sequenceLength(lead: UInt8) -> Int {
        switch lead {
        case 0xC2...0xDF: return 2
        case 0xE0...0xEF: return 3
        case 0xF0...0xF4: return 4
        default: return 1
        }
    }

    /// Whether `byte` may follow at `offset` in a sequence led by `lead` (Unicode table 3-7: well-formed UTF-8).
    private static func isValidContinuation(_ byte: UInt8, lead: UInt8, offset: Int) -> Bool {
        if offset == 1 {
            switch lead {
            case 0xE0: return (0xA0...0xBF).contains(byte)
            case 0xED: return (0x80...0x9F).contains(byte)
            case 0xF0: return (0x90...0xBF).contains(byte)
            case 0xF4: return (0x80...0x8F).contains(byte)
            default: break
            }
        }
        return byte & 0xC0 == 0x80
    }
}
