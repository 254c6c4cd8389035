import CCurl
import Foundation

/// One HTTP POST over libcurl, loaded on first use (`CCurl`): the pipeline links no networking library, so runs on
/// the bundled model never map libcurl and its TLS stack. Each request blocks a thread of its own, never one of
/// Swift's cooperative threads (two on two cores, shared with the pipeline's stages); cancelling the calling task
/// aborts the transfer. Finished handles are reused, so requests to one endpoint share kept-alive connections.
enum HTTPPost {
    struct Response: Sendable {
        var status: Int
        var body: Data
    }

    /// Why no response arrived.
    struct Failure: RemoteEndpointError {
        var url: String
        var message: String
        var description: String { "\(url): \(message)" }
    }

    /// Largest response body accepted; an OpenAI-compatible completion is a few KB, echo logprobs a few MB.
    static let maxBodyBytes = 256 << 20

    /// Sends `body` to `url` and returns the status and body of the answer, whatever the status.
    static func send(url: URL, headers: [String: String], body: Data, timeout: Double) async throws -> Response {
        let cancel = CancelFlag()
        let lines = headers.sorted { $0.key < $1.key }.map { "\($0): \($1)" }
        let request = Request(url: url.absoluteString, headers: lines, body: body,
                              timeoutMilliseconds: Int(max(0, timeout) * 1000))
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Response, Error>) in
                let thread = Thread {
                    continuation.resume(with: Result { try request.perform(cancel: cancel) })
                }
                thread.name = "refinery-http"
                thread.start()
            }
        } onCancel: {
            cancel.set()
        }
    }

    /// Whether the remote backend can work here (libcurl found); the message says what to install when not.
    static func availability() -> String? {
        var message = [CChar](repeating: 0, count: 320)
        guard ccurl_available(&message, message.count) == 0 else { return nil }
        return String(decoding: message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private struct Request: Sendable {
        var url: String
        var headers: [String]
        var body: Data
        var timeoutMilliseconds: Int

        func perform(cancel: CancelFlag) throws -> Response {
            var response = ccurl_response()
            let result = withCStringArray(headers) { lines in
                body.withUnsafeBytes { bytes in
                    ccurl_post(url, lines, headers.count, bytes.baseAddress, bytes.count, timeoutMilliseconds,
                               HTTPPost.maxBodyBytes, cancel.flag, &response)
                }
            }
            defer { ccurl_response_free(&response) }
            guard result == CCURL_OK else {
                if result == CCURL_CANCELLED { throw CancellationError() }
                let message = withUnsafeBytes(of: response.error) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                throw Failure(url: url, message: message)
            }
            let data = response.body.map { Data(bytes: $0, count: response.length) } ?? Data()
            return Response(status: response.status, body: data)
        }
    }

    /// The flag a cancelled task sets for the thread running its transfer.
    private final class CancelFlag: @unchecked Sendable {  // the C flag is atomic
        let flag: OpaquePointer?
        init() { flag = ccurl_cancel_create() }
        func set() { ccurl_cancel_set(flag) }
        deinit { ccurl_cancel_destroy(flag) }
    }
}

/// Calls `body` with `strings` as a C array of NUL-terminated strings valid for the duration of the call.
private func withCStringArray<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { copies.forEach { free($0) } }
    let pointers = copies.map { UnsafePointer($0) }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
