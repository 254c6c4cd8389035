/// Where a tensor lives in a GGUF file and what it holds.
public struct GGUFTensorInfo: Sendable, Hashable {
    public let name: String
    /// Dimensions in ggml order: `shape[0]` is the length of a row (the fastest-varying index).
    public let shape: [Int]
    public let type: GGMLType
    /// Offset of the data from the start of the data section.
    public let offset: UInt64
    /// Bytes of data.
    public let byteCount: Int
    /// Offset in the file of this tensor's info record (for error messages).
    public let infoOffset: Int

    public var elementCount: Int { shape.reduce(1, *) }
    /// Rows of `shape[0]` elements.
    public var rowCount: Int { shape.dropFirst().reduce(1, *) }
}

/// The parsed header of a GGUF file: everything but the tensor data.
struct GGUFHeader {
    var version: UInt32
    var metadataKeys: [String] = []
    var metadata: [String: GGUFValue] = [:]
    var tensors: [GGUFTensorInfo] = []
    var alignment = 32
    var dataOffset = 0
}

/// Parses the header of a GGUF file with bounded allocations: every count is checked against the bytes that remain
/// before anything is allocated for it.
enum GGUFParser {
    static let magic: UInt32 = 0x4655_4747  // "GGUF" little-endian
    static let maximumNesting = 8
    static let maximumDimensions = 4

    static func parse(_ bytes: UnsafeRawBufferPointer) throws -> GGUFHeader {
        var reader = ByteReader(bytes)
        let magicValue = try reader.readU32("magic 'GGUF'")
        guard magicValue == magic else { throw GGUFError.badMagic(found: magicValue) }
        let version = try reader.readU32("version")
        guard version == 2 || version == 3 else { throw GGUFError.unsupportedVersion(version) }
        var header = GGUFHeader(version: version)

        // Smallest tensor info: name length (8) + n_dims (4) + one dim (8) + type (4) + offset (8).
        let tensorCount = try reader.readCount("tensor count", minimumSize: 32)
        // Smallest key/value: key length (8) + type (4) + one byte of value.
        let kvCount = try reader.readCount("metadata key/value count", minimumSize: 13)

        header.metadataKeys.reserveCapacity(kvCount)
        for index in 0..<kvCount {
            let keyOffset = reader.offset
            let key = try reader.readString("key of metadata entry \(index)")
            let typeOffset = reader.offset
            let rawType = try reader.readU32("value type of '\(key)'")
            guard let type = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(offset: typeOffset, raw: rawType)
            }
            let value = try readValue(&reader, type: type, what: "value of '\(key)'", depth: 0)
            guard header.metadata[key] == nil else { throw GGUFError.duplicateKey(offset: keyOffset, key: key) }
            header.metadata[key] = value
            header.metadataKeys.append(key)
        }

        if let alignmentValue = header.metadata["general.alignment"] {
            guard case .uint32(let a) = alignmentValue, a > 0, a & (a - 1) == 0 else {
                throw GGUFError.invalidAlignment(offset: reader.offset, value: alignmentValue.summary)
            }
            header.alignment = Int(a)
        }

