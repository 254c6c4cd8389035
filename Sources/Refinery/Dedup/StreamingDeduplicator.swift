import Foundation

/// Options of a standalone dedup over JSONL files.
public struct StreamingDedupOptions: Sendable {
    public var settings: DedupSettings
    public var read: DatasetReadOptions
    /// Threads for parsing and fingerprinting (0: all cores); the output does not depend on it.
    public var threads: Int
    public var zstdLevel: Int32
    /// A persistent cross-run index: records duplicating one in it are removed, and kept records are added.
    public var indexURL: URL?

    public init(settings: DedupSettings = DedupSettings(), read: DatasetReadOptions, threads: Int = 0,
                zstdLevel: Int32 = 3, indexURL: URL? = nil) {
        self.settings = settings
        self.read = read
        self.threads = threads
        self.zstdLevel = zstdLevel
        self.indexURL = indexURL
    }
}

/// What a dedup run did.
public struct StreamingDedupSummary: Sendable {
    public var records: Int
    public var kept: Int
    public var removedExact: Int
    public var removedNear: Int
    public var removedByIndex: Int
    /// Duplicate clusters (two or more records) within the inputs.
    public var clusters: Int
    /// The contents of `summary.json`.
    public var json: JSONValue
}

/// `refinery dedup`: streams JSONL (or JSONL.zst) files of any size, writes the kept records byte for byte to
/// `DIR/<input>.jsonl.zst`, the removed ones to `DIR/removed.jsonl`, and `DIR/summary.json`.
///
/// Memory stays bounded: pass 1 stores each record's id, score, exact hash and band keys (and shingles for
/// verification) in an SQLite workspace; SQLite sorts them to find equal hashes and shared buckets; only the
/// union-find over records that have a duplicate candidate lives in memory. Pass 2 re-reads the inputs to copy the
/// kept lines. Records are identified by their `id` field, else by `file:line`.
public struct StreamingDeduplicator {
    public let inputs: [DatasetInput]
    public let outputDirectory: URL
    public let options: StreamingDedupOptions

    public static let removedFileName = "removed.jsonl"
    public static let summaryFileName = "summary.json"

    public init(inputs: [DatasetInput], outputDirectory: URL, options: StreamingDedupOptions) {
        self.inputs = inputs
        self.outputDirectory = outputDirectory
        self.options = options
    }

    public func run(progress: DatasetProgress = .silent) throws -> StreamingDedupSummary {
        guard !inputs.isEmpty else { throw RefineryError.usage("no input files") }
        let fingerprinter = try DedupFingerprinter(settings: options.settings)
        try DatasetOutputNames.prepare(outputDirectory)
        let outputs = try DatasetOutputNames.outputs(for: inputs, in: outputDirectory)
        let index = try options.indexURL.map { try PersistentDedupIndex(url: $0, settings: options.settings) }
        let workspace = try DedupWorkspace(url: outputDirectory.appendingPathComponent(".dedup-work.sqlite"))
        defer { workspace.remove() }

        let counts = try fingerprintAll(into: workspace, fingerprinter: fingerprinter, index: index,
                                        progress: progress)
        progress.begin("clustering")
        let clusters = try cluster(workspace, progress: progress)
        progress.begin("writing")
        let removed = try writeRemoved(workspace, outputs: outputs)
        let kept = try writeKept(workspace, outputs: outputs, expected: counts.reduce(0, +), progress: progress)
        if let index {
            try workspace.forEachKeptBatch(size: 2000) { try index.insert($0) }
        }
        let summary = makeSummary(counts: counts, kept: kept, removed: removed, clusters: clusters, outputs: outputs)
        try FileSystem.writeAtomically(Data(summary.json.pretty().utf8),
                                       to: outputDirectory.appendingPathComponent(Self.summaryFileName))
        progress.log("\(summary.records) records, kept \(summary.kept), removed \(summary.removedExact) exact + "
                     + "\(summary.removedNear) near + \(summary.removedByIndex) already indexed, "
                     + "\(summary.clusters) clusters")
        return summary
    }

