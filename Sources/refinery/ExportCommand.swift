import ArgumentParser
import Foundation
import Refinery

/// `refinery export RUN_DIR... --to DIR`: merges finished runs into training shards per split.
///
/// Exit codes: 0 done, 1 bad flags or a non-empty output folder, 2 bad input (a missing or corrupt run shard,
/// a malformed record, an unreadable benchmark), 3 internal failure.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Merge runs into deduplicated, decontaminated training shards with stable splits.",
        discussion: """
            Reads each run's shards (checked against its manifest), drops repeated ids, keeps --tasks and records \
            scoring at least --min-score (score: the rubric judgment's score, else 1.0), removes records sharing \
            --ngram word n-grams with a --benchmark, removes exact and near duplicates across all runs (keeping \
            the highest score, then the smallest id) and records already in the --index of earlier exports. Each \
            record goes to the split its id hashes to (first 8 bytes of sha256(id) as a fraction in [0,1)), so \
            the same record is in the same split in every export. Writes DIR/<split>/part-00000.jsonl.zst … and \
            DIR/manifest.json. --format messages keeps the full record; --format text writes \
            {"id","task","text"} with the message contents (user, then assistant) joined by a blank line.
            """
    )

    @Argument(help: "Finished run folders, merged in this order.")
    var runs: [String] = []

    @Option(name: .long, help: "Output folder (new or empty).")
    var to: String?

    @Option(name: .long, help: "Split fractions, summing to 1 (e.g. train=1.0 for a single split).")
    var split = "train=0.98,validation=0.02"

    @Option(name: .customLong("shard-size"), help: "Compressed shard size limit (e.g. 256MiB).")
    var shardSize = "256MiB"

    @Option(name: .customLong("zstd-level"), help: "zstd compression level.")
    var zstdLevel = 3

    @Option(name: .long, help: "messages (the full record schema) or text ({\"id\",\"task\",\"text\"}).")
    var format = "messages"

    @Option(name: .long, help: "Comma-separated tasks to keep (default: all).")
    var tasks: String?

    @Option(name: .customLong("min-score"), help: "Keep records scoring at least this.")
    var minScore: Double?

    @Option(name: .long, help: "Persistent dedup index (SQLite, created if missing): never re-export a record.")
    var index: String?

    @Option(name: .long, help: "Benchmark JSONL(.zst) file to decontaminate against (repeatable).")
    var benchmark: [String] = []

    @Option(name: .customLong("benchmark-field"),
            help: ArgumentHelp("Field holding each benchmark's text: one for all, or one per --benchmark in order "
                               + "(auto: recognised from each file's first item, see `refinery "
                               + "decontaminate --help`)."))
    var benchmarkField: [String] = [BenchmarkLayout.automatic]

    @Option(name: .long, help: "Decontamination word n-gram length.")
    var ngram = 13

    @Flag(name: .customLong("no-near"), help: "Exact dedup only (no MinHash near-duplicate pass).")
    var noNear = false

    @Flag(name: .customLong("verify-jaccard"), help: "Confirm near-duplicate candidates by exact Jaccard similarity.")
    var verifyJaccard = false

    @Option(name: .long, help: "Threads for fingerprinting (0: all cores).")
    var threads = 0

    func run() async throws {
        try await reportingErrors {
            let options = try makeOptions()
            guard let to else { throw RefineryError.usage("--to DIR is required") }
            guard !runs.isEmpty else { throw RefineryError.usage("give at least one run folder") }
            let summary = try Exporter(options: options).export(runs: runs.map { URL(commandLinePath: $0) },
                                                                 to: URL(commandLinePath: to))
            let splits = options.splits.names.map { "\($0) \(summary.perSplit[$0] ?? 0)" }.joined(separator: ", ")
            let removed = summary.removed.keys.sorted().map { "\($0) \(summary.removed[$0] ?? 0)" }
            printOut("exported \(summary.exported) of \(summary.input) records (\(splits)) in "
                     + "\(summary.manifest.shards.count) shards to \(URL(commandLinePath: to).path)\n")
            if !removed.isEmpty { printOut("removed: \(removed.joined(separator: ", "))\n") }
        }
    }

    private func makeOptions() throws -> ExportOptions {
        guard let bytes = ByteSize.parse(shardSize) else {
            throw RefineryError.usage("--shard-size expects a size such as 256MiB (got \"\(shardSize)\")")
        }
        guard let format = ExportFormat(rawValue: format) else {
            throw RefineryError.usage("--format must be messages or text (got \"\(format)\")")
        }
        if let minScore, !minScore.isFinite { throw RefineryError.usage("--min-score must be a number") }
        var taskSet: Set<String>?
        if let tasks {
            taskSet = Set(tasks.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
            if taskSet?.isEmpty ?? true { throw RefineryError.usage("--tasks needs at least one task name") }
        }
        let sources = try BenchmarkSource.files(benchmark.map { URL(commandLinePath: $0).path },
                                                fields: benchmarkField)
        return ExportOptions(
            splits: try ExportSplits.parse(split), shardBytes: bytes, zstdLevel: zstdLevel, format: format,
            tasks: taskSet, minScore: minScore,
            dedup: DedupSettings(exact: true, minhash: noNear ? nil : .defaults, verifyJaccard: verifyJaccard),
            indexURL: index.map { URL(commandLinePath: $0) }, benchmarks: sources, ngram: ngram, threads: threads)
    }
}
