import XCTest
@testable import Refinery

final class CodeCompletionTests: XCTestCase {
    private let fence = "```"

    private func completion(task: String = "Write a function total(xs) that returns the sum of the list xs.",
                            language: String = "python", solution: String = "def total(xs):\n    return sum(xs)",
                            tests: String = "assert total([]) == 0\nassert total([1]) == 1\nassert total([1, 2]) == 3",
                            trailer: String = "") -> String {
        "\(task)\n\nSolution:\n\(fence)\(language)\n\(solution)\n\(fence)\n\n"
            + "Tests:\n\(fence)\(language)\n\(tests)\n\(fence)\(trailer)"
    }

    func testParsesTheDocumentedFormat() throws {
        let parsed = try CodeCompletion.parse(completion())
        XCTAssertEqual(parsed.task, "Write a function total(xs) that returns the sum of the list xs.")
        XCTAssertEqual(parsed.solution, "def total(xs):\n    return sum(xs)")
        XCTAssertEqual(parsed.tests, "assert total([]) == 0\nassert total([1]) == 1\nassert total([1, 2]) == 3")
        XCTAssertEqual(parsed.entryFunction, "total")
        XCTAssertEqual(parsed.definitions, ["total"])
        XCTAssertEqual(parsed.assertionCount, 3)
        XCTAssertEqual(parsed.program.source, parsed.solution + "\n\n" + parsed.tests)
        XCTAssertEqual(parsed.program.testsStartLine, 4)
        XCTAssertEqual(parsed.program.describeLine(2), "solution line 2")
        XCTAssertEqual(parsed.program.describeLine(5), "tests line 2")
    }

    func testToleratesBareFencesTrailingTextAndCRLF() throws {
        let text = completion(language: "", trailer: "\n\nPassage:\nsomething the model kept writing\n```python\nx\n```")
            .replacingOccurrences(of: "\n", with: "\r\n")
        let parsed = try CodeCompletion.parse(text)
        XCTAssertEqual(parsed.assertionCount, 3)
        XCTAssertFalse(parsed.tests.contains("\r"))
        XCTAssertFalse(parsed.tests.contains("Passage"))
    }

    func testToleratesMarkdownLabelsAndMissingLabels() throws {
        let labelled = completion().replacingOccurrences(of: "Solution:", with: "**Solution:**")
            .replacingOccurrences(of: "Tests:", with: "### Tests")
        XCTAssertEqual(try CodeCompletion.parse(labelled).assertionCount, 3)
        let unlabelled = completion().replacingOccurrences(of: "Solution:\n", with: "")
            .replacingOccurrences(of: "Tests:\n", with: "")
        let parsed = try CodeCompletion.parse(unlabelled)
        XCTAssertEqual(parsed.task, "Write a function total(xs) that returns the sum of the list xs.")
        XCTAssertEqual(parsed.assertionCount, 3)
    }

    func testEntryFunctionPrefersWhatTheTestsCall() throws {
        let solution = "def _helper(x):\n    return x\n\ndef total(xs):\n    return sum(_helper(x) for x in xs)"
        XCTAssertEqual(try CodeCompletion.parse(completion(solution: solution)).entryFunction, "total")
        let classSolution = "class Counter:\n    def __init__(self):\n        self.n = 0"
        let classTests = "c = Counter()\nassert c.n == 0\nassert isinstance(c, Counter)\nassert Counter().n == 0"
        let parsed = try CodeCompletion.parse(completion(solution: classSolution, tests: classTests))
        XCTAssertEqual(parsed.entryFunction, "Counter")
        XCTAssertEqual(CodeCompletion.entryFunction(definitions: ["a", "total"], testCalls: [], task: "use total"),
                       "total")
    }

    func testFailuresCarryReasonCodes() {
        let cases: [(String, CodeCompletionParseError.Reason)] = [
            ("  \n ", .emptyCompletion),
            ("Just prose, no code at all.", .missingSolution),
            ("\n\nSolution:\n\(fence)python\ndef f():\n    pass\n\(fence)\n", .missingTask),
            ("Task text.\n\nSolution:\n\(fence)python\ndef f():\n    pass\n\(fence)\n\nThat's it.", .missingTests),
            ("Task text.\n\nSolution:\n\(fence)python\ndef f():\n    pass\n", .unclosedBlock),
            (completion(language: "javascript"), .wrongLanguage),
            (completion(solution: "   "), .emptySolution),
            (completion(tests: "\n"), .emptyTests),
            (completion(solution: "x = 1"), .noFunction),
            (completion(trailer: "").replacingOccurrences(of: "assert total([1, 2]) == 3\n\(fence)", with: "assert 1"),
             .unclosedBlock),
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try CodeCompletion.parse(text), "\(reason)") { error in
                XCTAssertEqual((error as? CodeCompletionParseError)?.reason, reason, "\(text)")
            }
        }
    }

    func testZeroAssertionsIsNotAParseFailure() throws {
        let parsed = try CodeCompletion.parse(completion(tests: "print(total([1]))"))
        XCTAssertEqual(parsed.assertionCount, 0)
    }

    func testSolutionBlock() throws {
        let fenced = try CodeSolutionBlock.parse("\(fence)python\ndef f(x):\n    return x\n\(fence)\nExplanation.")
        XCTAssertEqual(fenced.code, "def f(x):\n    return x")
        XCTAssertEqual(fenced.definitions, ["f"])
        XCTAssertEqual(try CodeSolutionBlock.parse("import math\n\ndef g():\n    return math.pi\n").definitions, ["g"])
        XCTAssertThrowsError(try CodeSolutionBlock.parse("Sorry, I cannot help.")) { error in
            XCTAssertEqual((error as? CodeCompletionParseError)?.reason, .missingSolution)
        }
        XCTAssertThrowsError(try CodeSolutionBlock.parse("\(fence)python\ndef f(x):\n    return x\n")) { error in
            XCTAssertEqual((error as? CodeCompletionParseError)?.reason, .unclosedBlock)
        }
    }
}
