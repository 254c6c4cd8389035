import Foundation

/// A benchmark item that a text overlaps.
public struct BenchmarkMatch: Sendable, Hashable {
    /// The benchmark file, as given.
    public var benchmark: String
    /// The item's line in that file.
    public var line: Int
    /// Distinct n-grams the text shares with the item.
    public var sharedNGrams: Int

    public init(benchmark: String, line: Int, sharedNGrams: Int) {
        self.benchmark = benchmark
        self.line = line
        self.sharedNGrams = sharedNGrams
    }

    /// `file:line` of the benchmark item.
    public var item: String { "\(benchmark):\(line)" }
}

/// N-gram overlap index over benchmark items, to keep evaluation data out of training data.
///
/// Texts are normalized (`.standard`: NFKC, case fold, punctuation to spaces, whitespace collapsed — so re-cased,
/// re-spaced or re-punctuated copies still match) and cut into word n-grams (default 13). A text is contaminated
/// by an item when they share at least `minMatches` distinct n-grams (an item with fewer n-grams than that must
/// share all of them).
///
/// Short items: an item with fewer than `ngram` words is one gram of all its words, and matches any text that
/// contains that word sequence (texts are also scanned with each such shorter length). A text shorter than `ngram`
/// words is likewise one gram, so it matches a short item equal to it. Items with no words are ignored.
public struct DecontaminationIndex: Sendable {
    public let ngram: Int
    public let minMatches: Int
    public let normalization: TextNormalization
    /// Benchmark names (file paths) in the order given.
    public private(set) var benchmarks: [String] = []
    /// Items indexed per benchmark.
    public private(set) var itemCounts: [Int] = []
    /// The field read from each benchmark's items (`auto` resolved to the detected layout's).
    public private(set) var fields: [String] = []
    private var itemBenchmark: [Int32] = []
    private var itemLine: [Int32] = []
    private var itemGramCount: [Int32] = []
    private var grams: [UInt64: [Int32]] = [:]
    /// Word counts (< ngram) of short items; texts are also scanned with these gram lengths.
    private var shortLengths = Set<Int>()

    static let gramSeed: UInt64 = 0x4465_636F_6E74_616D  // "Decontam"

    /// An empty index; add items with `add(benchmark:line:text:)`.
    public init(ngram: Int = 13, minMatches: Int = 1,
                normalization: TextNormalization = .standard) throws(RefineryError) {
        guard (1...1024).contains(ngram) else { throw .usage("--ngram must be in 1...1024 (got \(ngram))") }
        guard minMatches >= 1 else { throw .usage("--min-matches must be at least 1 (got \(minMatches))") }
        self.ngram = ngram
        self.minMatches = minMatches
        self.normalization = normalization.union(.collapseWhitespace)
    }

    /// Loads benchmark files (JSONL, or one JSON array; plain, .zst or .gz); `field` may name several comma-separated
    /// dotted paths, or be `auto` (see `BenchmarkLayout`).
    /// - Throws: input errors with file and line for unreadable files, bad JSON or items without the field.
    public init(benchmarks sources: [BenchmarkSource], ngram: Int = 13, minMatches: Int = 1,
                normalization: TextNormalization = .standard) throws {
        try self.init(ngram: ngram, minMatches: minMatches, normalization: normalization)
        for source in sources {
            try load(source)
        }
    }

    /// Total items indexed.
    public var itemCount: Int { itemLine.count }

    /// Indexes one benchmark item.
    public mutating func add(benchmark: String, line: Int, text: String) {
        let benchmarkIndex = register(benchmark, field: "")
        let canonical = TextNormalizer.normalizedBytes(text, normalization)
        if canonical.isEmpty { return }
        let words = Self.wordCount(canonical)
        if words < ngram { shortLengths.insert(words) }
        let itemGrams = Set(DedupKernels.shingleHashes(canonical, ngram: ngram, seed: Self.gramSeed))
        let item = Int32(itemLine.count)
        itemBenchmark.append(Int32(benchmarkIndex))
        itemLine.append(Int32(clamping: line))
        itemGramCount.append(Int32(itemGrams.count))
        itemCounts[benchmarkIndex] += 1
        for gram in itemGrams {
            grams[gram, default: []].append(item)
        }
    }

    /// The benchmark items `text` overlaps, ordered by benchmark then line.
    public func matches(text: String) -> [BenchmarkMatch] {
        if grams.isEmpty { return [] }
        let canonical = TextNormalizer.normalizedBytes(text, normalization)
        if canonical.isEmpty { return [] }
        let words = Self.wordCount(canonical)
        var textGrams = Set(DedupKernels.shingleHashes(canonical, ngram: ngram, seed: Self.gramSeed))
        for length in shortLengths where length <= words && length != words {
            textGrams.formUnion(DedupKernels.shingleHashes(canonical, ngram: length, seed: Self.gramSeed))
        }
        var shared: [Int32: Int] = [:]
        for gram in textGrams {
            guard let items = grams[gram] else { continue }
            for item in items { shared[item, default: 0] += 1 }
        }
        let hits = shared.filter { $0.value >= min(minMatches, Int(itemGramCount[Int($0.key)])) }.keys
            .sorted { (itemBenchmark[Int($0)], itemLine[Int($0)], $0) < (itemBenchmark[Int($1)], itemLine[Int($1)], $1) }
        return hits.map { item in
            BenchmarkMatch(benchmark: benchmarks[Int(itemBenchmark[Int(item)])], line: Int(itemLine[Int(item)]),
                           sharedNGrams: shared[item] ?? 0)
        }
    }

