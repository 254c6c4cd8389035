import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `refinery bench dedup`: MinHash signature and LSH throughput on synthetic documents, against Python datasketch on
/// the same documents in the same run.
///
/// Per-core numbers use the thread's CPU time (and the baseline's process CPU time), so other load on the machine
/// does not skew the ratio; wall-clock numbers are reported alongside.
public struct DedupBenchmark {
    public var documents: Int
    public var threads: Int
    public var config: MinHashConfig
    /// nil skips the baseline.
    public var baseline: DatasketchBaseline?

    public init(documents: Int = 100_000, threads: Int = 0, config: MinHashConfig = .defaults,
                baseline: DatasketchBaseline? = DatasketchBaseline()) {
        self.documents = documents
        self.threads = threads
        self.config = config
        self.baseline = baseline
    }

    public struct Report: Sendable {
        public var documents: Int
        public var bytes: Int
        public var permutations: Int
        public var threads: Int
        /// One thread, CPU seconds: normalize + shingle + hash + MinHash.
        public var signatureCPUSeconds: Double
        public var signatureWallSeconds: Double
        /// All threads, wall seconds.
        public var parallelSignatureWallSeconds: Double?
        /// One thread, CPU seconds: band keys, bucket inserts and candidate pairs.
        public var lshCPUSeconds: Double
        public var candidatePairs: Int
        public var plantedPairs: Int
        public var plantedFound: Int
        public var baseline: DatasketchBaseline.Outcome?

        /// Our per-core signature speed over the baseline's (CPU time both sides).
        public var signatureRatio: Double? {
            guard case .measured(let base)? = baseline, base.signatureCPUSeconds > 0, signatureCPUSeconds > 0 else {
                return nil
            }
            return (Double(documents) / signatureCPUSeconds) / (Double(base.documents) / base.signatureCPUSeconds)
        }

        public var lshRatio: Double? {
            guard case .measured(let base)? = baseline, base.lshCPUSeconds > 0, lshCPUSeconds > 0 else { return nil }
            return (Double(documents) / lshCPUSeconds) / (Double(base.documents) / base.lshCPUSeconds)
        }
    }

    public func run(progress: DatasetProgress = .silent) throws -> Report {
        try config.validate()
        progress.log("generating \(documents) synthetic documents")
        let corpus = SyntheticCorpus(count: documents)
        let docs = corpus.documents
        let hasher = try config.minHasher()
        let lsh = try config.lshParameters()

        progress.log("signatures, 1 thread")
        let wallStart = Date()
        let cpuStart = Self.threadCPUTime()
        var signatures: [MinHashSignature] = []
        signatures.reserveCapacity(docs.count)
        for document in docs { signatures.append(hasher.signature(of: document)) }
        let signatureCPU = Self.threadCPUTime() - cpuStart
        let signatureWall = Date().timeIntervalSince(wallStart)

        let threadCount = threads <= 0 ? ParallelMap.defaultThreads : threads
        var parallelWall: Double?
        if threadCount > 1 {
            progress.log("signatures, \(threadCount) threads")
            let start = Date()
            let parallel = ParallelMap.map(docs.count, threads: threadCount) { hasher.signature(of: docs[$0]) }
            parallelWall = Date().timeIntervalSince(start)
            guard parallel == signatures else {
                throw RefineryError.internal("parallel signatures differ from single-threaded ones")
            }
        }

        progress.log("LSH bucketing")
        let lshStart = Self.threadCPUTime()
        var buckets: [BandKey: [Int32]] = [:]
        for (index, signature) in signatures.enumerated() where !signature.isEmpty {
            for (band, key) in lsh.bandKeys(signature).enumerated() {
                buckets[BandKey(band: band, key: key), default: []].append(Int32(index))
            }
        }
        var pairs = Set<UInt64>()
        for members in buckets.values where members.count > 1 {
            for later in 1..<members.count {
                for earlier in 0..<later {
                    pairs.insert(UInt64(members[earlier]) << 32 | UInt64(members[later]))
                }
            }
        }
        let lshCPU = Self.threadCPUTime() - lshStart
        let found = corpus.planted.filter { pairs.contains(UInt64($0.original) << 32 | UInt64($0.copy)) }.count

        var report = Report(
            documents: docs.count, bytes: corpus.totalBytes, permutations: hasher.permutations, threads: threadCount,
            signatureCPUSeconds: signatureCPU, signatureWallSeconds: signatureWall,
            parallelSignatureWallSeconds: parallelWall, lshCPUSeconds: lshCPU, candidatePairs: pairs.count,
            plantedPairs: corpus.planted.count, plantedFound: found, baseline: nil)
        if let baseline {
            progress.log("datasketch baseline on the same documents (this takes a while)")
            report.baseline = try runBaseline(baseline, documents: docs)
        }
        return report
    }

