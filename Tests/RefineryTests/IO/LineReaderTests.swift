import Foundation
import XCTest
@testable import Refinery

final class LineReaderTests: XCTestCase {
    func testLinesNumbersAndOffsets() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = try directory.appendingPathComponent("a.txt").writing("alpha\r\nbeta\n\ngamma")
        let lines = try LineReader(url: file).map { try $0.get() }
        XCTAssertEqual(lines.map(\.number), [1, 2, 3, 4])
        XCTAssertEqual(lines.map(\.offset), [0, 7, 12, 13])
        XCTAssertEqual(try lines.map { try $0.text(file: "a") }, ["alpha", "beta", "", "gamma"])
    }

    func testCompressedFilesReadTheSame() throws {
        let directory = try makeTemporaryDirectory(self)
        let text = (1...5000).map { "{\"n\": \($0)}" }.joined(separator: "\n") + "\n"
        let file = directory.appendingPathComponent("a.jsonl.zst")
        try Zstd.compress(Data(text.utf8)).write(to: file)
        var reader = LineReader(url: file)
        reader.chunkSize = 1000
        let lines = try reader.map { try $0.get() }
        XCTAssertEqual(lines.count, 5000)
        XCTAssertEqual(try lines[4999].text(file: "x"), "{\"n\": 5000}")
    }

    func testInvalidUTF8NamesLineAndOffset() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = try directory.appendingPathComponent("bad.txt").writing(bytes: Array("ok\nab".utf8) + [0xFF] + [0x0A])
        let lines = try LineReader(url: file).map { try $0.get() }
        XCTAssertThrowsError(try lines[1].text(file: "bad.txt")) { error in
            let location = (error as? RefineryError)?.location
            XCTAssertEqual(location?.line, 2)
            XCTAssertEqual(location?.column, 3)
            XCTAssertEqual(location?.offset, 5)
        }
    }

    func testOverlongLineIsAnError() throws {
        let directory = try makeTemporaryDirectory(self)
        let file = try directory.appendingPathComponent("long.txt").writing(String(repeating: "x", count: 5000))
        var reader = LineReader(url: file)
        reader.maxLineBytes = 1000
        reader.chunkSize = 512
        let results = Array(reader)
        XCTAssertEqual(results.count, 1)
        guard case .failure(let error) = results[0] else { return XCTFail("expected an error") }
        XCTAssertTrue(error.message.contains("longer than"))
    }
}
