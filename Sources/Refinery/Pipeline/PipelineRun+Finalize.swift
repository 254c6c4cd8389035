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

    /// Chooses which judged samples are kept: one per exact duplicate group (highest score, then smallest
    /// sample id); samples duplicating a record already kept or shipped are rejected as `duplicate_of:<id>`.
    func select() throws {
        let judged = try ledger.samples(inStates: [.judged])
        guard !judged.isEmpty else { return }
        let started = Date()
        let fixed = try ledger.samples(inStates: [.kept, .accepted])
        var owner: [String: Int64] = [:]
        for sample in fixed { if let id = sample.recordID { owner[id] = sample.id } }
        let ranked = judged.sorted {
            if ($0.score ?? 0) != ($1.score ?? 0) { return ($0.score ?? 0) > ($1.score ?? 0) }
            if ($0.recordID ?? "") != ($1.recordID ?? "") { return ($0.recordID ?? "") < ($1.recordID ?? "") }
            return $0.id < $1.id
        }
        var kept: [(id: Int64, cluster: String?)] = []
        var rejected: [(id: Int64, stage: String, reason: String, detail: String, cluster: String?)] = []
        for sample in ranked {
            guard let recordID = sample.recordID else { continue }
            if config.dedup.exact, let keeper = owner[recordID] {
                rejected.append((sample.id, "dedup", "duplicate_of:\(recordID)",
                                 "same normalized content as sample \(keeper)", recordID))
                continue
            }
            owner[recordID] = sample.id
            kept.append((sample.id, nil))
        }
        try ledger.saveSelection(kept: kept, rejected: rejected)
        try ledger.addStageTime("select", seconds: Date().timeIntervalSince(started), items: judged.count)
        try ledger.recordEvent("select", "\(kept.count) kept, \(rejected.count) rejected as duplicates")
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
        var parentRecords: [Int64: String] = [:]
        for sample in kept {
            guard let seed = seeds[sample.seedOrdinal] else {
                throw RefineryError.internal("sample \(sample.id) refers to a missing seed")
            }
            var parentRecordID: String?
            if let parent = sample.parentID {
                if parentRecords[parent] == nil { parentRecords[parent] = try ledger.sample(id: parent)?.recordID }
                parentRecordID = parentRecords[parent]
            }
            let record = try builder.record(sample: sample, seed: seed, judgments: judgments[sample.id] ?? [],
                                            parentRecordID: parentRecordID)
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
