/// Answers that are equivalent to each other, by index into the input.
public struct MathAnswerCluster: Sendable, Equatable, Codable {
    /// The first member's answer as written.
    public let representative: String
    /// Indices into the input list, ascending.
    public let members: [Int]
}

/// Stable reason codes of self-consistency aggregation.
public enum MathConsistencyReason: String, Sendable, Codable, CaseIterable {
    /// The majority reaches the threshold (and matches the reference, when one is given).
    case consistent = "consistent"
    /// The largest group is below the threshold.
    case lowAgreement = "low_agreement"
    /// Two or more groups share the largest size: no majority answer.
    case tie = "tie"
    /// No usable answer at all.
    case noAnswers = "no_answers"
    /// The majority answer is not equivalent to the reference answer.
    case majorityDiffersFromReference = "majority_differs_from_reference"
}

/// The aggregate of k sampled answers.
public struct MathSelfConsistencyResult: Sendable, Equatable {
    /// Groups of equivalent answers, largest first (ties by first appearance).
    public let clusters: [MathAnswerCluster]
    /// k, including missing and unreadable answers.
    public let total: Int
    /// The representative of the largest group; nil when there are no answers or the top is tied.
    public let majorityAnswer: String?
    /// Size of the largest group divided by `total` (0 when `total` is 0): the sample's score.
    public let agreement: Double
    public let accepted: Bool
    public let reason: MathConsistencyReason
    /// With a reference: the fraction of all k answers equivalent to it (the solve rate used for difficulty).
    public let referenceAgreement: Double?
}

/// Groups k answers by equivalence and decides whether they agree. Sampling the answers is the pipeline's job.
public enum MathSelfConsistency {
    /// - Parameters:
    ///   - answers: extracted answers; nil (no answer) and unreadable answers count in k but join no group.
    ///   - threshold: the agreement (largest group / k) needed to accept, e.g. 0.6.
    ///   - reference: when given, the majority must also be equivalent to it, and the solve rate is reported.
    public static func aggregate(
        _ answers: [String?], threshold: Double, reference: String? = nil,
        options: MathEquivalenceOptions = .default
    ) -> MathSelfConsistencyResult {
        var clusters: [(representative: String, members: [Int])] = []
        for (index, answer) in answers.enumerated() {
            guard let answer, case .success = MathAnswerEquivalence.parse(answer, limits: options.limits) else {
                continue
            }
            if let match = clusters.firstIndex(where: {
                MathAnswerEquivalence.compare(given: answer, expected: $0.representative, options: options).equivalent
            }) {
                clusters[match].members.append(index)
            } else {
                clusters.append((answer, [index]))
            }
        }
        let ordered = clusters.enumerated().sorted { left, right in
            left.element.members.count != right.element.members.count
                ? left.element.members.count > right.element.members.count : left.offset < right.offset
        }.map { MathAnswerCluster(representative: $0.element.representative, members: $0.element.members) }
        let total = answers.count
        var referenceAgreement: Double?
        if let reference, total > 0 {
            let solved = ordered.filter {
                MathAnswerEquivalence.compare(given: $0.representative, expected: reference, options: options)
                    .equivalent
            }.reduce(0) { $0 + $1.members.count }
            referenceAgreement = Double(solved) / Double(total)
        }
        guard let top = ordered.first else {
            return MathSelfConsistencyResult(
                clusters: [], total: total, majorityAnswer: nil, agreement: 0, accepted: false, reason: .noAnswers,
                referenceAgreement: referenceAgreement)
        }
        let agreement = Double(top.members.count) / Double(total)
        let isTie = ordered.count > 1 && ordered[1].members.count == top.members.count
        let reason: MathConsistencyReason
        if isTie {
            reason = .tie
        } else if agreement < threshold {
            reason = .lowAgreement
        } else if let reference,
                  !MathAnswerEquivalence.compare(given: top.representative, expected: reference, options: options)
                    .equivalent {
            reason = .majorityDiffersFromReference
        } else {
            reason = .consistent
        }
        return MathSelfConsistencyResult(
            clusters: ordered, total: total, majorityAnswer: isTie ? nil : top.representative,
            agreement: agreement, accepted: reason == .consistent, reason: reason,
            referenceAgreement: referenceAgreement)
    }
}
