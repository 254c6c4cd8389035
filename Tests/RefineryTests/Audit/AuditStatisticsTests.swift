import Foundation
import XCTest
@testable import Refinery

/// Histogram bins, summaries and the token estimate.
final class AuditStatisticsTests: XCTestCase {
    func testBinsAreHalfOpenExceptTheLast() {
        let histogram = AuditHistogram(values: [0, 0.5, 1, 1.99, 2, 3, -1, 3.5], lower: 0, upper: 3, bins: 3)
        XCTAssertEqual(histogram.counts, [2, 2, 2])
        XCTAssertEqual(histogram.below, 1)
        XCTAssertEqual(histogram.above, 1)
        XCTAssertEqual(histogram.total, 8)
        XCTAssertEqual(histogram.label(1), "1–2")
        XCTAssertEqual(histogram.binWidth, 1)
    }

    func testAutomaticBins() {
        // Few distinct integers: one bin each, padded to five and centred.
        let single = AuditHistogram.automatic([5, 5, 5])
        XCTAssertTrue(single.integerBins)
        XCTAssertEqual([single.lower, single.upper], [3, 8])
        XCTAssertEqual(single.counts, [0, 0, 3, 0, 0])
        XCTAssertEqual(single.label(2), "5")
        let verdicts = AuditHistogram.automatic([0, 1, 1])
        XCTAssertEqual(verdicts.lower, 0)
        XCTAssertEqual(verdicts.counts, [1, 2, 0, 0, 0])
        // Wide or fractional data: round steps from 0, only as many bins as needed.
        let lengths = AuditHistogram.automatic([10, 14, 28])
        XCTAssertFalse(lengths.integerBins)
        XCTAssertEqual([lengths.lower, lengths.upper, lengths.binWidth], [0, 30, 5])
        XCTAssertEqual(lengths.counts, [0, 0, 2, 0, 0, 1])
        let fractions = AuditHistogram.automatic([0.25, 0.5, 0.75])
        XCTAssertEqual(fractions.upper, 0.8, accuracy: 1e-12)
        XCTAssertEqual(fractions.total, 3)
        XCTAssertEqual(AuditHistogram.automatic([]).total, 0)
        XCTAssertEqual(AuditHistogram.niceStep(2.8), 5)
        XCTAssertEqual(AuditHistogram.niceStep(0.34), 0.5)
        XCTAssertEqual(AuditHistogram.niceStep(120), 200)
    }

    func testTextRowsScaleBarsToThePeak() {
        let rows = AuditHistogram(values: [1, 2, 2, 2, 2], lower: 1, upper: 3, bins: 2).textRows(width: 8)
        XCTAssertEqual(rows.map { $0[2] }, ["1", "4"])
        XCTAssertEqual(rows[1][1], "|████████")
        XCTAssertEqual(rows[0][1], "|██")
    }

    func testSummaryUsesNearestRankPercentiles() throws {
        let summary = try XCTUnwrap(DistributionSummary([5, 1, 4, 2, 3, 10, 9, 8, 7, 6]))
        XCTAssertEqual([summary.count, Int(summary.min), Int(summary.max)], [10, 1, 10])
        XCTAssertEqual(summary.mean, 5.5)
        XCTAssertEqual(summary.p10, 1)
        XCTAssertEqual(summary.median, 5)
        XCTAssertEqual(summary.p90, 9)
        XCTAssertNil(DistributionSummary([]))
    }

    func testTokenEstimate() {
        XCTAssertEqual(TokenEstimate.count("Mia buys 12 apples."), 1 + 1 + 1 + 2 + 1)
        XCTAssertEqual(TokenEstimate.count("x=1234567"), 1 + 1 + 3)
        XCTAssertEqual(TokenEstimate.count("  \n\t "), 0)
        XCTAssertEqual(TokenEstimate.count("naïve café"), 1 + 1)
    }
}
