/// Refinery's pipeline library: configuration, corpora, prompting, generation backends, judges, deduplication,
/// shards, the run ledger, audits and export.
public enum RefineryInfo {
    public static let version = "0.1.0"
}
