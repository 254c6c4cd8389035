import Foundation

/// Named split fractions (`train=0.98,validation=0.02`) and the stable assignment of record ids to them.
///
/// A record's split depends only on its id: the first 8 bytes of sha256(id), read big-endian as a fraction in
/// [0, 1), fall into the first split whose cumulative fraction exceeds it. The same id lands in the same split in
/// every export, whatever else the export holds.
public struct ExportSplits: Sendable, Hashable {
    public struct Split: Sendable, Hashable {
        public var name: String
        public var fraction: Double
    }

    public private(set) var splits: [Split]

    /// The default: everything in `train`.
    public static let trainOnly = ExportSplits(unchecked: [Split(name: "train", fraction: 1)])

    private init(unchecked splits: [Split]) {
        self.splits = splits
    }

    /// - Throws: a usage error for empty or repeated names, names that are not plain folder names, fractions
    ///   outside (0, 1], or fractions that do not sum to 1 (±1e-6).
    public init(_ splits: [(name: String, fraction: Double)]) throws(RefineryError) {
        guard !splits.isEmpty else { throw .usage("--split needs at least one name=fraction") }
        var seen = Set<String>()
        for split in splits {
            let allowed = split.name.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
            guard !split.name.isEmpty, allowed, split.name.first != "-" else {
                throw .usage("split name \"\(split.name)\" must be letters, digits, _ or -")
            }
            guard seen.insert(split.name).inserted else { throw .usage("split \"\(split.name)\" is given twice") }
            guard split.fraction > 0, split.fraction <= 1, split.fraction.isFinite else {
                throw .usage("split \"\(split.name)\" fraction must be in (0, 1] (got \(split.fraction))")
            }
        }
        let total = splits.reduce(0) { $0 + $1.fraction }
        guard abs(total - 1) <= 1e-6 else { throw .usage("split fractions must sum to 1 (they sum to \(total))") }
        self.splits = splits.map { Split(name: $0.name, fraction: $0.fraction) }
    }

    /// Parses `train=0.98,validation=0.02`.
    public static func parse(_ text: String) throws(RefineryError) -> ExportSplits {
        var parsed: [(name: String, fraction: Double)] = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pieces.count == 2, let fraction = Double(pieces[1]) else {
                throw .usage("--split expects name=fraction pairs such as train=0.98,validation=0.02 (got \"\(part)\")")
            }
            parsed.append((pieces[0], fraction))
        }
        return try ExportSplits(parsed)
    }

    public var names: [String] { splits.map(\.name) }

    /// The id's position in [0, 1): the first 8 bytes of sha256(id) over 2^64.
    public static func position(of id: String) -> Double {
        let hex = Hashing.sha256Hex(id)
        let value = UInt64(hex.prefix(16), radix: 16) ?? 0
        // 53 significant bits, so the result is exactly representable and strictly below 1.
        return Double(value >> 11) / Double(UInt64(1) << 53)
    }

    /// The split `id` belongs to.
    public func split(for id: String) -> String {
        let position = Self.position(of: id)
        var cumulative = 0.0
        for split in splits {
            cumulative += split.fraction
            if position < cumulative { return split.name }
        }
        return splits[splits.count - 1].name
    }

    public var description: String { splits.map { "\($0.name)=\($0.fraction)" }.joined(separator: ",") }
}