    private func runBaseline(_ baseline: DatasketchBaseline, documents: [String]) throws -> DatasketchBaseline.Outcome {
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("refinery-bench-dedup-\(ProcessInfo.processInfo.processIdentifier)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("documents.jsonl")
        let writer = try LineFileWriter(url: input, level: nil)
        for document in documents {
            try writer.write(line: Data(JSONValue.object([("text", .string(document))]).serialized().utf8))
        }
        try writer.finish()
        return baseline.run(input: input, permutations: config.bands * config.rows, ngram: config.ngram,
                            bands: config.bands, rows: config.rows)
    }

    /// CPU time of the calling thread, in seconds.
    static func threadCPUTime() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}

extension DedupBenchmark.Report {
    /// Machine-readable report (`--json`).
    public var json: JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("documents", .int(documents)), ("bytes", .int(bytes)), ("permutations", .int(permutations)),
            ("threads", .int(threads)),
            ("signatures", .object([
                ("cpu_seconds", .double(signatureCPUSeconds)), ("wall_seconds", .double(signatureWallSeconds)),
                ("documents_per_second", .double(Double(documents) / signatureCPUSeconds)),
                ("mb_per_second", .double(Double(bytes) / signatureCPUSeconds / 1e6)),
            ])),
        ]
        if let parallel = parallelSignatureWallSeconds {
            pairs.append(("signatures_parallel", .object([
                ("threads", .int(threads)), ("wall_seconds", .double(parallel)),
                ("documents_per_second", .double(Double(documents) / parallel)),
                ("mb_per_second", .double(Double(bytes) / parallel / 1e6)),
            ])))
        }
        pairs.append(("lsh", .object([
            ("cpu_seconds", .double(lshCPUSeconds)),
            ("documents_per_second", .double(Double(documents) / lshCPUSeconds)),
            ("mb_per_second", .double(Double(bytes) / lshCPUSeconds / 1e6)),
            ("candidate_pairs", .int(candidatePairs)),
            ("planted_pairs", .int(plantedPairs)), ("planted_found", .int(plantedFound)),
        ])))
        switch baseline {
        case .measured(let base)?:
            pairs.append(("baseline", .object([
                ("datasketch", .string(base.version)), ("python", .string(base.pythonVersion)),
                ("documents", .int(base.documents)),
                ("signature_cpu_seconds", .double(base.signatureCPUSeconds)),
                ("signature_wall_seconds", .double(base.signatureWallSeconds)),
                ("signature_documents_per_second", .double(Double(base.documents) / base.signatureCPUSeconds)),
                ("minhash_only_cpu_seconds", .double(base.minhashCPUSeconds)),
                ("lsh_cpu_seconds", .double(base.lshCPUSeconds)),
                ("lsh_documents_per_second", .double(Double(base.documents) / base.lshCPUSeconds)),
                ("candidate_pairs", .int(base.candidatePairs)),
            ])))
            pairs.append(("signature_speedup_per_core", .double(signatureRatio ?? 0)))
            pairs.append(("lsh_speedup_per_core", .double(lshRatio ?? 0)))
        case .unavailable(let reason)?:
            pairs.append(("baseline", .object([("unavailable", .string(reason))])))
        case nil:
            pairs.append(("baseline", .object([("unavailable", .string("skipped (--no-baseline)"))])))
        }
        return .object(pairs)
    }

    /// The report for people.
    public var text: String {
        func rate(_ seconds: Double) -> String {
            String(format: "%10.0f docs/s  %8.1f MB/s", Double(documents) / seconds, Double(bytes) / seconds / 1e6)
        }
        var lines = [
            String(format: "%d synthetic documents, %.1f MB, %d permutations", documents, Double(bytes) / 1e6,
                   permutations),
            "signatures, 1 thread (CPU time):  " + rate(signatureCPUSeconds),
        ]
        if let parallel = parallelSignatureWallSeconds {
            lines.append("signatures, \(threads) threads (wall):    " + rate(parallel))
        }
        lines.append("LSH bucketing, 1 thread (CPU):     " + rate(lshCPUSeconds)
                     + "  (\(candidatePairs) candidate pairs; \(plantedFound)/\(plantedPairs) planted found)")
        switch baseline {
        case .measured(let base)?:
            lines.append(String(format: "datasketch %@ (Python %@), same documents, CPU time:", base.version,
                                base.pythonVersion))
            lines.append(String(format: "  signatures %10.0f docs/s   LSH %10.0f docs/s",
                                Double(base.documents) / base.signatureCPUSeconds,
                                Double(base.documents) / base.lshCPUSeconds))
            lines.append(String(format: "per-core speedup: signatures %.1f×, LSH %.1f×", signatureRatio ?? 0,
                                lshRatio ?? 0))
        case .unavailable(let reason)?:
            lines.append("datasketch baseline unavailable: \(reason); only Refinery's numbers are reported")
        case nil:
            lines.append("datasketch baseline skipped")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
