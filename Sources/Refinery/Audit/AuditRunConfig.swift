import Foundation

/// What the audit needs from the run's canonical config (`run_info.config_json`): each task's judges in order with
/// their thresholds, and whether judging continued after a failure. Missing or unreadable config gives empty values,
/// and the audit falls back to what the ledger itself shows.
struct AuditRunConfig: Sendable, Hashable {
    struct JudgeSpec: Sendable, Hashable {
        var name: String
        /// The pass threshold of a scored judge: `score >= threshold` passes when `higherIsBetter`, else `<=`.
        var threshold: Double?
        var higherIsBetter: Bool
    }

    struct TaskSpec: Sendable, Hashable {
        var name: String
        var kind: String
        var judges: [JudgeSpec]
    }

    var tasks: [TaskSpec] = []
    var runAllJudges = false
    var exactDedup: Bool?
    var nearDedup = false
    var benchmarks = 0

    init() {}

    init(json text: String?) {
        guard let text, let value = try? JSONValue.parse(text) else { return }
        runAllJudges = value["run_all_judges"]?.boolValue ?? false
        if let dedup = value["dedup"] {
            exactDedup = dedup["exact"]?.boolValue
            nearDedup = dedup["minhash"] != nil
            benchmarks = dedup["decontaminate"]?.arrayValue?.count ?? 0
        }
        for task in value["tasks"]?.arrayValue ?? [] {
            guard let name = task["name"]?.stringValue else { continue }
            let judges: [JudgeSpec] = (task["judges"]?.arrayValue ?? []).compactMap { judge in
                guard let kind = judge["kind"]?.stringValue else { return nil }
                if let minimum = judge["min_score"]?.doubleValue {
                    return JudgeSpec(name: kind, threshold: minimum, higherIsBetter: true)
                }
                if let maximum = judge["max_nll"]?.doubleValue {
                    return JudgeSpec(name: kind, threshold: maximum, higherIsBetter: false)
                }
                return JudgeSpec(name: kind, threshold: nil, higherIsBetter: true)
            }
            tasks.append(TaskSpec(name: name, kind: task["kind"]?.stringValue ?? "", judges: judges))
        }
    }

    func task(_ name: String) -> TaskSpec? { tasks.first { $0.name == name } }

    func judge(_ name: String, task: String) -> JudgeSpec? { self.task(task)?.judges.first { $0.name == name } }
}
