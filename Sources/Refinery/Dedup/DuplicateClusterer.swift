import Foundation

/// One record offered to the clusterer.
public struct DedupItem: Sendable, Hashable {
    public var id: String
    /// Higher is better; the best record of a cluster is kept. NaN counts as −∞.
    public var score: Double
    public var fingerprint: DedupFingerprint

    public init(id: String, score: Double, fingerprint: DedupFingerprint) {
        self.id = id
        self.score = score
        self.fingerprint = fingerprint
    }
}

/// Why a record was removed.
public enum DuplicateKind: String, Sendable, Hashable, Codable {
    /// Same normalized content as the kept record.
    case exact
    /// A near duplicate (LSH candidate, Jaccard-verified when verification is on), directly or through a chain.
    case near
    /// A duplicate of a record already in the persistent index (exported by an earlier run).
    case index
}

/// The verdict for one removed record.
public struct DedupDecision: Sendable, Hashable {
    /// Position of the record in the caller's input.
    public var index: Int
    public var id: String
    /// The id of the record kept in its place.
    public var duplicateOf: String
    /// The cluster's id: the id of its kept record.
    public var cluster: String
    public var kind: DuplicateKind
    /// Exact Jaccard similarity of the shingle sets with the kept record, when shingles were kept.
    public var similarity: Double?

    public init(index: Int, id: String, duplicateOf: String, cluster: String, kind: DuplicateKind,
                similarity: Double?) {
        self.index = index
        self.id = id
        self.duplicateOf = duplicateOf
        self.cluster = cluster
        self.kind = kind
        self.similarity = similarity
    }

    /// `duplicate_of:<kept id>`, the reason recorded for the removed record.
    public var reason: String { "duplicate_of:\(duplicateOf)" }
}

/// The result of clustering: which records go, and why.
public struct DedupOutcome: Sendable {
    /// Removed records, by input position.
    public var removed: [DedupDecision]
    /// Records kept (inputs minus removed).
    public var keptCount: Int
    /// Clusters with at least two members.
    public var clusterCount: Int

    /// The decision for the record at input position `index`, or nil if it is kept.
    public func decision(at index: Int) -> DedupDecision? {
        var low = 0
        var high = removed.count
        while low < high {
            let mid = (low + high) / 2
            if removed[mid].index < index { low = mid + 1 } else { high = mid }
        }
        return low < removed.count && removed[low].index == index ? removed[low] : nil
    }
}

/// Groups duplicates and picks one record to keep per group, deterministically.
///
/// Edges: equal exact hashes, and LSH candidates (records sharing a band key) whose exact Jaccard similarity is
/// ≥ the threshold when verification is on. Clusters are the connected components (union-find). In each cluster
/// the record with the highest score is kept; ties go to the smallest id (byte order of UTF-8). Records are first
/// put in a canonical order (id, score, content), so the outcome does not depend on input order or threads.
public struct DuplicateClusterer: Sendable {
    public var settings: DedupSettings

    public init(settings: DedupSettings) {
        self.settings = settings
    }

    public func cluster(_ items: [DedupItem]) -> DedupOutcome {
        let order = items.indices.sorted { Self.canonicallyPrecedes(items[$0], items[$1]) }
        var sets = UnionFind(count: items.count)
        // Exact duplicates.
        if settings.exact {
            var firstByHash: [ContentHash: Int] = [:]
            for rank in order.indices {
                guard let hash = items[order[rank]].fingerprint.exact else { continue }
                if let first = firstByHash[hash] {
                    sets.union(first, rank)
                } else {
                    firstByHash[hash] = rank
                }
            }
        }
        // LSH candidates, verified when asked.
        if let minhash = settings.minhash {
            var buckets: [BandKey: [Int]] = [:]
            for rank in order.indices {
                for (band, key) in items[order[rank]].fingerprint.bandKeys.enumerated() {
                    buckets[BandKey(band: band, key: key), default: []].append(rank)
                }
            }
            let verify = settings.verifyJaccard
            for members in buckets.values where members.count > 1 {
                for position in 1..<members.count {
                    let rank = members[position]
                    for earlier in members[0..<position] where sets.find(earlier) != sets.find(rank) {
                        if !verify {
                            sets.union(earlier, rank)
                            break
                        }
                        let similarity = Jaccard.similarity(items[order[earlier]].fingerprint.shingles ?? [],
                                                            items[order[rank]].fingerprint.shingles ?? [])
                        if similarity >= minhash.threshold { sets.union(earlier, rank) }
                    }
                }
            }
        }
        return decide(items: items, order: order, sets: &sets)
    }

