import XCTest
@testable import MoE

/// The heap-based merge loop must agree with the plain scanning reference, and both with hand-worked examples.
final class BPEMergeTests: XCTestCase {
    /// Tokens: a=0 b=1 c=2 ab=3 bc=4 aa=5 abc=6 aaaa=7; merges by rank.
    private func tinyTable() -> BPEMergeTable {
        var table = BPEMergeTable(expectedCount: 8)
        table.insert(left: 1, right: 2, rank: 0, result: 4)  // b c
        table.insert(left: 0, right: 1, rank: 1, result: 3)  // a b
        table.insert(left: 3, right: 2, rank: 2, result: 6)  // ab c
        table.insert(left: 0, right: 0, rank: 3, result: 5)  // a a
        table.insert(left: 5, right: 5, rank: 4, result: 7)  // aa aa
        return table
    }

    private func both(_ symbols: [Int32], _ table: BPEMergeTable) -> ([Int32], [Int32]) {
        var workspace = BPEMergeWorkspace()
        var scanned: [Int32] = []
        var heaped: [Int32] = []
        workspace.mergeByScanning(symbols, table: table, into: &scanned)
        workspace.mergeWithHeap(symbols, table: table, into: &heaped)
        return (scanned, heaped)
    }

    func testHandWorkedExamples() {
        let table = tinyTable()
        // "abc": b c (rank 0) wins over a b (rank 1); there is no "a bc" merge.
        XCTAssertEqual(both([0, 1, 2], table).0, [0, 4])
        XCTAssertEqual(both([0, 1, 2], table).1, [0, 4])
        // "abab": a b twice, leftmost first.
        XCTAssertEqual(both([0, 1, 0, 1], table).0, [3, 3])
        XCTAssertEqual(both([0, 1, 0, 1], table).1, [3, 3])
        // "aaaaa": overlapping "a a" merges left to right, then "aa aa".
        XCTAssertEqual(both([0, 0, 0, 0, 0], table).0, [7, 0])
        XCTAssertEqual(both([0, 0, 0, 0, 0], table).1, [7, 0])
        // A duplicate merge keeps the first rank.
        var table2 = tinyTable()
        XCTAssertFalse(table2.insert(left: 1, right: 2, rank: 9, result: 4))
        XCTAssertEqual(table2.lookup(1, 2)?.rank, 0)
        XCTAssertNil(table2.lookup(2, 1))
    }

    func testHeapAgreesWithScanningOnRandomWords() throws {
        let fixture = try TokenizerFixtures.file("bpe-qwen2.json")
        let tokenizer = try TokenizerFixtures.tokenizer(fixture)
        var rng = TokenizerTestRNG(seed: 42)
        let alphabet = Array("the quick brown fox def return 東京 😀 ,.;\n\t".utf8)
        for round in 0..<500 {
            let length = Int.random(in: 1...200, using: &rng)
            var bytes: [UInt8] = []
            for _ in 0..<length {
                let fromAlphabet = alphabet[Int.random(in: 0..<alphabet.count, using: &rng)]
                bytes.append(round % 3 == 0 ? UInt8.random(in: 0...255, using: &rng) : fromAlphabet)
            }
            let symbols = bytes.map { tokenizer.byteSymbolIDs[Int($0)] }
            let (scanned, heaped) = both(symbols, tokenizer.mergeTable)
            XCTAssertEqual(scanned, heaped, "round \(round)")
            XCTAssertEqual(try tokenizer.decodeBytes(heaped), bytes, "round \(round)")
        }
    }

    func testLongWordsTakeTheHeapPathAndStillMatchHuggingFace() throws {
        // The fixture strings "a" * 300, "the" * 120 and "東京" * 100 are single words longer than the scan limit.
        let fixture = try TokenizerFixtures.file("bpe-qwen2.json")
        let tokenizer = try TokenizerFixtures.tokenizer(fixture)
        let long = fixture.cases.filter { $0.text.utf8.count > BPEMergeWorkspace.scanLimit * 4 }
        XCTAssertGreaterThanOrEqual(long.count, 3)
        for item in long {
            XCTAssertEqual(tokenizer.encode(item.text, parseSpecial: true), item.ids)
        }
    }
}
