import Foundation
import XCTest
@testable import Refinery

/// Planted benchmark overlaps must all be caught; clean records kept.
final class DecontaminationTests: XCTestCase {
    static let questions = [
        "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. "
            + "How many clips did Natalia sell altogether in April and May?",
        "Weng earns $12 an hour for babysitting. Yesterday, she just did 50 minutes of babysitting. "
            + "How much did she earn?",
        "Betty is saving money for a new wallet which costs $100. Betty has only half of the money she needs. "
            + "Her parents decided to give her $15 for that purpose, and her grandparents twice as much as her parents.",
        "What is 7 times 8?",
    ]

    static let answers = ["seventy two", "ten dollars", "five more", "fifty six"]

    func makeBenchmark(_ folder: URL, compressed: Bool = false) throws -> URL {
        let lines = Self.questions.enumerated().map { index, question in
            JSONValue.object([("question", .string(question)), ("answer", .string("#### " + Self.answers[index])),
                              ("meta", .object([("source", .string("bench-\(index)"))]))]).serialized()
        }
        let url = folder.appendingPathComponent(compressed ? "bench.jsonl.zst" : "bench.jsonl")
        if compressed {
            try DedupFixtures.writeZstd([""] + lines, to: url)  // a blank first line: items are on lines 2...5
        } else {
            try DedupFixtures.write([""] + lines, to: url)
        }
        return url
    }

    func testPlantedOverlapsAreCaughtAndCleanRecordsKept() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let benchmark = try makeBenchmark(folder)
        let index = try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "question")])
        XCTAssertEqual(index.itemCount, 4)
        let q = Self.questions
        let contaminated: [(String, Int)] = [
            ("Solve this: " + q[0] + " Answer: 72.", 2),                                  // verbatim inside
            (q[1].uppercased(), 3),                                                       // re-cased
            (q[2].replacingOccurrences(of: " ", with: "  \n\t "), 4),                     // re-spaced
            (q[0].replacingOccurrences(of: ",", with: ";").replacingOccurrences(of: "?", with: "!!"), 2),  // punctuation
            ("Quick quiz. what is 7 TIMES 8 ? Think first.", 5),                          // short item inside
            (String(q[2].prefix(80)), 4),                                                 // a 13-word piece
        ]
        let clean = [
            "Natalia sold clips to her friends in the spring and counted them carefully afterwards.",
            "What is 7 plus 8?",
            "A wallet costs money; saving for it takes time and patience, said the grandparents.",
        ]
        for (text, line) in contaminated {
            let found = index.matches(text: text)
            XCTAssertEqual(found.map(\.line), [line], text)
            XCTAssertEqual(found.first?.item, "\(benchmark.path):\(line)")
            XCTAssertGreaterThanOrEqual(found.first?.sharedNGrams ?? 0, 1)
        }
        for text in clean {
            XCTAssertEqual(index.matches(text: text), [], text)
        }
    }

    func testMinMatchesAndNestedOrListedFields() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let benchmark = try makeBenchmark(folder, compressed: true)
        let strict = try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "question")], minMatches: 3)
        // A 14-word overlap shares 2 13-grams: enough for min 1, not for min 3.
        let piece = Self.questions[0].split(separator: " ").prefix(14).joined(separator: " ")
        XCTAssertEqual(strict.matches(text: piece), [])
        XCTAssertEqual(strict.matches(text: Self.questions[0]).map(\.line), [2])
        // Short items with fewer grams than min-matches still match on all of them.
        XCTAssertEqual(strict.matches(text: "so, what is 7 times 8?").map(\.line), [5])

        let nested = try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "meta.source")], ngram: 2)
        XCTAssertEqual(nested.matches(text: "leaked bench-3 here").map(\.line), [5])
        let listed = try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "question,answer")], ngram: 2)
        XCTAssertEqual(listed.matches(text: "It cost ten dollars.").map(\.line), [3])
        let questionOnly = try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "question")], ngram: 2)
        XCTAssertEqual(questionOnly.matches(text: "It cost ten dollars."), [])
    }

    func testStandaloneDecontaminationReportsPerBenchmark() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let benchmark = try makeBenchmark(folder)
        let input = folder.appendingPathComponent("train.jsonl.zst")
        try DedupFixtures.writeZstd([
            DedupFixtures.record("r1", "Here is a problem. " + Self.questions[1].lowercased()),
            DedupFixtures.record("r2", "An unrelated record about gardens and rivers."),
            DedupFixtures.record("r3", Self.questions[1]),
            "  ",
            DedupFixtures.record("r4", "Another clean one, about trains."),
        ], to: input)
        let out = folder.appendingPathComponent("out")
        let index = try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "question")])
        let summary = try StreamingDecontaminator(
            inputs: [DatasetInput(url: input, displayName: "train.jsonl.zst")], outputDirectory: out, index: index,
            read: DatasetReadOptions(field: try FieldSelector("text"))).run()
        XCTAssertEqual(summary.records, 4)
        XCTAssertEqual(summary.removed, 2)
        XCTAssertEqual(summary.removedPerBenchmark[benchmark.path], 2)
        let kept = try DedupFixtures.readZstdLines(out.appendingPathComponent("train.jsonl.zst"))
        XCTAssertEqual(kept, [DedupFixtures.record("r2", "An unrelated record about gardens and rivers."),
                              DedupFixtures.record("r4", "Another clean one, about trains.")])
        let removed = try DedupFixtures.readJSONLines(out.appendingPathComponent("removed.jsonl"))
        XCTAssertEqual(removed.map { $0["id"]?.stringValue }, ["r1", "r3"])
        XCTAssertEqual(removed.first?["line"]?.intValue, 1)
        let summaryJSON = try JSONValue.parse(String(contentsOf: out.appendingPathComponent("summary.json"),
                                                     encoding: .utf8))
        let first = summaryJSON["benchmarks"]?.arrayValue?.first
        XCTAssertEqual(first?["removed_records"]?.intValue, 2)
        XCTAssertEqual(first?["matched_items"]?.arrayValue?.first?["item"]?.stringValue, "\(benchmark.path):3")
        XCTAssertEqual(first?["matched_items"]?.arrayValue?.first?["records"]?.intValue, 2)
    }

    func testBenchmarkWithoutTheFieldNamesFileAndLine() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let benchmark = folder.appendingPathComponent("bad.jsonl")
        try DedupFixtures.write(["{\"question\": \"fine\"}", "{\"prompt\": \"no question here\"}"], to: benchmark)
        XCTAssertThrowsError(try DecontaminationIndex(benchmarks: [.file(benchmark.path, field: "question")])) {
            let error = $0 as? RefineryError
            XCTAssertEqual(error?.kind, .input)
            XCTAssertEqual(error?.location?.line, 2)
            XCTAssertTrue(error?.description.contains("bad.jsonl:2") ?? false, "\($0)")
        }
    }
}
