import Foundation

/// A 128-bit hash of normalized content: two xxHash64 values of the same bytes under different seeds.
///
/// 128 bits keep accidental collisions out of reach (about 2^-64 for a billion records), so equal hashes are treated
/// as equal content without comparing texts.
public struct ContentHash: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// 32 lowercase hex digits.
    public var description: String {
        Self.hex(high) + Self.hex(low)
    }

    /// The 16 bytes, big-endian, for storage.
    public var bytes: Data {
        var data = Data(capacity: 16)
        withUnsafeBytes(of: high.bigEndian) { data.append(contentsOf: $0) }
        withUnsafeBytes(of: low.bigEndian) { data.append(contentsOf: $0) }
        return data
    }

    /// Reads the 16 bytes written by `bytes`; nil for any other length.
    public init?(bytes: Data) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for (index, byte) in bytes.enumerated() {
            if index < 8 { high = high << 8 | UInt64(byte) } else { low = low << 8 | UInt64(byte) }
        }
        self.init(high: high, low: low)
    }

    public static func < (lhs: ContentHash, rhs: ContentHash) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}

/// Exact-duplicate keys: a `ContentHash` of the normalized fields that define a sample.
public struct ExactHasher: Sendable, Hashable {
    public var normalization: TextNormalization

    static let seedHigh: UInt64 = 0x5265_6669_6E65_7279  // "Refinery"
    static let seedLow: UInt64 = 0x4578_6163_7444_7570   // "ExactDup"

    public init(normalization: TextNormalization = .standard) {
        self.normalization = normalization
    }

    /// The hash of one normalized text.
    public func hash(_ text: String) -> ContentHash {
        Self.hash(bytes: TextNormalizer.normalizedBytes(text, normalization))
    }

    /// The hash of several fields (e.g. problem and solution), each normalized; a 0x1F separator keeps
    /// `["ab", "c"]` and `["a", "bc"]` apart.
    public func hash(fields: [String]) -> ContentHash {
        var bytes: [UInt8] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { bytes.append(0x1F) }
            bytes.append(contentsOf: TextNormalizer.normalizedBytes(field, normalization))
        }
        return Self.hash(bytes: bytes)
    }

    static func hash(bytes: [UInt8]) -> ContentHash {
        ContentHash(high: DedupKernels.xxh64(bytes, seed: seedHigh), low: DedupKernels.xxh64(bytes, seed: seedLow))
    }
}
