import ArgumentParser
import Foundation
import Refinery

/// `refinery dedup IN.jsonl[.zst|.gz]... --out DIR`: removes exact and near-duplicate records from any JSONL dataset.
///
/// Exit codes: 0 done, 1 bad flags, 2 bad input (malformed JSON, invalid UTF-8, corrupt zstd — with file:line and
/// byte offset), 3 internal failure.
struct DedupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dedup",
        abstract: "Remove exact and near-duplicate records from JSONL files (bounded memory).",
        discussion: """
            Writes the kept records unchanged to DIR/<input>.jsonl.zst, the removed ones to DIR/removed.jsonl \
            ({"id","file","line","reason":"duplicate_of:<kept id>","cluster","kind"}) and DIR/summary.json. \
            Records are identified by their id field, else by file:line. In each duplicate cluster the record with \
            the highest --score-field value is kept (ties: the smallest id). Near duplicates: MinHash over word \
            n-grams with LSH bands × rows; --explain prints the catch-rate curve.
            """
    )

    @Argument(help: "Input files (.jsonl, .jsonl.zst or .jsonl.gz).")
    var inputs: [String] = []

    @Option(name: .long, help: "Output folder.")
    var out: String?

    @Option(name: .long, help: "Field(s) holding the text: dotted paths, comma-separated (e.g. messages.content).")
    var field = "text"

    @Option(name: .customLong("id-field"), help: "Field holding the record id.")
    var idField = "id"

    @Option(name: .customLong("score-field"), help: "Numeric field; the highest-scoring record of a cluster is kept.")
    var scoreField: String?

    @Option(name: .long, help: "Words per shingle.")
    var ngram = 5

    @Option(name: .long, help: "LSH bands.")
    var bands = 14

    @Option(name: .long, help: "Rows (permutations) per band.")
    var rows = 8

    @Option(name: .long, help: "Jaccard threshold for --verify-jaccard.")
    var threshold = 0.8

    @Flag(name: .customLong("no-exact"), help: "Skip exact (normalized-hash) dedup.")
    var noExact = false

    @Flag(name: .customLong("no-near"), help: "Skip near-duplicate (MinHash LSH) dedup.")
    var noNear = false

    @Flag(name: .customLong("verify-jaccard"), help: "Keep an LSH candidate pair only if its exact Jaccard ≥ threshold.")
    var verifyJaccard = false

    @Flag(name: .long, help: "Print the catch-rate curve 1-(1-s^r)^b for s = 0.50…0.95 (alone: print and exit).")
    var explain = false

    @Option(name: .long, help: "Normalization: nfkc,case_fold,collapse_whitespace,strip_punctuation | standard | none.")
    var normalize = "standard"

    @Option(name: .long, help: "Persistent cross-run index (SQLite): drop records already in it, add the kept ones.")
    var index: String?

    @Option(name: .long, help: "Threads for parsing and hashing (0: all cores); the output does not depend on it.")
    var threads = 0

    @Option(name: .customLong("zstd-level"), help: "zstd level of the outputs.")
    var zstdLevel: Int32 = 3

    @Flag(name: .customLong("no-progress"), help: "No progress lines on stderr.")
    var noProgress = false

    mutating func run() throws {
        do {
            let minhash = try MinHashConfig.validated(ngram: ngram, bands: bands, rows: rows, threshold: threshold)
            let settings = DedupSettings(exact: !noExact, minhash: noNear ? nil : minhash,
                                         verifyJaccard: verifyJaccard,
                                         normalization: try TextNormalization(names: normalize))
            if explain {
                let lsh = try minhash.lshParameters()
                print(lsh.explanation(ngram: ngram, threshold: verifyJaccard ? threshold : nil), terminator: "")
                if inputs.isEmpty { return }
            }
            guard !inputs.isEmpty else {
                throw RefineryError.usage("no input files (usage: refinery dedup IN... --out DIR)")
            }
            guard let out else { throw RefineryError.usage("--out DIR is required") }
            guard threads >= 0 else { throw RefineryError.usage("--threads must be ≥ 0") }
            guard !(noExact && noNear) else { throw RefineryError.usage("--no-exact and --no-near leave nothing to do") }
            let read = DatasetReadOptions(field: try FieldSelector(field), idField: idField, scoreField: scoreField)
            let options = StreamingDedupOptions(settings: settings, read: read, threads: threads, zstdLevel: zstdLevel,
                                                indexURL: index.map { URL(fileURLWithPath: $0) })
            let deduplicator = StreamingDeduplicator(inputs: inputs.map(DatasetInput.init(path:)),
                                                     outputDirectory: URL(fileURLWithPath: out), options: options)
            _ = try deduplicator.run(progress: DatasetProgress(label: "dedup", enabled: !noProgress))
        } catch {
            try DatasetCommandSupport.fail(error)
        }
    }
}

/// Error reporting shared by `dedup`, `decontaminate` and `bench dedup`.
enum DatasetCommandSupport {
    /// Prints `error: <file:line (byte offset)>: <message>` to stderr and exits with the error's code
    /// (1 usage, 2 input, 3 internal).
    static func fail(_ error: Error) throws -> Never {
        if let exit = error as? ExitCode { throw exit }
        let refinery = error as? RefineryError ?? RefineryError.internal("\(error)")
        FileHandle.standardError.write(Data("error: \(refinery.description)\n".utf8))
        throw ExitCode(refinery.exitCode)
    }
}
