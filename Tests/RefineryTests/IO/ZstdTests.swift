import Foundation
import XCTest
@testable import Refinery

final class ZstdTests: XCTestCase {
    func testRoundTripAcrossChunkBoundaries() throws {
        let text = (0..<20_000).map { "line \($0) with some text ✓\n" }.joined()
        let compressed = try Zstd.compress(Data(text.utf8), level: 5)
        XCTAssertLessThan(compressed.count, text.utf8.count / 4)
        // Feed the decompressor in small pieces to cross frame-internal boundaries.
        let decompressor = try ZstdDecompressor(name: "test")
        var output = Data()
        var index = 0
        while index < compressed.count {
            let end = min(index + 777, compressed.count)
            output.append(try decompressor.decompress(compressed[index..<end]))
            index = end
        }
        try decompressor.finish()
        XCTAssertEqual(String(decoding: output, as: UTF8.self), text)
    }

    func testFramesCarryAContentChecksum() throws {
        let compressed = try Zstd.compress(Data("hello".utf8))
        // Frame header descriptor: bit 2 is the Content_Checksum_flag.
        XCTAssertEqual(Array(compressed.prefix(4)), [0x28, 0xB5, 0x2F, 0xFD])
        XCTAssertEqual(compressed[4] & 0x04, 0x04)
    }

    func testTruncatedStreamIsAnErrorWithOffset() throws {
        let compressed = try Zstd.compress(Data(String(repeating: "abcdefgh", count: 5000).utf8))
        let truncated = compressed.prefix(compressed.count - 3)
        XCTAssertThrowsError(try Zstd.decompress(Data(truncated), name: "cut.zst")) { error in
            let error = error as? RefineryError
            XCTAssertEqual(error?.kind, .input)
            XCTAssertEqual(error?.location?.file, "cut.zst")
            XCTAssertNotNil(error?.location?.offset)
            XCTAssertTrue(error?.message.contains("truncated") ?? false, "\(String(describing: error))")
        }
    }

    func testCorruptedChecksumIsDetected() throws {
        var compressed = try Zstd.compress(Data(String(repeating: "payload ", count: 100).utf8))
        compressed[compressed.count - 1] ^= 0xFF
        XCTAssertThrowsError(try Zstd.decompress(compressed, name: "bad.zst")) { error in
            XCTAssertEqual((error as? RefineryError)?.kind, .input)
        }
    }

    func testGarbageIsNotZstd() {
        XCTAssertThrowsError(try Zstd.decompress(Data("definitely not zstd".utf8), name: "x")) { error in
            XCTAssertEqual((error as? RefineryError)?.location?.offset, 0)
        }
    }

    func testSystemZstdReadsOurFrames() throws {
        let zstd = URL(fileURLWithPath: "/usr/bin/zstd")
        guard FileManager.default.isExecutableFile(atPath: zstd.path) else {
            throw XCTSkip("the zstd command is not installed (Tools/install-deps installs it)")
        }
        let directory = try makeTemporaryDirectory(self)
        let file = directory.appendingPathComponent("a.zst")
        try Zstd.compress(Data("one\ntwo\n".utf8), level: 19).write(to: file)
        let process = Process()
        process.executableURL = zstd
        process.arguments = ["-t", "-q", file.path]
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
