import Foundation

extension PipelineRun {
    /// Verifier rejections a repair prompt can address.
    static let repairableStages: Set<String> = ["judge:math_answer", "judge:code_tests"]

    /// Plans the next repairs (for samples a verifier rejected) and evolutions (for samples that passed every
    /// judge), returning how many new samples were added. Planning is idempotent and depends only on the ledger.
    func planFollowUps() throws -> Int {
        var planned: [PlannedSample] = []
        let seeds = Dictionary(uniqueKeysWithValues: try ledger.seeds().map { ($0.ordinal, $0.id) })
        for task in tasks {
            let name = task.config.name
            if let repair = task.config.repair, repair.attempts > 0 {
                for sample in try ledger.samples(task: name, states: [.rejected])
                where Self.repairableStages.contains(sample.rejectStage ?? "") && sample.problem != nil {
                    let attempt = sample.kind == SampleKind.repair ? sample.attempt + 1 : 1
                    guard attempt <= repair.attempts, let seedID = seeds[sample.seedOrdinal] else { continue }
                    planned.append(PlannedSample(
                        seedOrdinal: sample.seedOrdinal, task: name, sampleIndex: sample.sampleIndex,
                        kind: SampleKind.repair, round: sample.round, attempt: attempt, parentID: sample.id,
                        samplingSeed: samplingSeed(seedID: seedID, task: name, index: sample.sampleIndex,
                                                   kind: SampleKind.repair, round: sample.round, attempt: attempt)))
                }
            }
            if let evolve = task.config.evolve, evolve.rounds > 0 {
                for sample in try ledger.samples(task: name, states: [.judged, .kept, .accepted])
                where sample.round < evolve.rounds {
                    guard let seedID = seeds[sample.seedOrdinal] else { continue }
                    let round = sample.round + 1
                    planned.append(PlannedSample(
                        seedOrdinal: sample.seedOrdinal, task: name, sampleIndex: sample.sampleIndex,
                        kind: SampleKind.evolve, round: round, attempt: 0, parentID: sample.id,
                        samplingSeed: samplingSeed(seedID: seedID, task: name, index: sample.sampleIndex,
                                                   kind: SampleKind.evolve, round: round)))
                }
            }
        }
        let added = try ledger.plan(planned)
        if added > 0 { try ledger.recordEvent("plan", "\(added) repair/evolve samples planned") }
        return added
    }

    /// Solves every judged problem `attempts` times with fresh solutions and stores the solve rate as its
    /// difficulty; samples outside the task's solve-rate window are rejected (`difficulty:too_easy`/`unsolved`).
    func labelDifficulty() async throws {
        var jobs: [(sample: SampleRecord, task: TaskRuntime, attempt: Int)] = []
        var unlabeled: [SampleRecord] = []
        for task in tasks {
            guard let difficulty = task.config.difficulty, task.solveTemplate != nil else { continue }
            for sample in try ledger.samples(task: task.config.name, states: [.judged]) where sample.difficulty == nil {
                unlabeled.append(sample)
                let done = Set(try ledger.solves(sampleID: sample.id).map(\.attempt))
                for attempt in 0..<difficulty.attempts where !done.contains(attempt) {
                    jobs.append((sample, task, attempt))
                }
            }
        }
        guard !unlabeled.isEmpty else { return }
        let started = Date()
        let seeds = Dictionary(uniqueKeysWithValues: try ledger.seeds().map { ($0.ordinal, $0.id) })
        if !jobs.isEmpty {
            progress.begin("difficulty", total: jobs.count)
            try await forEachConcurrently(jobs.map { Job(sample: $0.sample, task: $0.task, attempt: $0.attempt) }) { job in
                try await self.solve(job, seedID: seeds[job.sample.seedOrdinal] ?? "")
                self.progress.advance()
            }
            progress.end()
        }
        var rejected: [(id: Int64, stage: String, reason: String, detail: String, cluster: String?)] = []
        var labels: [(Int64, Double)] = []
        for sample in unlabeled {
            guard let difficulty = try task(named: sample.task).config.difficulty else { continue }
            let solves = try ledger.solves(sampleID: sample.id)
            let rate = Double(solves.filter(\.solved).count) / Double(max(1, solves.count))
            labels.append((sample.id, rate))
            let detail = String(format: "solved %d of %d fresh attempts", solves.filter(\.solved).count, solves.count)
            if rate > difficulty.maxSolveRate {
                rejected.append((sample.id, "difficulty", "difficulty:too_easy", detail, nil))
            } else if rate < difficulty.minSolveRate {
                rejected.append((sample.id, "difficulty", "difficulty:unsolved", detail, nil))
            }
        }
        try ledger.saveDifficulty(labels)
        try ledger.saveSelection(kept: [], rejected: rejected, fromStates: [.judged])
        try ledger.addStageTime("difficulty", seconds: Date().timeIntervalSince(started), items: jobs.count)
    }

    struct Job: Sendable {
        var sample: SampleRecord
        var task: TaskRuntime
        var attempt: Int
    }

    private func solve(_ job: Job, seedID: String) async throws {
        guard let template = job.task.solveTemplate, let difficulty = job.task.config.difficulty,
              let problem = job.sample.problem else { return }
        let reference = ParsedFields(problem: problem, solution: job.sample.solution ?? "",
                                     answer: job.sample.answer ?? "", tests: job.sample.tests ?? "")
        let sample = job.sample
        let seed = Hashing.seed53("\(configHash)|\(seedID)|\(sample.task)|\(sample.sampleIndex)|\(sample.kind)|"
                                  + "\(sample.round)|\(sample.attempt)|solve|\(job.attempt)")
        let prompt = try template.render(["problem": problem])
        let output: GenerationOutput
        do {
            output = try await generateWithRetry(GenerationRequest(prompt: prompt, sampling: difficulty.sampling, seed: seed))
        } catch let refusal as GenerationRefusal {
            try ledger.saveSolve(sampleID: job.sample.id, attempt: job.attempt, samplingSeed: seed, output: "",
                                 solved: false, detail: "generate:\(refusal.reason)")
            return
        }
        var solved = false
        var detail = ""
        switch job.task.support.parseSolution(output.text, for: reference) {
        case .success(let attempt):
            solved = try await job.task.support.solves(attempt, reference: reference)
            detail = solved ? "solved" : "wrong"
        case .failure(let failure):
            detail = "parse:\(failure.reason)"
        }
        try ledger.saveSolve(sampleID: job.sample.id, attempt: job.attempt, samplingSeed: seed, output: output.text,
                             solved: solved, detail: detail)
    }
}
