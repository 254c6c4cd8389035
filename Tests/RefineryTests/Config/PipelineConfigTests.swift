import Foundation
import XCTest
@testable import Refinery

final class PipelineConfigTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try makeTemporaryDirectory(self)
        _ = try directory.appendingPathComponent("corpus/a.txt").writing("Some seed text.")
        _ = try directory.appendingPathComponent("prompts/math.mustache").writing("Passage:\n{{{passage}}}\n\nProblem:\n")
        _ = try directory.appendingPathComponent("prompts/rubric.mustache").writing("{{{problem}}} {{{solution}}}\nScore:\n")
        _ = try directory.appendingPathComponent("model.gguf").writing("not really a model")
    }

    private let valid = """
        name: test
        seeds: { corpus: corpus, chunk: { min_chars: 10, max_chars: 500 }, limit: 5 }
        model: { path: model.gguf, threads: 2, batch: 4 }
        tasks:
          - name: math
            prompt: prompts/math.mustache
            samples_per_seed: 2
            sampling: { temperature: 0.7, top_p: 0.9, max_tokens: 128 }
            judges:
              - { kind: math_answer }
              - { kind: rubric, prompt: prompts/rubric.mustache, min_score: 6 }
        dedup: { exact: true, minhash: { ngram: 5, bands: 14, rows: 8, threshold: 0.8 } }
        output: { shard_bytes: 1MiB, zstd_level: 19 }
        """

    private func parse(_ yaml: String) throws -> PipelineConfig {
        try PipelineConfig.parse(yaml: yaml, file: "p.yaml", baseDirectory: directory)
    }

    private func assertUsageError(_ yaml: String, line: Int?, contains text: String,
                                  file: StaticString = #filePath, sourceLine: UInt = #line) {
        XCTAssertThrowsError(try parse(yaml), file: file, line: sourceLine) { error in
            guard let error = error as? RefineryError else { return XCTFail("not a RefineryError: \(error)") }
            XCTAssertEqual(error.kind, .usage, file: file, line: sourceLine)
            XCTAssertEqual(error.location?.file, "p.yaml", file: file, line: sourceLine)
            if let line { XCTAssertEqual(error.location?.line, line, "\(error)", file: file, line: sourceLine) }
            XCTAssertTrue(error.description.contains(text), "\(error)", file: file, line: sourceLine)
        }
    }

    func testParsesAValidPipeline() throws {
        let config = try parse(valid)
        XCTAssertEqual(config.name, "test")
        XCTAssertEqual(config.seeds.corpus, [directory.appendingPathComponent("corpus").standardizedFileURL.path])
        XCTAssertEqual(config.seeds.limit, 5)
        XCTAssertEqual(config.seeds.maxCharacters, 500)
        XCTAssertEqual(config.model.batch, 4)
        XCTAssertEqual(config.tasks.count, 1)
        XCTAssertEqual(config.tasks[0].kind, .math)
        XCTAssertEqual(config.tasks[0].samplesPerSeed, 2)
        XCTAssertEqual(config.tasks[0].sampling.temperature, 0.7)
        XCTAssertEqual(config.tasks[0].sampling.maxTokens, 128)
        XCTAssertEqual(config.tasks[0].judges.map(\.name), ["math_answer", "rubric"])
        XCTAssertEqual(config.output.shardBytes, 1 << 20)
        XCTAssertEqual(config.output.zstdLevel, 19)
        XCTAssertEqual(config.model.activations, .int8)
        XCTAssertEqual(config.model.kvCache, .float16)
    }

    /// A benchmark without `field` is read with the layout its first item shows (`auto`); a given field is kept.
    func testDecontaminationBenchmarksDefaultToAutomaticFields() throws {
        _ = try directory.appendingPathComponent("gsm8k.jsonl").writing(#"{"question": "q", "answer": "a"}"#)
        let config = try parse(valid.replacingOccurrences(
            of: "threshold: 0.8 } }",
            with: "threshold: 0.8 }, decontaminate: [{ path: gsm8k.jsonl }, { path: gsm8k.jsonl, field: question }] }"))
        XCTAssertEqual(config.dedup.decontaminate.map(\.field), ["auto", "question"])
    }

    /// The runtime's precision keys: parsed, rejected by name, and part of the run's identity (they change the text).
    func testRuntimePrecisionKeys() throws {
        assertUsageError(valid.replacingOccurrences(of: "batch: 4 }", with: "batch: 4, activations: fp8 }"), line: 3,
                         contains: "unknown activations \"fp8\" (expected float or int8)")
        let exact = try parse(valid.replacingOccurrences(of: "batch: 4 }",
                                                         with: "batch: 4, kv_cache: f32, activations: float }"))
        XCTAssertEqual(exact.model.kvCache, .float32)
        XCTAssertEqual(exact.model.activations, .float)
        let base = try parse(valid).hash(modelIdentity: "m@1")
        let f32 = try parse(valid.replacingOccurrences(of: "batch: 4 }", with: "batch: 4, kv_cache: f32 }"))
        XCTAssertNotEqual(try f32.hash(modelIdentity: "m@1"), base)
        let f16 = try parse(valid.replacingOccurrences(of: "batch: 4 }", with: "batch: 4, kv_cache: f16 }"))
        XCTAssertEqual(try f16.hash(modelIdentity: "m@1"), base, "f16 is the default")
        assertUsageError(valid.replacingOccurrences(of: "batch: 4 }", with: "batch: 4, kv_cache: q8 }"), line: 3,
                         contains: "unknown kv_cache \"q8\" (expected f32 or f16)")
    }

    func testUnknownKeyNamesItsLine() {
        let yaml = valid.replacingOccurrences(of: "samples_per_seed: 2", with: "samples_per_seed: 2\n    temprature: 3")
        assertUsageError(yaml, line: 8, contains: "unknown key \"temprature\"")
    }

    func testBadValuesNameTheirLine() {
        assertUsageError(valid.replacingOccurrences(of: "top_p: 0.9", with: "top_p: 1.5"), line: 8, contains: "top_p")
        assertUsageError(valid.replacingOccurrences(of: "samples_per_seed: 2", with: "samples_per_seed: two"),
                         line: 7, contains: "expected an integer")
        assertUsageError(valid.replacingOccurrences(of: "shard_bytes: 1MiB", with: "shard_bytes: lots"),
                         line: 13, contains: "byte size")
        assertUsageError(valid.replacingOccurrences(of: "{ kind: math_answer }", with: "{ kind: magic }"),
                         line: 10, contains: "unknown judge kind")
        assertUsageError(valid.replacingOccurrences(of: "min_chars: 10", with: "min_chars: 900"),
                         line: 2, contains: "below min_chars")
    }

    func testMissingFilesAndKeysAreErrors() {
        assertUsageError(valid.replacingOccurrences(of: "prompts/math.mustache", with: "prompts/nope.mustache"),
                         line: 6, contains: "prompt template not found")
        assertUsageError(valid.replacingOccurrences(of: "name: test\n", with: ""), line: nil, contains: "missing required key \"name\"")
        assertUsageError(valid.replacingOccurrences(of: "path: model.gguf", with: "endpoint: ftp://x"),
                         line: 3, contains: "http")
    }

    func testBrokenYAMLNamesTheLine() {
        assertUsageError("name: x\nseeds: [unclosed\nmodel: {}\n", line: nil, contains: "invalid YAML")
        assertUsageError("name: x\n  bad indentation: here\n", line: 2, contains: "invalid YAML")
    }

    func testDuplicateKeysAreRejected() {
        assertUsageError("name: a\nname: b\n" + valid.replacingOccurrences(of: "name: test\n", with: ""),
                         line: 1, contains: "appears twice")
    }

    func testHashIgnoresExecutionSettingsButNotTemplates() throws {
        let base = try parse(valid).hash(modelIdentity: "m@1")
        let moreThreads = try parse(valid.replacingOccurrences(of: "threads: 2, batch: 4", with: "threads: 8, batch: 32"))
        XCTAssertEqual(try moreThreads.hash(modelIdentity: "m@1"), base)
        XCTAssertNotEqual(try parse(valid).hash(modelIdentity: "m@2"), base)
        XCTAssertNotEqual(try parse(valid.replacingOccurrences(of: "temperature: 0.7", with: "temperature: 0.8"))
            .hash(modelIdentity: "m@1"), base)
        _ = try directory.appendingPathComponent("prompts/math.mustache").writing("Changed:\n{{{passage}}}\n")
        XCTAssertNotEqual(try parse(valid).hash(modelIdentity: "m@1"), base)
    }

    func testShippedPipelinesParse() throws {
        let pipelines = repositoryRoot.appendingPathComponent("Pipelines")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: pipelines.path)) ?? []
        let yamlFiles = files.filter { $0.hasSuffix(".yaml") }
        guard !yamlFiles.isEmpty else { throw XCTSkip("no pipelines shipped yet") }
        for name in yamlFiles {
            XCTAssertNoThrow(try PipelineConfig.load(from: pipelines.appendingPathComponent(name)), name)
        }
    }
}
