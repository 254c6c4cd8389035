import Foundation

/// How `refinery run` was asked to run, beyond the pipeline file.
public struct RunOptions: Sendable {
    /// The run directory (ledger, shards, manifest, audit).
    public var directory: URL
    /// At most this many seeds (overrides `seeds.limit`).
    public var limit: Int?
    /// Overrides `model.threads`.
    public var threads: Int?
    /// Start over in `directory` when its ledger was made with another config (the old run is moved aside).
    public var newRun: Bool
    /// Where progress goes.
    public var progress: ProgressReporter.Mode

    public init(directory: URL, limit: Int? = nil, threads: Int? = nil, newRun: Bool = false,
                progress: ProgressReporter.Mode = .automatic) {
        self.directory = directory
        self.limit = limit
        self.threads = threads
        self.newRun = newRun
        self.progress = progress
    }
}

/// What a finished run reports.
public struct RunSummary: Sendable {
    public var runID: String
    public var directory: URL
    public var seeds: Int
    public var samples: Int
    public var accepted: Int
    public var rejected: Int
    public var rejectionReasons: [(reason: String, count: Int)]
    public var shards: [ShardRecord]
    public var quarantined: Int
    public var manifestURL: URL
    public var seconds: Double
}
