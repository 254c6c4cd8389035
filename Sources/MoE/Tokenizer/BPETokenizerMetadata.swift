/// One GGUF metadata value in the shapes the tokenizer reads. Integer types of any width map to `.int`/`.intArray`.
public enum BPETokenizerMetadataValue: Sendable, Equatable {
    case string(String)
    case bool(Bool)
    case int(Int)
    case stringArray([String])
    case intArray([Int])
    /// Any other type (floats, nested arrays); `description` names it in error messages.
    case other(description: String)
}

/// Read access to a model's GGUF metadata. The GGUF reader conforms with a small extension, so the tokenizer knows
/// the `tokenizer.ggml.*` keys without depending on the reader's types.
public protocol BPETokenizerMetadataSource {
    /// The value stored under `key`, or nil when the key is absent.
    func tokenizerMetadataValue(_ key: String) -> BPETokenizerMetadataValue?
}

/// Plain dictionaries work as a source too (tests, tools).
extension Dictionary: BPETokenizerMetadataSource where Key == String, Value == BPETokenizerMetadataValue {
    public func tokenizerMetadataValue(_ key: String) -> BPETokenizerMetadataValue? { self[key] }
}

extension BPETokenizer {
    /// The GGUF keys the tokenizer reads.
    public enum MetadataKey {
        public static let model = "tokenizer.ggml.model"
        public static let preTokenizer = "tokenizer.ggml.pre"
        public static let tokens = "tokenizer.ggml.tokens"
        public static let tokenTypes = "tokenizer.ggml.token_type"
        public static let merges = "tokenizer.ggml.merges"
        public static let bosTokenID = "tokenizer.ggml.bos_token_id"
        public static let eosTokenID = "tokenizer.ggml.eos_token_id"
        public static let paddingTokenID = "tokenizer.ggml.padding_token_id"
        public static let addBOS = "tokenizer.ggml.add_bos_token"
        public static let addEOS = "tokenizer.ggml.add_eos_token"
    }

    /// Builds the tokenizer from GGUF metadata: `tokenizer.ggml.model` (string, required), `.tokens` (string array,
    /// required), `.token_type` (int array, optional), `.merges` (string array, required for gpt2), `.pre`
    /// (string, optional), `.bos_token_id` / `.eos_token_id` / `.padding_token_id` (integers, optional),
    /// `.add_bos_token` / `.add_eos_token` (bools, optional; add_bos defaults to true for the Llama 3
    /// pre-tokenizers and false otherwise, as in llama.cpp).
    public init(metadata: some BPETokenizerMetadataSource) throws(BPETokenizerError) {
        let reader = BPEMetadataReader(source: metadata)
        let model = try reader.string(MetadataKey.model, required: true) ?? ""
        guard model == "gpt2" else { throw .unsupportedModel(model) }
        let pre = try reader.string(MetadataKey.preTokenizer, required: false)
        var tokenTypes: [Int32]?
        if let wide = try reader.intArray(MetadataKey.tokenTypes) {
            var narrow: [Int32] = []
            narrow.reserveCapacity(wide.count)
            for (index, value) in wide.enumerated() {
                guard let type = Int32(exactly: value) else {
                    throw .metadataValueOutOfRange(key: "\(MetadataKey.tokenTypes)[\(index)]", value: value)
                }
                narrow.append(type)
            }
            tokenTypes = narrow
        }
        let addBOSDefault = BPEPreTokenizerKind.resolve(pre ?? "")?.ignoreMerges ?? false
        try self.init(
            model: model,
            tokens: try reader.stringArray(MetadataKey.tokens, required: true) ?? [],
            tokenTypes: tokenTypes,
            merges: try reader.stringArray(MetadataKey.merges, required: true) ?? [],
            bosTokenID: try reader.tokenID(MetadataKey.bosTokenID),
            eosTokenID: try reader.tokenID(MetadataKey.eosTokenID),
            paddingTokenID: try reader.tokenID(MetadataKey.paddingTokenID),
            addBOS: try reader.bool(MetadataKey.addBOS) ?? addBOSDefault,
            addEOS: try reader.bool(MetadataKey.addEOS) ?? false,
            preTokenizer: pre)
    }
}

/// Typed access to metadata values with errors that name the key.
struct BPEMetadataReader<Source: BPETokenizerMetadataSource> {
    let source: Source

    func string(_ key: String, required: Bool) throws(BPETokenizerError) -> String? {
        switch source.tokenizerMetadataValue(key) {
        case .string(let value)?: return value
        case nil: if required { throw .metadataMissing(key: key) } else { return nil }
        case let other?: throw .metadataWrongType(key: key, expected: "string", found: other.kindName)
        }
    }

    func stringArray(_ key: String, required: Bool) throws(BPETokenizerError) -> [String]? {
        switch source.tokenizerMetadataValue(key) {
        case .stringArray(let value)?: return value
        case nil: if required { throw .metadataMissing(key: key) } else { return nil }
        case let other?: throw .metadataWrongType(key: key, expected: "array of strings", found: other.kindName)
        }
    }

    func intArray(_ key: String) throws(BPETokenizerError) -> [Int]? {
        switch source.tokenizerMetadataValue(key) {
        case .intArray(let value)?: return value
        case nil: return nil
        case let other?: throw .metadataWrongType(key: key, expected: "array of integers", found: other.kindName)
        }
    }

    func bool(_ key: String) throws(BPETokenizerError) -> Bool? {
        switch source.tokenizerMetadataValue(key) {
        case .bool(let value)?: return value
        case nil: return nil
        case let other?: throw .metadataWrongType(key: key, expected: "bool", found: other.kindName)
        }
    }

    /// A token id: an integer that fits Int32 (range against the vocabulary is checked by the initialiser).
    func tokenID(_ key: String) throws(BPETokenizerError) -> Int32? {
        switch source.tokenizerMetadataValue(key) {
        case .int(let value)?:
            guard let id = Int32(exactly: value) else { throw .metadataValueOutOfRange(key: key, value: value) }
            return id
        case nil: return nil
        case let other?: throw .metadataWrongType(key: key, expected: "integer", found: other.kindName)
        }
    }
}

extension BPETokenizerMetadataValue {
    /// A short name of the value's shape, for error messages.
    var kindName: String {
        switch self {
        case .string: return "string"
        case .bool: return "bool"
        case .int: return "integer"
        case .stringArray: return "array of strings"
        case .intArray: return "array of integers"
        case .other(let description): return description
        }
    }
}
