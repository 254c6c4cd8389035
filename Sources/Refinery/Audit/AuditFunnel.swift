import Foundation

/// One step of a funnel: how many samples reached it, how many it rejected, how many wait at it (in flight) and
/// how many went on to the next step.
public struct FunnelStage: Sendable, Hashable {
    /// `generate`, `parse`, `judge:<name>`, `dedup`, `decontaminate`, any other reject stage found in the ledger,
    /// and `write` (accepted into a shard).
    public var name: String
    public var entered: Int
    public var rejected: Int
    public var waiting: Int

    public var passed: Int { entered - rejected - waiting }
    /// Passed over decided (entered minus waiting); nil when nothing was decided here yet.
    public var passRate: Double? { ratio(passed, entered - waiting) }
}

/// The path of a set of samples from seeds to shards, with counts that reconcile with the ledger: every generated
/// sample is accepted, rejected at exactly one stage, or in flight.
public struct SampleFunnel: Sendable, Hashable {
    /// What the funnel covers: a task name, or `task kind round N` in the per-kind/round breakdown.
    public var label: String
    public var task: String
    /// Distinct seeds these samples came from.
    public var seeds: Int
    public var planned: Int
    /// Not generated yet.
    public var pending: Int
    /// Asked of the model (every state but `pending`).
    public var generated: Int
    public var accepted: Int
    public var rejected: Int
    /// Generated but neither accepted nor rejected yet (`generated`, `judged`, `kept`).
    public var inFlight: Int
    public var stages: [FunnelStage]

    public var yield: Double? { ratio(accepted, generated) }

    /// generated = accepted + rejected + in flight, each stage's rejections add up to the rejected count and the
    /// last stage passes exactly the accepted samples.
    public var reconciles: Bool {
        generated == accepted + rejected + inFlight
            && stages.reduce(0) { $0 + $1.rejected } == rejected
            && (stages.last?.passed ?? accepted) == accepted
            && planned == generated + pending
    }

    public func stage(_ name: String) -> FunnelStage? { stages.first { $0.name == name } }

    /// Builds the funnel of `rows`; `judges` is the configured judge order (judges seen only in the ledger follow).
    static func make(label: String, task: String, rows: [AuditSampleRow], judges: [String]) -> SampleFunnel {
        var rejectedAt: [String: Int] = [:]
        var states: [SampleState: Int] = [:]
        for row in rows {
            states[row.state, default: 0] += 1
            if row.state == .rejected { rejectedAt[row.rejectStage ?? "unknown", default: 0] += 1 }
        }
        var names = ["generate", "parse"] + judges.map { "judge:\($0)" } + ["dedup"]
        if !rejectedAt.keys.contains(where: { stageGroup($0) == 6 }) { names.append("decontaminate") }
        let builtin = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        for stage in rejectedAt.keys.sorted() where builtin[stage] == nil && stage != "write" { names.append(stage) }
        func key(_ name: String) -> (Int, Int, String) { (stageGroup(name), builtin[name] ?? Int.max, name) }
        names.sort { key($0) < key($1) }
        names.append("write")
        // In-flight samples wait where their next decision happens: pending before generation, generated before
        // parsing, judged before the first post-judge stage (difficulty or selection), kept before the shards.
        var waitingAt: [String: Int] = [
            "generate": states[.pending] ?? 0,
            "parse": states[.generated] ?? 0,
            "write": states[.kept] ?? 0,
        ]
        let afterJudges = names.first { stageGroup($0) >= 4 } ?? "write"
        waitingAt[afterJudges, default: 0] += states[.judged] ?? 0
        var stages: [FunnelStage] = []
        var entering = rows.count
        for name in names {
            let stage = FunnelStage(
                name: name, entered: entering, rejected: rejectedAt[name] ?? 0,
                waiting: waitingAt[name] ?? 0)
            stages.append(stage)
            entering = stage.passed
        }
        let pending = states[.pending] ?? 0
        let inFlight = (states[.generated] ?? 0) + (states[.judged] ?? 0) + (states[.kept] ?? 0)
        return SampleFunnel(
            label: label, task: task, seeds: Set(rows.map(\.seedOrdinal)).count, planned: rows.count,
            pending: pending, generated: rows.count - pending, accepted: states[.accepted] ?? 0,
            rejected: states[.rejected] ?? 0, inFlight: inFlight, stages: stages)
    }

    /// Where a reject stage sits in the pipeline: 0 generation, 1 parse, 2 checks before the judges (`evolve`:
    /// restates its parent), 3 judges, 4 difficulty labelling, 5 selection (`select`, `dedup`, `diversity`),
    /// 6 decontamination, 7 anything else (after the known stages, before the shards are written).
    static func stageGroup(_ stage: String) -> Int {
        let name = stage.lowercased()
        if name.hasPrefix("generat") { return 0 }
        if name == "parse" { return 1 }
        if name == "evolve" || name == "repair" { return 2 }
        if name.hasPrefix("judge:") { return 3 }
        if name.hasPrefix("difficulty") { return 4 }
        if name == "select" || name.contains("dedup") || name.contains("duplicate") || name.contains("diversity") {
            return 5
        }
        if name.contains("contamina") { return 6 }
        return 7
    }
}
