import Foundation

/// Builds what a pipeline runs with from its config: the backend (local runtime or remote endpoint), and for
/// each task its template, completion parser and judges.
public struct PipelineAssembly: Sendable {
    public var backend: PipelineBackend
    public var tasks: [TaskRuntime]
    private let onShutdown: @Sendable () -> Void

    public func shutdown() { onShutdown() }

    public static func make(config: PipelineConfig, options: RunOptions) async throws -> PipelineAssembly {
        let (backend, shutdown) = try makeBackend(config.model, threads: options.threads)
        let tasks = try config.tasks.map { try makeTask($0, backend: backend) }
        return PipelineAssembly(backend: backend, tasks: tasks, onShutdown: shutdown)
    }

    static func makeBackend(_ model: ModelConfig, threads: Int?) throws -> (PipelineBackend, @Sendable () -> Void) {
        if let endpoint = model.endpoint, let url = URL(string: endpoint) {
            guard let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
                throw RefineryError.usage("model.endpoint \(endpoint) is not an http:// or https:// URL")
            }
            if let problem = HTTPPost.availability() {
                throw RefineryError.usage("model.endpoint \(endpoint) needs libcurl: \(problem)")
            }
            let key = model.apiKeyEnvironment.flatMap { ProcessInfo.processInfo.environment[$0] }
            let remote = RemoteModel(endpoint: url, model: model.remoteModel ?? "default", apiKey: key)
            return (PipelineBackend(generator: remote, scorer: remote, concurrency: model.concurrency), {})
        }
        guard let path = model.path else { throw RefineryError.usage("the pipeline names no model") }
        let local = try LocalModel(url: URL(fileURLWithPath: path), threads: threads ?? model.threads,
                                   maxSequences: model.batch, activations: model.activations,
                                   kvCache: model.kvCache)
        return (PipelineBackend(generator: local, scorer: local, concurrency: model.batch * 2), { local.shutdown() })
    }

    static func makeTask(_ task: TaskConfig, backend: PipelineBackend) throws -> TaskRuntime {
        let judges = try task.judges.map { try makeJudge($0, sampling: task.sampling, backend: backend) }
        let support: any TaskSupport
        switch task.kind {
        case .math:
            support = MathTaskSupport()
        case .code:
            var codeJudge = judges.compactMap { ($0 as? CodeTestsJudge)?.codeJudge }.first
            if codeJudge == nil && task.difficulty != nil {
                codeJudge = try CodeTestsJudge(timeoutSeconds: 10, minTests: 1, memoryMegabytes: 512).codeJudge
            }
            support = CodeTaskSupport(judge: codeJudge)
        }
        return try TaskRuntime(config: task, support: support, judges: judges)
    }

    static func makeJudge(_ judge: JudgeConfig, sampling: SamplingConfig, backend: PipelineBackend) throws
        -> any SampleJudge
    {
        switch judge {
        case .mathAnswer(let requireAnnotations):
            return MathAnswerJudge(requireAnnotations: requireAnnotations)
        case .codeTests(let timeout, let minTests, let memory):
            return try CodeTestsJudge(timeoutSeconds: timeout, minTests: minTests, memoryMegabytes: memory)
        case .rubric(let prompt, let minScore):
            guard let scorer = backend.scorer else {
                throw RefineryError.usage("the rubric judge needs a model that returns token probabilities")
            }
            return RubricJudge(template: try PromptTemplate(url: URL(fileURLWithPath: prompt)), minScore: minScore,
                               model: scorer)
        case .likelihood(let maxNLL):
            guard let scorer = backend.scorer else {
                throw RefineryError.usage("the likelihood judge needs a model that returns token probabilities")
            }
            return LikelihoodJudge(maxNLL: maxNLL, model: scorer)
        case .selfConsistency(let prompt, let samples, let agreement):
            return SelfConsistencyJudge(template: try PromptTemplate(url: URL(fileURLWithPath: prompt)),
                                        samples: samples, agreement: agreement, sampling: sampling,
                                        generator: backend.generator)
        }
    }
}
