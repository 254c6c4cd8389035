import Foundation

/// One run of a pipeline in a run directory: start it, or resume it after an interruption.
///
/// Stages: acquire seeds → plan samples → generate, parse and judge (concurrently; the generator batches) →
/// repair verifier failures and evolve accepted problems, round by round → label difficulty → select (dedup,
/// decontamination, diversity caps) → write shards → manifest. Every step is recorded in the ledger, so a run
/// killed at any moment resumes with only the unfinished work, and every accepted record lands in exactly one shard.
public final class PipelineRun: Sendable {
    public let config: PipelineConfig
    public let options: RunOptions
    public let backend: PipelineBackend
    public let tasks: [TaskRuntime]
    public let ledger: RunLedger
    public let runID: String
    public let configHash: String
    public let modelIdentity: String
    let progress: ProgressReporter
    private let lock: RunLock

    public var shardsDirectory: URL { options.directory.appendingPathComponent("shards") }
    public var manifestURL: URL { options.directory.appendingPathComponent(Manifest.fileName) }

    /// Opens or creates the run directory, takes its lock and checks that a resumed run has the same config.
    public init(config: PipelineConfig, options: RunOptions, backend: PipelineBackend, tasks: [TaskRuntime]) throws {
        self.config = config
        self.options = options
        self.backend = backend
        self.tasks = tasks
        self.progress = ProgressReporter(mode: options.progress)
        let directory = options.directory
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw RefineryError.usage("cannot create the run directory: \(error.localizedDescription)",
                                      at: SourceLocation(file: directory.path))
        }
        lock = try RunLock(url: directory.appendingPathComponent(".lock"))
        modelIdentity = backend.generator.identity
        configHash = try config.hash(modelIdentity: modelIdentity)
        let ledgerURL = directory.appendingPathComponent(RunLedger.fileName)
        var ledger = try RunLedger(url: ledgerURL)
        if let existing = try ledger.info("config_hash"), existing != configHash {
            guard options.newRun else {
                throw RefineryError.usage(
                    "this run directory holds a run with a different configuration (config hash \(existing.prefix(12)), "
                        + "now \(configHash.prefix(12))); use another --out, or --new-run to start over here",
                    at: SourceLocation(file: directory.path))
            }
            ledger = try Self.moveAside(directory: directory)
        }
        self.ledger = ledger
        if let id = try ledger.info("run_id") {
            runID = id
        } else {
            let stamp = Timestamp.now().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: ":", with: "")
            runID = "\(config.name)-\(stamp.prefix(15))-\(configHash.prefix(8))"
            try ledger.setInfo("run_id", runID)
            try ledger.setInfo("config_hash", configHash)
            try ledger.setInfo("config_json", config.canonicalJSON(modelIdentity: modelIdentity).serialized())
            try ledger.setInfo("model", modelIdentity)
            try ledger.setInfo("pipeline", config.name)
            try ledger.setInfo("created", Timestamp.now())
            try ledger.setInfo("refinery_version", RefineryInfo.version)
        }
    }

    /// Moves an old run's files into `previous-<timestamp>/` and returns a fresh ledger.
    private static func moveAside(directory: URL) throws -> RunLedger {
        let stamp = Timestamp.now().replacingOccurrences(of: ":", with: "")
        let aside = directory.appendingPathComponent("previous-\(stamp)")
        let manager = FileManager.default
        try manager.createDirectory(at: aside, withIntermediateDirectories: true)
        for name in [RunLedger.fileName, RunLedger.fileName + "-wal", RunLedger.fileName + "-shm", "shards",
                     Manifest.fileName, "audit"] {
            let url = directory.appendingPathComponent(name)
            if manager.fileExists(atPath: url.path) {
                try manager.moveItem(at: url, to: aside.appendingPathComponent(name))
            }
        }
        return try RunLedger(url: directory.appendingPathComponent(RunLedger.fileName))
    }

    /// Runs (or resumes) to the end and writes the manifest.
    public func run() async throws -> RunSummary {
        let started = Date()
        try ledger.recordEvent("start", "refinery \(RefineryInfo.version), model \(modelIdentity)")
        try recoverShards()
        try acquire()
        try planSamples()
        // Generation, then repairs of verifier failures and evolution rounds until nothing new is planned.
        repeat {
            try await work()
        } while try planFollowUps() > 0
        try await labelDifficulty()
        try select()
        try writeShards()
        try writeManifest()
        try ledger.recordEvent("finish")
        try AuditReport(ledger: ledger).write(to: options.directory.appendingPathComponent("audit"))
        return try summary(seconds: Date().timeIntervalSince(started))
    }

    /// The effective seed limit: the flag, else the pipeline's, else none.
    var seedLimit: Int? { options.limit ?? config.seeds.limit }

    func task(named name: String) throws -> TaskRuntime {
        guard let task = tasks.first(where: { $0.config.name == name }) else {
            throw RefineryError.internal("the ledger names a task \"\(name)\" this pipeline does not have")
        }
        return task
    }

    func summary(seconds: Double) throws -> RunSummary {
        let counts = try ledger.stateCounts()
        let reasons = try ledger.rejectionReasons()
        return RunSummary(
            runID: runID, directory: options.directory, seeds: try ledger.seedCount(),
            samples: counts.values.reduce(0, +), accepted: counts[.accepted] ?? 0, rejected: counts[.rejected] ?? 0,
            rejectionReasons: reasons, shards: try ledger.shards(), quarantined: try ledger.quarantined().count,
            manifestURL: manifestURL, seconds: seconds)
    }
}
