/// The 13 metadata value types of GGUF, with their on-disk ids.
public enum GGUFValueType: UInt32, Sendable, Hashable, CaseIterable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7, string = 8
    case array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Size of one value on disk when it is fixed; nil for strings and arrays.
    public var fixedSize: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }

    /// The fewest bytes one value of this type can occupy (used to bound counts before allocating).
    var minimumSize: Int {
        switch self {
        case .string: return 8
        case .array: return 12
        default: return fixedSize ?? 1
        }
    }
}

/// An array of metadata values, all of `elementType` (arrays may nest).
///
/// Arrays of strings, int32 and float32 (a tokenizer's tokens, token types, scores and merges: hundreds of
/// thousands of elements in a large vocabulary) are stored as plain typed arrays, not one `GGUFValue` each.
public struct GGUFArray: Sendable, Hashable {
    public let elementType: GGUFValueType
    private let storage: Storage

    private enum Storage: Sendable, Hashable {
        case strings([String])
        case int32s([Int32])
        case float32s([Float])
        case values([GGUFValue])
    }

    public init(elementType: GGUFValueType, values: [GGUFValue]) {
        self.elementType = elementType
        switch elementType {
        case .string:
            let strings = values.compactMap(\.stringValue)
            storage = strings.count == values.count ? .strings(strings) : .values(values)
        case .int32:
            let integers = values.compactMap { if case .int32(let v) = $0 { v } else { nil } }
            storage = integers.count == values.count ? .int32s(integers) : .values(values)
        case .float32:
            let floats = values.compactMap { if case .float32(let v) = $0 { v } else { nil } }
            storage = floats.count == values.count ? .float32s(floats) : .values(values)
        default:
            storage = .values(values)
        }
    }

    public init(strings: [String]) {
        elementType = .string
        storage = .strings(strings)
    }

    public init(int32s: [Int32]) {
        elementType = .int32
        storage = .int32s(int32s)
    }

    public init(float32s: [Float]) {
        elementType = .float32
        storage = .float32s(float32s)
    }

    public var count: Int {
        switch storage {
        case .strings(let v): v.count
        case .int32s(let v): v.count
        case .float32s(let v): v.count
        case .values(let v): v.count
        }
    }

    /// The elements as metadata values (built on each call for typed arrays).
    public var values: [GGUFValue] {
        switch storage {
        case .strings(let v): v.map(GGUFValue.string)
        case .int32s(let v): v.map(GGUFValue.int32)
        case .float32s(let v): v.map(GGUFValue.float32)
        case .values(let v): v
        }
    }

    /// The elements when they are strings (without copying them).
    public var strings: [String]? {
        if case .strings(let v) = storage { return v }
        return nil
    }

    /// The elements when they are int32 (without copying them).
    public var int32s: [Int32]? {
        if case .int32s(let v) = storage { return v }
        return nil
    }

    /// The elements when they are float32 (without copying them).
    public var float32s: [Float]? {
        if case .float32s(let v) = storage { return v }
        return nil
    }
}

/// One metadata value.
public enum GGUFValue: Sendable, Hashable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32), float32(Float)
    case bool(Bool), string(String), array(GGUFArray), uint64(UInt64), int64(Int64), float64(Double)

    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .float32: return .float32
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        case .uint64: return .uint64
        case .int64: return .int64
        case .float64: return .float64
        }
    }

    /// Any integer value that fits in `Int`.
    public var intValue: Int? {
        switch self {
        case .uint8(let v): return Int(v)
        case .int8(let v): return Int(v)
        case .uint16(let v): return Int(v)
        case .int16(let v): return Int(v)
        case .uint32(let v): return Int(v)
        case .int32(let v): return Int(v)
        case .uint64(let v): return Int(exactly: v)
        case .int64(let v): return Int(exactly: v)
        default: return nil
        }
    }

    /// Any floating-point or integer value as a Double.
    public var doubleValue: Double? {
        switch self {
        case .float32(let v): return Double(v)
        case .float64(let v): return v
        default: return intValue.map(Double.init)
        }
    }

    public var boolValue: Bool? {
        if case .bool(let v) = self { return v }
        return nil
    }

    public var stringValue: String? {
        if case .string(let v) = self { return v }
        return nil
    }

    public var arrayValue: GGUFArray? {
        if case .array(let v) = self { return v }
        return nil
    }

    /// An array of strings, or nil if this is not one.
    public var stringArray: [String]? { arrayValue?.strings }

    /// An array of integers (any integer element type), or nil.
    public var intArray: [Int]? {
        guard let array = arrayValue else { return nil }
        if let integers = array.int32s { return integers.map(Int.init) }
        var result: [Int] = []
        result.reserveCapacity(array.count)
        for value in array.values {
            guard let v = value.intValue else { return nil }
            result.append(v)
        }
        return result
    }

    /// An array of floats (any numeric element type), or nil.
    public var floatArray: [Float]? {
        guard let array = arrayValue else { return nil }
        if let floats = array.float32s { return floats }
        if let integers = array.int32s { return integers.map(Float.init) }
        var result: [Float] = []
        result.reserveCapacity(array.count)
        for value in array.values {
            guard let v = value.doubleValue else { return nil }
            result.append(Float(v))
        }
        return result
    }

    /// Short human-readable rendering (arrays abbreviated).
    public var summary: String {
        switch self {
        case .string(let s): return s.count > 60 ? "\"\(s.prefix(57))...\"" : "\"\(s)\""
        case .array(let a): return "[\(a.elementType) x \(a.count)]"
        case .bool(let b): return String(b)
        case .float32(let f): return String(f)
        case .float64(let d): return String(d)
        default: return intValue.map(String.init) ?? "\(self)"
        }
    }
}
