import ArgumentParser
import Foundation
import Refinery

/// `refinery bench dedup [--documents 100000] [--json]`: MinHash signature and LSH throughput on synthetic
/// documents, with Python datasketch on the same documents in the same run as the baseline (when installed).
struct BenchDedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Benchmark MinHash signatures and LSH against Python datasketch on the same documents.",
        discussion: """
            Generates deterministic synthetic documents with planted near-duplicates, measures documents/s and MB/s \
            for signatures (1 thread, CPU time; and all threads, wall time) and LSH bucketing, then runs \
            Tools/bench/minhash_baseline.py (pip install -r Tools/bench/requirements.txt) on the same documents \
            with the same permutations and shingling and reports the per-core speedup. Without datasketch it \
            says so and reports only Refinery's numbers.
            """
    )

    @Option(name: .long, help: "Number of synthetic documents.")
    var documents = 100_000

    @Option(name: .long, help: "Threads for the parallel signature run (0: all cores).")
    var threads = 0

    @Option(name: .long, help: "Words per shingle.")
    var ngram = 5

    @Option(name: .long, help: "LSH bands.")
    var bands = 14

    @Option(name: .long, help: "Rows per band.")
    var rows = 8

    @Flag(name: .long, help: "Print the report as JSON.")
    var json = false

    @Flag(name: .customLong("no-baseline"), help: "Skip the datasketch baseline.")
    var noBaseline = false

    @Option(name: .long, help: "Python interpreter for the baseline.")
    var python = "python3"

    @Option(name: .customLong("baseline-script"), help: "Path of Tools/bench/minhash_baseline.py.")
    var baselineScript: String?

    mutating func run() throws {
        do {
            guard documents >= 1, documents <= 10_000_000 else {
                throw RefineryError.usage("--documents must be in 1...10000000")
            }
            let config = try MinHashConfig.validated(ngram: ngram, bands: bands, rows: rows, threshold: 0.8)
            let baseline = noBaseline ? nil : DatasketchBaseline(
                python: python, script: baselineScript.map { URL(fileURLWithPath: $0) })
            let benchmark = DedupBenchmark(documents: documents, threads: threads, config: config, baseline: baseline)
            let report = try benchmark.run(progress: DatasetProgress(label: "bench dedup"))
            print(json ? report.json.pretty() : report.text, terminator: "")
        } catch {
            try DatasetCommandSupport.fail(error)
        }
    }
}
