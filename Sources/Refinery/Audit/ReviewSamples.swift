import Foundation

/// Stratified records for human review (`refinery audit --samples N`): half accepted, a fifth borderline (scores
/// nearest a judge's threshold), the rest spread over the rejection reasons; the choice is fixed by the run id, so
/// the same run always gives the same file.
public enum ReviewSamples {
    /// The default file: `RUN_DIR/audit/review-samples.jsonl`.
    public static func defaultURL(runDirectory: URL) -> URL {
        runDirectory.appendingPathComponent("audit").appendingPathComponent("review-samples.jsonl")
    }

    /// Which samples to review, in stratum order (accepted, borderline, rejection reasons by frequency).
    public static func select(_ report: AuditReport, count: Int) -> [AuditPick] {
        AuditStrata.review(report.strata, total: max(0, count))
    }

    /// One JSON object per line: the stratum, an empty `review` object for the reviewer to fill, and the
    /// sample's full lineage (seed, prompt, output, parse, judgments, dedup, shard file and line).
    public static func lines(_ report: AuditReport, ledger: RunLedger, count: Int) throws -> [String] {
        let picks = select(report, count: count)
        let samples = try ledger.auditSamples(ids: picks.map(\.sampleID))
        var cache = ShardLineCache(runDirectory: ledger.url.deletingLastPathComponent())
        return try picks.compactMap { pick in
            guard let sample = samples[pick.sampleID] else { return nil }
            let lineage = try RecordLineage.load(
                ledger: ledger, sample: sample, runID: report.overview.runID,
                shards: &cache)
            guard case .object(let pairs) = lineage.json(includeShardLine: false) else { return nil }
            let review: JSONValue = .object([("verdict", .string("")), ("notes", .string(""))])
            return JSONValue.object([("stratum", .string(pick.stratum)), ("review", review)] + pairs).serialized()
        }
    }

    /// Writes the review file atomically (creating its folder) and returns how many records it holds.
    @discardableResult
    public static func write(_ report: AuditReport, ledger: RunLedger, count: Int, to url: URL) throws -> Int {
        let lines = try lines(report, ledger: ledger, count: count)
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw RefineryError.usage(
                "cannot create the folder for review samples: \(error.localizedDescription)",
                at: SourceLocation(file: url.path))
        }
        try FileSystem.writeAtomically(Data(lines.map { $0 + "\n" }.joined().utf8), to: url)
        return lines.count
    }
}
