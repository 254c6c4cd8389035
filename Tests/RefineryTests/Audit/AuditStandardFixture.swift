import Foundation
import XCTest

@testable import Refinery

/// The run most audit tests read. Two tasks, five seeds from two files, one quarantined input, and samples that
/// end in every state and at every stage (numbers worked out in the comments):
///
/// math (13 samples): accepted m0 m2 m6 e0 r0; rejected m1 (parse), m3 m9 (math_answer), m4 (rubric),
///   m5 (dedup, duplicate of m0), e1 (decontaminate); in flight m7 (judged), m8 (generated).
/// code (5 samples): accepted c0; rejected c1 (code_tests), c3 (likelihood); in flight c2 (kept); pending c4.
/// Every judge runs on every math sample (run_all_judges), so m3 and m9 also carry rubric scores.
enum AuditStandardFixture {
    static let runID = "fixture-20261128T000000-c0ffee00"
    /// Text a model might emit to break a report: markup, script, an event handler, quotes, and control
    /// characters (ESC, BEL) that are invalid in XML and dangerous on a terminal.
    static let hostile =
        "</pre></td><script>alert('pwned')</script><img src=x onerror=\"alert(1)\"> & "
        + "\u{1B}[31mred\u{1B}[0m\u{07} ]]> <!-- -->"

    static let configJSON = """
        {"name":"fixture","tasks":[
          {"name":"math","kind":"math","judges":[{"kind":"math_answer","require_annotations":true},
                                                 {"kind":"rubric","prompt":"abc","min_score":6.0}]},
          {"name":"code","kind":"code","judges":[{"kind":"code_tests","timeout_s":10.0},
                                                 {"kind":"likelihood","max_nll":3.0}]}],
         "dedup":{"exact":true,"decontaminate":[{"file":"x","field":"question"}],"ngram":13},
         "run_all_judges":true}
        """

    static func make(_ testCase: XCTestCase, runID: String = runID) throws -> AuditFixture {
        let directory = try makeTemporaryDirectory(testCase)
        let seeds = (0..<5).map { ordinal -> SeedRecord in
            let source = ordinal < 3 ? "corpus/a.txt" : "corpus/b.jsonl:\(ordinal - 2)"
            let text = "Seed passage \(ordinal): Mia buys \(ordinal + 2) apples at the market."
            return SeedRecord(
                ordinal: ordinal,
                id: SeedRecord.makeID(
                    source: source, start: ordinal * 100,
                    end: ordinal * 100 + 60, text: text),
                source: source, start: ordinal * 100, end: ordinal * 100 + 60, text: text)
        }
        let quarantine = [
            QuarantinedInput(
                location: SourceLocation(file: "corpus/b.jsonl", line: 3, column: 7),
                reason: "invalid_json", detail: "unexpected character '}'")
        ]
        return try AuditFixture(
            directory: directory, runID: runID, configJSON: configJSON, seeds: seeds,
            sources: [("corpus/a.txt", 2, 3, 1, 0), ("corpus/b.jsonl", 2, 2, 0, 1)], quarantine: quarantine,
            samples: samples(),
            stageTimes: [
                ("acquire", 0.5, 5), ("generate+judge", 10.0, 17), ("select", 0.2, 8),
                ("write", 0.25, 6),
            ],
            finished: false)
    }

    static func math(_ passed: Bool, _ reason: String? = nil) -> Judgment {
        AuditFixture.judgment(
            "math_answer", passed, reason: reason ?? (passed ? "passed" : "wrong_annotation"),
            detail: passed ? "" : "<<2+2=5>> is wrong")
    }

    static func rubric(_ score: Double) -> Judgment {
        AuditFixture.judgment(
            "rubric", score >= 6, score: score,
            reason: score >= 6 ? "passed" : "score_below_threshold",
            detail: "expected score \(score)", model: "tiny-moe@0123456789ab",
            prompt: "judges/math@fedcba987654")
    }

    static func code(_ passed: Bool) -> Judgment {
        AuditFixture.judgment(
            "code_tests", passed, reason: passed ? "passed" : "assertion_failed",
            detail: passed ? "" : "AssertionError: assert f() == 42")
    }

    static func likelihood(_ nll: Double) -> Judgment {
        AuditFixture.judgment(
            "likelihood", nll <= 3, score: nll, reason: nll <= 3 ? "passed" : "nll_above_threshold",
            model: "tiny-moe@0123456789ab")
    }

