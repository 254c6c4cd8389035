import MoEKernels

/// A persistent pool of kernel threads (C, spin-then-sleep), created once per engine. `run` executes a task body
/// for indices 0..<n on all threads and returns when every task is done; the calling thread takes part.
/// Only one `run` executes at a time.
public final class WorkerPool: @unchecked Sendable {
    private let pool: OpaquePointer?
    public let threads: Int

    /// A pool of `threads` threads in total (the caller counts as one). If threads cannot be created, everything
    /// runs on the caller.
    public init(threads: Int) {
        let n = Int32(clamping: max(1, threads))
        pool = n > 1 ? mk_pool_create(n) : nil
        self.threads = pool == nil ? 1 : Int(n)
    }

    deinit {
        if let pool { mk_pool_destroy(pool) }
    }

    /// Calls `body(task, thread)` for every task in 0..<count, spread over the pool.
    func run(_ count: Int, _ body: (Int, Int) -> Void) {
        guard count > 0 else { return }
        guard let pool, count > 1 else {
            for task in 0..<count { body(task, 0) }
            return
        }
        withoutActuallyEscaping(body) { escapable in
            let box = TaskBox(escapable)
            let context = Unmanaged.passUnretained(box).toOpaque()
            mk_pool_run(pool, Int64(count), { ctx, task, thread in
                let box = Unmanaged<TaskBox>.fromOpaque(ctx!).takeUnretainedValue()
                box.body(Int(task), Int(thread))
            }, context)
            withExtendedLifetime(box) {}
        }
    }
}

/// Counters through which a task of one `WorkerPool.run` waits for earlier tasks of the same run: tasks are claimed
/// in index order, so the awaited ones are already running or done and the wait cannot deadlock.
final class TaskSignals: @unchecked Sendable {  // the counters are only touched atomically (release / acquire)
    private let counters: UnsafeMutablePointer<Int32>

    init(count: Int) {
        counters = .allocate(capacity: max(1, count))
        counters.initialize(repeating: 0, count: max(1, count))
    }

    deinit { counters.deallocate() }

    /// Counts one more finished task for `index`.
    func signal(_ index: Int) { mk_signal_add(counters + index) }

    /// Returns once `index` has been signalled `times` times.
    func wait(_ index: Int, times: Int) { mk_signal_wait(counters + index, Int32(times)) }
}

private final class TaskBox {
    let body: (Int, Int) -> Void
    init(_ body: @escaping (Int, Int) -> Void) { self.body = body }
}
