import Foundation

/// What a decontamination run did.
public struct DecontaminationSummary: Sendable {
    public var records: Int
    public var kept: Int
    public var removed: Int
    /// Records removed per benchmark (a record matching two benchmarks counts in both).
    public var removedPerBenchmark: [String: Int]
    /// The contents of `summary.json`.
    public var json: JSONValue
}

/// `refinery decontaminate`: streams JSONL (or JSONL.zst) files, drops every record that overlaps a benchmark item
/// (see `DecontaminationIndex`), writes the kept records byte for byte to `DIR/<input>.jsonl.zst`, the removed ones
/// with the items they matched to `DIR/removed.jsonl`, and per-benchmark counts to `DIR/summary.json`.
///
/// One pass; memory holds the benchmark index and one batch of records.
public struct StreamingDecontaminator {
    public let inputs: [DatasetInput]
    public let outputDirectory: URL
    public let index: DecontaminationIndex
    public let read: DatasetReadOptions
    public let threads: Int
    public let zstdLevel: Int32

    public init(inputs: [DatasetInput], outputDirectory: URL, index: DecontaminationIndex, read: DatasetReadOptions,
                threads: Int = 0, zstdLevel: Int32 = 3) {
        self.inputs = inputs
        self.outputDirectory = outputDirectory
        self.index = index
        self.read = read
        self.threads = threads
        self.zstdLevel = zstdLevel
    }

    public func run(progress: DatasetProgress = .silent) throws -> DecontaminationSummary {
        guard !inputs.isEmpty else { throw RefineryError.usage("no input files") }
        try DatasetOutputNames.prepare(outputDirectory)
        let outputs = try DatasetOutputNames.outputs(for: inputs, in: outputDirectory)
        let removedWriter = try LineFileWriter(
            url: outputDirectory.appendingPathComponent(StreamingDeduplicator.removedFileName), level: nil)
        var outputSet = DatasetOutputSet(urls: outputs, level: zstdLevel)
        var counts = [Int](repeating: 0, count: inputs.count)
        var removedPerBenchmark: [String: Int] = [:]
        var recordsPerItem: [String: [Int: Int]] = [:]
        var removed = 0
        progress.begin("reading")
        let totalBytes = DatasetReport.plainTotalBytes(inputs)
        do {
            var batches = DatasetRecordBatches(inputs: inputs, options: read, threads: threads)
            let index = self.index
            var done = 0
            while let records = try batches.next() {
                let matches = ParallelMap.map(records.count, threads: threads) { index.matches(text: records[$0].text) }
                for (record, found) in zip(records, matches) {
                    counts[record.file] += 1
                    if found.isEmpty {
                        try outputSet.write(file: record.file, line: record.raw)
                        continue
                    }
                    removed += 1
                    for benchmark in Set(found.map(\.benchmark)) { removedPerBenchmark[benchmark, default: 0] += 1 }
                    for match in found { recordsPerItem[match.benchmark, default: [:]][match.line, default: 0] += 1 }
                    try removedWriter.write(line: Data(removalLine(record, found).serialized().utf8))
                }
                done += records.count
                progress.update(records: done, bytes: batches.bytesRead, totalBytes: totalBytes)
            }
            try outputSet.finish()
            try removedWriter.finish()
        } catch {
            outputSet.discard()
            removedWriter.discard()
            throw error
        }
        let records = counts.reduce(0, +)
        let json = summaryJSON(counts: counts, kept: outputSet.kept, outputs: outputs, removed: removed,
                               removedPerBenchmark: removedPerBenchmark, recordsPerItem: recordsPerItem)
        try FileSystem.writeAtomically(Data(json.pretty().utf8),
                                       to: outputDirectory.appendingPathComponent(StreamingDeduplicator.summaryFileName))
        progress.log("\(records) records, kept \(records - removed), removed \(removed) overlapping "
                     + "\(index.benchmarks.count) benchmark file(s)")
        return DecontaminationSummary(records: records, kept: records - removed, removed: removed,
                                      removedPerBenchmark: removedPerBenchmark, json: json)
    }

    private func removalLine(_ record: DatasetRecord, _ found: [BenchmarkMatch]) -> JSONValue {
        .object([
            ("id", .string(record.id)), ("file", .string(inputs[record.file].displayName)), ("line", .int(record.line)),
            ("reason", .string("contaminated")),
            ("matches", .array(found.map {
                .object([("benchmark", .string($0.benchmark)), ("item", .string($0.item)),
                         ("shared_ngrams", .int($0.sharedNGrams))])
            })),
        ])
    }

    private func summaryJSON(counts: [Int], kept: [Int], outputs: [URL], removed: Int,
                             removedPerBenchmark: [String: Int], recordsPerItem: [String: [Int: Int]]) -> JSONValue {
        let records = counts.reduce(0, +)
        let benchmarks: [JSONValue] = index.benchmarks.enumerated().map { position, name in
            let items = (recordsPerItem[name] ?? [:]).sorted { $0.key < $1.key }.map { line, count in
                JSONValue.object([("item", .string("\(name):\(line)")), ("records", .int(count))])
            }
            return .object([
                ("file", .string(name)), ("field", .string(index.fields[position])),
                ("items", .int(index.itemCounts[position])),
                ("removed_records", .int(removedPerBenchmark[name] ?? 0)),
                ("matched_items", .array(items)),
            ])
        }
        return .object([
            ("records", .int(records)), ("kept", .int(records - removed)), ("removed", .int(removed)),
            ("settings", .object([
                ("ngram", .int(index.ngram)), ("min_matches", .int(index.minMatches)),
                ("normalization", .array(index.normalization.names.map(JSONValue.string))),
                ("field", .string(read.field.description)), ("id_field", .string(read.idField)),
            ])),
            ("benchmarks", .array(benchmarks)),
            ("inputs", .array(inputs.indices.map { position in
                .object([("file", .string(inputs[position].displayName)), ("records", .int(counts[position])),
                         ("kept", .int(kept[position])), ("output", .string(outputs[position].lastPathComponent))])
            })),
        ])
    }
}