    /// Pass 1: parse, fingerprint (in parallel), check against the index, store. Returns records per input.
    private func fingerprintAll(into workspace: DedupWorkspace, fingerprinter: DedupFingerprinter,
                                index: PersistentDedupIndex?, progress: DatasetProgress) throws -> [Int] {
        progress.begin("reading")
        let totalBytes = DatasetReport.plainTotalBytes(inputs)
        var batches = DatasetRecordBatches(inputs: inputs, options: options.read, threads: options.threads)
        var counts = [Int](repeating: 0, count: inputs.count)
        var ord = 0
        while let records = try batches.next() {
            let fingerprints = ParallelMap.map(records.count, threads: options.threads) {
                fingerprinter.fingerprint(records[$0].text)
            }
            let priors = try index?.matches(fingerprints) ?? [IndexMatch?](repeating: nil, count: records.count)
            var entries: [DedupWorkspace.Entry] = []
            entries.reserveCapacity(records.count)
            for (offset, record) in records.enumerated() {
                entries.append(DedupWorkspace.Entry(ord: ord, file: record.file, line: record.line, id: record.id,
                                                    score: record.score, fingerprint: fingerprints[offset],
                                                    prior: priors[offset]))
                counts[record.file] += 1
                ord += 1
            }
            try workspace.insert(entries)
            progress.update(records: ord, bytes: batches.bytesRead, totalBytes: totalBytes)
        }
        return counts
    }

    /// Builds clusters from exact groups and LSH buckets and records a keeper per cluster. Returns the cluster count.
    private func cluster(_ workspace: DedupWorkspace, progress: DatasetProgress) throws -> Int {
        var sets = SparseUnionFind()
        let settings = options.settings
        if settings.exact {
            try workspace.forEachExactGroup { members in
                for member in members.dropFirst() { sets.union(members[0], member) }
            }
        }
        if let minhash = settings.minhash {
            try workspace.forEachBandGroup { members, reader in
                guard settings.verifyJaccard else {
                    for member in members.dropFirst() { sets.union(members[0], member) }
                    return
                }
                var shingles: [Int: [UInt64]] = [:]
                func set(_ ord: Int) throws -> [UInt64] {
                    if let cached = shingles[ord] { return cached }
                    let loaded = try reader.shingles(ord)
                    shingles[ord] = loaded
                    return loaded
                }
                for position in 1..<members.count {
                    let member = members[position]
                    for earlier in members[0..<position] where sets.find(earlier) != sets.find(member) {
                        if Jaccard.similarity(try set(earlier), try set(member)) >= minhash.threshold {
                            sets.union(earlier, member)
                        }
                    }
                }
            }
        }
        let components = sets.components()
        var removals: [(ord: Int, kept: Int, kind: DuplicateKind, similarity: Double?)] = []
        for component in components {
            let members = try workspace.members(component)
            let keeper = members.dropFirst().reduce(members[0]) { Self.isBetter($1, than: $0) ? $1 : $0 }
            let keeperShingles = settings.verifyJaccard ? try workspace.shingles(keeper.ord) : nil
            for member in members where member.ord != keeper.ord {
                let exact = member.exact != nil && member.exact == keeper.exact
                var similarity: Double?
                if let keeperShingles {
                    similarity = Jaccard.similarity(try workspace.shingles(member.ord), keeperShingles)
                }
                removals.append((member.ord, keeper.ord, exact ? .exact : .near, similarity))
            }
            if removals.count >= 10_000 {
                try workspace.markRemoved(removals)
                removals.removeAll(keepingCapacity: true)
            }
        }
        try workspace.markRemoved(removals)
        return components.count
    }

    /// The keeper rule (`DuplicateClusterer.isBetter`), then the exact hash and the input position for records
    /// that share id and score.
    static func isBetter(_ lhs: DedupWorkspace.Member, than rhs: DedupWorkspace.Member) -> Bool {
        if lhs.id != rhs.id || lhs.score != rhs.score {
            return DuplicateClusterer.isBetter(id: lhs.id, score: lhs.score, than: rhs.id, score: rhs.score)
        }
        let left = [UInt8](lhs.exact ?? Data()), right = [UInt8](rhs.exact ?? Data())
        if left != right { return left.lexicographicallyPrecedes(right) }
        return lhs.ord < rhs.ord
    }

    /// Writes `removed.jsonl`; returns removal counts by kind.
    private func writeRemoved(_ workspace: DedupWorkspace, outputs: [URL]) throws -> [DuplicateKind: Int] {
        let writer = try LineFileWriter(url: outputDirectory.appendingPathComponent(Self.removedFileName), level: nil)
        var counts: [DuplicateKind: Int] = [:]
        do {
            try workspace.forEachRemoval { removal in
                var pairs: [(String, JSONValue)] = [
                    ("id", .string(removal.id)), ("file", .string(inputs[removal.file].displayName)),
                    ("line", .int(removal.line)), ("reason", .string("duplicate_of:\(removal.duplicateOf)")),
                    ("cluster", .string(removal.duplicateOf)), ("kind", .string(removal.kind.rawValue)),
                ]
                if let similarity = removal.similarity { pairs.append(("similarity", .double(similarity))) }
                try writer.write(line: Data(JSONValue.object(pairs).serialized().utf8))
                counts[removal.kind, default: 0] += 1
            }
            try writer.finish()
        } catch {
            writer.discard()
            throw error
        }
        return counts
    }

