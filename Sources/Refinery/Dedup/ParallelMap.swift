import Dispatch
import Foundation
import Synchronization

/// Order-preserving parallel map: element i of the result is `transform(i)` whatever the thread count, so results
/// never depend on scheduling.
enum ParallelMap {
    /// The number of threads to use when the caller says 0 ("all cores").
    static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    static func map<T: Sendable>(_ count: Int, threads: Int, _ transform: @Sendable (Int) -> T) -> [T] {
        let threads = threads <= 0 ? defaultThreads : threads
        if threads == 1 || count < 2 {
            return (0..<count).map(transform)
        }
        // A few chunks per thread balance uneven work; `threads` workers take chunks in turn, and each chunk's
        // results land in its own slot.
        let chunkCount = min(count, threads * 4)
        let slots = Slots<[T]>(count: chunkCount)
        let nextChunk = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: min(threads, chunkCount)) { _ in
            while true {
                let chunk = nextChunk.add(1, ordering: .relaxed).oldValue
                if chunk >= chunkCount { break }
                let start = count * chunk / chunkCount
                let end = count * (chunk + 1) / chunkCount
                slots.set(chunk, (start..<end).map(transform))
            }
        }
        return slots.values().flatMap { $0 }
    }

    /// Per-chunk results written by concurrent workers.
    final class Slots<Value: Sendable>: Sendable {
        private let storage: Mutex<[Value?]>

        init(count: Int) {
            storage = Mutex([Value?](repeating: nil, count: count))
        }

        func set(_ index: Int, _ value: Value) {
            storage.withLock { $0[index] = value }
        }

        func values() -> [Value] {
            storage.withLock { $0.compactMap { $0 } }
        }
    }
}
