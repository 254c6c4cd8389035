import Foundation
import XCTest

/// `refinery model info|logits|generate` through the built binary, on the numpy-made fixtures in
/// Tests/MoETests/Fixtures: JSON on stdout and the documented exit codes (1 usage, 2 input, 3 internal).
final class ModelCommandTests: XCTestCase {
    private struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
        var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any]
        }
    }

    private static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MoETests/Fixtures")
    }

    private func fixture(_ name: String) throws -> String {
        let url = Self.fixtures.appendingPathComponent(name)
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "fixture \(name) missing")
        return url.path
    }

    private func run(_ arguments: [String]) throws -> Run {
        let output = try RefineryBinary.run(["model"] + arguments)
        return Run(status: output.status, stdout: output.stdout, stderr: output.stderr)
    }

    private func logits(_ run: Run) throws -> [[Double]] {
        let rows = try XCTUnwrap(run.json?["logits"] as? [[Any]], run.stdout.prefix(200) + run.stderr)
        return rows.map { $0.compactMap { ($0 as? NSNumber)?.doubleValue } }
    }

    /// Reference logits of a fixture ([position][token]) and its tokens.
    private func reference(_ name: String) throws -> (tokens: [Int], logits: [[Double]]) {
        let data = try Data(contentsOf: URL(fileURLWithPath: try fixture(name + ".logits.json")))
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let tokens = try XCTUnwrap(object["tokens"] as? [Int])
        let logits = try XCTUnwrap(object["logits"] as? [[Double]])
        return (tokens, logits)
    }

    private func relativeError(_ actual: [[Double]], _ expected: [[Double]]) -> Double {
        var maxDiff = 0.0, maxRef = 0.0
        for (a, e) in zip(actual, expected) {
            for (x, y) in zip(a, e) {
                maxDiff = max(maxDiff, abs(x - y))
                maxRef = max(maxRef, abs(y))
            }
        }
        return maxDiff / max(maxRef, 1e-30)
    }

    func testInfoJSONOnHunyuanLargeMetadataOnlyFile() throws {
        let result = try run(["info", try fixture("hunyuan-large-meta.gguf"), "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let json = try XCTUnwrap(result.json, result.stdout)
        XCTAssertEqual(json["architecture"] as? String, "hunyuan-moe")
        XCTAssertEqual(json["parameters_total"] as? Int, 389_520_605_440)
        XCTAssertEqual(json["parameters_active"] as? Int, 52_141_277_440)
        let kv = try XCTUnwrap(json["kv_bytes_per_token"] as? Int)
        let mha = try XCTUnwrap(json["kv_bytes_per_token_mha"] as? Int)
        XCTAssertEqual(kv * 20, mha, "KV cache is exactly 5% of plain MHA")
    }

    func testInfoTextNamesTheArchitecture() throws {
        let result = try run(["info", try fixture("hy-q4_k-cla1-gqa2-top2.gguf")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("hunyuan-moe"), result.stdout)
        XCTAssertTrue(result.stdout.contains("Q4_K"), result.stdout)
    }

    func testLogitsMatchTheReference() throws {
        let name = "hy-f32-cla2-gqa2-top1"
        let (tokens, expected) = try reference(name)
        let list = tokens.map(String.init).joined(separator: ",")
        let all = try run(["logits", try fixture(name + ".gguf"), "--tokens", list, "--all-positions"])
        XCTAssertEqual(all.status, 0, all.stderr)
        let rows = try logits(all)
        XCTAssertEqual(rows.count, tokens.count)
        XCTAssertLessThanOrEqual(relativeError(rows, expected), 1e-4)

        let last = try run(["logits", try fixture(name + ".gguf"), "--tokens", list])
        XCTAssertEqual(last.status, 0, last.stderr)
        let lastRows = try logits(last)
        XCTAssertEqual(lastRows.count, 1)
        XCTAssertLessThanOrEqual(relativeError(lastRows, [expected[tokens.count - 1]]), 1e-4)
    }

    func testGenerateIsDeterministicForASeed() throws {
        let model = try fixture("hy-f32-cla1-gqa1-top2.gguf")
        let arguments = ["generate", model, "--prompt", "the cat sat", "--max-tokens", "8", "--seed", "3", "--json"]
        let first = try run(arguments)
        XCTAssertEqual(first.status, 0, first.stderr)
        let json = try XCTUnwrap(first.json, first.stdout)
        let tokens = try XCTUnwrap(json["tokens"] as? [Int])
        XCTAssertLessThanOrEqual(tokens.count, 8)
        XCTAssertNotNil(json["finish_reason"] as? String)
        let second = try run(arguments)
        XCTAssertEqual(second.json?["tokens"] as? [Int], tokens)
    }

    func testExitCodes() throws {
        let model = try fixture("hy-f32-cla1-gqa1-top2.gguf")
        let usage = try run(["logits", model, "--tokens", "1,x"])
        XCTAssertEqual(usage.status, 1, usage.stderr)

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refinery-model-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.gguf")
        try Data("GGUF\u{3}\0\0\0".utf8 + [UInt8](repeating: 0xff, count: 16)).write(to: bad)
        let malformed = try run(["info", bad.path])
        XCTAssertEqual(malformed.status, 2)
        XCTAssertTrue(malformed.stderr.contains("offset"), malformed.stderr)

        let missing = try run(["info", directory.appendingPathComponent("nope.gguf").path])
        XCTAssertEqual(missing.status, 2, missing.stderr)

        let outOfVocabulary = try run(["logits", model, "--tokens", "1,100000"])
        XCTAssertEqual(outOfVocabulary.status, 2, outOfVocabulary.stderr)

        let output = directory.appendingPathComponent("out.gguf").path
        let unknownType = try run(["quantize", model, output, "--type", "q3_x"])
        XCTAssertEqual(unknownType.status, 1, unknownType.stderr)
        XCTAssertTrue(unknownType.stderr.contains("q3_x"), unknownType.stderr)
        let malformedInput = try run(["quantize", bad.path, output, "--type", "q8_0"])
        XCTAssertEqual(malformedInput.status, 2, malformedInput.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: output), "nothing written for a failed conversion")
    }

    func testQuantizeWritesAModelTheOtherCommandsRun() throws {
        let model = try fixture("hy-f32-cla1-gqa1-top2.gguf")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refinery-quantize-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("f16.gguf").path
        let converted = try run(["quantize", model, output, "--type", "f16"])
        XCTAssertEqual(converted.status, 0, converted.stderr)
        XCTAssertTrue(converted.stdout.contains("as F16"), converted.stdout)
        let info = try run(["info", output, "--json"])
        XCTAssertEqual(info.status, 0, info.stderr)
        let (tokens, expected) = try reference("hy-f32-cla1-gqa1-top2")
        let logits = try self.logits(try run(["logits", output, "--tokens", tokens.map(String.init).joined(separator: ","),
                                              "--all-positions"]))
        XCTAssertEqual(logits.count, expected.count)
        XCTAssertLessThan(relativeError(logits, expected), 0.02, "F16 weights stay close to the F32 reference")
    }
}
