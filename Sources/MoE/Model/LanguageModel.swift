/// A loaded model that advances many sequences in one forward step.
///
/// Implementations are immutable after loading (weights stay in the mapped file) and may be shared between
/// engines; all mutable state of a step lives in the `KVCache` and `ForwardContext` passed in.
public protocol LanguageModel: AnyObject, Sendable {
    /// `general.architecture` of the file.
    var architecture: String { get }
    var vocabularySize: Int { get }
    /// Longest sequence (prompt + generated) the model supports.
    var contextLength: Int { get }
    /// Shape of the key/value cache this model needs.
    var cacheLayout: KVCacheLayout { get }
    /// Parameter counts and cache sizes.
    var summary: ModelSummary { get }
    /// Processes every token of `batch` (prefill chunks and single decode tokens alike), appends their keys and
    /// values to `cache`, and returns logits for the requested positions. Each sequence's results depend only on
    /// its own tokens and cache, never on the other sequences in the batch or the thread count.
    func forward(_ batch: ForwardBatch, cache: KVCache, context: ForwardContext) throws -> ForwardOutput
}

/// One forward step over several sequences, each at its own position.
public struct ForwardBatch: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        /// The sequence's slot in the KV cache.
        public var slot: Int
        /// Tokens to process: a prompt chunk or one decode token.
        public var tokens: [Int32]
        /// Indices into `tokens` whose next-token logits are wanted.
        public var logitIndices: [Int]

        public init(slot: Int, tokens: [Int32], logitIndices: [Int]) {
            self.slot = slot
            self.tokens = tokens
            self.logitIndices = logitIndices
        }
    }

    public var entries: [Entry]

    public init(entries: [Entry]) {
        self.entries = entries
    }

    public var tokenCount: Int { entries.reduce(0) { $0 + $1.tokens.count } }
}

/// Logits of a forward step: one row of `vocabularySize` floats per requested position, in batch order (entries in
/// order, each entry's `logitIndices` in order).
public struct ForwardOutput: Sendable {
    public let vocabularySize: Int
    public let logits: [Float]

    public var rowCount: Int { vocabularySize == 0 ? 0 : logits.count / vocabularySize }

    public func row(_ index: Int) -> ArraySlice<Float> {
        logits[(index * vocabularySize)..<((index + 1) * vocabularySize)]
    }
}

/// Scratch memory and worker threads for forward steps. One per engine (not thread-safe: one step at a time).
public final class ForwardContext {
    public let pool: WorkerPool
    /// Activations of products against quantised weights (`.float` unless the caller asks for speed).
    public let activations: ActivationPrecision
    private var buffers: [FloatBuffer] = []
    let quantized = QuantizedActivations()
    /// Weight bytes of one expert (gate, up and down) from which a decode step with few experts splits each in
    /// halves (`MixtureOfExpertsBlock.expertParts`); tests lower it to take that path on tiny models.
    var splitExpertBytes = 2 * Kernels.taskBytes

    public init(threads: Int, activations: ActivationPrecision = .float) {
        pool = WorkerPool(threads: threads)
        self.activations = activations
    }

    public init(pool: WorkerPool, activations: ActivationPrecision = .float) {
        self.pool = pool
        self.activations = activations
    }

    /// Scratch buffer number `index` with room for `count` floats (contents unspecified).
    func buffer(_ index: Int, _ count: Int) -> UnsafeMutablePointer<Float> {
        while buffers.count <= index { buffers.append(FloatBuffer()) }
        return buffers[index].reserve(count)
    }
}
