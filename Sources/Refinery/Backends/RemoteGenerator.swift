import Foundation

/// Generation and scoring through an OpenAI-compatible `/v1/completions` endpoint (vLLM, llama.cpp server, …).
///
/// Sampling seeds are sent with every request; whether the server honours them (and is batch invariant) decides
/// whether a resumed run regenerates identical text.
public struct RemoteModel: Generator, ScoringModel {
    public let endpoint: URL
    public let model: String
    public let apiKey: String?
    public let timeout: Double
    public var identity: String { "\(model)@remote:\(endpoint.host ?? "?")" }

    public init(endpoint: URL, model: String, apiKey: String?, timeout: Double = 600) {
        self.endpoint = endpoint
        self.model = model
        self.apiKey = apiKey
        self.timeout = timeout
    }

    public func generate(_ request: GenerationRequest) async throws -> GenerationOutput {
        let started = Date()
        var body: [(String, JSONValue)] = [
            ("model", .string(model)), ("prompt", .string(request.prompt)),
            ("max_tokens", .int(request.sampling.maxTokens)), ("temperature", .double(request.sampling.temperature)),
            ("top_p", .double(request.sampling.topP)), ("seed", .int(Int(request.seed))),
        ]
        if request.sampling.topK > 0 { body.append(("top_k", .int(request.sampling.topK))) }
        if request.sampling.minP > 0 { body.append(("min_p", .double(request.sampling.minP))) }
        if request.sampling.repetitionPenalty != 1 {
            body.append(("repetition_penalty", .double(request.sampling.repetitionPenalty)))
        }
        if !request.sampling.stop.isEmpty { body.append(("stop", .array(request.sampling.stop.map(JSONValue.string)))) }
        let response = try await post(.object(body))
        guard let choice = response["choices"]?.arrayValue?.first, let text = choice["text"]?.stringValue else {
            throw RefineryError.input("the endpoint's answer has no choices[0].text", at: SourceLocation(file: endpoint.absoluteString))
        }
        let finish: FinishReason = switch choice["finish_reason"]?.stringValue {
        case "length": .length
        case "stop": request.sampling.stop.contains(where: { text.hasSuffix($0) }) ? .stop : .eos
        default: .eos
        }
        return GenerationOutput(
            text: text, finishReason: finish, promptTokens: response["usage"]?["prompt_tokens"]?.intValue ?? 0,
            completionTokens: response["usage"]?["completion_tokens"]?.intValue ?? 0,
            seconds: Date().timeIntervalSince(started))
    }

    public func tokenLogProbabilities(prompt: String, continuation: String) async throws -> [Double] {
        let response = try await post(.object([
            ("model", .string(model)), ("prompt", .string(prompt + continuation)), ("max_tokens", .int(1)),
            ("temperature", .double(0)), ("echo", .bool(true)), ("logprobs", .int(1)),
        ]))
        guard let logprobs = response["choices"]?.arrayValue?.first?["logprobs"],
              let offsets = logprobs["text_offset"]?.arrayValue, let values = logprobs["token_logprobs"]?.arrayValue
        else {
            throw RefineryError.input("the endpoint does not return echo logprobs (needed by model judges)",
                                      at: SourceLocation(file: endpoint.absoluteString))
        }
        let promptLength = prompt.utf8.count
        let fullLength = (prompt + continuation).utf8.count
        var result: [Double] = []
        for (offset, value) in zip(offsets, values) {
            guard let start = offset.intValue, start >= promptLength, start < fullLength else { continue }
            result.append(value.doubleValue ?? -.infinity)
        }
        return result
    }

    public func sequenceLogProbabilities(prompt: String, candidates: [String]) async throws -> [Double] {
        var result: [Double] = []
        for candidate in candidates {
            result.append(try await tokenLogProbabilities(prompt: prompt, continuation: candidate).reduce(0, +))
        }
        return result
    }

    private func post(_ body: JSONValue) async throws -> JSONValue {
        var headers = ["Content-Type": "application/json"]
        if let apiKey { headers["Authorization"] = "Bearer \(apiKey)" }
        let response = try await HTTPPost.send(url: endpoint.appendingPathComponent("completions"), headers: headers,
                                               body: Data(body.serialized().utf8), timeout: timeout)
        let text = String(decoding: response.body, as: UTF8.self)
        guard response.status == 200 else {
            throw RemoteError(status: response.status, body: String(text.prefix(500)))
        }
        do {
            return try JSONValue.parse(text)
        } catch {
            throw RefineryError.input("the endpoint answered with invalid JSON", at: SourceLocation(file: endpoint.absoluteString))
        }
    }

    /// A failed HTTP exchange; the pipeline retries these.
    public struct RemoteError: RemoteEndpointError {
        public var status: Int
        public var body: String
        public var description: String { "HTTP \(status): \(body)" }
    }
}

/// The model endpoint could not be reached or answered with an HTTP error. Pipelines retry these; once retries are
/// spent the command stops with an input error (exit 2) naming the endpoint, not an internal one.
public protocol RemoteEndpointError: Error, CustomStringConvertible {}
