/// A growable, 64-byte aligned scratch array of floats owned by one forward context. Kernel code reads and writes
/// it through its pointer; it is never shared between concurrently running steps.
final class FloatBuffer {
    private(set) var pointer: UnsafeMutablePointer<Float>
    private(set) var capacity: Int

    init(capacity: Int = 0) {
        self.capacity = max(capacity, 16)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: self.capacity * 4, alignment: 64)
        pointer = raw.bindMemory(to: Float.self, capacity: self.capacity)
        pointer.initialize(repeating: 0, count: self.capacity)
    }

    /// Ensures room for `count` floats (contents are not preserved when it grows) and returns the pointer.
    @discardableResult
    func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
        if count > capacity {
            pointer.deallocate()
            capacity = max(count, capacity * 3 / 2)
            let raw = UnsafeMutableRawPointer.allocate(byteCount: capacity * 4, alignment: 64)
            pointer = raw.bindMemory(to: Float.self, capacity: capacity)
            pointer.initialize(repeating: 0, count: capacity)
        }
        return pointer
    }

    func zero(_ count: Int) {
        reserve(count).update(repeating: 0, count: count)
    }

    /// A copy of the first `count` floats.
    func array(_ count: Int, from offset: Int = 0) -> [Float] {
        Array(UnsafeBufferPointer(start: pointer + offset, count: count))
    }

    deinit {
        pointer.deallocate()
    }
}
