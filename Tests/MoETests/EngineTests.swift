import XCTest
@testable import MoE

final class EngineTests: XCTestCase {
    static let model: HunyuanMoEModel? = try? TinyModelConfig().load()

    func loadModel() throws -> HunyuanMoEModel {
        try XCTUnwrap(Self.model, "tiny model failed to build")
    }

    /// Greedy decoding by hand through `forward`, one sequence.
    func manualGreedy(_ model: HunyuanMoEModel, prompt: [Int32], count: Int, activations: ActivationPrecision = .float,
                      kvCache: KVCachePrecision = .float32) throws -> [Int32] {
        let cache = KVCache(layout: model.cacheLayout, maxTokens: 128, maxPositions: model.contextLength,
                            precision: kvCache)
        let slot = cache.newSequence()
        let context = ForwardContext(threads: 1, activations: activations)
        var out = try model.forward(ForwardBatch(entries: [.init(slot: slot, tokens: prompt,
                                                                 logitIndices: [prompt.count - 1])]),
                                    cache: cache, context: context)
        var tokens: [Int32] = []
        for _ in 0..<count {
            let next = Int32(Sampler.argmax(Array(out.row(0))))
            tokens.append(next)
            out = try model.forward(ForwardBatch(entries: [.init(slot: slot, tokens: [next], logitIndices: [0])]),
                                    cache: cache, context: context)
        }
        return tokens
    }

    func testGreedyGenerationMatchesManualDecoding() async throws {
        let model = try loadModel()
        let prompt: [Int32] = [3, 14, 15, 9, 26, 5]
        for precision in KVCachePrecision.allCases {
            let engine = InferenceEngine(model: model, threads: 2, maxBatchTokens: 16, maxSequences: 4,
                                         activations: .float, kvCache: precision)
            let result = try await engine.generate(prompt: prompt, parameters: .greedy(maxTokens: 10))
            XCTAssertEqual(result.tokens, try manualGreedy(model, prompt: prompt, count: 10, kvCache: precision),
                           "\(precision)")
            XCTAssertEqual(result.finishReason, .length)
            XCTAssertEqual(result.promptTokens, prompt.count)
        }
    }

    /// The same request alone, in a batch of other requests (prefill and decode mixed, different chunking) and with
    /// different thread counts gives bit-identical logits and tokens.
    func testBatchInvariance() async throws {
        for precision in KVCachePrecision.allCases {
            try await checkBatchInvariance(try loadModel(), activations: .float, kvCache: precision)
        }
    }

    /// The int8 fast path keeps the same guarantee, for both integer kernel families (Q8_0 and the K-quants).
    func testBatchInvarianceWithInt8Activations() async throws {
        for type in [GGMLType.q8_0, .q4_K] {
            let model = try Self.quantizedModel(type)
            try await checkBatchInvariance(model, activations: .int8)
            let prompt: [Int32] = [3, 14, 15, 9, 26, 5]
            let engine = InferenceEngine(model: model, threads: 2, maxBatchTokens: 16, maxSequences: 4,
                                         activations: .int8)
            let result = try await engine.generate(prompt: prompt, parameters: .greedy(maxTokens: 10))
            XCTAssertEqual(result.tokens, try manualGreedy(model, prompt: prompt, count: 10, activations: .int8,
                                                           kvCache: .float16), "\(type)")
        }
    }

    /// Steps of more than `wholeExpertMaxRows` tokens run the experts product by product, smaller ones whole (one
    /// task per expert, or two half tasks each when there are few experts for the threads): the same sequences give
    /// the same bits every way (and whatever the thread count).
    func testWholeExpertAndPerProductStepsAgree() throws {
        var q8 = TinyModelConfig()
        q8.weightType = .q8_0
        (q8.expertLength, q8.sharedLength) = (64, 64)
        for (type, model) in [("q8_0", try q8.load()), ("q4_K", try Self.quantizedModel(.q4_K))] {
            let prompts: [[Int32]] = [(0..<40).map { Int32(($0 * 5 + 1) % 60) },
                                      (0..<40).map { Int32(($0 * 3 + 7) % 60) }]
            XCTAssertGreaterThan(prompts.joined().count, MixtureOfExpertsBlock.wholeExpertMaxRows)
            let hp = model.hyperparameters
            XCTAssertEqual(MixtureOfExpertsBlock.expertParts(
                experts: hp.expertUsedCount + 1, threads: 2,
                hiddenLengths: [hp.expertFeedForwardLength, hp.sharedFeedForwardLength]), 2, "split path not covered")
            enum Mode: CaseIterable { case together, separate, separateTwoThreads, tokenByToken }
            func logits(_ mode: Mode) throws -> [UInt32] {
                let cache = KVCache(layout: model.cacheLayout, maxTokens: 128, maxPositions: model.contextLength,
                                    precision: .float16)
                let context = ForwardContext(threads: mode == .separate ? 1 : 2, activations: .int8)
                context.splitExpertBytes = 0
                let entries = prompts.map { ForwardBatch.Entry(slot: cache.newSequence(), tokens: $0,
                                                               logitIndices: Array($0.indices)) }
                switch mode {
                case .together:
                    return try model.forward(ForwardBatch(entries: entries), cache: cache, context: context)
                        .logits.map(\.bitPattern)
                case .separate, .separateTwoThreads:
                    return try entries.flatMap { entry in
                        try model.forward(ForwardBatch(entries: [entry]), cache: cache, context: context).logits
                            .map(\.bitPattern)
                    }
                case .tokenByToken:
                    return try entries.flatMap { entry in
                        try entry.tokens.flatMap { token in
                            try model.forward(ForwardBatch(entries: [.init(slot: entry.slot, tokens: [token],
                                                                           logitIndices: [0])]),
                                              cache: cache, context: context).logits.map(\.bitPattern)
                        }
                    }
                }
            }
            let reference = try logits(.together)
            for mode in Mode.allCases.dropFirst() {
                let other = try logits(mode)
                XCTAssertEqual(reference.count, other.count)
                XCTAssertEqual(zip(reference, other).filter { $0 != $1 }.count, 0,
                               "\(type) \(mode): logits differ")
            }
        }
    }

