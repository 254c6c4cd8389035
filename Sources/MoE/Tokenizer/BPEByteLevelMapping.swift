/// GPT-2's byte-level alphabet: every byte value is shown as one printable Unicode scalar, so that vocabularies
/// can be stored as text.
///
/// Printable bytes (`!`...`~`, `¡`...`¬`, `®`...`ÿ`) stand for themselves; the remaining 68 byte values (controls,
/// space, DEL, NBSP, soft hyphen) take the scalars U+0100, U+0101, ... in ascending byte order. So space (0x20) is
/// `Ġ` (U+0120) and newline (0x0A) is `Ċ` (U+010A).
enum BPEByteLevelMapping {
    /// The scalar standing for each byte value, indexed by byte.
    static let scalarForByte: [Unicode.Scalar] = {
        var table = [Unicode.Scalar](repeating: "\u{0}", count: 256)
        var next: UInt32 = 256
        for byte in 0..<256 {
            let value = UInt32(byte)
            if isPrintable(byte) {
                table[byte] = Unicode.Scalar(UInt8(byte))
            } else {
                // 256 + n stays far below the surrogate range, so the initialiser cannot fail.
                table[byte] = Unicode.Scalar(next) ?? Unicode.Scalar(UInt8(truncatingIfNeeded: value))
                next += 1
            }
        }
        return table
    }()

    /// The byte a byte-level scalar stands for, or nil when the scalar is not part of the alphabet.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        let value = scalar.value
        if value < 256 {
            return isPrintable(Int(value)) ? UInt8(value) : nil
        }
        if value < 256 + 68 {
            return byteForShiftedScalar[Int(value - 256)]
        }
        return nil
    }

    /// The byte-level text of a byte string: what a GGUF vocabulary stores for a token with those bytes.
    static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var text = String.UnicodeScalarView()
        for byte in bytes {
            text.append(scalarForByte[Int(byte)])
        }
        return String(text)
    }

    /// The bytes a byte-level token text stands for, or nil if some scalar is outside the alphabet.
    static func decode(_ text: String) -> [UInt8]? {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let byte = byte(for: scalar) else { return nil }
            bytes.append(byte)
        }
        return bytes
    }

    private static func isPrintable(_ byte: Int) -> Bool {
        (0x21...0x7E).contains(byte) || (0xA1...0xAC).contains(byte) || (0xAE...0xFF).contains(byte)
    }

    /// Inverse of the shifted part of `scalarForByte`: entry n is the byte shown as U+0100 + n.
    private static let byteForShiftedScalar: [UInt8] = {
        var table: [UInt8] = []
        table.reserveCapacity(68)
        for byte in 0..<256 where !isPrintable(byte) {
            table.append(UInt8(byte))
        }
        return table
    }()
}
