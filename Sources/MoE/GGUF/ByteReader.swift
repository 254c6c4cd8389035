/// A bounds-checked little-endian cursor over a byte buffer. Every read checks the remaining length first and throws
/// `GGUFError.truncated` naming the offset and what was being read.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var offset: Int = 0

    init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
    }

    var remaining: Int { bytes.count - offset }

    private mutating func require(_ n: Int, _ what: @autoclosure () -> String) throws {
        guard n >= 0, n <= remaining else {
            throw GGUFError.truncated(offset: offset, what: what(), needed: n, available: remaining)
        }
    }

    mutating func readU8(_ what: @autoclosure () -> String) throws -> UInt8 {
        try require(1, what())
        defer { offset += 1 }
        return bytes.load(fromByteOffset: offset, as: UInt8.self)
    }

    mutating func readU16(_ what: @autoclosure () -> String) throws -> UInt16 {
        try require(2, what())
        defer { offset += 2 }
        return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    mutating func readU32(_ what: @autoclosure () -> String) throws -> UInt32 {
        try require(4, what())
        defer { offset += 4 }
        return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func readU64(_ what: @autoclosure () -> String) throws -> UInt64 {
        try require(8, what())
        defer { offset += 8 }
        return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// Reads a GGUF string: u64 byte length then UTF-8 bytes (invalid sequences are replaced, not rejected).
    mutating func readString(_ what: @autoclosure () -> String) throws -> String {
        let lengthOffset = offset
        let length = try readU64("length of \(what())")
        guard length <= UInt64(remaining) else {
            throw GGUFError.countTooLarge(offset: lengthOffset, what: "length of \(what())", count: length,
                                          limit: UInt64(remaining))
        }
        let n = Int(length)
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + n)])
        offset += n
        return String(decoding: slice, as: UTF8.self)
    }

    /// Reads a u64 count of items that each take at least `minimumSize` bytes, rejecting counts that cannot fit in
    /// the rest of the file (so nothing is allocated for them).
    mutating func readCount(_ what: @autoclosure () -> String, minimumSize: Int) throws -> Int {
        let countOffset = offset
        let count = try readU64(what())
        let limit = UInt64(remaining / max(minimumSize, 1))
        guard count <= limit else {
            throw GGUFError.countTooLarge(offset: countOffset, what: what(), count: count, limit: limit)
        }
        return Int(count)
    }

    mutating func skip(to newOffset: Int) {
        offset = min(newOffset, bytes.count)
    }
}
