import Foundation

/// What an export did: the manifest it wrote and the counts in it.
public struct ExportSummary: Sendable {
    public var manifest: Manifest
    /// Records read from all runs.
    public var input: Int
    /// Records written, per split (every split named, zero included).
    public var perSplit: [String: Int]
    /// Records left out, per `ExportRemoval` raw value.
    public var removed: [String: Int]
    /// Records removed per benchmark file.
    public var contaminatedPerBenchmark: [String: Int]

    public var exported: Int { perSplit.values.reduce(0, +) }
}

/// `refinery export`: merges finished runs into training shards.
///
/// Steps, in order: read every run's shards (sha256, sizes and counts checked against its manifest), filter by task
/// and score, decontaminate against benchmarks, dedup exact and near duplicates across all merged records (keeper:
/// highest score, then smallest id; then any id still repeated), drop records the persistent index already holds,
/// assign stable splits by id, write size-bounded zstd shards per split (`DIR/<split>/part-00000.jsonl.zst`) and
/// finally `DIR/manifest.json`. Only after the manifest is written are the exported records added to the index,
/// so a failed export never hides records from the next one.
public struct Exporter: Sendable {
    public var options: ExportOptions

    public init(options: ExportOptions) {
        self.options = options
    }

    public func export(runs: [URL], to directory: URL) throws -> ExportSummary {
        guard !runs.isEmpty else { throw RefineryError.usage("export needs at least one run folder") }
        try options.dedup.validate()
        try Self.prepareOutput(directory)
        let decontamination = options.benchmarks.isEmpty ? nil
            : try DecontaminationIndex(benchmarks: options.benchmarks, ngram: options.ngram)
        let index = try options.indexURL.map { try PersistentDedupIndex(url: $0, settings: options.dedup) }

        let (sources, records) = try ExportSourceReader.read(runs: runs)
        var removed: [String: Int] = [:]
        var contaminated: [String: Int] = [:]
        func drop(_ reason: ExportRemoval) { removed[reason.rawValue, default: 0] += 1 }

        // Filters, in a fixed order so each record is counted under one reason.
        var kept: [ExportRecord] = []
        for record in records {
            if let tasks = options.tasks, !tasks.contains(record.task) { drop(.taskFiltered); continue }
            if let minScore = options.minScore, record.score < minScore { drop(.belowMinScore); continue }
            if let decontamination {
                let matches = decontamination.matches(text: ExportRecord.text(of: record.contents))
                if !matches.isEmpty {
                    drop(.contaminated)
                    for benchmark in Set(matches.map(\.benchmark)) { contaminated[benchmark, default: 0] += 1 }
                    continue
                }
            }
            kept.append(record)
        }

        // Cross-run dedup among the merged records.
        var near = try NearDuplicateIndex(settings: options.dedup)
        near.add(contentsOf: kept.map { DedupInput(id: $0.id, fields: $0.contents, score: $0.score) },
                 threads: options.threads)
        let outcome = near.clusters()
        let duplicates = Set(outcome.removed.map(\.index))
        var survivors: [(record: ExportRecord, fingerprint: DedupFingerprint)] = []
        var seenIDs = Set<String>()
        for (position, record) in kept.enumerated() {
            if duplicates.contains(position) { drop(.duplicate); continue }
            // Ids are content hashes, so equal ids are caught above; this guards against ids reused for other text.
            guard seenIDs.insert(record.id).inserted else { drop(.duplicateID); continue }
            survivors.append((record, near.items[position].fingerprint))
        }

        // Records exported by earlier exports.
        if let index {
            let found = try index.matches(survivors.map(\.fingerprint))
            survivors = zip(survivors, found).compactMap { item, match in
                if match != nil { drop(.alreadyExported); return nil }
                return item
            }
        }

        let written = try writeShards(survivors.map(\.record), to: directory)
        var perSplit: [String: Int] = [:]
        for name in options.splits.names { perSplit[name] = 0 }
        for shard in written { perSplit[shard.split, default: 0] += shard.records }

        let manifest = makeManifest(sources: sources, shards: written, input: records.count, perSplit: perSplit,
                                    removed: removed, contaminated: contaminated)
        try manifest.write(to: directory.appendingPathComponent(Manifest.fileName))
        try index?.insert(survivors.map { ($0.record.id, $0.fingerprint) })
        return ExportSummary(manifest: manifest, input: records.count, perSplit: perSplit, removed: removed,
                             contaminatedPerBenchmark: contaminated)
    }

