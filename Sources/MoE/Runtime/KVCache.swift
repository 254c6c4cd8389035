/// Geometry of a key/value cache: one entry per *group* of layers sharing K/V (cross-layer attention), not per layer.
public struct KVCacheLayout: Sendable, Hashable {
    /// Layer groups that store K/V (layers / CLA share factor, rounded up).
    public var groups: Int
    public var kvHeads: Int
    public var headDim: Int
    /// Bytes per stored element (4: the cache stores float32).
    public var elementBytes: Int = 4

    public init(groups: Int, kvHeads: Int, headDim: Int, elementBytes: Int = 4) {
        self.groups = groups
        self.kvHeads = kvHeads
        self.headDim = headDim
        self.elementBytes = elementBytes
    }

    /// Floats stored per position: K and V for every group and KV head.
    public var floatsPerPosition: Int { groups * 2 * kvHeads * headDim }
    public var bytesPerToken: Int { floatsPerPosition * elementBytes }
}

public enum KVCacheError: Error, Sendable, Equatable, CustomStringConvertible {
    case outOfMemory(requestedPages: Int, freePages: Int)
    case unknownSlot(Int)
    case tooLong(positions: Int, limit: Int)

    public var description: String {
        switch self {
        case .outOfMemory(let requested, let free):
            return "KV cache full: \(requested) pages needed, \(free) free"
        case .unknownSlot(let slot): return "unknown KV cache slot \(slot)"
        case .tooLong(let positions, let limit): return "sequence of \(positions) positions exceeds \(limit)"
        }
    }
}

/// A paged key/value cache for many sequences with a fixed memory bound. Pages of `pageSize` positions hold, for
/// every group, K then V as [kvHead][position][headDim] floats. Pages are allocated on first use, returned to a
/// free list when a sequence is released and reused, so memory never exceeds `maxPages` pages.
/// Keys are stored after RoPE and before the k-norm (each layer of a group applies its own k-norm when reading).
/// Used by one thread at a time (the engine's step loop).
public final class KVCache {
    public let layout: KVCacheLayout
    public let pageSize: Int
    public let maxPages: Int
    /// Longest sequence a slot may hold.
    public let maxPositions: Int

    private var freeList: [UnsafeMutablePointer<Float>] = []
    private var allocatedPages = 0
    private var sequences: [Int: SequenceState] = [:]
    private var nextSlot = 0

    private final class SequenceState {
        let table: UnsafeMutablePointer<UnsafePointer<Float>?>
        var pages: [UnsafeMutablePointer<Float>] = []
        var length = 0

        init(capacity: Int) {
            table = .allocate(capacity: max(capacity, 1))
            table.initialize(repeating: nil, count: max(capacity, 1))
        }

        deinit { table.deallocate() }
    }

    /// A cache holding at most `maxTokens` positions in total over all sequences, each at most `maxPositions` long.
    public init(layout: KVCacheLayout, maxTokens: Int, maxPositions: Int, pageSize: Int = 32) {
        self.layout = layout
        self.pageSize = max(1, pageSize)
        self.maxPages = max(1, (maxTokens + self.pageSize - 1) / self.pageSize)
        self.maxPositions = max(1, maxPositions)
    }

    deinit {
        for state in sequences.values { freeList.append(contentsOf: state.pages) }
        for page in freeList { page.deallocate() }
    }

    var pageFloats: Int { pageSize * layout.floatsPerPosition }
    public var freePages: Int { maxPages - usedPages }
    public var usedPages: Int { sequences.values.reduce(0) { $0 + $1.pages.count } }
    /// Bytes currently allocated for pages (in use or cached for reuse).
    public var allocatedBytes: Int { allocatedPages * pageFloats * 4 }

    /// Pages needed for a sequence of `positions` positions.
    public func pagesNeeded(positions: Int) -> Int { (positions + pageSize - 1) / pageSize }

    /// Starts an empty sequence and returns its slot.
    public func newSequence() -> Int {
        let slot = nextSlot
        nextSlot += 1
        let tableCapacity = pagesNeeded(positions: maxPositions)
        sequences[slot] = SequenceState(capacity: tableCapacity)
        return slot
    }

    /// Frees a sequence's pages for reuse.
    public func release(_ slot: Int) {
        guard let state = sequences.removeValue(forKey: slot) else { return }
        freeList.append(contentsOf: state.pages)
    }

    public func length(of slot: Int) -> Int? { sequences[slot]?.length }

    /// Makes room for positions [0, positions) of `slot`.
    public func reserve(_ slot: Int, positions: Int) throws {
        guard let state = sequences[slot] else { throw KVCacheError.unknownSlot(slot) }
        guard positions <= maxPositions else { throw KVCacheError.tooLong(positions: positions, limit: maxPositions) }
        let needed = pagesNeeded(positions: positions) - state.pages.count
        guard needed > 0 else { return }
        guard needed <= freePages else { throw KVCacheError.outOfMemory(requestedPages: needed, freePages: freePages) }
        for _ in 0..<needed {
            let page: UnsafeMutablePointer<Float>
            if let reused = freeList.popLast() {
                page = reused
            } else {
                page = UnsafeMutableRawPointer.allocate(byteCount: pageFloats * 4, alignment: 64)
                    .bindMemory(to: Float.self, capacity: pageFloats)
                page.initialize(repeating: 0, count: pageFloats)
                allocatedPages += 1
            }
            state.table[state.pages.count] = UnsafePointer(page)
            state.pages.append(page)
        }
    }

    /// Records that positions [0, length) of `slot` hold valid entries.
    func setLength(_ slot: Int, _ length: Int) {
        sequences[slot]?.length = length
    }

    /// The page table of `slot` (for the attention kernel).
    func pageTable(_ slot: Int) -> UnsafePointer<UnsafePointer<Float>?>? {
        sequences[slot].map { UnsafePointer($0.table) }
    }

    func capacity(of slot: Int) -> Int { (sequences[slot]?.pages.count ?? 0) * pageSize }

    /// Offset in floats, inside a page, of the K (or V) block of `group` and `head`.
    func blockOffset(group: Int, value: Bool, head: Int) -> Int {
        ((group * 2 + (value ? 1 : 0)) * layout.kvHeads + head) * pageSize * layout.headDim
    }

    /// Where the K (or V) vector of `head` in `group` at `position` of `slot` lives. The position must be reserved.
    func vector(_ slot: Int, group: Int, value: Bool, head: Int, position: Int) -> UnsafeMutablePointer<Float>? {
        guard let state = sequences[slot], position / pageSize < state.pages.count else { return nil }
        return state.pages[position / pageSize] + blockOffset(group: group, value: value, head: head)
            + (position % pageSize) * layout.headDim
    }
}