        var names = Set<String>()
        header.tensors.reserveCapacity(tensorCount)
        for index in 0..<tensorCount {
            let info = try readTensorInfo(&reader, index: index, alignment: header.alignment)
            guard names.insert(info.name).inserted else {
                throw GGUFError.duplicateTensor(offset: info.infoOffset, name: info.name)
            }
            header.tensors.append(info)
        }
        let end = reader.offset
        header.dataOffset = (end + header.alignment - 1) / header.alignment * header.alignment
        return header
    }

    private static func readValue(_ reader: inout ByteReader, type: GGUFValueType, what: String,
                                  depth: Int) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try reader.readU8(what))
        case .int8: return .int8(Int8(bitPattern: try reader.readU8(what)))
        case .uint16: return .uint16(try reader.readU16(what))
        case .int16: return .int16(Int16(bitPattern: try reader.readU16(what)))
        case .uint32: return .uint32(try reader.readU32(what))
        case .int32: return .int32(Int32(bitPattern: try reader.readU32(what)))
        case .float32: return .float32(Float(bitPattern: try reader.readU32(what)))
        case .bool: return .bool(try reader.readU8(what) != 0)
        case .string: return .string(try reader.readString(what))
        case .uint64: return .uint64(try reader.readU64(what))
        case .int64: return .int64(Int64(bitPattern: try reader.readU64(what)))
        case .float64: return .float64(Double(bitPattern: try reader.readU64(what)))
        case .array:
            guard depth < maximumNesting else {
                throw GGUFError.nestingTooDeep(offset: reader.offset, depth: maximumNesting)
            }
            let typeOffset = reader.offset
            let rawType = try reader.readU32("element type of \(what)")
            guard let elementType = GGUFValueType(rawValue: rawType) else {
                throw GGUFError.unknownValueType(offset: typeOffset, raw: rawType)
            }
            let count = try reader.readCount("element count of \(what)", minimumSize: elementType.minimumSize)
            switch elementType {
            case .string:
                var strings: [String] = []
                strings.reserveCapacity(count)
                for i in 0..<count { strings.append(try reader.readString("element \(i) of \(what)")) }
                return .array(GGUFArray(strings: strings))
            case .int32:
                var integers: [Int32] = []
                integers.reserveCapacity(count)
                for i in 0..<count {
                    integers.append(Int32(bitPattern: try reader.readU32("element \(i) of \(what)")))
                }
                return .array(GGUFArray(int32s: integers))
            case .float32:
                var floats: [Float] = []
                floats.reserveCapacity(count)
                for i in 0..<count { floats.append(Float(bitPattern: try reader.readU32("element \(i) of \(what)"))) }
                return .array(GGUFArray(float32s: floats))
            default:
                break
            }
            var values: [GGUFValue] = []
            values.reserveCapacity(count)
            for i in 0..<count {
                values.append(try readValue(&reader, type: elementType, what: "element \(i) of \(what)",
                                            depth: depth + 1))
            }
            return .array(GGUFArray(elementType: elementType, values: values))
        }
    }

    private static func readTensorInfo(_ reader: inout ByteReader, index: Int,
                                       alignment: Int) throws -> GGUFTensorInfo {
        let infoOffset = reader.offset
        let name = try reader.readString("name of tensor \(index)")
        let dimsOffset = reader.offset
        let nDims = try reader.readU32("dimension count of tensor '\(name)'")
        guard nDims >= 1, nDims <= UInt32(maximumDimensions) else {
            throw GGUFError.invalidTensorShape(offset: dimsOffset, tensor: name,
                                               reason: "expected 1...\(maximumDimensions) dimensions, found \(nDims)")
        }
        var shape: [Int] = []
        var elements: UInt64 = 1
        for d in 0..<Int(nDims) {
            let dimOffset = reader.offset
            let dim = try reader.readU64("dimension \(d) of tensor '\(name)'")
            guard dim >= 1, dim <= UInt64(Int32.max) else {
                throw GGUFError.invalidTensorShape(offset: dimOffset, tensor: name,
                                                   reason: "dimension \(d) is \(dim), expected 1...\(Int32.max)")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dim)
            guard !overflow, product <= UInt64(Int.max / 16) else {
                throw GGUFError.invalidTensorShape(offset: dimOffset, tensor: name, reason: "element count overflows")
            }
            elements = product
            shape.append(Int(dim))
        }
        let typeOffset = reader.offset
        let rawType = try reader.readU32("type of tensor '\(name)'")
        guard let type = GGMLType(rawValue: rawType) else {
            throw GGUFError.unknownTensorType(offset: typeOffset, tensor: name, raw: rawType)
        }
        guard let rowBytes = type.rowBytes(elements: shape[0]) else {
            throw GGUFError.invalidTensorShape(
                offset: dimsOffset, tensor: name,
                reason: "row length \(shape[0]) is not a multiple of \(type)'s block size \(type.blockSize)")
        }
        let rows = shape.dropFirst().reduce(1, *)
        let (byteCount, overflow) = rowBytes.multipliedReportingOverflow(by: rows)
        guard !overflow else {
            throw GGUFError.invalidTensorShape(offset: dimsOffset, tensor: name, reason: "byte size overflows")
        }
        let dataOffsetPosition = reader.offset
        let dataOffset = try reader.readU64("data offset of tensor '\(name)'")
        guard dataOffset % UInt64(alignment) == 0 else {
            throw GGUFError.misalignedTensor(offset: dataOffsetPosition, tensor: name, dataOffset: dataOffset,
                                             alignment: alignment)
        }
        return GGUFTensorInfo(name: name, shape: shape, type: type, offset: dataOffset, byteCount: byteCount,
                              infoOffset: infoOffset)
    }
}