    /// The output folder must be new or empty, so an export never mixes with an older one.
    static func prepareOutput(_ directory: URL) throws {
        let location = SourceLocation(file: directory.path)
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw RefineryError.usage("--to must be a folder", at: location) }
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            guard names.isEmpty else {
                throw RefineryError.usage("the output folder is not empty; export into a new folder", at: location)
            }
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RefineryError.internal("cannot create the output folder: \(error.localizedDescription)", at: location)
        }
    }

    /// Writes the records per split, in the merged order, with one `ShardWriter` per split.
    private func writeShards(_ records: [ExportRecord], to directory: URL) throws -> [Manifest.Shard] {
        final class Collected { var shards: [Manifest.Shard] = [] }
        let collected = Collected()
        var writers: [String: ShardWriter] = [:]
        for name in options.splits.names {
            writers[name] = try ShardWriter(
                directory: directory.appendingPathComponent(name), maxBytes: options.shardBytes,
                level: options.zstdLevel, startIndex: 0
            ) { shard, _ in
                collected.shards.append(Manifest.Shard(file: "\(name)/\(shard.fileName)", records: shard.records,
                                                       bytes: shard.bytes, sha256: shard.sha256, split: name))
            }
        }
        for record in records {
            let split = options.splits.split(for: record.id)
            // Sample ids are a run ledger concept; exports have none.
            try writers[split]?.append(line: record.output(options.format), sampleID: 0)
        }
        for name in options.splits.names { try writers[name]?.finish() }
        let order = Dictionary(uniqueKeysWithValues: options.splits.names.enumerated().map { ($1, $0) })
        return collected.shards.sorted { (order[$0.split] ?? 0, $0.file) < (order[$1.split] ?? 0, $1.file) }
    }

    private func makeManifest(sources: [ExportSource], shards: [Manifest.Shard], input: Int, perSplit: [String: Int],
                              removed: [String: Int], contaminated: [String: Int]) -> Manifest {
        let optionsText = options.json.serialized()
        let configHash = String(Hashing.sha256Hex(
            ([optionsText] + sources.map { "\($0.runID):\($0.configHash)" }).joined(separator: "\n")).prefix(16))
        let runID = "export-" + configHash
        var models: [String] = []
        for source in sources where !source.model.isEmpty && !models.contains(source.model) {
            models.append(source.model)
        }
        let sourceValues: [JSONValue] = sources.map { source in
            .object([("path", .string(source.path)), ("run_id", .string(source.runID)),
                     ("config_hash", .string(source.configHash)), ("model", .string(source.model)),
                     ("records", .int(source.records))])
        }
        let exported = perSplit.values.reduce(0, +)
        return Manifest(
            kind: "export", runID: runID, configHash: configHash, model: models.joined(separator: ","),
            created: Timestamp.now(), shards: shards,
            extra: [
                ("format", .string(options.format.rawValue)),
                ("splits", .object(options.splits.splits.map { ($0.name, .double($0.fraction)) })),
                ("sources", .array(sourceValues)),
                ("counts", .object([
                    ("input", .int(input)), ("exported", .int(exported)),
                    ("per_split", .object(options.splits.names.map { ($0, .int(perSplit[$0] ?? 0)) })),
                ])),
                ("removed", .object(ExportRemoval.allCases.map { ($0.rawValue, .int(removed[$0.rawValue] ?? 0)) })),
                ("contaminated_per_benchmark",
                 .object(contaminated.keys.sorted().map { ($0, .int(contaminated[$0] ?? 0)) })),
                ("options", options.json),
            ])
    }
}
