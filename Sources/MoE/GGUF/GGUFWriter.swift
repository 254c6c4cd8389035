/// Builds GGUF v3 files in memory: metadata in insertion order, tensors quantised by the Swift quantisers.
/// Tests and tools use it to make tiny models; it is not on any hot path.
public struct GGUFWriter: Sendable {
    public enum WriterError: Error, Equatable, CustomStringConvertible {
        case duplicateTensor(String)
        case shapeMismatch(tensor: String, expected: Int, found: Int)
        case unsupportedType(tensor: String, type: GGMLType)
        case invalidShape(tensor: String, reason: String)

        public var description: String {
            switch self {
            case .duplicateTensor(let name): return "duplicate tensor '\(name)'"
            case .shapeMismatch(let name, let expected, let found):
                return "tensor '\(name)': shape holds \(expected) values or bytes, \(found) given"
            case .unsupportedType(let name, let type): return "tensor '\(name)': cannot quantise to \(type)"
            case .invalidShape(let name, let reason): return "tensor '\(name)': \(reason)"
            }
        }
    }

    private struct PendingTensor: Sendable {
        var name: String
        var shape: [Int]
        var type: GGMLType
        var data: [UInt8]
    }

    private var keys: [String] = []
    private var values: [String: GGUFValue] = [:]
    private var tensors: [PendingTensor] = []

    public init() {}

    /// Sets a metadata value (replacing an earlier one, keeping its position).
    public mutating func set(_ key: String, _ value: GGUFValue) {
        if values[key] == nil { keys.append(key) }
        values[key] = value
    }

    public mutating func set(_ key: String, string: String) { set(key, .string(string)) }
    public mutating func set(_ key: String, uint32: UInt32) { set(key, .uint32(uint32)) }
    public mutating func set(_ key: String, float32: Float) { set(key, .float32(float32)) }
    public mutating func set(_ key: String, bool: Bool) { set(key, .bool(bool)) }
    public mutating func set(_ key: String, strings: [String]) {
        set(key, .array(GGUFArray(strings: strings)))
    }
    public mutating func set(_ key: String, int32s: [Int32]) {
        set(key, .array(GGUFArray(int32s: int32s)))
    }
    public mutating func set(_ key: String, float32s: [Float]) {
        set(key, .array(GGUFArray(float32s: float32s)))
    }

    /// Adds a tensor of raw, already encoded bytes. `shape` is in ggml order (row length first).
    public mutating func addTensor(name: String, shape: [Int], type: GGMLType, bytes: [UInt8]) throws {
        guard !tensors.contains(where: { $0.name == name }) else { throw WriterError.duplicateTensor(name) }
        guard !shape.isEmpty, shape.allSatisfy({ $0 >= 1 }) else {
            throw WriterError.invalidShape(tensor: name, reason: "dimensions must be >= 1")
        }
        guard let rowBytes = type.rowBytes(elements: shape[0]) else {
            throw WriterError.invalidShape(tensor: name, reason: "row length \(shape[0]) is not a multiple of "
                                           + "\(type.blockSize)")
        }
        let expected = rowBytes * shape.dropFirst().reduce(1, *)
        guard expected == bytes.count else {
            throw WriterError.shapeMismatch(tensor: name, expected: expected, found: bytes.count)
        }
        tensors.append(PendingTensor(name: name, shape: shape, type: type, data: bytes))
    }

    /// Adds a tensor from float values (row-major, ggml order), encoding them as `type`.
    public mutating func addTensor(name: String, shape: [Int], type: GGMLType, values: [Float]) throws {
        let count = shape.reduce(1, *)
        guard values.count == count else {
            throw WriterError.shapeMismatch(tensor: name, expected: count, found: values.count)
        }
        guard type.isSupported else { throw WriterError.unsupportedType(tensor: name, type: type) }
        guard let first = shape.first, first % type.blockSize == 0 else {
            throw WriterError.invalidShape(tensor: name, reason: "row length not a multiple of \(type.blockSize)")
        }
        try addTensor(name: name, shape: shape, type: type, bytes: Quantizer.encode(values, as: type))
    }

    /// The encoded file.
    public func serialize() -> [UInt8] {
        var out = ByteWriter()
        out.u32(GGUFParser.magic)
        out.u32(3)
        out.u64(UInt64(tensors.count))
        out.u64(UInt64(keys.count))
        for key in keys {
            out.string(key)
            guard let value = values[key] else { continue }
            out.u32(value.type.rawValue)
            out.value(value)
        }
        let alignment: Int
        if case .uint32(let a)? = values["general.alignment"], a > 0, a & (a - 1) == 0 {
            alignment = Int(a)
        } else {
            alignment = 32
        }
        var offset = 0
        var offsets: [Int] = []
        for tensor in tensors {
            offsets.append(offset)
            offset += (tensor.data.count + alignment - 1) / alignment * alignment
        }
        for (tensor, tensorOffset) in zip(tensors, offsets) {
            out.string(tensor.name)
            out.u32(UInt32(tensor.shape.count))
            for dim in tensor.shape { out.u64(UInt64(dim)) }
            out.u32(tensor.type.rawValue)
            out.u64(UInt64(tensorOffset))
        }
        if !tensors.isEmpty {
            out.pad(to: alignment)
            for tensor in tensors {
                out.bytes.append(contentsOf: tensor.data)
                out.pad(to: alignment)
            }
        }
        return out.bytes
    }
}

/// Little-endian encoder for the writer.
struct ByteWriter {
    var bytes: [UInt8] = []

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }
    mutating func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) } }

    mutating func string(_ s: String) {
        let utf8 = Array(s.utf8)
        u64(UInt64(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func pad(to alignment: Int) {
        let rem = bytes.count % alignment
        if rem != 0 { bytes.append(contentsOf: [UInt8](repeating: 0, count: alignment - rem)) }
    }

    mutating func value(_ value: GGUFValue) {
        switch value {
        case .uint8(let v): u8(v)
        case .int8(let v): u8(UInt8(bitPattern: v))
        case .uint16(let v): u16(v)
        case .int16(let v): u16(UInt16(bitPattern: v))
        case .uint32(let v): u32(v)
        case .int32(let v): u32(UInt32(bitPattern: v))
        case .float32(let v): u32(v.bitPattern)
        case .bool(let v): u8(v ? 1 : 0)
        case .string(let v): string(v)
        case .uint64(let v): u64(v)
        case .int64(let v): u64(UInt64(bitPattern: v))
        case .float64(let v): u64(v.bitPattern)
        case .array(let array):
            u32(array.elementType.rawValue)
            u64(UInt64(array.count))
            if let strings = array.strings {
                for element in strings { string(element) }
            } else if let integers = array.int32s {
                for element in integers { u32(UInt32(bitPattern: element)) }
            } else if let floats = array.float32s {
                for element in floats { u32(element.bitPattern) }
            } else {
                for element in array.values { self.value(element) }
            }
        }
    }
}