    /// The int8 path's logits stay close to the exact path's (8-bit activations lose ~0.5% per product).
    func testInt8ActivationsStayCloseToFloat() throws {
        for type in [GGMLType.q8_0, .q4_K] {
            let model = try Self.quantizedModel(type)
            let prompt: [Int32] = [7, 1, 8, 2, 8, 1, 8, 2, 8, 40, 41, 42]
            var rows: [ActivationPrecision: [Float]] = [:]
            for precision in ActivationPrecision.allCases {
                let cache = KVCache(layout: model.cacheLayout, maxTokens: 64, maxPositions: model.contextLength)
                let out = try model.forward(
                    ForwardBatch(entries: [.init(slot: cache.newSequence(), tokens: prompt,
                                                 logitIndices: Array(prompt.indices))]),
                    cache: cache, context: ForwardContext(threads: 2, activations: precision))
                rows[precision] = out.logits
            }
            let exact = try XCTUnwrap(rows[.float]), fast = try XCTUnwrap(rows[.int8])
            XCTAssertNotEqual(exact, fast, "\(type): the int8 path should actually run")
            let scale = exact.map { abs($0) }.max() ?? 1
            let worst = zip(exact, fast).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst / scale, 0.03, "\(type): int8 logits drift \(worst) on a scale of \(scale)")
        }
    }

    static func quantizedModel(_ type: GGMLType) throws -> HunyuanMoEModel {
        var config = TinyModelConfig()
        config.weightType = type
        if type.blockSize == 256 {
            config.embedding = 256
            config.headDim = 64
            config.expertLength = 256
            config.sharedLength = 256
        }
        return try config.load()
    }

    func checkBatchInvariance(_ model: HunyuanMoEModel, activations: ActivationPrecision,
                              kvCache: KVCachePrecision = .float16) async throws {
        let prompt: [Int32] = [7, 1, 8, 2, 8, 1, 8, 2, 8]
        let sampling = SamplingParameters(temperature: 0.9, topP: 0.95, seed: 42, maxTokens: 12)

        let alone = InferenceEngine(model: model, threads: 1, maxBatchTokens: 64, maxSequences: 1,
                                    activations: activations, kvCache: kvCache)
        let aloneDistribution = try await alone.nextTokenLogProbabilities(prompt: prompt)
        let aloneTokens = try await alone.generate(prompt: prompt, parameters: sampling).tokens
        let aloneScores = try await alone.logProbabilities(prompt: prompt, continuation: aloneTokens)

        for (threads, batchTokens) in [(2, 5), (3, 64), (2, 16)] {
            let engine = InferenceEngine(model: model, threads: threads, maxBatchTokens: batchTokens, maxSequences: 8,
                                         activations: activations, kvCache: kvCache)
            async let others: [[Int32]] = withThrowingTaskGroup(of: [Int32].self) { group in
                for i in 0..<5 {
                    group.addTask {
                        let other = (0..<(3 + i * 4)).map { Int32(($0 * 7 + i) % 60) }
                        return try await engine.generate(
                            prompt: other, parameters: SamplingParameters(temperature: 1, seed: UInt64(i),
                                                                          maxTokens: 6 + i)).tokens
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            async let tokens = engine.generate(prompt: prompt, parameters: sampling).tokens
            async let distribution = engine.nextTokenLogProbabilities(prompt: prompt)
            async let scores = engine.logProbabilities(prompt: prompt, continuation: aloneTokens)
            let (t, d, s, o) = try await (tokens, distribution, scores, others)
            XCTAssertEqual(o.count, 5)
            XCTAssertEqual(t, aloneTokens, "threads \(threads), batch tokens \(batchTokens)")
            XCTAssertEqual(d.map(\.bitPattern), aloneDistribution.map(\.bitPattern))
            XCTAssertEqual(s.map(\.bitPattern), aloneScores.map(\.bitPattern))
            XCTAssertGreaterThan(engine.statistics.maxSequencesInStep, 1, "requests should have shared steps")
        }
    }

    /// Logits of one sequence computed by `forward` alone and inside batches with other sequences at other positions
    /// and with other thread counts are bit-identical.
    func testForwardLogitsAreBatchAndThreadInvariant() throws {
        let model = try loadModel()
        let tokens: [Int32] = [11, 22, 33, 44, 55]
        func logits(threads: Int, others: Int) throws -> [UInt32] {
            let cache = KVCache(layout: model.cacheLayout, maxTokens: 512, maxPositions: model.contextLength)
            let context = ForwardContext(threads: threads)
            var otherSlots: [Int] = []
            for i in 0..<others {
                let slot = cache.newSequence()
                _ = try model.forward(ForwardBatch(entries: [.init(slot: slot, tokens: [Int32(i), 3, 4],
                                                                   logitIndices: [])]),
                                      cache: cache, context: context)
                otherSlots.append(slot)
            }
            let slot = cache.newSequence()
            var entries = [ForwardBatch.Entry(slot: slot, tokens: tokens, logitIndices: Array(tokens.indices))]
            for (i, other) in otherSlots.enumerated() {
                let chunk = (0...(i % 3)).map { Int32(($0 + i) % 50) }
                entries.insert(.init(slot: other, tokens: chunk, logitIndices: [chunk.count - 1]), at: i % 2)
            }
            let output = try model.forward(ForwardBatch(entries: entries), cache: cache, context: context)
            let first = entries.firstIndex { $0.slot == slot } ?? 0
            let rowsBefore = entries[..<first].reduce(0) { $0 + $1.logitIndices.count }
            return (0..<tokens.count).flatMap { Array(output.row(rowsBefore + $0)).map(\.bitPattern) }
        }
        let reference = try logits(threads: 1, others: 0)
        XCTAssertEqual(try logits(threads: 2, others: 0), reference)
        XCTAssertEqual(try logits(threads: 2, others: 5), reference)
        XCTAssertEqual(try logits(threads: 3, others: 2), reference)
    }

    func testLogProbabilitiesMatchForwardLogits() async throws {
        let model = try loadModel()
        let engine = InferenceEngine(model: model, threads: 2, maxBatchTokens: 4, maxSequences: 2, kvCache: .float32)
        let prompt: [Int32] = [5, 6, 7]
        let continuation: [Int32] = [8, 9, 10, 11]
        let scores = try await engine.logProbabilities(prompt: prompt, continuation: continuation)
        let all = prompt + continuation
        let cache = KVCache(layout: model.cacheLayout, maxTokens: 64, maxPositions: 64)
        let slot = cache.newSequence()
        let output = try model.forward(ForwardBatch(entries: [.init(slot: slot, tokens: all,
                                                                    logitIndices: Array(all.indices))]),
                                       cache: cache, context: ForwardContext(threads: 1))
        XCTAssertEqual(scores.count, continuation.count)
        for (j, token) in continuation.enumerated() {
            let expected = logSoftmax(output.row(prompt.count - 1 + j))[Int(token)]
            XCTAssertEqual(scores[j], expected, accuracy: 1e-5)
            XCTAssertLessThan(scores[j], 0)
        }
        let distribution = try await engine.nextTokenLogProbabilities(prompt: prompt)
        XCTAssertEqual(distribution.count, model.vocabularySize)
        XCTAssertEqual(distribution.reduce(0.0) { $0 + exp(Double($1)) }, 1, accuracy: 1e-4)
        XCTAssertEqual(distribution[8], scores[0], accuracy: 1e-6)
    }

    func testSeededSamplingIsReproducibleAndSeedDependent() async throws {
        let model = try loadModel()
        let engine = InferenceEngine(model: model, threads: 2, maxBatchTokens: 32, maxSequences: 4)
        let prompt: [Int32] = [1, 2, 3]
        var outputs: [[Int32]] = []
        for seed in [1, 1, 2, 3] as [UInt64] {
            let parameters = SamplingParameters(temperature: 1.5, seed: seed, maxTokens: 16)
            outputs.append(try await engine.generate(prompt: prompt, parameters: parameters).tokens)
        }
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertTrue(outputs[2] != outputs[0] || outputs[3] != outputs[0], "different seeds should differ")
    }

    func testStopConditions() async throws {
        let model = try loadModel()
        let engine = InferenceEngine(model: model, threads: 2, maxBatchTokens: 32, maxSequences: 4)
        let prompt: [Int32] = [9, 8, 7]
        let greedy = try await engine.generate(prompt: prompt, parameters: .greedy(maxTokens: 6))
        XCTAssertEqual(greedy.tokens.count, 6)
        XCTAssertEqual(greedy.finishReason, .length)

        let eos = try await engine.generate(prompt: prompt,
                                            parameters: .greedy(maxTokens: 6, stopTokenIDs: [greedy.tokens[2]]))
        XCTAssertEqual(eos.finishReason, .eos)
        XCTAssertEqual(eos.tokens, Array(greedy.tokens.prefix(while: { $0 != greedy.tokens[2] })))

        let stopped = try await engine.generate(prompt: prompt, parameters: .greedy(maxTokens: 6),
                                                shouldStop: { $0.count == 4 })
        XCTAssertEqual(stopped.finishReason, .stop)
        XCTAssertEqual(stopped.tokens, Array(greedy.tokens.prefix(4)))

        let none = try await engine.generate(prompt: prompt, parameters: .greedy(maxTokens: 0))
        XCTAssertEqual(none.tokens, [])
    }

    func testInvalidRequestsAreRejected() async throws {
        let model = try loadModel()
        let engine = InferenceEngine(model: model, threads: 1, maxBatchTokens: 32, maxSequences: 2)
        await assertThrows(EngineError.emptyPrompt) { _ = try await engine.generate(prompt: [], parameters: .greedy()) }
        await assertThrows(EngineError.tokenOutOfRange(token: 999, vocabularySize: 64)) {
            _ = try await engine.nextTokenLogProbabilities(prompt: [1, 999])
        }
        let long = [Int32](repeating: 1, count: model.contextLength + 1)
        do {
            _ = try await engine.nextTokenLogProbabilities(prompt: long)
            XCTFail("expected tooLong")
        } catch let error as EngineError {
            guard case .tooLong = error else { return XCTFail("\(error)") }
        }
        // Generation stops at the context length.
        let nearlyFull = [Int32](repeating: 2, count: model.contextLength - 3)
        let result = try await engine.generate(prompt: nearlyFull, parameters: .greedy(maxTokens: 50))
        XCTAssertEqual(result.finishReason, .length)
        XCTAssertLessThanOrEqual(nearlyFull.count + result.tokens.count, model.contextLength)
    }

    func testCancellationFreesTheRequestAndTheEngineKeepsServing() async throws {
        let model = try loadModel()
        let engine = InferenceEngine(model: model, threads: 2, maxBatchTokens: 8, maxSequences: 1, cacheTokens: 64)
        let long = Task {
            try await engine.generate(prompt: [1, 2, 3], parameters: SamplingParameters(seed: 5, maxTokens: 60))
        }
        let queued = Task { try await engine.generate(prompt: [4, 5], parameters: .greedy(maxTokens: 4)) }
        try await Task.sleep(nanoseconds: 2_000_000)
        long.cancel()
        do {
            let result = try await long.value
            XCTAssertEqual(result.tokens.count, 60, "finished before the cancel arrived")
        } catch {
            XCTAssertTrue(error is CancellationError, "\(error)")
        }
        let after = try await queued.value
        XCTAssertEqual(after.tokens.count, 4)
    }

    /// A cache that holds only two sequences at a time still serves many requests (pages are reused).
    func testCacheMemoryIsBoundedAndReused() async throws {
        let model = try loadModel()
        let engine = InferenceEngine(model: model, threads: 2, maxBatchTokens: 32, maxSequences: 8, cacheTokens: 64)
        let results = try await withThrowingTaskGroup(of: Int.self) { group in
            for i in 0..<12 {
                group.addTask {
                    try await engine.generate(prompt: [Int32(i), 1, 2, 3],
                                              parameters: .greedy(maxTokens: 20)).tokens.count
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        XCTAssertEqual(results, [Int](repeating: 20, count: 12))
    }

    func testShutdownFailsWaitingRequests() async throws {
        let model = try loadModel()
        let engine = InferenceEngine(model: model, threads: 1, maxBatchTokens: 8, maxSequences: 1)
        engine.shutdown()
        await assertThrows(EngineError.shutDown) { _ = try await engine.generate(prompt: [1], parameters: .greedy()) }
    }

    func assertThrows<E: Error & Equatable>(_ expected: E, _ body: () async throws -> Void,
                                            file: StaticString = #filePath, line: UInt = #line) async {
        do {
            try await body()
            XCTFail("expected \(expected)", file: file, line: line)
        } catch let error as E {
            XCTAssertEqual(error, expected, file: file, line: line)
        } catch {
            XCTFail("unexpected \(error)", file: file, line: line)
        }
    }
}
