import Foundation

/// The state of a selection pass: which records are taken, and per seed and source how many, so each candidate
/// can be judged against dedup and diversity rules in rank order.
struct Selection {
    struct Verdict {
        var stage: String
        var reason: String
        var detail: String
        var cluster: String?
    }

    let config: PipelineConfig
    let seeds: [Int: SeedRecord]
    /// Near-duplicate indexes per task (MinHash LSH with exact Jaccard verification).
    private var nearIndexes: [String: NearDuplicateIndex] = [:]
    private let contamination: DecontaminationIndex?
    private var owners: [String: Int64] = [:]
    private var perSeed: [String: Int] = [:]
    private var perSource: [String: Int] = [:]
    private var shingles: [(seed: Int, task: String, record: String, set: Set<String>)] = []

    init(config: PipelineConfig, seeds: [Int: SeedRecord]) throws {
        self.config = config
        self.seeds = seeds
        if config.dedup.decontaminate.isEmpty {
            contamination = nil
        } else {
            contamination = try DecontaminationIndex(benchmarks: config.dedup.decontaminate,
                                                     ngram: config.dedup.decontaminationNGram)
        }
    }

    private mutating func nearIndex(_ task: String) throws -> NearDuplicateIndex? {
        guard let minhash = config.dedup.minhash else { return nil }
        if let index = nearIndexes[task] { return index }
        let index = try NearDuplicateIndex(config: minhash, exact: false, verifyJaccard: true)
        nearIndexes[task] = index
        return index
    }

    private func sourceKey(_ sample: SampleRecord) -> String {
        let source = seeds[sample.seedOrdinal]?.source ?? ""
        // JSONL documents are `file:line`; the file is the source.
        let file = source.range(of: ":", options: .backwards).map { String(source[..<$0.lowerBound]) } ?? source
        return "\(sample.task)|\(file)"
    }

    private func text(_ sample: SampleRecord) -> String {
        (sample.problem ?? "") + "\n" + (sample.solution ?? "")
    }

    mutating func take(_ sample: SampleRecord) throws {
        if let record = sample.recordID { owners[record] = sample.id }
        if var index = try nearIndex(sample.task) {
            index.add(id: sample.recordID ?? String(sample.id), text: text(sample))
            nearIndexes[sample.task] = index
        }
        perSeed["\(sample.task)|\(sample.seedOrdinal)", default: 0] += 1
        perSource[sourceKey(sample), default: 0] += 1
        if config.diversity.maxSimilarity != nil {
            shingles.append((sample.seedOrdinal, sample.task, sample.recordID ?? "", TextSimilarity.shingles(text(sample))))
        }
    }

    mutating func rejection(for sample: SampleRecord) throws -> Verdict? {
        guard let record = sample.recordID else {
            return Verdict(stage: "select", reason: "select:no_content", detail: "no parsed content", cluster: nil)
        }
        if config.dedup.exact, let owner = owners[record] {
            return Verdict(stage: "dedup", reason: "duplicate_of:\(record)",
                           detail: "same normalized content as sample \(owner)", cluster: record)
        }
        if let index = try nearIndex(sample.task), let match = index.firstDuplicate(of: text(sample)) {
            let similarity = match.similarity.map { String(format: "Jaccard %.2f", $0) } ?? "LSH candidate"
            return Verdict(stage: "dedup", reason: "duplicate_of:\(match.id)",
                           detail: "near duplicate (\(similarity)) of record \(match.id)", cluster: match.id)
        }
        if let contamination {
            let matches = contamination.matches(text: text(sample) + "\n" + (sample.tests ?? ""))
            if let first = matches.first {
                let benchmark = URL(fileURLWithPath: first.benchmark).lastPathComponent
                return Verdict(stage: "decontaminate", reason: "contaminated:\(benchmark)",
                               detail: "shares \(first.sharedNGrams) \(config.dedup.decontaminationNGram)-grams with "
                                   + "\(benchmark):\(first.line)" + (matches.count > 1 ? " (+\(matches.count - 1) more)" : ""),
                               cluster: nil)
            }
        }
        let diversity = config.diversity
        if let cap = diversity.maxPerSeed, perSeed["\(sample.task)|\(sample.seedOrdinal)", default: 0] >= cap {
            return Verdict(stage: "diversity", reason: "diversity:per_seed",
                           detail: "seed already has \(cap) accepted \(sample.task) samples", cluster: nil)
        }
        if let cap = diversity.maxPerSource, perSource[sourceKey(sample), default: 0] >= cap {
            return Verdict(stage: "diversity", reason: "diversity:per_source",
                           detail: "source already has \(cap) accepted \(sample.task) samples", cluster: nil)
        }
        if let limit = diversity.maxSimilarity {
            let mine = TextSimilarity.shingles(text(sample))
            for other in shingles where other.task == sample.task && other.seed != sample.seedOrdinal {
                let similarity = TextSimilarity.jaccard(mine, other.set)
                if similarity >= limit {
                    return Verdict(stage: "diversity", reason: "diversity:too_similar",
                                   detail: String(format: "Jaccard %.2f with record %@ from another seed", similarity,
                                                  other.record), cluster: other.record)
                }
            }
        }
        return nil
    }
}
