import Foundation

extension PipelineRun {
    /// Generates, parses and judges every unfinished sample, many at once so the generator can batch them.
    func work() async throws {
        let pending = try ledger.samples(inStates: [.pending, .generated])
        guard !pending.isEmpty else { return }
        let seeds = Dictionary(uniqueKeysWithValues: try ledger.seeds().map { ($0.ordinal, $0) })
        progress.begin("generate+judge", total: pending.count)
        let started = Date()
        let concurrency = max(1, backend.concurrency)
        try await withThrowingTaskGroup(of: SampleOutcome.self) { group in
            var iterator = pending.makeIterator()
            func addNext() throws {
                guard let sample = iterator.next() else { return }
                guard let seed = seeds[sample.seedOrdinal] else {
                    throw RefineryError.internal("sample \(sample.id) refers to a missing seed \(sample.seedOrdinal)")
                }
                let task = try self.task(named: sample.task)
                group.addTask { try await self.process(sample, seed: seed, task: task) }
            }
            for _ in 0..<concurrency { try addNext() }
            while let outcome = try await group.next() {
                progress.advance(counters: [outcome.passed ? "passed" : "rejected": 1])
                try addNext()
            }
        }
        progress.end()
        try ledger.addStageTime("generate+judge", seconds: Date().timeIntervalSince(started), items: pending.count)
    }

    struct SampleOutcome: Sendable {
        var passed: Bool
    }

    /// One sample from prompt to judged: generation is stored first so a crash while judging does not regenerate.
    func process(_ sample: SampleRecord, seed: SeedRecord, task: TaskRuntime) async throws -> SampleOutcome {
        let prompt: String
        let output: String
        if sample.state == .pending {
            prompt = try task.template.render(["passage": seed.text])
            let request = GenerationRequest(prompt: prompt, sampling: task.config.sampling, seed: sample.samplingSeed)
            let generated = try await generateWithRetry(request)
            try ledger.saveGeneration(sampleID: sample.id, GenerationRecord(
                promptRef: task.template.reference, prompt: prompt, output: generated.text,
                finishReason: generated.finishReason.rawValue, promptTokens: generated.promptTokens,
                completionTokens: generated.completionTokens, seconds: generated.seconds))
            FaultInjection.point("after-generation")
            output = generated.text
        } else {
            prompt = sample.prompt ?? ""
            output = sample.output ?? ""
        }
        return try await judge(sample, seed: seed, task: task, prompt: prompt, output: output)
    }

    private func judge(_ sample: SampleRecord, seed: SeedRecord, task: TaskRuntime, prompt: String,
                       output: String) async throws -> SampleOutcome {
        let fields: ParsedFields
        switch task.parser.parse(output) {
        case .failure(let failure):
            try ledger.saveJudging(sampleID: sample.id, parsed: nil, recordID: nil, judgments: [], score: nil,
                                   rejection: ("parse", "parse:\(failure.reason)", failure.detail))
            return SampleOutcome(passed: false)
        case .success(let parsed):
            fields = parsed
        }
        let input = JudgeInput(task: task.config, seed: seed, prompt: prompt, completion: output, fields: fields)
        var judgments: [Judgment] = []
        var firstFailure: Judgment?
        for judge in task.judges {
            let judgment: Judgment
            do {
                judgment = try await judge.judge(input)
            } catch let error as RefineryError where error.kind != .internal {
                throw error
            } catch {
                judgment = Judgment(judge: judge.name, version: judge.version, passed: false,
                                    reason: "judge_error", detail: "\(error)")
            }
            judgments.append(judgment)
            if !judgment.passed && firstFailure == nil {
                firstFailure = judgment
                if !config.runAllJudges { break }
            }
        }
        let recordID = RecordBuilder.recordID(task: task.config.name, fields: fields)
        let rejection = firstFailure.map { (stage: "judge:\($0.judge)", reason: "\($0.judge):\($0.reason)",
                                            detail: $0.detail) }
        try ledger.saveJudging(sampleID: sample.id, parsed: fields, recordID: recordID, judgments: judgments,
                               score: Self.score(of: judgments), rejection: rejection)
        FaultInjection.point("after-judging")
        return SampleOutcome(passed: firstFailure == nil)
    }

    /// The sample's score for choosing among duplicates: the rubric score when there is one, else the share of
    /// judges passed.
    static func score(of judgments: [Judgment]) -> Double {
        if let rubric = judgments.first(where: { $0.judge == "rubric" }), let score = rubric.score { return score }
        guard !judgments.isEmpty else { return 0 }
        return Double(judgments.filter(\.passed).count) / Double(judgments.count)
    }

    /// Remote backends fail transiently; three attempts with backoff, then the error ends the run (resumable).
    private func generateWithRetry(_ request: GenerationRequest) async throws -> GenerationOutput {
        var attempt = 0
        while true {
            do {
                return try await backend.generator.generate(request)
            } catch let error as RefineryError where error.kind == .internal || attempt >= 2 {
                throw error
            } catch {
                if attempt >= 2 { throw error }
                attempt += 1
                progress.log("generation failed (\(error)); retrying (\(attempt)/2)")
                try await Task.sleep(nanoseconds: UInt64(attempt) * 2_000_000_000)
            }
        }
    }
}
