import Foundation

extension PipelineRun {
    /// Deletes shard files the ledger never recorded (a crash between rename and commit) and stray temp files.
    func recoverShards() throws {
        let known = Set(try ledger.shards().map(\.file))
        let removed = try ShardWriter.removeUnknownFiles(in: shardsDirectory, known: known)
        if !removed.isEmpty {
            try ledger.recordEvent("recover", "removed uncommitted shard files: \(removed.joined(separator: ", "))")
            progress.log("recovered: removed \(removed.count) uncommitted shard file(s)")
        }
    }

    /// Chooses which judged samples are kept, deterministically: candidates are ranked by score (then record id,
    /// then sample id) and taken in that order. A candidate is rejected when it duplicates a record already taken,
    /// exactly or by MinHash near-duplicate search (`duplicate_of:<id>`), shares n-grams with a benchmark
    /// (`contaminated:<file>`), or breaks a diversity cap (`diversity:per_seed`, `diversity:per_source`,
    /// `diversity:too_similar`). Samples kept or shipped by an earlier selection stay and count first.
    func select() throws {
        let judged = try ledger.samples(inStates: [.judged])
        guard !judged.isEmpty else { return }
        let started = Date()
        let seeds = Dictionary(uniqueKeysWithValues: try ledger.seeds().map { ($0.ordinal, $0) })
        let fixed = try ledger.samples(inStates: [.kept, .accepted])
        var selection = try Selection(config: config, seeds: seeds)
        for sample in fixed { try selection.take(sample) }
        let ranked = judged.sorted {
            if ($0.score ?? 0) != ($1.score ?? 0) { return ($0.score ?? 0) > ($1.score ?? 0) }
            if ($0.recordID ?? "") != ($1.recordID ?? "") { return ($0.recordID ?? "") < ($1.recordID ?? "") }
            return $0.id < $1.id
        }
        var kept: [(id: Int64, cluster: String?)] = []
        var rejected: [(id: Int64, stage: String, reason: String, detail: String, cluster: String?)] = []
        for sample in ranked {
            if let verdict = try selection.rejection(for: sample) {
                rejected.append((sample.id, verdict.stage, verdict.reason, verdict.detail, verdict.cluster))
            } else {
                try selection.take(sample)
                kept.append((sample.id, sample.recordID))
            }
        }
        try ledger.saveSelection(kept: kept, rejected: rejected)
        try ledger.addStageTime("select", seconds: Date().timeIntervalSince(started), items: judged.count)
        try ledger.recordEvent("select", "\(kept.count) kept, \(rejected.count) rejected")
    }

    /// Writes every kept sample into shards, in canonical order, committing each shard with its samples.
    func writeShards() throws {
        let kept = try ledger.samples(inStates: [.kept])
        guard !kept.isEmpty else { return }
        let started = Date()
        progress.begin("write", total: kept.count)
        let seeds = Dictionary(uniqueKeysWithValues: try ledger.seeds().map { ($0.ordinal, $0) })
        let judgments = try ledger.allJudgments()
        let builder = RecordBuilder(runID: runID, modelIdentity: modelIdentity, tasks: tasks.map(\.config))
        let start = (try ledger.shards().map(\.id).max() ?? -1) + 1
        let ledger = self.ledger
        let progress = self.progress
        let writer = try ShardWriter(
            directory: shardsDirectory, maxBytes: config.output.shardBytes, level: config.output.zstdLevel,
            startIndex: start
        ) { shard, sampleIDs in
            try ledger.commitShard(shard, sampleIDs: sampleIDs)
            progress.advance(by: sampleIDs.count)
        }
        for sample in kept {
            guard let seed = seeds[sample.seedOrdinal] else {
                throw RefineryError.internal("sample \(sample.id) refers to a missing seed")
            }
            let parent = try sample.parentID.flatMap { try ledger.sample(id: $0) }
            let solves = try ledger.solves(sampleID: sample.id).map(\.solved)
            let record = try builder.record(sample: sample, seed: seed, judgments: judgments[sample.id] ?? [],
                                            parent: parent, solves: solves)
            try writer.append(line: record.serialized(), sampleID: sample.id)
        }
        try writer.finish()
        progress.end()
        try ledger.addStageTime("write", seconds: Date().timeIntervalSince(started), items: kept.count)
    }

    /// Writes `manifest.json` from the ledger, atomically, after every shard is committed.
    func writeManifest() throws {
        let shards = try ledger.shards()
        let counts = try ledger.stateCounts()
        var funnel: [(String, JSONValue)] = [("seeds", .int(try ledger.seedCount()))]
        funnel.append(("samples", .int(counts.values.reduce(0, +))))
        for state in SampleState.allCases { funnel.append((state.rawValue, .int(counts[state] ?? 0))) }
        let reasons = try ledger.rejectionReasons().map { JSONValue.object([("reason", .string($0.reason)), ("count", .int($0.count))]) }
        let manifest = Manifest(
            kind: "run", runID: runID, configHash: configHash, model: modelIdentity, created: Timestamp.now(),
            shards: shards.map { Manifest.Shard(file: "shards/\($0.file)", records: $0.records, bytes: $0.bytes,
                                                sha256: $0.sha256) },
            extra: [("funnel", .object(funnel)), ("rejections", .array(reasons)),
                    ("quarantined_inputs", .int(try ledger.quarantined().count))])
        try manifest.write(to: manifestURL)
    }
}
