import XCTest

@testable import Refinery

final class MathSelfConsistencyTests: XCTestCase {
    func testGroupsByEquivalenceAndMeasuresAgreement() {
        let result = MathSelfConsistency.aggregate(["0.5", "1/2", "\\frac{2}{4}", "3", nil], threshold: 0.6)
        XCTAssertEqual(result.total, 5)
        XCTAssertEqual(result.clusters.count, 2)
        XCTAssertEqual(result.clusters[0].members, [0, 1, 2])
        XCTAssertEqual(result.clusters[0].representative, "0.5")
        XCTAssertEqual(result.clusters[1].members, [3])
        XCTAssertEqual(result.majorityAnswer, "0.5")
        XCTAssertEqual(result.agreement, 0.6, accuracy: 1e-12)
        XCTAssertTrue(result.accepted)
        XCTAssertEqual(result.reason, .consistent)
    }

    func testThresholdTieAndEmpty() {
        let low = MathSelfConsistency.aggregate(["1", "1", "2", "3"], threshold: 0.75)
        XCTAssertFalse(low.accepted)
        XCTAssertEqual(low.reason, .lowAgreement)
        XCTAssertEqual(low.agreement, 0.5, accuracy: 1e-12)

        let tie = MathSelfConsistency.aggregate(["1", "1", "2", "2"], threshold: 0.5)
        XCTAssertFalse(tie.accepted)
        XCTAssertEqual(tie.reason, .tie)
        XCTAssertNil(tie.majorityAnswer)

        let none = MathSelfConsistency.aggregate([nil, nil, "1/0"], threshold: 0.5)
        XCTAssertEqual(none.reason, .noAnswers)
        XCTAssertEqual(none.agreement, 0)
        XCTAssertTrue(none.clusters.isEmpty, "unreadable answers join no group")

        let empty = MathSelfConsistency.aggregate([], threshold: 0.5)
        XCTAssertEqual(empty.reason, .noAnswers)
    }

    func testReferenceAndSolveRate() {
        let agree = MathSelfConsistency.aggregate(["14", "14.0", "$14", "15"], threshold: 0.5, reference: "14")
        XCTAssertTrue(agree.accepted)
        XCTAssertEqual(agree.referenceAgreement ?? -1, 0.75, accuracy: 1e-12)
        let disagree = MathSelfConsistency.aggregate(["15", "15", "14"], threshold: 0.5, reference: "14")
        XCTAssertFalse(disagree.accepted)
        XCTAssertEqual(disagree.reason, .majorityDiffersFromReference)
        XCTAssertEqual(disagree.referenceAgreement ?? -1, 1.0 / 3.0, accuracy: 1e-12)
    }
}
