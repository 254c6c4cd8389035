import Foundation

/// A snapshot of a run for `refinery status`: funnel counts, progress and throughput, read from the ledger.
public struct RunStatus: Sendable {
    public var runID: String
    public var pipeline: String
    public var model: String
    public var created: String
    public var seeds: Int
    public var quarantined: Int
    public var states: [SampleState: Int]
    public var perTask: [(task: String, states: [SampleState: Int])]
    public var rejections: [(reason: String, count: Int)]
    public var shards: [ShardRecord]
    public var stageTimes: [(stage: String, seconds: Double, items: Int)]
    public var finished: Bool

    public var samples: Int { states.values.reduce(0, +) }
    public var terminal: Int { (states[.accepted] ?? 0) + (states[.rejected] ?? 0) }

    public init(ledger: RunLedger) throws {
        let info = try ledger.allInfo()
        runID = info["run_id"] ?? "?"
        pipeline = info["pipeline"] ?? "?"
        model = info["model"] ?? "?"
        created = info["created"] ?? "?"
        seeds = try ledger.seedCount()
        quarantined = try ledger.quarantined().count
        states = try ledger.stateCounts()
        perTask = try ledger.stateCountsByTask()
        rejections = try ledger.rejectionReasons()
        shards = try ledger.shards()
        stageTimes = try ledger.stageTimes()
        finished = try ledger.events().last?.kind == "finish"
    }

    /// A plain-text report.
    public func render() -> String {
        var lines: [String] = []
        lines.append("run       \(runID)")
        lines.append("pipeline  \(pipeline)   model \(model)   started \(created)")
        let progress = samples == 0 ? 0 : Double(terminal) / Double(samples) * 100
        lines.append(String(format: "state     %@ (%d of %d samples finished, %.1f%%)",
                            finished ? "finished" : "in progress or interrupted", terminal, samples, progress))
        lines.append("")
        lines.append("seeds \(seeds)" + (quarantined > 0 ? "   quarantined inputs \(quarantined)" : ""))
        let header = ["task", "samples", "pending", "generated", "judged", "kept", "accepted", "rejected"]
        var rows = [header]
        for (task, counts) in perTask {
            rows.append([task, String(counts.values.reduce(0, +))] + SampleState.allCases.map { String(counts[$0] ?? 0) })
        }
        rows.append(["all", String(samples)] + SampleState.allCases.map { String(states[$0] ?? 0) })
        lines += TextTable.render(rows, rightAligned: Set(1..<header.count))
        if !rejections.isEmpty {
            lines.append("")
            lines.append("rejections")
            lines += TextTable.render(rejections.map { [$0.reason, String($0.count)] }, rightAligned: [1], indent: 2)
        }
        lines.append("")
        let records = shards.reduce(0) { $0 + $1.records }
        let bytes = shards.reduce(0) { $0 + $1.bytes }
        lines.append("shards \(shards.count), \(records) records, \(ByteSize.format(bytes))")
        if !stageTimes.isEmpty {
            lines.append("")
            lines.append("time per stage")
            lines += TextTable.render(stageTimes.map { stage in
                let rate = stage.seconds > 0 ? Double(stage.items) / stage.seconds : 0
                return [stage.stage, String(format: "%.1f s", stage.seconds), "\(stage.items) items",
                        String(format: "%.2f/s", rate)]
            }, rightAligned: [1, 2, 3], indent: 2)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Aligned plain-text tables.
public enum TextTable {
    public static func render(_ rows: [[String]], rightAligned: Set<Int> = [], indent: Int = 0) -> [String] {
        guard let columns = rows.map(\.count).max() else { return [] }
        var widths = [Int](repeating: 0, count: columns)
        for row in rows { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        return rows.map { row in
            let cells = row.enumerated().map { index, cell in
                let pad = String(repeating: " ", count: widths[index] - cell.count)
                return rightAligned.contains(index) ? pad + cell : cell + pad
            }
            return String(repeating: " ", count: indent) + cells.joined(separator: "  ").trimmingTrailingSpaces()
        }
    }
}

extension String {
    func trimmingTrailingSpaces() -> String {
        var result = self
        while result.last == " " { result.removeLast() }
        return result
    }
}
