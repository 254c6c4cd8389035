import Foundation
import XCTest
@testable import Refinery

/// The standalone dedup over files: outputs, determinism, and clear errors for bad input.
final class StreamingDedupTests: XCTestCase {
    func makeInputs(_ folder: URL) throws -> [DatasetInput] {
        var words = DedupFixtures.WordSource()
        let base = words.words(40)
        var near = base
        near[38] = "changed"
        let lines1 = [
            DedupFixtures.record("a", base.joined(separator: " "), [("score", .double(0.5))]),
            DedupFixtures.record("b", words.words(40).joined(separator: " "), [("score", .double(0.9))]),
            "",
            DedupFixtures.record("c", base.joined(separator: "  ").uppercased(), [("score", .double(0.7))]),
        ]
        let lines2 = [
            DedupFixtures.record("d", near.joined(separator: " "), [("score", .double(0.6))]),
            // No id: named file:line.
            JSONValue.object([("text", .string(words.words(12).joined(separator: " "))),
                              ("score", .int(1))]).serialized(),
        ]
        let first = folder.appendingPathComponent("part1.jsonl")
        let second = folder.appendingPathComponent("part2.jsonl.zst")
        try DedupFixtures.write(lines1, to: first)
        try DedupFixtures.writeZstd(lines2, to: second)
        return [DatasetInput(url: first, displayName: "part1.jsonl"),
                DatasetInput(url: second, displayName: "part2.jsonl.zst")]
    }

    func options(threads: Int = 1, verify: Bool = false) throws -> StreamingDedupOptions {
        StreamingDedupOptions(settings: DedupSettings(verifyJaccard: verify),
                              read: DatasetReadOptions(field: try FieldSelector("text"), scoreField: "score"),
                              threads: threads)
    }

