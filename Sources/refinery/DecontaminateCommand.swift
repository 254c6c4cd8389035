import ArgumentParser
import Foundation
import Refinery

/// `refinery decontaminate IN... --benchmark FILE... --out DIR`: drops records that overlap benchmark items.
///
/// Exit codes: 0 done, 1 bad flags, 2 bad input (in the inputs or the benchmark files), 3 internal failure.
struct DecontaminateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decontaminate",
        abstract: "Remove records that share word n-grams with benchmark items.",
        discussion: """
            Texts are normalized (NFKC, case fold, punctuation to spaces, whitespace collapsed) and cut into word \
            n-grams; a record sharing at least --min-matches n-grams with a benchmark item is removed. Items (and \
            records) shorter than n words are one gram of all their words; a short item matches any record \
            containing that word sequence. Writes kept records unchanged to DIR/<input>.jsonl.zst, removed ones \
            with the items they matched (file:line) to DIR/removed.jsonl, per-benchmark counts to DIR/summary.json.
            """
    )

    @Argument(help: "Input files (.jsonl, .jsonl.zst or .jsonl.gz).")
    var inputs: [String] = []

    @Option(name: .long, parsing: .upToNextOption,
            help: "Benchmark files: JSONL or one JSON array, plain, .zst or .gz; repeatable.")
    var benchmark: [String] = []

    @Option(name: .customLong("benchmark-field"), parsing: .upToNextOption,
            help: ArgumentHelp("Benchmark field(s): one for all files or one per file; dotted paths, comma-separated "
                               + "lists. auto: from each file's first item (HumanEval, MBPP, APPS, MATH, MMLU, "
                               + "ARC, GSM8K layouts; else question, problem, prompt, instruction, text, input or "
                               + "content)."))
    var benchmarkField: [String] = [BenchmarkLayout.automatic]

    @Option(name: .long, help: "Field(s) holding the records' text: dotted paths, comma-separated.")
    var field = "text"

    @Option(name: .customLong("id-field"), help: "Field holding the record id.")
    var idField = "id"

    @Option(name: .long, help: "Output folder.")
    var out: String?

    @Option(name: .long, help: "Words per n-gram.")
    var ngram = 13

    @Option(name: .customLong("min-matches"), help: "Shared n-grams needed to flag a record.")
    var minMatches = 1

    @Option(name: .long, help: "Normalization: nfkc,case_fold,collapse_whitespace,strip_punctuation | standard | none.")
    var normalize = "standard"

    @Option(name: .long, help: "Threads (0: all cores); the output does not depend on it.")
    var threads = 0

    @Option(name: .customLong("zstd-level"), help: "zstd level of the outputs.")
    var zstdLevel: Int32 = 3

    @Flag(name: .customLong("no-progress"), help: "No progress lines on stderr.")
    var noProgress = false

    mutating func run() throws {
        do {
            guard !inputs.isEmpty else { throw RefineryError.usage("no input files") }
            guard !benchmark.isEmpty else { throw RefineryError.usage("at least one --benchmark FILE is required") }
            guard let out else { throw RefineryError.usage("--out DIR is required") }
            guard threads >= 0 else { throw RefineryError.usage("--threads must be ≥ 0") }
            let sources = try BenchmarkSource.files(benchmark, fields: benchmarkField)
            let normalization = try TextNormalization(names: normalize)
            let progress = DatasetProgress(label: "decontaminate", enabled: !noProgress)
            let index = try DecontaminationIndex(benchmarks: sources, ngram: ngram, minMatches: minMatches,
                                                 normalization: normalization)
            progress.log("indexed \(index.itemCount) benchmark items from \(sources.count) file(s)")
            for (name, field) in zip(index.benchmarks, index.fields) where !field.isEmpty {
                progress.log("\(name): items read from \(field)")
            }
            let read = DatasetReadOptions(field: try FieldSelector(field), idField: idField)
            let run = StreamingDecontaminator(inputs: inputs.map(DatasetInput.init(path:)),
                                              outputDirectory: URL(fileURLWithPath: out), index: index, read: read,
                                              threads: threads, zstdLevel: zstdLevel)
            _ = try run.run(progress: progress)
        } catch {
            try DatasetCommandSupport.fail(error)
        }
    }
}
