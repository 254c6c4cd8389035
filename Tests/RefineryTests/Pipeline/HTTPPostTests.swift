import Foundation
import XCTest
@testable import Refinery

/// The libcurl transport of the remote backend against a real HTTP server on loopback (Tools/ci/mock_openai.py).
final class HTTPPostTests: XCTestCase {
    private var server: MockOpenAIServer!

    override func setUpWithError() throws {
        server = try MockOpenAIServer(self)
    }

    func testSendsHeadersAndBodyAndReturnsAnyStatus() async throws {
        let body = Data(repeating: UInt8(ascii: "x"), count: 200_000)  // large enough for curl's Expect: 100-continue
        let response = try await HTTPPost.send(url: server.endpoint.appendingPathComponent("headers"),
                                               headers: ["Authorization": "Bearer k", "Content-Type": "application/json"],
                                               body: body, timeout: 20)
        XCTAssertEqual(response.status, 200)
        let answer = try JSONValue.parse(String(decoding: response.body, as: UTF8.self))
        XCTAssertEqual(answer["body_length"]?.intValue, body.count)
        XCTAssertEqual(answer["headers"]?["authorization"]?.stringValue, "Bearer k")
        XCTAssertEqual(answer["headers"]?["content-type"]?.stringValue, "application/json")
        XCTAssertNil(answer["headers"]?["expect"], "no 100-continue handshake")
        let again = try await HTTPPost.send(url: server.endpoint.appendingPathComponent("headers"), headers: [:],
                                            body: Data("{}".utf8), timeout: 20)
        XCTAssertEqual(try JSONValue.parse(String(decoding: again.body, as: UTF8.self))["client_port"]?.intValue,
                       answer["client_port"]?.intValue, "the second request reuses the first one's connection")

        let missing = try await HTTPPost.send(url: server.endpoint.appendingPathComponent("nowhere"), headers: [:],
                                              body: Data("{}".utf8), timeout: 20)
        XCTAssertEqual(missing.status, 404)
        XCTAssertFalse(missing.body.isEmpty, "the error page is returned, not dropped")
    }

    func testRefusedConnectionAndTimeoutAreErrorsThatNameTheURL() async throws {
        // A port that was free a moment ago: nothing listens there.
        let closed = URL(string: "http://127.0.0.1:\(try freePort())/v1/completions")!
        do {
            _ = try await HTTPPost.send(url: closed, headers: [:], body: Data(), timeout: 20)
            XCTFail("expected a connection error")
        } catch let failure as HTTPPost.Failure {
            XCTAssertTrue(failure.description.contains(closed.absoluteString), failure.description)
        }

        let started = Date()
        do {
            _ = try await HTTPPost.send(url: server.endpoint.appendingPathComponent("slow"), headers: [:],
                                        body: Data(), timeout: 0.3)
            XCTFail("expected a timeout")
        } catch let failure as HTTPPost.Failure {
            XCTAssertTrue(failure.message.lowercased().contains("timeout") || failure.message.contains("timed out"),
                          failure.message)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 4.5, "the timeout, not the server, ended the request")
    }

    func testCancellingTheTaskAbortsTheTransfer() async throws {
        let url = server.endpoint.appendingPathComponent("slow")
        let started = Date()
        let task = Task { try await HTTPPost.send(url: url, headers: [:], body: Data(), timeout: 60) }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        do {
            _ = try await task.value
            XCTFail("expected cancellation")
        } catch is CancellationError {}
        XCTAssertLessThan(Date().timeIntervalSince(started), 4.5, "cancellation, not the server, ended the request")
    }

    func testEndpointsMustBeHTTPURLs() throws {
        let model = ModelConfig(path: nil, endpoint: "localhost:8000/v1", remoteModel: nil, apiKeyEnvironment: nil,
                                threads: 1, batch: 1, concurrency: 1)
        XCTAssertThrowsError(try PipelineAssembly.makeBackend(model, threads: nil)) { error in
            XCTAssertTrue("\(error)".contains("not an http:// or https:// URL"), "\(error)")
        }
    }

    private func freePort() throws -> Int {
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
