import Foundation

extension PipelineRun {
    /// Reads the corpora into seeds, up to the limit. Idempotent: seeds already in the ledger keep their ordinals,
    /// and a larger limit on resume adds the next seeds in the same deterministic order.
    func acquire() throws {
        let have = try ledger.seedCount()
        let acquiredAll = try ledger.info("acquired_all") == "true"
        if let limit = seedLimit, have >= limit { return }
        if seedLimit == nil && acquiredAll { return }
        let started = Date()
        progress.log("acquire: reading \(config.seeds.corpus.count) corpus path(s)")
        let root = displayRoot()
        let reader = CorpusReader(textField: config.seeds.textField, excludedNames: Set(config.seeds.exclude),
                                  displayRoot: root)
        let chunker = Chunker(minCharacters: config.seeds.minCharacters, maxCharacters: config.seeds.maxCharacters)
        let files = try reader.files(in: config.seeds.corpus.map { URL(fileURLWithPath: $0) })
        var seeds: [SeedRecord] = []
        var seenIDs = Set<String>()
        var sources: [(path: String, documents: Int, chunks: Int, dropped: Int, quarantined: Int)] = []
        var quarantine: [QuarantinedInput] = []
        var full = false
        for file in files {
            var entry = (path: reader.displayName(file), documents: 0, chunks: 0, dropped: 0, quarantined: 0)
            if !full {
                try reader.read(file: file, document: { document in
                    entry.documents += 1
                    let (chunks, dropped) = chunker.chunks(of: document.text, markdown: document.isMarkdown)
                    entry.dropped += dropped
                    for chunk in chunks {
                        if let limit = seedLimit, seeds.count >= limit {
                            full = true
                            return
                        }
                        let id = SeedRecord.makeID(source: document.source, start: chunk.start, end: chunk.end,
                                                   text: chunk.text)
                        guard seenIDs.insert(id).inserted else { continue }
                        entry.chunks += 1
                        seeds.append(SeedRecord(ordinal: seeds.count, id: id, source: document.source,
                                                start: chunk.start, end: chunk.end, text: chunk.text))
                    }
                }, quarantine: { item in
                    entry.quarantined += 1
                    quarantine.append(item)
                    progress.log("quarantined \(item.location): \(item.reason): \(item.detail)")
                })
            }
            sources.append(entry)
        }
        // Seeds already stored must be the same seeds in the same order; a corpus edited under a run is refused.
        let existing = try ledger.seeds()
        for old in existing where old.ordinal >= seeds.count || seeds[old.ordinal].id != old.id {
            throw RefineryError.usage(
                "the corpus changed since this run started (seed \(old.ordinal) from \(old.source) is gone or moved); "
                    + "use a new --out or --new-run", at: SourceLocation(file: config.seeds.corpus.first ?? ""))
        }
        try ledger.storeAcquisition(seeds: seeds, sources: sources, quarantine: quarantine)
        if !full { try ledger.setInfo("acquired_all", "true") }
        try ledger.addStageTime("acquire", seconds: Date().timeIntervalSince(started), items: seeds.count - existing.count)
        try ledger.recordEvent("acquire", "\(seeds.count) seeds from \(files.count) files, \(quarantine.count) quarantined")
        progress.log("acquire: \(seeds.count) seeds from \(files.count) files"
                     + (quarantine.isEmpty ? "" : ", \(quarantine.count) input(s) quarantined"))
    }

    /// The folder seed sources are written relative to: the deepest folder holding both the pipeline file and
    /// every corpus path, so ids stay stable wherever the command is run from.
    func displayRoot() -> URL {
        var common = URL(fileURLWithPath: config.baseDirectory).standardizedFileURL.pathComponents
        for path in config.seeds.corpus {
            let components = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
            var shared = 0
            while shared < min(common.count, components.count) && common[shared] == components[shared] { shared += 1 }
            common = Array(common.prefix(shared))
        }
        return URL(fileURLWithPath: common.isEmpty ? "/" : NSString.path(withComponents: common))
    }

    /// Creates the pending samples for every seed and task that do not exist yet.
    func planSamples() throws {
        var planned: [PlannedSample] = []
        for seed in try ledger.seeds() {
            for task in tasks {
                for index in 0..<task.config.samplesPerSeed {
                    planned.append(PlannedSample(
                        seedOrdinal: seed.ordinal, task: task.config.name, sampleIndex: index,
                        samplingSeed: samplingSeed(seedID: seed.id, task: task.config.name, index: index)))
                }
            }
        }
        let added = try ledger.plan(planned)
        if added > 0 { try ledger.recordEvent("plan", "\(added) samples planned") }
    }

    /// The sampling seed of a sample: derived from the config hash and the sample's identity, so regenerating
    /// unfinished work after a crash gives the same text.
    func samplingSeed(seedID: String, task: String, index: Int, kind: String = "generate", round: Int = 0,
                      attempt: Int = 0) -> UInt64 {
        Hashing.seed53("\(configHash)|\(seedID)|\(task)|\(index)|\(kind)|\(round)|\(attempt)")
    }
}
