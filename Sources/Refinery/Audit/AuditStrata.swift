import Foundation

/// A group of samples the audit draws examples from: `accepted`, `borderline` (scores nearest a judge's
/// threshold) or `rejected:<reason>`; candidates are in a fixed order derived from the run id, so the same run
/// always gives the same examples.
public struct AuditStratum: Sendable, Hashable {
    public var name: String
    public var sampleIDs: [Int64]
}

/// One chosen example: which stratum it represents and the sample.
public struct AuditPick: Sendable, Hashable {
    public var stratum: String
    public var sampleID: Int64
}

enum AuditStrata {
    /// Groups rejection reasons that carry a per-record suffix: `duplicate_of:<id>` becomes `duplicate_of:*`.
    static func reasonKey(_ reason: String) -> String {
        reason.hasPrefix("duplicate_of:") ? "duplicate_of:*" : reason
    }

    /// A pseudo-random but reproducible order key for a sample in a run.
    static func orderKey(runID: String, sampleID: Int64) -> String {
        Hashing.sha256Hex("\(runID)|\(sampleID)")
    }

    /// The strata of a run: accepted, borderline, then one per rejection reason (most frequent first).
    static func make(
        runID: String, rows: [AuditSampleRow], judgments: [Int64: [Judgment]],
        config: AuditRunConfig
    ) -> [AuditStratum] {
        var keys: [Int64: String] = [:]
        func key(_ id: Int64) -> String {
            if let known = keys[id] { return known }
            let value = orderKey(runID: runID, sampleID: id)
            keys[id] = value
            return value
        }
        func shuffled(_ ids: [Int64]) -> [Int64] { ids.sorted { key($0) < key($1) } }
        var accepted: [Int64] = []
        var rejected: [String: [Int64]] = [:]
        var distances: [(id: Int64, distance: Double)] = []
        for row in rows {
            if row.state == .accepted { accepted.append(row.id) }
            if row.state == .rejected { rejected[reasonKey(row.rejectReason ?? "unknown"), default: []].append(row.id) }
            var nearest: Double?
            for judgment in judgments[row.id] ?? [] {
                guard let score = judgment.score, score.isFinite,
                    let threshold = config.judge(judgment.judge, task: row.task)?.threshold
                else { continue }
                nearest = min(nearest ?? .infinity, abs(score - threshold))
            }
            if let nearest { distances.append((row.id, nearest)) }
        }
        let borderline = distances.sorted {
            $0.distance != $1.distance ? $0.distance < $1.distance : key($0.id) < key($1.id)
        }.map(\.id)
        var strata = [
            AuditStratum(name: "accepted", sampleIDs: shuffled(accepted)),
            AuditStratum(name: "borderline", sampleIDs: borderline),
        ]
        let reasons = rejected.keys.sorted { (rejected[$0]?.count ?? 0, $1) > (rejected[$1]?.count ?? 0, $0) }
        for reason in reasons {
            strata.append(AuditStratum(name: "rejected:\(reason)", sampleIDs: shuffled(rejected[reason] ?? [])))
        }
        return strata
    }

    /// Examples for a report: up to `perStratum[name]` (or `perReason` for rejection strata, at most `maxReasons`
    /// reasons) from each stratum, borderline first so the other strata do not repeat its samples.
    static func examples(
        _ strata: [AuditStratum], accepted: Int, borderline: Int, perReason: Int,
        maxReasons: Int
    ) -> [AuditPick] {
        var quotas: [Int] = []
        var reasonsSeen = 0
        for stratum in strata {
            switch stratum.name {
            case "accepted": quotas.append(accepted)
            case "borderline": quotas.append(borderline)
            default:
                quotas.append(reasonsSeen < maxReasons ? perReason : 0)
                reasonsSeen += 1
            }
        }
        return allocate(strata, quotas: quotas, total: quotas.reduce(0, +), redistribute: false)
    }

    /// `total` review samples: half accepted (rounded up), a fifth borderline, the rest spread over the rejection
    /// reasons (most frequent first); a stratum too small to fill its share passes the rest on, round-robin.
    static func review(_ strata: [AuditStratum], total: Int) -> [AuditPick] {
        let reasonCount = strata.filter { $0.name.hasPrefix("rejected:") }.count
        let acceptedShare = (total + 1) / 2
        let borderlineShare = total / 5
        let rejectedShare = max(0, total - acceptedShare - borderlineShare)
        var quotas: [Int] = []
        var reasonIndex = 0
        for stratum in strata {
            switch stratum.name {
            case "accepted": quotas.append(acceptedShare)
            case "borderline": quotas.append(borderlineShare)
            default:
                let base = reasonCount == 0 ? 0 : rejectedShare / reasonCount
                quotas.append(base + (reasonIndex < rejectedShare % max(1, reasonCount) ? 1 : 0))
                reasonIndex += 1
            }
        }
        return allocate(strata, quotas: quotas, total: total, redistribute: true)
    }

    /// Takes each stratum's quota (borderline first), then, when `redistribute`, one more from each stratum in
    /// turn until `total` is reached or every stratum is used up. A sample is picked at most once. The result is
    /// in stratum order.
    static func allocate(_ strata: [AuditStratum], quotas: [Int], total: Int, redistribute: Bool) -> [AuditPick] {
        var used = Set<Int64>()
        var picks = [[Int64]](repeating: [], count: strata.count)
        var cursors = [Int](repeating: 0, count: strata.count)
        var count = 0
        func takeOne(_ index: Int) -> Bool {
            let ids = strata[index].sampleIDs
            while cursors[index] < ids.count {
                let id = ids[cursors[index]]
                cursors[index] += 1
                if used.insert(id).inserted {
                    picks[index].append(id)
                    count += 1
                    return true
                }
            }
            return false
        }
        let order = strata.indices.sorted {
            (strata[$0].name == "borderline" ? 0 : 1, $0) < (strata[$1].name == "borderline" ? 0 : 1, $1)
        }
        for index in order {
            var taken = 0
            while taken < quotas[index] && count < total && takeOne(index) { taken += 1 }
        }
        if redistribute {
            var progress = true
            while count < total && progress {
                progress = false
                for index in strata.indices where count < total {
                    if takeOne(index) { progress = true }
                }
            }
        }
        return strata.indices.flatMap { index in
            picks[index].map { AuditPick(stratum: strata[index].name, sampleID: $0) }
        }
    }
}