    /// Pass 2: copies every kept line unchanged. Returns kept records per input.
    private func writeKept(_ workspace: DedupWorkspace, outputs: [URL], expected: Int,
                           progress: DatasetProgress) throws -> [Int] {
        var set = DatasetOutputSet(urls: outputs, level: options.zstdLevel)
        do {
            try workspace.withRemovedOrds { nextRemoved in
                var lines = DatasetLineBatches(inputs: inputs)
                var removed = try nextRemoved()
                var ord = 0
                while let batch = try lines.next(maxLines: 8192, maxBytes: 16 << 20) {
                    for entry in batch {
                        if ord == removed {
                            removed = try nextRemoved()
                        } else {
                            try set.write(file: entry.file, line: entry.line.bytes)
                        }
                        ord += 1
                    }
                    progress.update(records: ord, bytes: lines.bytesRead)
                }
                guard ord == expected else {
                    throw RefineryError.input("the inputs changed while dedup was running (\(expected) records "
                                              + "read first, \(ord) now)")
                }
            }
            try set.finish()
        } catch {
            set.discard()
            throw error
        }
        return set.kept
    }

    private func makeSummary(counts: [Int], kept: [Int], removed: [DuplicateKind: Int], clusters: Int,
                             outputs: [URL]) -> StreamingDedupSummary {
        let records = counts.reduce(0, +)
        let keptTotal = kept.reduce(0, +)
        var settingsJSON = options.settings.json
        if case .object(var pairs) = settingsJSON {
            pairs.append(("field", .string(options.read.field.description)))
            pairs.append(("id_field", .string(options.read.idField)))
            pairs.append(("score_field", .string(options.read.scoreField ?? "")))
            settingsJSON = .object(pairs)
        }
        var pairs: [(String, JSONValue)] = [
            ("records", .int(records)), ("kept", .int(keptTotal)),
            ("removed", .object([
                ("exact", .int(removed[.exact] ?? 0)), ("near", .int(removed[.near] ?? 0)),
                ("index", .int(removed[.index] ?? 0)),
            ])),
            ("clusters", .int(clusters)),
            ("settings", settingsJSON),
        ]
        if let minhash = options.settings.minhash, let lsh = try? minhash.lshParameters() {
            pairs.append(("catch_rate", .array(lsh.catchRateCurve().map {
                .object([("similarity", .double($0.similarity)), ("probability", .double($0.probability))])
            })))
        }
        pairs.append(("inputs", .array(inputs.indices.map { index in
            .object([("file", .string(inputs[index].displayName)), ("records", .int(counts[index])),
                     ("kept", .int(kept[index])), ("output", .string(outputs[index].lastPathComponent))])
        })))
        if let indexURL = options.indexURL { pairs.append(("index", .string(indexURL.path))) }
        return StreamingDedupSummary(records: records, kept: keptTotal, removedExact: removed[.exact] ?? 0,
                                     removedNear: removed[.near] ?? 0, removedByIndex: removed[.index] ?? 0,
                                     clusters: clusters, json: .object(pairs))
    }
}

/// Union-find over the few records that take part in duplicate pairs (a dictionary, not an array over all records).
struct SparseUnionFind {
    private var parent: [Int: Int] = [:]
    private var size: [Int: Int] = [:]

    mutating func find(_ element: Int) -> Int {
        var node = element
        while let next = parent[node], next != node {
            let grand = parent[next] ?? next
            parent[node] = grand
            node = grand
        }
        return node
    }

    mutating func union(_ lhs: Int, _ rhs: Int) {
        var a = find(lhs)
        var b = find(rhs)
        if a == b { return }
        if size[a, default: 1] < size[b, default: 1] { swap(&a, &b) }
        parent[a] = a
        parent[b] = a
        size[a] = size[a, default: 1] + size[b, default: 1]
        size[b] = nil
    }

    /// Sets with at least two members, each sorted, ordered by their smallest member.
    mutating func components() -> [[Int]] {
        var groups: [Int: [Int]] = [:]
        for element in Array(parent.keys) {
            groups[find(element), default: []].append(element)
        }
        return groups.values.filter { $0.count > 1 }.map { $0.sorted() }.sorted { $0[0] < $1[0] }
    }
}
