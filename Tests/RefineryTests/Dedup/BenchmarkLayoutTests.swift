import Foundation
import XCTest
@testable import Refinery

/// Benchmark files read with field `auto`: the layout of well-known evaluation sets is recognised from the first item.
final class BenchmarkLayoutTests: XCTestCase {
    /// First items shaped like the public files (fields as the datasets publish them, texts shortened).
    static let items: [(layout: String, field: String, json: String)] = [
        ("HumanEval", "prompt,canonical_solution,test",
         #"{"task_id": "HumanEval/0", "prompt": "def f(x):\n    \"\"\"Doc.\"\"\"\n", "canonical_solution": "    return x\n", "test": "def check(candidate):\n    assert candidate(1) == 1\n", "entry_point": "f"}"#),
        ("MBPP", "text,code,test_list",
         #"{"task_id": 2, "text": "Write a function to find the shared elements.", "code": "def f(a, b):\n    return set(a) & set(b)", "test_list": ["assert f([1], [1]) == {1}"], "test_setup_code": "", "challenge_test_list": []}"#),
        ("MBPP (sanitized)", "prompt,code,test_list",
         #"{"source_file": "x.py", "task_id": 2, "prompt": "Write a function.", "code": "def f(): pass", "test_imports": [], "test_list": ["assert f() is None"]}"#),
        ("APPS", "question,solutions",
         #"{"problem_id": 0, "question": "Polycarp has n words.", "solutions": "[\"print(1)\"]", "input_output": "{}", "difficulty": "interview", "url": "u", "starter_code": ""}"#),
        ("MATH", "problem,solution",
         #"{"problem": "How many vertical asymptotes does $y=\\frac{2}{x^2+x-6}$ have?", "level": "Level 3", "type": "Algebra", "solution": "It has $\\boxed{2}$."}"#),
        ("MMLU", "question,choices",
         #"{"question": "Find the degree of the extension.", "subject": "abstract_algebra", "choices": ["0", "4", "2", "6"], "answer": 1}"#),
        ("ARC", "question.stem,question.choices.text",
         #"{"id": "Mercury_1", "question": {"stem": "Which gas do plants take in?", "choices": [{"text": "oxygen", "label": "A"}, {"text": "carbon dioxide", "label": "B"}]}, "answerKey": "B"}"#),
        ("GSM8K", "question,answer",
         #"{"question": "Natalia sold clips to 48 of her friends.", "answer": "She sold 48/2 = <<48/2=24>>24 clips.\n#### 72"}"#),
        ("'instruction' field", "instruction", #"{"instruction": "Add the numbers.", "output": "3"}"#),
        ("'text' field", "text", #"{"id": 7, "text": "plain item"}"#),
    ]

    func testWellKnownLayoutsAreRecognisedFromTheFirstItem() throws {
        for item in Self.items {
            let layout = BenchmarkLayout.detect(try JSONValue.parse(item.json))
            XCTAssertEqual(layout?.name, item.layout, item.json)
            XCTAssertEqual(layout?.field, item.field, item.json)
            // Every selected path is present: the item's text is the selected fields joined.
            let selector = try FieldSelector(try XCTUnwrap(layout).field)
            XCTAssertNotNil(selector.text(in: try JSONValue.parse(item.json)), item.json)
        }
        XCTAssertNil(BenchmarkLayout.detect(try JSONValue.parse(#"{"id": 1, "score": 0.5}"#)))
        XCTAssertNil(BenchmarkLayout.detect(try JSONValue.parse(#"{"question": null}"#)))
    }

    func testAutomaticFieldsCatchCopiedSolutionsAndReportTheFieldRead() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let humanEval = folder.appendingPathComponent("HumanEval.jsonl")
        let solution = "    for idx, elem in enumerate(numbers):\n        for idx2, elem2 in enumerate(numbers):\n"
            + "            if idx != idx2:\n                distance = abs(elem - elem2)\n"
            + "                if distance < threshold:\n                    return True\n\n    return False\n"
        try DedupFixtures.write([
            JSONValue.object([("task_id", .string("HumanEval/0")),
                              ("prompt", .string("def has_close_elements(numbers, threshold):\n")),
                              ("canonical_solution", .string(solution)), ("test", .string("def check(c): pass\n")),
                              ("entry_point", .string("has_close_elements"))]).serialized(),
        ], to: humanEval)
        let math = folder.appendingPathComponent("math.jsonl.zst")
        let problem = "The graph of the parabola x = 2y^2 - 6y + 3 has an x-intercept (a,0) and two y-intercepts "
            + "(0,b) and (0,c). Find a + b + c."
        try DedupFixtures.writeZstd([
            JSONValue.object([("problem", .string(problem)), ("level", .string("Level 5")),
                              ("type", .string("Algebra")), ("solution", .string("So a + b + c = 6."))]).serialized(),
        ], to: math)
        let index = try DecontaminationIndex(benchmarks: [.file(humanEval.path, field: "auto"),
                                                          .file(math.path, field: "auto")])
        XCTAssertEqual(index.fields, ["prompt,canonical_solution,test", "problem,solution"])
        let copiedSolution = "def close(numbers, threshold):\n" + solution
        XCTAssertEqual(index.matches(text: copiedSolution).map(\.item), ["\(humanEval.path):1"])
        XCTAssertEqual(index.matches(text: "Solve: " + problem.uppercased()).map(\.item), ["\(math.path):1"])
        XCTAssertTrue(index.matches(text: "A clean record about counting apples in three baskets, twice.").isEmpty)

        let input = folder.appendingPathComponent("train.jsonl")
        try DedupFixtures.write([DedupFixtures.record("leak", copiedSolution),
                                 DedupFixtures.record("clean", "Nothing to see here at all.")], to: input)
        let out = folder.appendingPathComponent("out")
        _ = try StreamingDecontaminator(inputs: [DatasetInput(url: input)], outputDirectory: out, index: index,
                                        read: DatasetReadOptions(field: try FieldSelector("text"))).run()
        let summary = try JSONValue.parse(String(contentsOf: out.appendingPathComponent("summary.json"),
                                                 encoding: .utf8))
        XCTAssertEqual(summary["removed"]?.intValue, 1)
        XCTAssertEqual(summary["benchmarks"]?.arrayValue?.map { $0["field"]?.stringValue },
                       ["prompt,canonical_solution,test", "problem,solution"])
    }

    /// A benchmark file that is one (pretty-printed) JSON array, like MBPP's sanitized set: items by position.
    func testJSONArrayBenchmarksAreReadItemByItem() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let prompt = "Write a function to find the shared elements from the given two lists."
        let items: [JSONValue] = (1...3).map { index in
            .object([("task_id", .int(index)), ("prompt", .string(index == 2 ? prompt : "Task \(index) is other.")),
                     ("code", .string("def f(): pass")), ("test_list", .array([.string("assert f() is None")]))])
        }
        let text = "[\n" + items.map { "  " + $0.serialized() }.joined(separator: ",\n") + "\n]\n"
        let benchmark = try folder.appendingPathComponent("sanitized-mbpp.json").writing(text)
        let index = try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "auto")], ngram: 8)
        XCTAssertEqual(index.fields, ["prompt,code,test_list"])
        XCTAssertEqual(index.itemCount, 3)
        XCTAssertEqual(index.matches(text: "Please " + prompt.lowercased()).map(\.item), ["\(benchmark.path):2"])
        let broken = try folder.appendingPathComponent("broken.json").writing("[{\"prompt\": \"a\"}, 3]")
        XCTAssertThrowsError(try DecontaminationIndex(benchmarks: [.file(broken.path, field: "auto")])) {
            XCTAssertTrue("\($0)".contains("item 2 is not a JSON object"), "\($0)")
        }
    }

    func testUnrecognisedLayoutNamesFileLineAndKeys() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let benchmark = folder.appendingPathComponent("odd.jsonl")
        try DedupFixtures.write(["", #"{"id": 1, "score": 0.5, "tags": ["a"]}"#], to: benchmark)
        XCTAssertThrowsError(try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "auto")])) {
            let error = $0 as? RefineryError
            XCTAssertEqual(error?.kind, .input)
            XCTAssertEqual(error?.location?.line, 2)
            let text = error?.description ?? ""
            XCTAssertTrue(text.contains("odd.jsonl:2") && text.contains("keys: id, score, tags"), text)
        }
    }
}
