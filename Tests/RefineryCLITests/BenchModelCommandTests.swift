import Foundation
import XCTest

/// `refinery bench model` through the built binary on a tiny fixture model: the JSON report's keys and values, the
/// human-readable report, context clamping and the documented exit codes. No timing asserts.
final class BenchModelCommandTests: XCTestCase {
    private static let requiredKeys = [
        "prompt_tokens_per_second", "decode_tokens_per_second", "batch", "aggregate_tokens_per_second", "rss_bytes",
        "roofline_ratio", "file_bytes", "kv_cache_bytes", "rss_ratio",
    ]

    private func fixture(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("MoETests/Fixtures").appendingPathComponent(name)
        try XCTSkipUnless(FileManager.default.fileExists(atPath: url.path), "fixture \(name) missing")
        return url.path
    }

    private func bench(_ arguments: [String]) throws -> RefineryBinary.Output {
        try RefineryBinary.run(["bench", "model"] + arguments)
    }

    private func report(_ output: RefineryBinary.Output) throws -> [String: Any] {
        XCTAssertEqual(output.status, 0, output.stderr)
        let object = try JSONSerialization.jsonObject(with: Data(output.stdout.utf8))
        return try XCTUnwrap(object as? [String: Any], output.stdout)
    }

    private func number(_ report: [String: Any], _ key: String) throws -> Double {
        try XCTUnwrap((report[key] as? NSNumber)?.doubleValue, "\(key) missing or not a number")
    }

    func testJSONReportHasEveryKeyWithPositiveValues() throws {
        let model = try fixture("hy-f32-cla1-gqa1-top2.gguf")
        let json = try report(try bench([model, "--prompt", "8", "--generate", "4", "--batch", "2", "--threads", "1",
                                         "--step-tokens", "3", "--copy-megabytes", "8", "--json"]))
        for key in Self.requiredKeys {
            XCTAssertGreaterThan(try number(json, key), 0, key)
        }
        XCTAssertEqual(try number(json, "batch"), 2)
        XCTAssertEqual(try number(json, "threads"), 1)
        XCTAssertEqual(try number(json, "prompt_tokens"), 8)
        XCTAssertEqual(try number(json, "generate_tokens"), 4)
        XCTAssertEqual(try number(json, "step_tokens"), 3)  // the 8-token prompt went in three steps
        XCTAssertEqual(json["kv_cache"] as? String, "f16")
        XCTAssertGreaterThan(try number(json, "copy_bandwidth_bytes_per_second"), 0)
        XCTAssertGreaterThan(try number(json, "aggregate_end_to_end_tokens_per_second"), 0)
        // Batched decode: 2 sequences × 32 new tokens, the window after the prefill step holds most of them.
        let windowTokens = try number(json, "aggregate_window_tokens")
        XCTAssertGreaterThan(windowTokens, 0)
        XCTAssertLessThanOrEqual(windowTokens, 2 * 32)
        XCTAssertNotNil(json["kernel_level"] as? String)
        // The memory bound's terms: the file's size, and KV pages for at least the batch's positions (f16).
        let fileBytes = Double(try XCTUnwrap(
            try FileManager.default.attributesOfItem(atPath: model)[.size] as? NSNumber).intValue)
        XCTAssertEqual(try number(json, "file_bytes"), fileBytes)
        XCTAssertEqual(try number(json, "rss_ratio"),
                       try number(json, "rss_bytes") / (fileBytes + number(json, "kv_cache_bytes")), accuracy: 1e-9)
    }

    /// Every batched sequence is admitted at once, also when its positions are not a whole number of KV pages
    /// (64 + 100 = 164 positions: 6 pages of 32 each); otherwise the last ones would wait for the first to finish
    /// and the window after the last prefill would hold only their tail.
    func testBatchedSequencesAllFitTheCache() throws {
        let model = try fixture("hy-f32-cla1-gqa1-top2.gguf")
        let json = try report(try bench([model, "--prompt", "4", "--generate", "2", "--batch", "12",
                                         "--batch-generate", "100", "--threads", "1", "--copy-megabytes", "1",
                                         "--json"]))
        XCTAssertGreaterThan(try number(json, "aggregate_window_tokens"), 12 * 90)
    }

    func testActiveWeightBytesCountOnlySelectedExperts() throws {
        // top-2 of 4 experts: the bytes a token reads are fewer than the file's tensor bytes but more than half.
        let model = try fixture("hy-f32-cla1-gqa1-top2.gguf")
        let json = try report(try bench([model, "--prompt", "4", "--generate", "2", "--batch", "1", "--threads", "1",
                                         "--copy-megabytes", "1", "--json"]))
        let active = try number(json, "active_weight_bytes_per_token")
        let fileBytes = Double(try XCTUnwrap(
            try FileManager.default.attributesOfItem(atPath: model)[.size] as? NSNumber).intValue)
        XCTAssertGreaterThan(active, 0)
        XCTAssertLessThan(active, fileBytes)
    }

    func testTextReportAndContextClamp() throws {
        // The fixture's context is 4096: a longer prompt is clamped and the report says so.
        let model = try fixture("hy-f32-cla1-gqa1-top2.gguf")
        let output = try bench([model, "--prompt", "5000", "--generate", "2", "--batch", "1", "--threads", "1",
                                "--copy-megabytes", "1"])
        XCTAssertEqual(output.status, 0, output.stderr)
        for label in ["prefill:", "decode:", "batched decode:", "rss:", "roofline:"] {
            XCTAssertTrue(output.stdout.contains(label), "missing \(label) in\n\(output.stdout)")
        }
        XCTAssertTrue(output.stdout.contains("prompt tokens clamped from 5000 to 4095"), output.stdout)
    }

    func testMissingOrMalformedModelIsAnInputError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bench-model-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = try bench([directory.appendingPathComponent("absent.gguf").path, "--json"])
        XCTAssertEqual(missing.status, 2, missing.stderr)
        XCTAssertTrue(missing.stdout.isEmpty)
        let garbage = directory.appendingPathComponent("garbage.gguf")
        try Data("not a gguf file at all".utf8).write(to: garbage)
        let malformed = try bench([garbage.path, "--json"])
        XCTAssertEqual(malformed.status, 2, malformed.stderr)
        XCTAssertTrue(malformed.stderr.contains("error:"), malformed.stderr)
    }

    func testBadFlagsAreUsageErrors() throws {
        let model = try fixture("hy-f32-cla1-gqa1-top2.gguf")
        let output = try bench([model, "--batch", "0"])
        XCTAssertEqual(output.status, 1, output.stderr)
        for (flag, value) in [("--kv-cache", "f8"), ("--activations", "fp8")] {
            let bad = try bench([model, flag, value])
            XCTAssertEqual(bad.status, 1, bad.stderr)
            XCTAssertTrue(bad.stderr.contains(flag), bad.stderr)
        }
        let steps = try bench([model, "--step-tokens", "0"])
        XCTAssertEqual(steps.status, 1, steps.stderr)
        XCTAssertTrue(steps.stderr.contains("--step-tokens"), steps.stderr)
    }
}
