import Foundation
import XCTest

/// Tools/ci/mock_openai.py on a free loopback port, stopped when the test ends. Start it on the main thread (in
/// `setUp`): a child spawned from a concurrency thread inherits its blocked signals and outlives the teardown.
final class MockOpenAIServer {
    let process: Process
    /// The server's API base, `http://127.0.0.1:PORT/v1`.
    let endpoint: URL

    init(_ testCase: XCTestCase) throws {
        let directory = try makeTemporaryDirectory(testCase)
        let portFile = directory.appendingPathComponent("port")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", repositoryRoot.appendingPathComponent("Tools/ci/mock_openai.py").path,
                             portFile.path]
        try process.run()
        testCase.addTeardownBlock {
            process.terminate()
            process.waitUntilExit()
        }
        var port: String?
        for _ in 0..<200 {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), !text.isEmpty { port = text; break }
            usleep(25_000)
        }
        self.process = process
        endpoint = URL(string: "http://127.0.0.1:\(try XCTUnwrap(port, "the mock server did not start"))/v1")!
    }
}
