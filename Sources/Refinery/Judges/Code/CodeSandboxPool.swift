import Foundation

/// Bounds how many sandboxes run at once. The pipeline runs several judges concurrently; each sandbox is a few
/// processes with their own limits, so the pool keeps the machine from being oversubscribed. Waiting callers are
/// served in arrival order, and each run happens on its own thread, never on the cooperative pool.
public actor CodeSandboxPool {
    public nonisolated let sandbox: CodeSandbox
    public nonisolated let maxConcurrent: Int
    private var running = 0
    private var waiting: [CheckedContinuation<Void, Never>] = []

    /// `maxConcurrent` defaults to the number of active processors.
    public init(sandbox: CodeSandbox, maxConcurrent: Int? = nil) {
        self.sandbox = sandbox
        self.maxConcurrent = max(1, maxConcurrent ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Runs `program` once a slot is free. Throws `.cancelled` if the task is cancelled before it starts.
    public func run(_ program: CodeProgram, limits: CodeSandboxLimits = CodeSandboxLimits(),
                    minimumAssertions: Int = 3) async throws(CodeSandboxError) -> CodeRunResult {
        await acquire()
        defer { release() }
        if Task.isCancelled { throw .cancelled }
        let sandbox = self.sandbox
        let result: Result<CodeRunResult, CodeSandboxError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(CodeSandboxError) -> CodeRunResult in
                    try sandbox.run(program, limits: limits, minimumAssertions: minimumAssertions)
                })
            }
            thread.name = "refinery-code-sandbox"
            thread.start()
        }
        return try result.get()
    }

    /// A process-wide pool over the default sandbox, created on first use, so that every code judge of a run
    /// shares one bound. Throws `isolationUnavailable` (every time) when the sandbox cannot work here.
    public static func shared() throws(CodeSandboxError) -> CodeSandboxPool {
        try CodeSandboxSharedPool.instance.get()
    }

    /// Number of runs in progress.
    public var activeRuns: Int { running }

    private func acquire() async {
        if running < maxConcurrent {
            running += 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    private func release() {
        if waiting.isEmpty {
            running -= 1
        } else {
            waiting.removeFirst().resume()  // the slot passes directly to the next caller
        }
    }
}

/// Holder of `CodeSandboxPool.shared()`.
final class CodeSandboxSharedPool: @unchecked Sendable {
    static let instance = CodeSandboxSharedPool()
    private let lock = NSLock()
    private var pool: CodeSandboxPool?

    func get() throws(CodeSandboxError) -> CodeSandboxPool {
        lock.lock()
        defer { lock.unlock() }
        if let pool { return pool }
        let created = CodeSandboxPool(sandbox: try CodeSandbox())
        pool = created
        return created
    }
}
