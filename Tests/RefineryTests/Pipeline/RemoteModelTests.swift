import Foundation
import XCTest
@testable import Refinery

/// The OpenAI-compatible backend against a real HTTP server on loopback (Tools/ci/mock_openai.py).
final class RemoteModelTests: XCTestCase {
    private var endpoint: URL!

    override func setUpWithError() throws {
        endpoint = try MockOpenAIServer(self).endpoint
    }

    func testGenerateAndScoreOverHTTP() async throws {
        let model = RemoteModel(endpoint: endpoint, model: "mock", apiKey: "secret")
        let output = try await model.generate(GenerationRequest(prompt: "Passage:\nx\n\nProblem:\n", sampling: .defaults, seed: 3))
        XCTAssertTrue(output.text.hasSuffix("#### 8"), output.text)
        XCTAssertEqual(output.completionTokens, 20)
        XCTAssertEqual(output.finishReason, .eos)
        let logProbabilities = try await model.tokenLogProbabilities(prompt: "abc", continuation: "de")
        XCTAssertEqual(logProbabilities, [-0.5, -0.5], "only the continuation's tokens count")
        let candidates = try await model.sequenceLogProbabilities(prompt: "Score:\n", candidates: ["7", "10"])
        XCTAssertEqual(candidates, [-0.5, -1.0])
    }

    func testAPipelineRunsAgainstTheEndpointAndRetriesTransientFailures() async throws {
        let root = try makeTemporaryDirectory(self)
        for index in 0..<6 {
            _ = try root.appendingPathComponent("corpus/c.txt").appendingLine(
                "Paragraph \(index) about pens and notebooks sold at the corner shop for a few dollars each day.")
        }
        _ = try root.appendingPathComponent("gen.mustache").writing("{{{passage}}} FAIL-ONCE\n\nProblem:\n")
        let yaml = """
            name: remote
            seeds: { corpus: corpus, chunk: { min_chars: 20, max_chars: 110 } }
            model: { endpoint: \(endpoint.absoluteString), model: mock, concurrency: 4 }
            tasks:
              - { name: math, prompt: gen.mustache, judges: [ { kind: math_answer } ] }
            """
        let config = try PipelineConfig.parse(yaml: yaml, file: "remote.yaml", baseDirectory: root)
        let options = RunOptions(directory: root.appendingPathComponent("run"), progress: .silent)
        let assembly = try await PipelineAssembly.make(config: config, options: options)
        let run = try PipelineRun(config: config, options: options, backend: assembly.backend, tasks: assembly.tasks)
        let summary = try await run.run()
        XCTAssertEqual(summary.samples, 6)
        XCTAssertGreaterThan(summary.accepted, 0)
        XCTAssertEqual(summary.accepted + summary.rejected, 6)
        XCTAssertTrue(summary.rejectionReasons.allSatisfy { $0.reason.hasPrefix("duplicate_of:") }, "\(summary.rejectionReasons)")
        XCTAssertEqual(try ShardVerifier().verify(directory: options.directory).problems, [])
    }
}
