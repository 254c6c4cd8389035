import Foundation
import XCTest

/// `refinery run` against an endpoint nobody listens on: the documented input-error exit (2) naming the endpoint,
/// after the pipeline's retries, not an internal error.
final class RemoteEndpointCommandTests: XCTestCase {
    func testUnreachableEndpointIsAnInputError() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("refinery-remote-\(UUID())")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("corpus"),
                                                withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: directory) }
        try Data("A shop sells pens for two dollars each and notebooks for three dollars each.\n".utf8)
            .write(to: directory.appendingPathComponent("corpus/c.txt"))
        try Data("{{{passage}}}\n\nProblem:\n".utf8).write(to: directory.appendingPathComponent("gen.mustache"))
        let endpoint = "http://127.0.0.1:\(try closedPort())/v1"
        try Data("""
            name: unreachable
            seeds: { corpus: corpus, chunk: { min_chars: 20, max_chars: 200 } }
            model: { endpoint: \(endpoint), model: mock, concurrency: 1 }
            tasks:
              - { name: math, prompt: gen.mustache, judges: [ { kind: math_answer } ] }
            """.utf8).write(to: directory.appendingPathComponent("p.yaml"))
        let output = try RefineryBinary.run(["run", directory.appendingPathComponent("p.yaml").path,
                                             "--out", directory.appendingPathComponent("run").path])
        XCTAssertEqual(output.status, 2, output.stderr)
        XCTAssertTrue(output.stderr.contains("model endpoint failed: \(endpoint)/completions"), output.stderr)
    }

    /// A loopback port that was free a moment ago.
    private func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Bool in
                bind(socket, pointer, length) == 0 && getsockname(socket, pointer, &length) == 0
            }
        }
        XCTAssertTrue(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