    /// Problems have known word counts (the tests' token counter splits on spaces).
    static func samples() -> [AuditSampleSpec] {
        [
            AuditSampleSpec(
                key: "m0", seed: 0, task: "math", index: 0, outcome: .accepted(cluster: AuditFixture.recordID("m0")),
                judgments: [math(true), rubric(8.0)], problem: "How many apples in total?",
                solution: "2 + 3 = 5 apples", completionTokens: 40),
            AuditSampleSpec(
                key: "m1", seed: 0, task: "math", index: 1, outcome: .parseFailed(reason: "missing_solution"),
                output: "Just a question with no solution", completionTokens: 12),
            AuditSampleSpec(
                key: "m2", seed: 1, task: "math", index: 0, outcome: .accepted(cluster: nil),
                judgments: [math(true), rubric(7.0)], problem: "What does Mia pay for four apples?",
                solution: "4 × 3 = 12 dollars in all", completionTokens: 60),
            AuditSampleSpec(
                key: "m3", seed: 1, task: "math", index: 1, outcome: .judgeRejected,
                judgments: [math(false), rubric(4.0)], problem: "Wrong sum", solution: "2 + 2 = 5"),
            AuditSampleSpec(
                key: "m4", seed: 2, task: "math", index: 0, outcome: .judgeRejected,
                judgments: [math(true), rubric(5.5)], problem: "Dull problem", solution: "1 = 1"),
            AuditSampleSpec(
                key: "m5", seed: 2, task: "math", index: 1,
                outcome: .selectionRejected(
                    stage: "dedup", reason: "duplicate_of:\(AuditFixture.recordID("m0"))",
                    cluster: AuditFixture.recordID("m0")),
                judgments: [math(true), rubric(6.5)], problem: "How many apples in total?",
                solution: "2 + 3 = 5 apples", recordOf: "m0"),
            AuditSampleSpec(
                key: "m6", seed: 3, task: "math", index: 0, outcome: .accepted(cluster: nil),
                judgments: [math(true), rubric(9.2)], problem: "Is 2 < 3? \(hostile)",
                solution: "Yes. \(hostile)", output: "Problem: \(hostile)\n\nSolution:\nYes.",
                completionTokens: 80),
            AuditSampleSpec(
                key: "m7", seed: 3, task: "math", index: 1, outcome: .judged,
                judgments: [math(true), rubric(6.1)], problem: "Borderline problem", solution: "x = 1"),
            AuditSampleSpec(key: "m8", seed: 4, task: "math", index: 0, outcome: .generated),
            AuditSampleSpec(
                key: "m9", seed: 4, task: "math", index: 1, outcome: .judgeRejected,
                judgments: [math(false), rubric(6.6)], problem: "Truncated", solution: "3 + 3 ="),
            AuditSampleSpec(
                key: "e0", seed: 0, task: "math", index: 0, kind: "evolve", round: 1, parent: "m0",
                outcome: .accepted(cluster: nil), judgments: [math(true), rubric(8.5)],
                problem: "How many apples if Mia buys two more bags of three?",
                solution: "5 + 2 × 3 = 11", difficulty: 0.25),
            AuditSampleSpec(
                key: "e1", seed: 1, task: "math", index: 0, kind: "evolve", round: 1, parent: "m2",
                outcome: .selectionRejected(stage: "decontaminate", reason: "contaminated:gsm8k", cluster: nil),
                judgments: [math(true), rubric(6.8)], problem: "A benchmark problem", solution: "7"),
            AuditSampleSpec(
                key: "r0", seed: 1, task: "math", index: 0, kind: "repair", round: 0, attempt: 1,
                parent: "m3", outcome: .accepted(cluster: nil), judgments: [math(true), rubric(7.5)],
                problem: "Right sum", solution: "2 + 2 = 4"),
            AuditSampleSpec(
                key: "c0", seed: 0, task: "code", index: 0, outcome: .accepted(cluster: nil),
                judgments: [code(true), likelihood(1.2)], problem: "Write f returning 42",
                solution: "def f():\n    return 42"),
            AuditSampleSpec(
                key: "c1", seed: 1, task: "code", index: 0, outcome: .judgeRejected,
                judgments: [code(false)], problem: "Write g", solution: "def f():\n    return 41"),
            AuditSampleSpec(
                key: "c2", seed: 2, task: "code", index: 0, outcome: .kept(cluster: nil),
                judgments: [code(true), likelihood(2.9)], problem: "Write h", solution: "def f(): return 42"),
            AuditSampleSpec(
                key: "c3", seed: 3, task: "code", index: 0, outcome: .judgeRejected,
                judgments: [code(true), likelihood(3.4)], problem: "Write k", solution: "def f(): return 42"),
            AuditSampleSpec(key: "c4", seed: 4, task: "code", index: 0, outcome: .pending),
        ]
    }

    /// Splits on spaces: "How many apples in total?" is 5 tokens.
    static let wordCounter: AuditTokenCounter = { text in text.split(separator: " ").count }
}
