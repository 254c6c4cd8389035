import Foundation
import XCTest
@testable import Refinery

/// Real readers of our shards: Hugging Face `datasets` must load them (Tools/ci/load_shards.py).
final class DatasetsLoadingTests: XCTestCase {
    private func runPython(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        // Tools/test points REFINERY_PYTHON at a virtual environment with Tools/ci/requirements.txt installed.
        let python = ProcessInfo.processInfo.environment["REFINERY_PYTHON"] ?? "python3"
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    func testShardsLoadWithHuggingFaceDatasets() async throws {
        let probe = try runPython(["-c", "import datasets"])
        if probe.status != 0 {
            // CI installs it (Tools/test); elsewhere say why this is skipped.
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                return XCTFail("python3 cannot import datasets in CI: \(probe.output)")
            }
            throw XCTSkip("python cannot import datasets; Tools/test installs Tools/ci/requirements.txt into .venv")
        }
        let root = try makeTemporaryDirectory(self)
        let fixture = try PipelineFixture(root: root, seeds: 14, samplesPerSeed: 2, shardBytes: "400B")
        let out = root.appendingPathComponent("run")
        let summary = try await fixture.run(directory: out, generator: ScriptedGenerator())
        XCTAssertGreaterThan(summary.shards.count, 1)
        let script = repositoryRoot.appendingPathComponent("Tools/ci/load_shards.py").path
        let result = try runPython([script, out.path, String(summary.accepted)])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("\"records\": \(summary.accepted)"), result.output)
    }
}