    /// Whether `text` overlaps any benchmark item.
    public func isContaminated(_ text: String) -> Bool {
        !matches(text: text).isEmpty
    }

    /// The index of `benchmark`, added (with `field`) if new; a known benchmark's empty field is set to `field`.
    private mutating func register(_ benchmark: String, field: String) -> Int {
        if let existing = benchmarks.firstIndex(of: benchmark) {
            if fields[existing].isEmpty { fields[existing] = field }
            return existing
        }
        benchmarks.append(benchmark)
        itemCounts.append(0)
        fields.append(field)
        return benchmarks.count - 1
    }

    /// The fields read from one benchmark's items: as given, or (`auto`) those of the layout its first item shows.
    private struct ItemFields {
        /// Empty until the first item of an `auto` benchmark is read.
        private(set) var field: String
        private var selector: FieldSelector?

        init(_ field: String) throws(RefineryError) {
            let automatic = field == BenchmarkLayout.automatic
            self.field = automatic ? "" : field
            selector = automatic ? nil : try FieldSelector(field)
        }

        /// The text of `item` (a JSON object).
        mutating func text(of item: JSONValue, at location: SourceLocation) throws(RefineryError) -> String {
            if selector == nil {
                field = try BenchmarkLayout.detect(item, at: location).field
                selector = try FieldSelector(field)
            }
            guard let text = selector?.text(in: item) else {
                throw .input("the record has no field '\(field)'", at: location)
            }
            return text
        }
    }

    /// Indexes every item of a benchmark file, JSONL or one JSON array; field `auto` reads the fields of the layout
    /// its first item shows (see `BenchmarkLayout`).
    private mutating func load(_ source: BenchmarkSource) throws {
        var fields = try ItemFields(source.field)
        let url = URL(fileURLWithPath: source.path)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw RefineryError.usage("benchmark file not found", at: SourceLocation(file: source.path))
        }
        var lines = LineReader(url: url, displayName: source.path).makeIterator()
        while let result = lines.next() {
            let line = try result.get()
            if DatasetRecord.isBlank(line.bytes) { continue }
            if line.bytes.first(where: { $0 != 0x20 && $0 != 0x09 }) == UInt8(ascii: "[") {
                try loadArray(source, first: line, rest: &lines, fields: &fields)
                break
            }
            let item = try DatasetRecord.object(line, name: source.path)
            let location = SourceLocation(file: source.path, line: line.number, offset: line.offset)
            add(benchmark: source.path, line: line.number, text: try fields.text(of: item, at: location))
        }
        _ = register(source.path, field: fields.field)
    }

    /// Largest JSON-array benchmark file read (it is parsed whole).
    static let maxArrayBytes = 1 << 30

    /// Indexes a benchmark file that is one JSON array of objects (`[{...}, {...}]`, on any number of lines); each
    /// item is named by its position in the array (1-based) where JSONL items have their line.
    private mutating func loadArray(_ source: BenchmarkSource, first: RawLine, rest: inout LineReader.Iterator,
                                    fields: inout ItemFields) throws {
        var bytes = first.bytes
        while let result = rest.next() {
            bytes.append(0x0A)
            bytes.append(try result.get().bytes)
            if bytes.count > Self.maxArrayBytes {
                throw RefineryError.input("a JSON array file larger than \(Self.maxArrayBytes >> 20) MiB; use JSONL",
                                          at: SourceLocation(file: source.path))
            }
        }
        let location = SourceLocation(file: source.path, line: first.number, offset: first.offset)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RefineryError.input("invalid UTF-8", at: location)
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            throw RefineryError.input("malformed JSON array: \(DatasetRecord.describe(error))", at: location)
        }
        guard case .array(let items) = value else {
            throw RefineryError.input("expected a JSON array of objects", at: location)
        }
        for (index, item) in items.enumerated() {
            let itemLocation = SourceLocation(file: source.path, line: index + 1)
            guard case .object = item else {
                throw RefineryError.input("item \(index + 1) is not a JSON object", at: itemLocation)
            }
            add(benchmark: source.path, line: index + 1, text: try fields.text(of: item, at: itemLocation))
        }
    }

    static func wordCount(_ canonical: [UInt8]) -> Int {
        canonical.isEmpty ? 0 : canonical.reduce(1) { $1 == 0x20 ? $0 + 1 : $0 }
    }
}