    private func decide(items: [DedupItem], order: [Int], sets: inout UnionFind) -> DedupOutcome {
        var members: [Int: [Int]] = [:]
        for rank in order.indices {
            members[sets.find(rank), default: []].append(rank)
        }
        var removed: [DedupDecision] = []
        var clusters = 0
        for group in members.values where group.count > 1 {
            clusters += 1
            let keeperRank = group.dropFirst().reduce(group[0]) { best, rank in
                Self.isBetter(items[order[rank]], than: items[order[best]]) ? rank : best
            }
            let keeper = items[order[keeperRank]]
            for rank in group where rank != keeperRank {
                let item = items[order[rank]]
                removed.append(Self.decision(index: order[rank], item: item, keeper: keeper))
            }
        }
        removed.sort { $0.index < $1.index }
        return DedupOutcome(removed: removed, keptCount: items.count - removed.count, clusterCount: clusters)
    }

    static func decision(index: Int, item: DedupItem, keeper: DedupItem) -> DedupDecision {
        let exact = item.fingerprint.exact != nil && item.fingerprint.exact == keeper.fingerprint.exact
        var similarity: Double?
        if let lhs = item.fingerprint.shingles, let rhs = keeper.fingerprint.shingles {
            similarity = Jaccard.similarity(lhs, rhs)
        }
        return DedupDecision(index: index, id: item.id, duplicateOf: keeper.id, cluster: keeper.id,
                             kind: exact ? .exact : .near, similarity: similarity)
    }

    /// The keeper rule: higher score wins, then the smaller id (UTF-8 byte order).
    public static func isBetter(_ lhs: DedupItem, than rhs: DedupItem) -> Bool {
        isBetter(id: lhs.id, score: lhs.score, than: rhs.id, score: rhs.score)
    }

    /// The keeper rule on bare ids and scores (NaN scores rank lowest).
    public static func isBetter(id: String, score: Double, than otherID: String, score otherScore: Double) -> Bool {
        let lhs = score.isNaN ? -Double.infinity : score
        let rhs = otherScore.isNaN ? -Double.infinity : otherScore
        if lhs != rhs { return lhs > rhs }
        return id.utf8.lexicographicallyPrecedes(otherID.utf8)
    }

    /// A total order on items that ignores input position unless two items are identical in every field.
    static func canonicallyPrecedes(_ lhs: DedupItem, _ rhs: DedupItem) -> Bool {
        if lhs.id != rhs.id { return lhs.id.utf8.lexicographicallyPrecedes(rhs.id.utf8) }
        if lhs.score != rhs.score { return isBetter(lhs, than: rhs) }
        let left = lhs.fingerprint, right = rhs.fingerprint
        if left.exact != right.exact {
            return (left.exact ?? ContentHash(high: 0, low: 0)) < (right.exact ?? ContentHash(high: 0, low: 0))
        }
        if left.bandKeys != right.bandKeys { return left.bandKeys.lexicographicallyPrecedes(right.bandKeys) }
        return (left.shingles ?? []).lexicographicallyPrecedes(right.shingles ?? [])
    }
}

/// A band index and its key: the LSH bucket a record falls in.
struct BandKey: Hashable {
    var band: Int
    var key: UInt64
}

/// Disjoint sets over 0..<count with path halving and union by size.
struct UnionFind {
    private var parent: [Int]
    private var size: [Int]

    init(count: Int) {
        parent = Array(0..<count)
        size = [Int](repeating: 1, count: count)
    }

    mutating func find(_ element: Int) -> Int {
        var node = element
        while parent[node] != node {
            parent[node] = parent[parent[node]]
            node = parent[node]
        }
        return node
    }

    mutating func union(_ lhs: Int, _ rhs: Int) {
        var a = find(lhs)
        var b = find(rhs)
        if a == b { return }
        if size[a] < size[b] { swap(&a, &b) }
        parent[b] = a
        size[a] += size[b]
    }
}
