/// A GGUF v3 (or v2) file: metadata, tensor infos, and tensor data left in the memory-mapped file (never copied).
/// Immutable and safe to share between threads; tensor bytes stay valid as long as this object lives.
public final class GGUFFile: Sendable {
    public let version: UInt32
    /// Metadata keys in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    /// `general.alignment`, 32 when absent.
    public let alignment: Int
    /// File offset of the tensor data section.
    public let dataOffset: Int
    public let fileSize: Int
    /// The path it was opened from (nil for files built in memory).
    public let path: String?
    /// Nil when every tensor's bytes lie inside the file; otherwise why not (only possible for files opened with
    /// `requireTensorData: false`, which then serve metadata only).
    public let tensorDataError: GGUFError?

    let region: MappedRegion
    private let tensorIndex: [String: Int]

    /// Maps and parses the file at `path`. With `requireTensorData: false` a file whose tensor data is missing
    /// (a metadata-only file) still opens; its tensors cannot be used for computation.
    public convenience init(path: String, requireTensorData: Bool = true) throws {
        try self.init(region: MappedRegion(path: path), path: path, requireTensorData: requireTensorData)
    }

    /// Parses a file held in memory (copied once into an aligned buffer); used by tests and tools.
    public convenience init(bytes: [UInt8], requireTensorData: Bool = true) throws {
        try self.init(region: MappedRegion(copying: bytes), path: nil, requireTensorData: requireTensorData)
    }

    init(region: MappedRegion, path: String?, requireTensorData: Bool) throws {
        let header = try GGUFParser.parse(region.bytes)
        var dataError: GGUFError?
        if !header.tensors.isEmpty {
            for info in header.tensors {
                let (end, overflow) = UInt64(header.dataOffset).addingReportingOverflow(info.offset)
                let (last, overflow2) = end.addingReportingOverflow(UInt64(info.byteCount))
                if overflow || overflow2 || last > UInt64(region.count) {
                    dataError = .tensorDataOutOfBounds(tensor: info.name, start: end, size: UInt64(info.byteCount),
                                                       fileSize: region.count)
                    break
                }
            }
        }
        if let dataError, requireTensorData { throw dataError }
        self.version = header.version
        self.metadataKeys = header.metadataKeys
        self.metadata = header.metadata
        self.tensors = header.tensors
        self.alignment = header.alignment
        self.dataOffset = header.dataOffset
        self.fileSize = region.count
        self.path = path
        self.region = region
        self.tensorDataError = dataError
        var index: [String: Int] = [:]
        for (i, info) in header.tensors.enumerated() { index[info.name] = i }
        self.tensorIndex = index
    }

    /// The architecture named by `general.architecture`.
    public var architecture: String? { metadata["general.architecture"]?.stringValue }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Touches every page of the mapping so the weights are resident before timing or serving starts.
    @discardableResult
    public func prefault() -> UInt8 { region.prefault() }

    /// Start of a tensor's bytes inside the mapping. Only valid when `tensorDataError` is nil.
    func dataPointer(for info: GGUFTensorInfo) -> UnsafeRawPointer? {
        guard tensorDataError == nil, let base = region.base else { return nil }
        return base + dataOffset + Int(info.offset)
    }

    /// A copy of a tensor's raw bytes (for tests and tools).
    public func rawBytes(of info: GGUFTensorInfo) -> [UInt8]? {
        guard let pointer = dataPointer(for: info) else { return nil }
        return Array(UnsafeRawBufferPointer(start: pointer, count: info.byteCount))
    }

    // MARK: - Typed metadata access

    public func value(_ key: String) -> GGUFValue? { metadata[key] }

    /// An integer value, nil when absent; throws when present with a non-integer type or negative.
    public func int(_ key: String) throws -> Int? {
        guard let value = metadata[key] else { return nil }
        guard let v = value.intValue else {
            throw GGUFError.typeMismatch(key: key, expected: "an integer", found: "\(value.type)")
        }
        guard v >= 0 else { throw GGUFError.invalidValue(key: key, reason: "expected >= 0, found \(v)") }
        return v
    }

    public func requireInt(_ key: String) throws -> Int {
        guard let v = try int(key) else { throw GGUFError.missingKey(key) }
        return v
    }

    /// A floating-point value, nil when absent; throws on a non-numeric type.
    public func double(_ key: String) throws -> Double? {
        guard let value = metadata[key] else { return nil }
        guard let v = value.doubleValue else {
            throw GGUFError.typeMismatch(key: key, expected: "a number", found: "\(value.type)")
        }
        return v
    }

    public func bool(_ key: String) throws -> Bool? {
        guard let value = metadata[key] else { return nil }
        if let b = value.boolValue { return b }
        if let i = value.intValue, i == 0 || i == 1 { return i == 1 }
        throw GGUFError.typeMismatch(key: key, expected: "a bool", found: "\(value.type)")
    }

    public func string(_ key: String) throws -> String? {
        guard let value = metadata[key] else { return nil }
        guard let s = value.stringValue else {
            throw GGUFError.typeMismatch(key: key, expected: "a string", found: "\(value.type)")
        }
        return s
    }
}
