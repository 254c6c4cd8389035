import Foundation
import XCTest
@testable import Refinery

final class CorpusReaderTests: XCTestCase {
    private func readAll(_ reader: CorpusReader, _ paths: [URL]) throws -> ([CorpusDocument], [QuarantinedInput]) {
        var documents: [CorpusDocument] = []
        var quarantined: [QuarantinedInput] = []
        for file in try reader.files(in: paths) {
            try reader.read(file: file, document: { documents.append($0) }, quarantine: { quarantined.append($0) })
        }
        return (documents, quarantined)
    }

    func testReadsEveryFormatInStableOrderAndSkipsReadme() throws {
        let root = try makeTemporaryDirectory(self)
        let corpus = root.appendingPathComponent("corpus")
        _ = try corpus.appendingPathComponent("b.md").writing("# Title\n\nSome markdown text.\n")
        _ = try corpus.appendingPathComponent("a.txt").writing("Plain text.")
        _ = try corpus.appendingPathComponent("README.md").writing("not a seed")
        _ = try corpus.appendingPathComponent("ignored.csv").writing("x,y")
        _ = try corpus.appendingPathComponent("sub/c.jsonl").writing(
            "{\"text\": \"first\", \"title\": \"T\"}\n\n{\"body\": \"x\", \"text\": \"second\"}\n")
        let compressed = try Zstd.compress(Data("{\"text\": \"zipped\"}\n".utf8))
        try compressed.write(to: corpus.appendingPathComponent("d.jsonl.zst"))
        // gzip of {"text": "gzipped"} and a newline (Python's gzip.compress, mtime 0).
        _ = try corpus.appendingPathComponent("e.jsonl.gz").writing(bytes: [
            0x1F, 0x8B, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03, 0xAB, 0x56, 0x2A, 0x49, 0xAD, 0x28, 0x51, 0xB2,
            0x52, 0x50, 0x4A, 0xAF, 0xCA, 0x2C, 0x28, 0x48, 0x4D, 0x51, 0xAA, 0xE5, 0x02, 0x00, 0x95, 0x4E, 0x25, 0xC8,
            0x14, 0x00, 0x00, 0x00,
        ])
        let reader = CorpusReader(displayRoot: root)
        let (documents, quarantined) = try readAll(reader, [corpus])
        XCTAssertEqual(quarantined, [])
        XCTAssertEqual(documents.map(\.source),
                       ["corpus/a.txt", "corpus/b.md", "corpus/d.jsonl.zst:1", "corpus/e.jsonl.gz:1",
                        "corpus/sub/c.jsonl:1", "corpus/sub/c.jsonl:3"])
        XCTAssertEqual(documents.map(\.text),
                       ["Plain text.", "# Title\n\nSome markdown text.\n", "zipped", "gzipped", "first", "second"])
        XCTAssertEqual(documents[1].isMarkdown, true)
        XCTAssertEqual(documents[4].title, "T")
    }

    func testMalformedJSONLinesAreQuarantinedWithTheirLine() throws {
        let root = try makeTemporaryDirectory(self)
        let file = try root.appendingPathComponent("x.jsonl").writing("""
            {"text": "good one"}
            {"text": "broken
            [1, 2]
            {"other": "no text"}
            {"text": 42}
            {"text": "good two"}
            """)
        let (documents, quarantined) = try readAll(CorpusReader(displayRoot: root), [file])
        XCTAssertEqual(documents.map(\.text), ["good one", "good two"])
        XCTAssertEqual(quarantined.map(\.location.line), [2, 3, 4, 5])
        XCTAssertEqual(quarantined.map(\.reason), ["malformed_json", "malformed_json", "missing_text_field", "missing_text_field"])
        XCTAssertEqual(quarantined[0].location.file, "x.jsonl")
    }

    func testInvalidUTF8IsQuarantinedWithOffset() throws {
        let root = try makeTemporaryDirectory(self)
        let text = try root.appendingPathComponent("bad.txt").writing(bytes: Array("line one\nli".utf8) + [0xC3, 0x28])
        let jsonl = try root.appendingPathComponent("bad.jsonl").writing(
            bytes: Array("{\"text\": \"ok\"}\n{\"text\": \"".utf8) + [0xE2, 0x82] + Array("\"}\n".utf8))
        let (documents, quarantined) = try readAll(CorpusReader(displayRoot: root), [text, jsonl])
        XCTAssertEqual(documents.map(\.text), ["ok"])
        XCTAssertEqual(quarantined.count, 2)
        XCTAssertEqual(quarantined[0].reason, "invalid_utf8")
        XCTAssertEqual(quarantined[0].location.offset, 11)
        XCTAssertEqual(quarantined[0].location.line, 2)
        XCTAssertEqual(quarantined[1].location.line, 2)
        XCTAssertEqual(quarantined[1].location.offset, 25)
    }

    func testCorruptZstdKeepsEarlierLinesAndQuarantinesTheRest() throws {
        let root = try makeTemporaryDirectory(self)
        let lines = (1...2000).map { "{\"text\": \"document number \($0) with enough words to matter\"}" }
        var compressed = try Zstd.compress(Data((lines.joined(separator: "\n") + "\n").utf8))
        compressed = compressed.prefix(compressed.count * 2 / 3)
        let file = root.appendingPathComponent("cut.jsonl.zst")
        try compressed.write(to: file)
        let (documents, quarantined) = try readAll(CorpusReader(displayRoot: root), [file])
        XCTAssertEqual(quarantined.count, 1)
        XCTAssertEqual(quarantined[0].reason, "corrupt_file")
        XCTAssertNotNil(quarantined[0].location.offset)
        XCTAssertLessThan(documents.count, 2000)
        // What was read before the damage is intact and in order.
        for (index, document) in documents.enumerated() {
            XCTAssertEqual(document.text, "document number \(index + 1) with enough words to matter")
        }
    }

    func testMissingCorpusPathIsAUsageError() {
        XCTAssertThrowsError(try CorpusReader().files(in: [URL(fileURLWithPath: "/nonexistent/corpus")])) { error in
            XCTAssertEqual((error as? RefineryError)?.kind, .usage)
        }
    }
}
