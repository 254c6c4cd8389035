/// Merge ranks keyed by a packed pair of token ids: `(left << 32) | right` → `(rank, merged id)`.
///
/// An open-addressing hash table with a multiplicative hash. The BPE inner loop does one lookup per candidate pair,
/// so this avoids the general-purpose hashing of `Dictionary`.
struct BPEMergeTable: Sendable {
    private static let emptyKey = UInt64.max  // never a real key: ids are non-negative Int32

    private var keys: [UInt64]
    private var values: [UInt64]
    private var shift: UInt64
    private(set) var count = 0

    /// A table sized for `expectedCount` merges.
    init(expectedCount: Int) {
        var capacity = 16
        while capacity < expectedCount * 2 { capacity *= 2 }
        keys = [UInt64](repeating: BPEMergeTable.emptyKey, count: capacity)
        values = [UInt64](repeating: 0, count: capacity)
        shift = UInt64(64 - capacity.trailingZeroBitCount)
    }

    @inline(__always)
    private static func pack(_ left: Int32, _ right: Int32) -> UInt64 {
        (UInt64(UInt32(bitPattern: left)) << 32) | UInt64(UInt32(bitPattern: right))
    }

    @inline(__always)
    private func slot(for key: UInt64) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> shift)
    }

    /// Adds a merge. Returns false (and keeps the existing rank) when the pair is already present: the first,
    /// lowest-ranked occurrence of a duplicated merge wins, as in llama.cpp.
    @discardableResult
    mutating func insert(left: Int32, right: Int32, rank: Int32, result: Int32) -> Bool {
        let key = BPEMergeTable.pack(left, right)
        let mask = keys.count - 1
        var index = slot(for: key)
        while keys[index] != BPEMergeTable.emptyKey {
            if keys[index] == key { return false }
            index = (index + 1) & mask
        }
        keys[index] = key
        values[index] = (UInt64(UInt32(bitPattern: rank)) << 32) | UInt64(UInt32(bitPattern: result))
        count += 1
        return true
    }

    /// The rank and resulting token of merging `left` with `right`, or nil when the pair never merges.
    @inline(__always)
    func lookup(_ left: Int32, _ right: Int32) -> (rank: Int32, result: Int32)? {
        let key = BPEMergeTable.pack(left, right)
        let mask = keys.count - 1
        var index = slot(for: key)
        while true {
            let found = keys[index]
            if found == key {
                let value = values[index]
                return (Int32(truncatingIfNeeded: value >> 32), Int32(truncatingIfNeeded: value))
            }
            if found == BPEMergeTable.emptyKey { return nil }
            index = (index + 1) & mask
        }
    }
}

/// Applies BPE merges to one word: repeatedly merge the adjacent pair with the lowest rank, leftmost first,
/// until no adjacent pair has a merge (HuggingFace `Word::merge_all` without dropout).
///
/// Two implementations that must agree: `mergeByScanning` (the plain reference, O(n²), used for short words) and
/// `mergeWithHeap` (a min-heap of candidate pairs over a linked list of symbols, O(n log n), used for long words).
struct BPEMergeWorkspace {
    /// Words up to this many symbols use the scanning version.
    static let scanLimit = 32

    private var ids: [Int32] = []
    private var ranks: [Int32] = []
    private var next: [Int] = []
    private var previous: [Int] = []
    private var alive: [Bool] = []
    private var heap: [UInt64] = []

    /// Merges `symbols` (initial token ids, one per byte) and appends the resulting ids to `output`.
    mutating func merge(_ symbols: [Int32], table: BPEMergeTable, into output: inout [Int32]) {
        if symbols.count <= BPEMergeWorkspace.scanLimit {
            mergeByScanning(symbols, table: table, into: &output)
        } else {
            mergeWithHeap(symbols, table: table, into: &output)
        }
    }

    /// Reference version: keep the rank of every adjacent pair in an array and merge the minimum each round.
    mutating func mergeByScanning(_ symbols: [Int32], table: BPEMergeTable, into output: inout [Int32]) {
        ids.removeAll(keepingCapacity: true)
        ids.append(contentsOf: symbols)
        ranks.removeAll(keepingCapacity: true)
        let none = Int32.max
        for i in 0..<max(0, ids.count - 1) {
            ranks.append(table.lookup(ids[i], ids[i + 1])?.rank ?? none)
        }
        while !ranks.isEmpty {
            var best = 0
            for i in 1..<ranks.count where ranks[i] < ranks[best] { best = i }
            if ranks[best] == none { break }
            guard let merged = table.lookup(ids[best], ids[best + 1]) else { break }
            ids[best] = merged.result
            ids.remove(at: best + 1)
            ranks.remove(at: best)
            if best > 0 {
                ranks[best - 1] = table.lookup(ids[best - 1], ids[best])?.rank ?? none
            }
            if best < ranks.count {
                ranks[best] = table.lookup(ids[best], ids[best + 1])?.rank ?? none
            }
        }
        output.append(contentsOf: ids)
    }

    /// Heap version: candidates are `(rank << 32) | position`, so the heap pops the lowest rank and, among equal
    /// ranks, the leftmost position. Stale candidates (a side already merged away) are skipped when popped.
    mutating func mergeWithHeap(_ symbols: [Int32], table: BPEMergeTable, into output: inout [Int32]) {
        let n = symbols.count
        ids.removeAll(keepingCapacity: true)
        ids.append(contentsOf: symbols)
        next.removeAll(keepingCapacity: true)
        previous.removeAll(keepingCapacity: true)
        alive.removeAll(keepingCapacity: true)
        heap.removeAll(keepingCapacity: true)
        for i in 0..<n {
            next.append(i + 1)
            previous.append(i - 1)
            alive.append(true)
        }
        for i in 0..<max(0, n - 1) {
            if let merged = table.lookup(ids[i], ids[i + 1]) { pushCandidate(rank: merged.rank, position: i) }
        }
        while let top = popCandidate() {
            let rank = Int32(truncatingIfNeeded: top >> 32)
            let position = Int(truncatingIfNeeded: top & 0xFFFF_FFFF)
            guard alive[position] else { continue }
            let right = next[position]
            guard right < n, let merged = table.lookup(ids[position], ids[right]), merged.rank == rank else {
                continue
            }
            ids[position] = merged.result
            alive[right] = false
            let after = next[right]
            next[position] = after
            if after < n { previous[after] = position }
            let before = previous[position]
            if before >= 0, let left = table.lookup(ids[before], ids[position]) {
                pushCandidate(rank: left.rank, position: before)
            }
            if after < n, let rightMerge = table.lookup(ids[position], ids[after]) {
                pushCandidate(rank: rightMerge.rank, position: position)
            }
        }
        var i = 0
        while i < n {
            output.append(ids[i])
            i = next[i]
        }
    }

    private mutating func pushCandidate(rank: Int32, position: Int) {
        heap.append((UInt64(UInt32(bitPattern: rank)) << 32) | UInt64(position))
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            if heap[parent] <= heap[child] { break }
            heap.swapAt(parent, child)
            child = parent
        }
    }

    private mutating func popCandidate() -> UInt64? {
        guard let last = heap.popLast() else { return nil }
        guard !heap.isEmpty else { return last }
        let top = heap[0]
        heap[0] = last
        var parent = 0
        let count = heap.count
        while true {
            let left = 2 * parent + 1
            if left >= count { break }
            var smallest = left
            if left + 1 < count, heap[left + 1] < heap[left] { smallest = left + 1 }
            if heap[parent] <= heap[smallest] { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }
}
