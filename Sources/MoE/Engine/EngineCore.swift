import Foundation

/// The engine's shared state and step loop (see `InferenceEngine`). State shared with callers is guarded by
/// `condition`; the model, cache and forward context are touched only by the step thread.
final class EngineCore: @unchecked Sendable {
    let model: any LanguageModel
    let maxBatchTokens: Int
    let maxSequences: Int

    private let condition = NSCondition()
    private var pending: [EngineRequest] = []
    private var active: [EngineRequest] = []
    private var stopping = false
    private var stopped = false
    private var statistics = EngineStatistics()
    private var thread: Thread?

    // Step thread only.
    private let cache: KVCache
    private let context: ForwardContext

    init(model: any LanguageModel, threads: Int, maxBatchTokens: Int, maxSequences: Int, cacheTokens: Int,
         activations: ActivationPrecision, kvCache: KVCachePrecision) {
        self.model = model
        self.maxBatchTokens = maxBatchTokens
        self.maxSequences = maxSequences
        cache = KVCache(layout: model.cacheLayout, maxTokens: cacheTokens, maxPositions: model.contextLength,
                        precision: kvCache)
        context = ForwardContext(threads: threads, activations: activations)
        let thread = Thread { [self] in self.loop() }
        thread.name = "moe-engine"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    /// Most positions one sequence can hold: the context length, or the whole cache if that is smaller.
    var positionLimit: Int { min(model.contextLength, cache.maxPages * cache.pageSize) }

    func currentStatistics() -> EngineStatistics {
        condition.lock()
        defer { condition.unlock() }
        return statistics
    }

    // MARK: - Callers

    func submit(_ request: EngineRequest) async throws -> EngineRequest.Output {
        if let error = validate(request) { throw error }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<EngineRequest.Output, Error>) in
                condition.lock()
                if request.cancelled || stopping {
                    let error: Error = request.cancelled ? CancellationError() : EngineError.shutDown
                    condition.unlock()
                    continuation.resume(throwing: error)
                    return
                }
                request.continuation = continuation
                pending.append(request)
                condition.signal()
                condition.unlock()
            }
        } onCancel: {
            cancel(request)
        }
    }

    private func validate(_ request: EngineRequest) -> EngineError? {
        guard !request.prompt.isEmpty else { return .emptyPrompt }
        let vocabulary = model.vocabularySize
        for token in request.inputs where token < 0 || Int(token) >= vocabulary {
            return .tokenOutOfRange(token: token, vocabularySize: vocabulary)
        }
        if case .score(let continuation) = request.kind,
           let bad = continuation.first(where: { $0 < 0 || Int($0) >= vocabulary }) {
            return .tokenOutOfRange(token: bad, vocabularySize: vocabulary)
        }
        let limit = positionLimit
        if request.inputs.count > limit || (request.isGenerate && request.prompt.count >= limit) {
            return .tooLong(positions: request.inputs.count + (request.isGenerate ? 1 : 0), limit: limit)
        }
        return nil
    }

    private func cancel(_ request: EngineRequest) {
        condition.lock()
        request.cancelled = true
        var continuation: CheckedContinuation<EngineRequest.Output, Error>?
        if let index = pending.firstIndex(where: { $0 === request }) {
            pending.remove(at: index)
            continuation = request.continuation
            request.continuation = nil
        }
        condition.signal()
        condition.unlock()
        continuation?.resume(throwing: CancellationError())
    }

    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while !stopped && thread != nil { condition.wait() }
        condition.unlock()
    }

    // MARK: - Step loop

    private func loop() {
        while true {
            condition.lock()
            while !stopping && pending.isEmpty && active.isEmpty { condition.wait() }
            if stopping {
                let all = pending + active
                pending.removeAll()
                active.removeAll()
                let continuations = all.compactMap { takeContinuationLocked($0) }
                stopped = true
                condition.broadcast()
                condition.unlock()
                for request in all { if let slot = request.slot { cache.release(slot) } }
                for continuation in continuations { continuation.resume(throwing: EngineError.shutDown) }
                return
            }
            let cancelled = active.filter { $0.cancelled }
            active.removeAll { $0.cancelled }
            let cancelledContinuations = cancelled.compactMap { takeContinuationLocked($0) }
            admitLocked()
            let batchRequests = active
            condition.unlock()

            for request in cancelled { if let slot = request.slot { cache.release(slot) } }
            for continuation in cancelledContinuations { continuation.resume(throwing: CancellationError()) }
            if !batchRequests.isEmpty { step(batchRequests) }
        }
    }

    /// Moves waiting requests into the active set while slots and cache pages allow (FIFO).
    private func admitLocked() {
        while active.count < maxSequences, let request = pending.first {
            let pages = cache.pagesNeeded(positions: request.positions)
            guard pages <= cache.freePages else { break }
            pending.removeFirst()
            let slot = cache.newSequence()
            do {
                try cache.reserve(slot, positions: request.positions)
            } catch {
                cache.release(slot)
                if let continuation = takeContinuationLocked(request) {
                    continuation.resume(throwing: EngineError.forwardFailed("\(error)"))
                }
                continue
            }
            request.slot = slot
            request.admittedAt = Date()
            active.append(request)
        }
    }

    private func takeContinuationLocked(_ request: EngineRequest) -> CheckedContinuation<EngineRequest.Output, Error>? {
        let continuation = request.continuation
        request.continuation = nil
        return continuation
    }

    /// One forward step over the active requests, then sampling and completion.
    private func step(_ requests: [EngineRequest]) {
        var entries: [ForwardBatch.Entry] = []
        var owners: [(request: EngineRequest, chunkStart: Int, count: Int, rows: Int)] = []
        var budget = maxBatchTokens
        for request in requests where !request.isPrefilling {
            guard let slot = request.slot, let last = request.generated.last else { continue }
            entries.append(.init(slot: slot, tokens: [last], logitIndices: [0]))
            owners.append((request, request.fed, 1, 1))
            budget -= 1
        }
        var promptTokens = 0
        for request in requests where request.isPrefilling && budget > 0 {
            guard let slot = request.slot else { continue }
            let count = min(budget, request.inputs.count - request.fed)
            let indices = request.logitIndices(chunkStart: request.fed, count: count)
            entries.append(.init(slot: slot, tokens: Array(request.inputs[request.fed..<(request.fed + count)]),
                                 logitIndices: indices))
            owners.append((request, request.fed, count, indices.count))
            budget -= count
            promptTokens += count
        }
        guard !entries.isEmpty else { return }

        let started = Date()
        let output: ForwardOutput
        do {
            output = try model.forward(ForwardBatch(entries: entries), cache: cache, context: context)
        } catch {
            finish(owners.map(\.request), error: EngineError.forwardFailed("\(error)"))
            return
        }
        let elapsed = Date().timeIntervalSince(started)

        // Sampling (a softmax over the vocabulary per token) spread over the pool: each owner is a different request
        // with its own generator, so the tokens do not depend on which thread draws them.
        var firstRows: [Int] = []
        var row = 0
        for owner in owners {
            firstRows.append(row)
            row += owner.rows
        }
        var results = [EngineRequest.Output?](repeating: nil, count: owners.count)
        var generatedPerOwner = [Int](repeating: 0, count: owners.count)
        results.withUnsafeMutableBufferPointer { results in
            generatedPerOwner.withUnsafeMutableBufferPointer { generated in
                context.pool.run(owners.count) { index, _ in
                    let owner = owners[index]
                    owner.request.fed = owner.chunkStart + owner.count
                    let rows = (firstRows[index]..<(firstRows[index] + owner.rows)).map { output.row($0) }
                    results[index] = advance(owner.request, rows: rows, generatedTokens: &generated[index])
                }
            }
        }
        let done = zip(owners, results).compactMap { owner, result in result.map { (owner.request, $0) } }
        let generatedTokens = generatedPerOwner.reduce(0, +)

        condition.lock()
        statistics.steps += 1
        statistics.promptTokens += promptTokens
        statistics.generatedTokens += generatedTokens
        statistics.forwardSeconds += elapsed
        statistics.maxSequencesInStep = max(statistics.maxSequencesInStep, entries.count)
        statistics.kvCacheBytes = cache.allocatedBytes
        let finished = done.map { $0.0 }
        active.removeAll { request in finished.contains { $0 === request } }
        let continuations = done.map { (takeContinuationLocked($0.0), $0.1) }
        condition.unlock()
        for request in finished { if let slot = request.slot { cache.release(slot) } }
        for (continuation, result) in continuations { continuation?.resume(returning: result) }
    }

    /// Consumes a request's logits rows from this step; returns its output when it is finished.
    private func advance(_ request: EngineRequest, rows: [ArraySlice<Float>],
                         generatedTokens: inout Int) -> EngineRequest.Output? {
        switch request.kind {
        case .score(let continuation):
            for logits in rows {
                let index = request.scores.count
                guard index < continuation.count else { break }
                let token = Int(continuation[index])
                request.scores.append(logSoftmax(logits)[token])
            }
            return request.isPrefilling ? nil : .values(request.scores)
        case .distribution:
            guard !request.isPrefilling, let logits = rows.last else { return nil }
            return .values(logSoftmax(logits))
        case .generate(let parameters, let shouldStop):
            guard let logits = rows.last, var sampler = request.sampler else { return nil }
            let token = sampler.sample(logits: logits, history: request.prompt + request.generated)
            request.sampler = sampler
            if request.firstTokenAt == nil { request.firstTokenAt = Date() }
            var reason: GenerationResult.FinishReason?
            if parameters.stopTokenIDs.contains(token) {
                reason = .eos
            } else {
                request.generated.append(token)
                generatedTokens += 1
                if let shouldStop, shouldStop(request.generated) {
                    reason = .stop
                } else if request.generated.count >= parameters.maxTokens
                            || request.prompt.count + request.generated.count >= request.positions {
                    reason = .length
                }
            }
            guard let reason else { return nil }
            let now = Date()
            let first = request.firstTokenAt ?? now
            return .generation(GenerationResult(
                tokens: request.generated, finishReason: reason, promptTokens: request.prompt.count,
                promptSeconds: first.timeIntervalSince(request.admittedAt), decodeSeconds: now.timeIntervalSince(first)))
        }
    }

    private func finish(_ requests: [EngineRequest], error: Error) {
        condition.lock()
        active.removeAll { request in requests.contains { $0 === request } }
        let continuations = requests.compactMap { takeContinuationLocked($0) }
        condition.unlock()
        for request in requests { if let slot = request.slot { cache.release(slot) } }
        for continuation in continuations { continuation.resume(throwing: error) }
    }
}
