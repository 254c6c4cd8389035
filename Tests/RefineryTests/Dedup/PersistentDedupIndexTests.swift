import Foundation
import XCTest
@testable import Refinery

/// Cross-run dedup through the SQLite index.
final class PersistentDedupIndexTests: XCTestCase {
    func testLaterRunsNeverKeepDuplicatesOfIndexedRecords() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let url = folder.appendingPathComponent(PersistentDedupIndex.fileName)
        var words = DedupFixtures.WordSource()
        let (original, nearCopy) = DedupFixtures.pair(shared: 90, distinct: 5, middle: true, words: &words)
        let other = words.words(50).joined(separator: " ")
        let settings = DedupSettings(verifyJaccard: true)
        do {
            let index = try PersistentDedupIndex(url: url, settings: settings)
            XCTAssertNil(try index.checkAndInsert(id: "run1-a", text: original))
            XCTAssertNil(try index.checkAndInsert(id: "run1-b", text: other))
            XCTAssertEqual(try index.count(), 2)
        }
        // A new process (a later run) reopens the file.
        let index = try PersistentDedupIndex(url: url, settings: settings)
        let fingerprinter = index.fingerprinter
        let batch: [(id: String, fingerprint: DedupFingerprint)] = [
            ("run2-exact", fingerprinter.fingerprint(original.uppercased() + " !")),
            ("run2-near", fingerprinter.fingerprint(nearCopy)),
            ("run2-new", fingerprinter.fingerprint(words.words(50).joined(separator: " "))),
        ]
        let found = try index.filterAndInsert(batch)
        XCTAssertEqual(found[0], IndexMatch(id: "run1-a", kind: .exact, similarity: nil))
        XCTAssertEqual(found[1]?.id, "run1-a")
        XCTAssertEqual(found[1]?.kind, .near)
        XCTAssertEqual(found[1]?.similarity ?? 0, 0.9, accuracy: 1e-12)
        XCTAssertNil(found[2])
        XCTAssertEqual(try index.count(), 3, "only the new record is added")
    }

    func testOpeningWithOtherSettingsIsRefused() throws {
        let url = try DedupFixtures.temporaryDirectory(self).appendingPathComponent("index.sqlite")
        _ = try PersistentDedupIndex(url: url, settings: DedupSettings())
        let other = DedupSettings(minhash: try MinHashConfig.validated(ngram: 3, bands: 14, rows: 8, threshold: 0.8))
        XCTAssertThrowsError(try PersistentDedupIndex(url: url, settings: other)) { error in
            XCTAssertEqual((error as? RefineryError)?.kind, .usage)
        }
    }

    func testNotADatabaseIsAnInputError() throws {
        let url = try DedupFixtures.temporaryDirectory(self).appendingPathComponent("index.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: url)
        XCTAssertThrowsError(try PersistentDedupIndex(url: url, settings: DedupSettings())) { error in
            XCTAssertEqual((error as? RefineryError)?.kind, .input, "\(error)")
        }
    }

    func testStandaloneDedupUsesTheIndexAcrossRuns() throws {
        let folder = try DedupFixtures.temporaryDirectory(self)
        let indexURL = folder.appendingPathComponent("dedup-index.sqlite")
        let first = folder.appendingPathComponent("first.jsonl")
        let second = folder.appendingPathComponent("second.jsonl")
        var words = DedupFixtures.WordSource()
        let texts = (0..<4).map { _ in words.words(30).joined(separator: " ") }
        try DedupFixtures.write([DedupFixtures.record("a", texts[0]), DedupFixtures.record("b", texts[1])], to: first)
        try DedupFixtures.write([DedupFixtures.record("c", texts[0].uppercased()), DedupFixtures.record("d", texts[2])],
                                to: second)
        let options = StreamingDedupOptions(read: DatasetReadOptions(field: try FieldSelector("text")),
                                            indexURL: indexURL)
        let run1 = try StreamingDeduplicator(inputs: [DatasetInput(url: first)],
                                             outputDirectory: folder.appendingPathComponent("out1"),
                                             options: options).run()
        XCTAssertEqual(run1.kept, 2)
        let out2 = folder.appendingPathComponent("out2")
        let run2 = try StreamingDeduplicator(inputs: [DatasetInput(url: second)], outputDirectory: out2,
                                             options: options).run()
        XCTAssertEqual(run2.kept, 1)
        XCTAssertEqual(run2.removedByIndex, 1)
        let removed = try DedupFixtures.readJSONLines(out2.appendingPathComponent("removed.jsonl"))
        XCTAssertEqual(removed.first?["id"]?.stringValue, "c")
        XCTAssertEqual(removed.first?["reason"]?.stringValue, "duplicate_of:a")
        XCTAssertEqual(removed.first?["kind"]?.stringValue, "index")
        XCTAssertEqual(try PersistentDedupIndex(url: indexURL, settings: DedupSettings()).count(), 3)
    }
}
