import Foundation

extension PipelineRun {
    /// Generates, parses and judges every unfinished sample (of any kind), many at once so the generator can
    /// batch them.
    func work() async throws {
        let pending = try ledger.samples(inStates: [.pending, .generated])
        guard !pending.isEmpty else { return }
        let seeds = Dictionary(uniqueKeysWithValues: try ledger.seeds().map { ($0.ordinal, $0) })
        let kinds = Set(pending.map(\.kind)).sorted().joined(separator: "+")
        progress.begin("generate+judge (\(kinds))", total: pending.count)
        let started = Date()
        try await forEachConcurrently(pending) { sample in
            guard let seed = seeds[sample.seedOrdinal] else {
                throw RefineryError.internal("sample \(sample.id) refers to a missing seed \(sample.seedOrdinal)")
            }
            let outcome = try await self.process(sample, seed: seed, task: try self.task(named: sample.task))
            self.progress.advance(counters: [outcome.passed ? "passed" : "rejected": 1])
        }
        progress.end()
        try ledger.addStageTime("generate+judge", seconds: Date().timeIntervalSince(started), items: pending.count)
    }

    /// Runs `body` over `items` with at most the backend's concurrency in flight.
    func forEachConcurrently<T: Sendable>(_ items: [T], _ body: @escaping @Sendable (T) async throws -> Void)
        async throws
    {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var iterator = items.makeIterator()
            for _ in 0..<max(1, backend.concurrency) {
                guard let item = iterator.next() else { break }
                group.addTask { try await body(item) }
            }
            while try await group.next() != nil {
                if let item = iterator.next() { group.addTask { try await body(item) } }
            }
        }
    }

    struct SampleOutcome: Sendable {
        var passed: Bool
    }

    /// One sample from prompt to judged: generation is stored first so a crash while judging does not regenerate.
    func process(_ sample: SampleRecord, seed: SeedRecord, task: TaskRuntime) async throws -> SampleOutcome {
        let parent = try sample.parentID.flatMap { try ledger.sample(id: $0) }
        let prompt: String
        let output: String
        if sample.state == .pending {
            let (rendered, reference) = try renderPrompt(for: sample, seed: seed, task: task, parent: parent)
            let request = GenerationRequest(prompt: rendered, sampling: task.config.sampling, seed: sample.samplingSeed)
            let generated: GenerationOutput
            do {
                generated = try await generateWithRetry(request)
            } catch let refusal as GenerationRefusal {
                try ledger.saveJudging(sampleID: sample.id, parsed: nil, recordID: nil, judgments: [], score: nil,
                                       rejection: ("generate", "generate:\(refusal.reason)", refusal.detail))
                return SampleOutcome(passed: false)
            }
            try ledger.saveGeneration(sampleID: sample.id, GenerationRecord(
                promptRef: reference, prompt: rendered, output: generated.text,
                finishReason: generated.finishReason.rawValue, promptTokens: generated.promptTokens,
                completionTokens: generated.completionTokens, seconds: generated.seconds))
            FaultInjection.point("after-generation")
            prompt = rendered
            output = generated.text
        } else {
            prompt = sample.prompt ?? ""
            output = sample.output ?? ""
        }
        return try await judge(sample, seed: seed, task: task, parent: parent, prompt: prompt, output: output)
    }

    /// The prompt for a sample of any kind and the reference of the template that rendered it.
    func renderPrompt(for sample: SampleRecord, seed: SeedRecord, task: TaskRuntime,
                      parent: SampleRecord?) throws -> (String, String) {
        switch sample.kind {
        case SampleKind.evolve:
            guard let template = task.evolveTemplate, let evolve = task.config.evolve, let parent,
                  let problem = parent.problem else {
                throw RefineryError.internal("evolve sample \(sample.id) has no template or parent problem")
            }
            let instruction = evolve.instructions[Int(sample.samplingSeed % UInt64(evolve.instructions.count))]
            return (try template.render(["instruction": instruction, "problem": problem]), template.reference)
        case SampleKind.repair:
            guard let template = task.repairTemplate, let parent else {
                throw RefineryError.internal("repair sample \(sample.id) has no template or parent")
            }
            var values = ["failure": parent.rejectDetail ?? parent.rejectReason ?? "", "problem": parent.problem ?? "",
                          "solution": parent.solution ?? ""]
            if template.variables.contains("tests") { values["tests"] = parent.tests ?? "" }
            return (try template.render(values), template.reference)
        default:
            return (try task.template.render(["passage": seed.text]), task.template.reference)
        }
    }

    private func judge(_ sample: SampleRecord, seed: SeedRecord, task: TaskRuntime, parent: SampleRecord?,
                       prompt: String, output: String) async throws -> SampleOutcome {
        let parsed: Result<ParsedFields, ParseFailure>
        if sample.kind == SampleKind.repair, let parent {
            parsed = task.support.parseSolution(output, for: ParsedFields(
                problem: parent.problem ?? "", solution: parent.solution ?? "", answer: parent.answer ?? "",
                tests: parent.tests ?? ""))
        } else {
            parsed = task.support.parseCompletion(output)
        }
        let fields: ParsedFields
        switch parsed {
        case .failure(let failure):
            try ledger.saveJudging(sampleID: sample.id, parsed: nil, recordID: nil, judgments: [], score: nil,
                                   rejection: ("parse", "parse:\(failure.reason)", failure.detail))
            return SampleOutcome(passed: false)
        case .success(let value):
            fields = value
        }
        let recordID = RecordBuilder.recordID(task: task.config.name, fields: fields)
        if sample.kind == SampleKind.evolve, let evolve = task.config.evolve, let parentProblem = parent?.problem {
            let similarity = TextSimilarity.jaccard(fields.problem, parentProblem)
            if similarity >= evolve.maxSimilarity {
                try ledger.saveJudging(
                    sampleID: sample.id, parsed: fields, recordID: recordID, judgments: [], score: nil,
                    rejection: ("evolve", "evolve:restates_parent",
                                String(format: "word 5-gram Jaccard %.2f with the parent problem (maximum %.2f)",
                                       similarity, evolve.maxSimilarity)))
                return SampleOutcome(passed: false)
            }
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
    func generateWithRetry(_ request: GenerationRequest) async throws -> GenerationOutput {
        var attempt = 0
        while true {
            do {
                return try await backend.generator.generate(request)
            } catch let error as RefineryError {
                throw error
            } catch let refusal as GenerationRefusal {
                throw refusal
            } catch {
                if attempt >= 2 { throw error }
                attempt += 1
                progress.log("generation failed (\(error)); retrying (\(attempt)/2)")
                try await Task.sleep(nanoseconds: UInt64(attempt) * 2_000_000_000)
            }
        }
    }
}

/// The kinds of samples in the ledger.
public enum SampleKind {
    public static let generate = "generate"
    public static let evolve = "evolve"
    public static let repair = "repair"
}