    func testKeepsBestOfEachClusterAndCopiesLinesUnchanged() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let inputs = try makeInputs(folder)
        let out = folder.appendingPathComponent("out")
        let summary = try StreamingDeduplicator(inputs: inputs, outputDirectory: out, options: try options()).run()
        XCTAssertEqual(summary.records, 5)
        XCTAssertEqual(summary.kept, 3)
        XCTAssertEqual(summary.removedExact, 1)
        XCTAssertEqual(summary.removedNear, 1)
        XCTAssertEqual(summary.clusters, 1)
        // Cluster {a, c, d}: c has the best score (0.7).
        let removed = try DedupFixtures.readJSONLines(out.appendingPathComponent("removed.jsonl"))
        XCTAssertEqual(removed.map { $0["id"]?.stringValue ?? "" }, ["a", "d"])
        XCTAssertEqual(removed.map { $0["reason"]?.stringValue ?? "" }, ["duplicate_of:c", "duplicate_of:c"])
        XCTAssertEqual(removed.map { $0["kind"]?.stringValue ?? "" }, ["exact", "near"])
        XCTAssertEqual(removed.map { $0["file"]?.stringValue ?? "" }, ["part1.jsonl", "part2.jsonl.zst"])
        XCTAssertEqual(removed.map { $0["line"]?.intValue ?? 0 }, [1, 1])
        let original1 = try String(contentsOf: inputs[0].url, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(try DedupFixtures.readZstdLines(out.appendingPathComponent("part1.jsonl.zst")),
                       [original1[1], original1[2]])
        let kept2 = try DedupFixtures.readZstdLines(out.appendingPathComponent("part2.jsonl.zst"))
        XCTAssertEqual(kept2.count, 1)
        XCTAssertTrue(kept2[0].hasPrefix("{\"text\":"))
        let summaryJSON = try JSONValue.parse(String(contentsOf: out.appendingPathComponent("summary.json"),
                                                     encoding: .utf8))
        XCTAssertEqual(summaryJSON["kept"]?.intValue, 3)
        XCTAssertEqual(summaryJSON["catch_rate"]?.arrayValue?.count, 10)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent(".dedup-work.sqlite").path))
    }

    func testOutputsDoNotDependOnThreadsOrVerificationCacheOrder() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let corpus = SyntheticCorpus(count: 300, minWords: 30, maxWords: 90, nearDuplicateRate: 0.2)
        let input = folder.appendingPathComponent("synthetic.jsonl")
        try DedupFixtures.write(corpus.documents.enumerated().map { DedupFixtures.record("doc\($0)", $1) }, to: input)
        let reversed = folder.appendingPathComponent("reversed.jsonl")
        try DedupFixtures.write(corpus.documents.enumerated().reversed().map { DedupFixtures.record("doc\($0)", $1) },
                                to: reversed)
        var results: [Set<String>] = []
        var outputs: [Data] = []
        for (threads, file) in [(1, input), (3, input), (2, reversed)] {
            let out = folder.appendingPathComponent("out-\(threads)")
            let options = StreamingDedupOptions(settings: DedupSettings(verifyJaccard: true),
                                                read: DatasetReadOptions(field: try FieldSelector("text")),
                                                threads: threads)
            let summary = try StreamingDeduplicator(inputs: [DatasetInput(url: file)], outputDirectory: out,
                                                    options: options).run()
            XCTAssertGreaterThan(summary.records - summary.kept, 10)
            let removed = try DedupFixtures.readJSONLines(out.appendingPathComponent("removed.jsonl"))
            results.append(Set(removed.map { "\($0["id"]?.stringValue ?? "") \($0["reason"]?.stringValue ?? "")" }))
            let name = "\(file.deletingPathExtension().lastPathComponent).jsonl.zst"
            let kept = try DedupFixtures.readZstdLines(out.appendingPathComponent(name))
            outputs.append(Data(kept.sorted().joined(separator: "\n").utf8))
        }
        XCTAssertEqual(results[0], results[1])
        XCTAssertEqual(results[0], results[2])
        XCTAssertEqual(outputs[0], outputs[1])
        XCTAssertEqual(outputs[0], outputs[2])
        // Every planted copy that is still close enough was found.
        let removedIDs = Set(results[0].map { String($0.split(separator: " ")[0]) })
        let exactCopies = corpus.planted.filter { $0.editRate == 0 }
        XCTAssertTrue(exactCopies.allSatisfy {
            removedIDs.contains("doc\($0.copy)") || removedIDs.contains("doc\($0.original)")
        })
    }

    func assertInputError(_ lines: Data, name: String, line: Int?, offset: Int?, containing message: String,
                          scoreField: String? = nil, file: StaticString = #filePath, sourceLine: UInt = #line) throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let url = folder.appendingPathComponent(name)
        try lines.write(to: url)
        var options = try options()
        options.read.scoreField = scoreField
        let run = StreamingDeduplicator(inputs: [DatasetInput(url: url, displayName: name)],
                                        outputDirectory: folder.appendingPathComponent("out"), options: options)
        XCTAssertThrowsError(try run.run(), file: file, line: sourceLine) { error in
            guard let error = error as? RefineryError else {
                return XCTFail("not a RefineryError: \(error)", file: file, line: sourceLine)
            }
            XCTAssertEqual(error.kind, .input, file: file, line: sourceLine)
            XCTAssertEqual(error.exitCode, 2, file: file, line: sourceLine)
            XCTAssertEqual(error.location?.file, name, file: file, line: sourceLine)
            XCTAssertEqual(error.location?.line, line, file: file, line: sourceLine)
            XCTAssertEqual(error.location?.offset, offset, file: file, line: sourceLine)
            XCTAssertTrue(error.description.contains(message), "\(error)", file: file, line: sourceLine)
        }
        let leftovers = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out").path))
        XCTAssertEqual(leftovers?.filter { $0.hasSuffix(".jsonl.zst") } ?? [], [], "no partial outputs",
                       file: file, line: sourceLine)
    }

    func testMalformedJSONLineNamesFileLineAndOffset() throws {
        let good = DedupFixtures.record("a", "fine text") + "\n"
        try assertInputError(Data((good + "{\"id\": \"b\", \"text\": \"oops}\n").utf8), name: "bad.jsonl",
                             line: 2, offset: good.utf8.count, containing: "malformed JSON")
    }

    func testInvalidUTF8NamesTheByte() throws {
        var bytes = Data((DedupFixtures.record("a", "fine") + "\n").utf8)
        let lineStart = bytes.count
        bytes.append(Data("{\"text\": \"bad ".utf8))
        bytes.append(contentsOf: [0xC3, 0x28])
        bytes.append(Data("\"}\n".utf8))
        try assertInputError(bytes, name: "utf8.jsonl", line: 2, offset: lineStart + 14, containing: "invalid UTF-8")
    }

    func testCorruptZstdNamesTheOffset() throws {
        var compressed = try Zstd.compress(Data(String(repeating: DedupFixtures.record("a", "text") + "\n",
                                                        count: 50).utf8))
        compressed[compressed.count / 2] ^= 0xFF
        compressed[compressed.count / 2 + 1] ^= 0xFF
        let folder = try DedupFixtures.temporaryDirectory(self)
        let url = folder.appendingPathComponent("corrupt.jsonl.zst")
        try compressed.write(to: url)
        let run = StreamingDeduplicator(inputs: [DatasetInput(url: url, displayName: "corrupt.jsonl.zst")],
                                        outputDirectory: folder.appendingPathComponent("out"), options: try options())
        XCTAssertThrowsError(try run.run()) { error in
            let error = error as? RefineryError
            XCTAssertEqual(error?.kind, .input)
            XCTAssertEqual(error?.location?.file, "corrupt.jsonl.zst")
            XCTAssertNotNil(error?.location?.offset)
            XCTAssertTrue(error?.message.contains("zstd") ?? false, "\(String(describing: error))")
        }
        var truncated = try Zstd.compress(Data((DedupFixtures.record("a", "text") + "\n").utf8))
        truncated.removeLast(3)
        try assertInputError(truncated, name: "truncated.jsonl.zst", line: nil, offset: truncated.count,
                             containing: "truncated zstd")
    }

    func testMissingFieldAndNonObjectLines() throws {
        try assertInputError(Data("{\"body\": \"x\"}\n".utf8), name: "nofield.jsonl", line: 1, offset: 0,
                             containing: "no field 'text'")
        try assertInputError(Data("[1, 2]\n".utf8), name: "array.jsonl", line: 1, offset: 0,
                             containing: "expected a JSON object")
        try assertInputError(Data("{\"text\": \"x\", \"score\": \"high\"}\n".utf8), name: "score.jsonl", line: 1,
                             offset: 0, containing: "numeric field 'score'", scoreField: "score")
    }

    func testOutputNamesAndOverwriteGuard() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let names = try DatasetOutputNames.outputs(
            for: [DatasetInput(path: "/x/a.jsonl"), DatasetInput(path: "/y/a.jsonl.zst"), DatasetInput(path: "/z/b.json")],
            in: folder)
        XCTAssertEqual(names.map(\.lastPathComponent), ["a.jsonl.zst", "a-2.jsonl.zst", "b.jsonl.zst"])
        let input = folder.appendingPathComponent("c.jsonl.zst")
        XCTAssertThrowsError(try DatasetOutputNames.outputs(for: [DatasetInput(url: input)], in: folder)) {
            XCTAssertEqual(($0 as? RefineryError)?.kind, .usage)
        }
    }

    func testFieldSelectorPaths() throws {
        let record = try JSONValue.parse("""
            {"messages":[{"role":"user","content":"Q?"},{"role":"assistant","content":"A."}],
             "meta":{"title":"T","n":3},"empty":null}
            """)
        XCTAssertEqual(try FieldSelector("messages.content").text(in: record), "Q?\nA.")
        XCTAssertEqual(try FieldSelector("meta.title, meta.n").text(in: record), "T\n3")
        XCTAssertEqual(try FieldSelector("empty").text(in: record), "")
        XCTAssertNil(try FieldSelector("meta").text(in: record))
        XCTAssertNil(try FieldSelector("missing").text(in: record))
        XCTAssertThrowsError(try FieldSelector("a..b"))
    }
}
