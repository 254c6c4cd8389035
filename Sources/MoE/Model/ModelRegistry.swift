/// Sizes of a model as `refinery model info` reports them, computed from metadata (and tensor infos when present).
public struct ModelSummary: Sendable, Hashable, Codable {
    public var architecture: String
    public var parametersTotal: Int
    /// Parameters used per token: everything except the routed experts a token does not select.
    public var parametersActive: Int
    /// KV-cache bytes per token at the cache's storage precision (float32), with CLA sharing and GQA.
    public var kvBytesPerToken: Int
    /// The same for plain multi-head attention (one K/V per layer, as many KV heads as query heads).
    public var kvBytesPerTokenMHA: Int
    public var contextLength: Int
    public var vocabularySize: Int
    public var layers: Int
    public var embeddingLength: Int
    public var heads: Int
    public var kvHeads: Int
    public var headDim: Int
    public var experts: Int
    public var expertsUsed: Int
    public var sharedExperts: Int
    public var claShareFactor: Int
    /// Whether the output projection reuses the token embeddings.
    public var tiedEmbeddings: Bool
    /// Whether the counts come from tensor infos (exact) or from hyperparameters alone.
    public var countedFromTensors: Bool

    enum CodingKeys: String, CodingKey {
        case architecture
        case parametersTotal = "parameters_total"
        case parametersActive = "parameters_active"
        case kvBytesPerToken = "kv_bytes_per_token"
        case kvBytesPerTokenMHA = "kv_bytes_per_token_mha"
        case contextLength = "context_length"
        case vocabularySize = "vocabulary_size"
        case layers
        case embeddingLength = "embedding_length"
        case heads
        case kvHeads = "kv_heads"
        case headDim = "head_dim"
        case experts
        case expertsUsed = "experts_used"
        case sharedExperts = "shared_experts"
        case claShareFactor = "cla_share_factor"
        case tiedEmbeddings = "tied_embeddings"
        case countedFromTensors = "counted_from_tensors"
    }
}

/// One architecture: how to read its hyperparameters and build a model from a file.
public protocol ModelArchitecture: Sendable {
    /// The `general.architecture` value it handles.
    static var architectureName: String { get }
    /// Sizes from metadata alone (works on a file without tensor data).
    static func summary(of file: GGUFFile) throws -> ModelSummary
    /// Loads the model, validating every tensor.
    static func load(_ file: GGUFFile) throws -> any LanguageModel
}

/// Architectures selected by `general.architecture`. Add new ones (one file each) to `architectures`.
public enum ModelRegistry {
    public static let architectures: [any ModelArchitecture.Type] = [HunyuanMoEModel.self]

    public static var architectureNames: [String] { architectures.map { $0.architectureName } }

    public static func architecture(of file: GGUFFile) throws -> any ModelArchitecture.Type {
        let name = file.architecture
        guard let found = architectures.first(where: { $0.architectureName == name }) else {
            throw ModelError.unknownArchitecture(name)
        }
        return found
    }

    public static func load(_ file: GGUFFile) throws -> any LanguageModel {
        try architecture(of: file).load(file)
    }

    /// Opens, maps and loads the model at `path`.
    public static func load(path: String) throws -> any LanguageModel {
        try load(GGUFFile(path: path))
    }

    public static func summary(of file: GGUFFile) throws -> ModelSummary {
        try architecture(of: file).summary(of: file)
    }
}
