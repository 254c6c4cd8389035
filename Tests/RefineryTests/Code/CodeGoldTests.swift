import Foundation
import XCTest
@testable import Refinery

/// The code judge's gold set (Gold/): correct and subtly wrong programs and completions, each with its expected
/// verdict in a header (`# expect: reason`, optional `# detail: substring`, `# wall: seconds`; completions use
/// `<!-- expect: reason -->`). The judge must get every one right.
final class CodeGoldTests: XCTestCase {
    struct GoldCase {
        var name: String
        var isCompletion: Bool
        var body: String
        var expectedReason: String
        var expectedDetail: String?
        var wallSeconds: Double
    }

    static var goldDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Gold")
    }

    static func loadCases() throws -> [GoldCase] {
        let names = try FileManager.default.contentsOfDirectory(atPath: goldDirectory.path).sorted()
        var cases: [GoldCase] = []
        for name in names where name.hasSuffix(".py") || name.hasSuffix(".md") {
            let text = try String(contentsOf: goldDirectory.appendingPathComponent(name), encoding: .utf8)
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            var header: [String: String] = [:]
            while let first = lines.first, let (key, value) = headerField(first) {
                header[key] = value
                lines.removeFirst()
            }
            guard let reason = header["expect"] else {
                throw XCTSkip("gold file \(name) has no expect header")
            }
            cases.append(GoldCase(name: name, isCompletion: name.hasSuffix(".md"),
                                  body: lines.joined(separator: "\n"), expectedReason: reason,
                                  expectedDetail: header["detail"],
                                  wallSeconds: header["wall"].flatMap(Double.init) ?? 10))
        }
        return cases
    }

    /// `# key: value` or `<!-- key: value -->`.
    private static func headerField(_ line: String) -> (String, String)? {
        var text = Substring(line)
        if text.hasPrefix("# ") {
            text = text.dropFirst(2)
        } else if text.hasPrefix("<!-- "), text.hasSuffix(" -->") {
            text = text.dropFirst(5).dropLast(4)
        } else {
            return nil
        }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        let key = String(text[..<colon])
        guard ["expect", "detail", "wall"].contains(key) else { return nil }
        return (key, text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces))
    }

    func testGoldSetIsLargeAndVaried() throws {
        let cases = try Self.loadCases()
        XCTAssertGreaterThanOrEqual(cases.count, 40)
        let reasons = Set(cases.map(\.expectedReason))
        for reason in ["passed", "assertion_failed", "syntax_error", "runtime_error", "too_few_tests", "timeout",
                       "parse_failed"] {
            XCTAssertTrue(reasons.contains(reason), "no gold case for \(reason)")
        }
        XCTAssertGreaterThanOrEqual(cases.filter { $0.expectedReason == "passed" }.count, 15)
    }

    func testJudgeIsExactOnTheGoldSet() async throws {
        let pool = CodeSandboxPool(sandbox: try CodeTestSupport.sandbox(), maxConcurrent: 2)
        let cases = try Self.loadCases()
        let judgments = try await withThrowingTaskGroup(of: (Int, CodeJudgment).self) { group in
            for (index, gold) in cases.enumerated() {
                group.addTask {
                    let judge = CodeJudge(pool: pool, limits: CodeSandboxLimits(wallSeconds: gold.wallSeconds))
                    let judgment = gold.isCompletion
                        ? try await judge.judge(completion: gold.body)
                        : try await judge.judge(program: gold.body)
                    return (index, judgment)
                }
            }
            var collected: [Int: CodeJudgment] = [:]
            for try await (index, judgment) in group { collected[index] = judgment }
            return collected
        }
        var correct = 0
        var mistakes: [String] = []
        var byReason: [String: (right: Int, total: Int)] = [:]
        for (index, gold) in cases.enumerated() {
            guard let judgment = judgments[index] else { continue }
            let reasonRight = judgment.reason == gold.expectedReason
            let detailRight = gold.expectedDetail.map { judgment.detail.contains($0) } ?? true
            let passRight = judgment.passed == (gold.expectedReason == "passed")
            let right = reasonRight && detailRight && passRight
            if right {
                correct += 1
            } else {
                mistakes.append("\(gold.name): expected \(gold.expectedReason)"
                    + (gold.expectedDetail.map { " [\($0)]" } ?? "") + ", got \(judgment.reason): \(judgment.detail)")
            }
            let tally = byReason[gold.expectedReason] ?? (0, 0)
            byReason[gold.expectedReason] = (tally.right + (right ? 1 : 0), tally.total + 1)
        }
        let accuracy = Double(correct) / Double(max(1, cases.count))
        print("code judge gold set: \(correct)/\(cases.count) correct, accuracy \(String(format: "%.1f", accuracy * 100))%")
        for (reason, tally) in byReason.sorted(by: { $0.key < $1.key }) {
            print("  \(reason): \(tally.right)/\(tally.total)")
        }
        for mistake in mistakes { print("  MISJUDGED \(mistake)") }
        XCTAssertEqual(mistakes, [])
        XCTAssertEqual(accuracy, 1.0)
    }
}
