import MoEKernels

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

/// What a KV cache stores per element. `float32` keeps keys and values exactly (the reference path); `float16` rounds
/// them to IEEE half precision (to nearest even), halving the cache's memory and the bytes attention reads per step,
/// which is what llama.cpp stores by default. Attention arithmetic is float32 either way.
public enum KVCachePrecision: String, Sendable, Hashable, Codable, CaseIterable {
    case float32 = "f32"
    case float16 = "f16"

    public var elementBytes: Int { self == .float32 ? 4 : 2 }

    /// The kernels' element type (the GGML type ids they use for F32 / F16).
    var kernelType: Int32 { Int32((self == .float32 ? GGMLType.f32 : GGMLType.f16).rawValue) }
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
/// every group, K then V as [kvHead][position][headDim] elements of `precision`. Pages are allocated on first use,
/// returned to a free list when a sequence is released and reused, so memory never exceeds `maxPages` pages.
/// Keys are stored after RoPE and before the k-norm (each layer of a group applies its own k-norm when reading).
/// Used by one thread at a time (the engine's step loop).
public final class KVCache {
    public let layout: KVCacheLayout
    public let precision: KVCachePrecision
    public let pageSize: Int
    public let maxPages: Int
    /// Longest sequence a slot may hold.
    public let maxPositions: Int

    private var freeList: [UnsafeMutableRawPointer] = []
    private var allocatedPages = 0
    private var sequences: [Int: SequenceState] = [:]
    private var nextSlot = 0

    private final class SequenceState {
        let table: UnsafeMutablePointer<UnsafeRawPointer?>
        var pages: [UnsafeMutableRawPointer] = []
        var length = 0

        init(capacity: Int) {
            table = .allocate(capacity: max(capacity, 1))
            table.initialize(repeating: nil, count: max(capacity, 1))
        }

        deinit { table.deallocate() }
    }

    /// Positions per page unless the creator says otherwise; a sequence holds whole pages.
    public static let defaultPageSize = 32

    /// A cache holding at most `maxTokens` positions in total over all sequences, each at most `maxPositions` long.
    public init(layout: KVCacheLayout, maxTokens: Int, maxPositions: Int, pageSize: Int = KVCache.defaultPageSize,
                precision: KVCachePrecision = .float32) {
        self.layout = layout
        self.precision = precision
        self.pageSize = max(1, pageSize)
        self.maxPages = max(1, (maxTokens + self.pageSize - 1) / self.pageSize)
        self.maxPositions = max(1, maxPositions)
    }

    deinit {
        for state in sequences.values { freeList.append(contentsOf: state.pages) }
        for page in freeList { page.deallocate() }
    }

    var pageBytes: Int { pageSize * layout.floatsPerPosition * precision.elementBytes }
    /// Bytes one position takes in this cache (K and V of every group and KV head).
    public var bytesPerToken: Int { layout.floatsPerPosition * precision.elementBytes }
    public var freePages: Int { maxPages - usedPages }
    public var usedPages: Int { sequences.values.reduce(0) { $0 + $1.pages.count } }
    /// Bytes currently allocated for pages (in use or cached for reuse).
    public var allocatedBytes: Int { allocatedPages * pageBytes }

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
            let page: UnsafeMutableRawPointer
            if let reused = freeList.popLast() {
                page = reused
            } else {
                page = UnsafeMutableRawPointer.allocate(byteCount: pageBytes, alignment: 64)
                page.initializeMemory(as: UInt8.self, repeating: 0, count: pageBytes)
                allocatedPages += 1
            }
            state.table[state.pages.count] = UnsafeRawPointer(page)
            state.pages.append(page)
        }
    }

    /// Records that positions [0, length) of `slot` hold valid entries.
    func setLength(_ slot: Int, _ length: Int) {
        sequences[slot]?.length = length
    }

    /// The page table of `slot` (for the attention kernel).
    func pageTable(_ slot: Int) -> UnsafePointer<UnsafeRawPointer?>? {
        sequences[slot].map { UnsafePointer($0.table) }
    }

    func capacity(of slot: Int) -> Int { (sequences[slot]?.pages.count ?? 0) * pageSize }

    /// Offset in elements, inside a page, of the K (or V) block of `group` and `head`.
    func blockOffset(group: Int, value: Bool, head: Int) -> Int {
        ((group * 2 + (value ? 1 : 0)) * layout.kvHeads + head) * pageSize * layout.headDim
    }

    /// Where the K (or V) vector of `head` in `group` at `position` of `slot` starts (nil when not reserved).
    private func address(slot: Int, group: Int, value: Bool, head: Int, position: Int) -> UnsafeMutableRawPointer? {
        guard let state = sequences[slot], position / pageSize < state.pages.count else { return nil }
        let element = blockOffset(group: group, value: value, head: head) + (position % pageSize) * layout.headDim
        return state.pages[position / pageSize] + element * precision.elementBytes
    }

    /// Stores the `headDim` floats at `source` as the K (or V) vector of `head` in `group` at `position` of `slot`,
    /// rounded to the cache's precision. False when the position is not reserved.
    @discardableResult
    func store(_ source: UnsafePointer<Float>, slot: Int, group: Int, value: Bool, head: Int, position: Int) -> Bool {
        guard let destination = address(slot: slot, group: group, value: value, head: head, position: position) else {
            return false
        }
        switch precision {
        case .float32:
            destination.assumingMemoryBound(to: Float.self).update(from: source, count: layout.headDim)
        case .float16:
            Kernels.roundToHalf(source, count: layout.headDim, into: destination.assumingMemoryBound(to: UInt16.self))
        }
        return true
    }

    /// The K (or V) vector of `head` in `group` at `position` of `slot` as floats (nil when not reserved).
    func load(slot: Int, group: Int, value: Bool, head: Int, position: Int) -> [Float]? {
        guard let source = address(slot: slot, group: group, value: value, head: head, position: position) else {
            return nil
        }
        switch precision {
        case .float32:
            return Array(UnsafeBufferPointer(start: source.assumingMemoryBound(to: Float.self), count: layout.headDim))
        case .float16:
            let halves = source.assumingMemoryBound(to: UInt16.self)
            return (0..<layout.headDim).map { mk_fp16_to_fp32(halves[$0]) }
        }
    }
}
