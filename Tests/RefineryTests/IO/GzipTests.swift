import Foundation
import XCTest
@testable import Refinery

/// `.gz` inputs (benchmarks such as HumanEval ship gzipped), made with the system's gzip (Essential in Debian).
final class GzipTests: XCTestCase {
    /// `text` gzipped by the gzip command, as one member per element (concatenated members are one stream).
    func gzip(_ members: [String], in directory: URL, name: String) throws -> URL {
        let tool = ["/usr/bin/gzip", "/bin/gzip"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let gzip = try XCTUnwrap(tool, "the gzip command is missing (Debian's gzip package is Essential)")
        var data = Data()
        for (index, member) in members.enumerated() {
            let plain = try directory.appendingPathComponent("member-\(index)").writing(member)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: gzip)
            process.arguments = ["-c", "-n", plain.path]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            data.append(out.fileHandleForReading.readDataToEndOfFile())
            process.waitUntilExit()
            XCTAssertEqual(process.terminationStatus, 0)
        }
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    func testGzippedFilesReadTheSameAcrossChunksAndMembers() throws {
        let directory = try makeTemporaryDirectory(self)
        let first = (1...4000).map { "{\"n\": \($0)}" }.joined(separator: "\n") + "\n"
        let second = (4001...6000).map { "{\"n\": \($0)}" }.joined(separator: "\n")
        let file = try gzip([first, second], in: directory, name: "a.jsonl.gz")
        for chunkSize in [7, 1000, 1 << 20] {
            var reader = LineReader(url: file)
            reader.chunkSize = chunkSize
            let lines = try reader.map { try $0.get() }
            XCTAssertEqual(lines.count, 6000, "chunk \(chunkSize)")
            XCTAssertEqual(try lines[4000].text(file: "x"), "{\"n\": 4001}")
            XCTAssertEqual(lines[1].offset, 9, "offsets count decompressed bytes")  // {"n": 1} and its newline
        }
    }

    func testTruncatedAndCorruptGzipAreInputErrors() throws {
        let directory = try makeTemporaryDirectory(self)
        let text = (1...3000).map { "line \($0) with some words" }.joined(separator: "\n")
        let whole = try Data(contentsOf: try gzip([text], in: directory, name: "whole.gz"))
        let truncated = directory.appendingPathComponent("cut.jsonl.gz")
        try whole.prefix(whole.count / 2).write(to: truncated)
        XCTAssertThrowsError(try LineReader(url: truncated).map { try $0.get() }) { error in
            let error = error as? RefineryError
            XCTAssertEqual(error?.kind, .input)
            XCTAssertTrue(error?.description.contains("truncated gzip stream") ?? false, "\(String(describing: error))")
        }
        let corrupt = try directory.appendingPathComponent("bad.jsonl.gz").writing("not gzip at all\n")
        XCTAssertThrowsError(try LineReader(url: corrupt).map { try $0.get() }) { error in
            let error = error as? RefineryError
            XCTAssertEqual(error?.kind, .input)
            XCTAssertTrue(error?.description.contains("bad.jsonl.gz") ?? false)
            XCTAssertTrue(error?.description.contains("corrupt gzip data") ?? false, "\(String(describing: error))")
        }
    }

    /// A first line that is not JSON but a known binary format says what the file is.
    func testBinaryFilesGivenAsJSONLSayWhatTheyAre() throws {
        let directory = try makeTemporaryDirectory(self)
        let parquet = try directory.appendingPathComponent("test.parquet")
            .writing(bytes: Array("PAR1".utf8) + [0x15, 0x04, 0x0A])
        let gzipped = try gzip(["{\"question\": \"q\"}\n"], in: directory, name: "plain.jsonl")
        let array = try directory.appendingPathComponent("array.jsonl").writing("[{\"question\": \"q\"}]\n")
        for (file, expected) in [(parquet, "Parquet file"), (gzipped, "name the file with a .gz extension"),
                                 (array, "found a JSON array")] {
            var lines = LineReader(url: file).makeIterator()
            let line = try XCTUnwrap(lines.next()).get()
            XCTAssertThrowsError(try DatasetRecord.object(line, name: file.lastPathComponent)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
                XCTAssertEqual((error as? RefineryError)?.location?.line, 1)
            }
        }
    }
}
