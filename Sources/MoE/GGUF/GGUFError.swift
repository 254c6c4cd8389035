/// Why a GGUF file could not be read or used. Every case that comes from the bytes of the file names the byte offset
/// where the problem was found and what was expected there.
public enum GGUFError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file could not be opened or mapped.
    case cannotOpen(path: String, reason: String)
    /// The first four bytes are not `GGUF`.
    case badMagic(found: UInt32)
    /// Only versions 2 and 3 (little-endian) are read.
    case unsupportedVersion(UInt32)
    /// The file ends before `needed` bytes of `what` could be read at `offset`.
    case truncated(offset: Int, what: String, needed: Int, available: Int)
    /// A count or length read at `offset` cannot fit in what remains of the file (or exceeds a hard limit).
    case countTooLarge(offset: Int, what: String, count: UInt64, limit: UInt64)
    /// A metadata value type id that GGUF does not define.
    case unknownValueType(offset: Int, raw: UInt32)
    /// A tensor type id this reader does not know.
    case unknownTensorType(offset: Int, tensor: String, raw: UInt32)
    /// A tensor's shape is invalid (no dimensions, zero or overflowing sizes, rows not a multiple of the block).
    case invalidTensorShape(offset: Int, tensor: String, reason: String)
    /// A tensor's data offset is not a multiple of the alignment.
    case misalignedTensor(offset: Int, tensor: String, dataOffset: UInt64, alignment: Int)
    /// A tensor's bytes extend past the end of the file.
    case tensorDataOutOfBounds(tensor: String, start: UInt64, size: UInt64, fileSize: Int)
    /// `general.alignment` is not a non-zero power of two, or has the wrong type.
    case invalidAlignment(offset: Int, value: String)
    /// The same metadata key appears twice.
    case duplicateKey(offset: Int, key: String)
    /// The same tensor name appears twice.
    case duplicateTensor(offset: Int, name: String)
    /// Arrays nested deeper than the reader allows.
    case nestingTooDeep(offset: Int, depth: Int)
    /// A metadata key the caller requires is absent.
    case missingKey(String)
    /// A metadata key has a type the caller cannot use.
    case typeMismatch(key: String, expected: String, found: String)
    /// A value is present but unusable (e.g. a negative count).
    case invalidValue(key: String, reason: String)

    /// The byte offset the error refers to, when it comes from the file's bytes.
    public var offset: Int? {
        switch self {
        case .badMagic: return 0
        case .unsupportedVersion: return 4
        case .truncated(let offset, _, _, _), .countTooLarge(let offset, _, _, _), .unknownValueType(let offset, _),
             .unknownTensorType(let offset, _, _), .invalidTensorShape(let offset, _, _),
             .misalignedTensor(let offset, _, _, _), .invalidAlignment(let offset, _), .duplicateKey(let offset, _),
             .duplicateTensor(let offset, _), .nestingTooDeep(let offset, _):
            return offset
        case .tensorDataOutOfBounds(_, let start, _, _): return Int(clamping: start)
        case .cannotOpen, .missingKey, .typeMismatch, .invalidValue: return nil
        }
    }

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason):
            return "cannot open \(path): \(reason)"
        case .badMagic(let found):
            return "offset 0: expected magic 'GGUF', found 0x\(String(found, radix: 16))"
        case .unsupportedVersion(let version):
            return "offset 4: expected GGUF version 2 or 3 (little-endian), found \(version)"
        case .truncated(let offset, let what, let needed, let available):
            return "offset \(offset): file truncated: expected \(needed) bytes of \(what), \(available) remain"
        case .countTooLarge(let offset, let what, let count, let limit):
            return "offset \(offset): \(what) \(count) is too large (at most \(limit) fits)"
        case .unknownValueType(let offset, let raw):
            return "offset \(offset): expected a metadata value type 0...12, found \(raw)"
        case .unknownTensorType(let offset, let tensor, let raw):
            return "offset \(offset): tensor '\(tensor)': unknown tensor type \(raw)"
        case .invalidTensorShape(let offset, let tensor, let reason):
            return "offset \(offset): tensor '\(tensor)': \(reason)"
        case .misalignedTensor(let offset, let tensor, let dataOffset, let alignment):
            return "offset \(offset): tensor '\(tensor)': data offset \(dataOffset) is not a multiple of \(alignment)"
        case .tensorDataOutOfBounds(let tensor, let start, let size, let fileSize):
            return "offset \(start): tensor '\(tensor)': expected \(size) bytes of data, file has \(fileSize) bytes"
        case .invalidAlignment(let offset, let value):
            return "offset \(offset): general.alignment must be a non-zero power of two u32, found \(value)"
        case .duplicateKey(let offset, let key):
            return "offset \(offset): duplicate metadata key '\(key)'"
        case .duplicateTensor(let offset, let name):
            return "offset \(offset): duplicate tensor '\(name)'"
        case .nestingTooDeep(let offset, let depth):
            return "offset \(offset): arrays nested deeper than \(depth) levels"
        case .missingKey(let key):
            return "missing metadata key '\(key)'"
        case .typeMismatch(let key, let expected, let found):
            return "metadata key '\(key)': expected \(expected), found \(found)"
        case .invalidValue(let key, let reason):
            return "metadata key '\(key)': \(reason)"
        }
    }
}
