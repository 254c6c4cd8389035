/// Why a tokenizer could not be built from GGUF metadata, or why an operation on it failed.
///
/// Every case carries the values needed to find the problem in the file: token ids, merge indices and the
/// offending text.
public enum BPETokenizerError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `tokenizer.ggml.model` names a tokenizer family this runtime does not implement.
    case unsupportedModel(String)
    /// `tokenizer.ggml.pre` names a pre-tokenizer this runtime does not implement.
    case unsupportedPreTokenizer(String)
    /// `tokenizer.ggml.tokens` is empty.
    case emptyVocabulary
    /// More tokens than a 32-bit token id can address.
    case vocabularyTooLarge(count: Int)
    /// `tokenizer.ggml.token_type` does not have one entry per token.
    case tokenTypeCountMismatch(tokens: Int, tokenTypes: Int)
    /// A `tokenizer.ggml.token_type` entry is not one of the known values 0...6.
    case invalidTokenType(id: Int, value: Int32)
    /// Two token ids have byte-identical text, so text → id would be ambiguous.
    case duplicateToken(text: String, firstID: Int, secondID: Int)
    /// A merge is not two non-empty symbols separated by a space.
    case malformedMerge(index: Int, merge: String)
    /// One side of a merge is not a token of the vocabulary.
    case mergeReferencesUnknownToken(index: Int, merge: String, token: String)
    /// The concatenation a merge produces is not a token of the vocabulary.
    case mergeResultNotInVocabulary(index: Int, merge: String, result: String)
    /// A byte-level symbol is missing, so some input bytes could not be encoded.
    case missingByteSymbol(byte: UInt8, symbol: String)
    /// `tokenizer.ggml.bos_token_id` (or eos, padding) is outside the vocabulary.
    case specialTokenIDOutOfRange(role: String, id: Int32, vocabularySize: Int)
    /// A token id passed to decoding is outside the vocabulary.
    case tokenIDOutOfRange(id: Int32, vocabularySize: Int)
    /// A required GGUF metadata key is absent.
    case metadataMissing(key: String)
    /// A GGUF metadata key holds a value of another type.
    case metadataWrongType(key: String, expected: String, found: String)
    /// A GGUF metadata integer does not fit where it is used (a token id or token type beyond Int32).
    case metadataValueOutOfRange(key: String, value: Int)

    public var description: String {
        switch self {
        case .unsupportedModel(let name):
            let hint = name == "llama" ? " (SentencePiece vocabularies are not supported yet)" : ""
            return "tokenizer.ggml.model '\(name)' is not supported\(hint); supported: gpt2 (byte-level BPE)"
        case .unsupportedPreTokenizer(let name):
            let known = BPEPreTokenizerKind.knownNames.joined(separator: ", ")
            return "tokenizer.ggml.pre '\(name)' is not supported; supported: \(known)"
        case .emptyVocabulary:
            return "tokenizer.ggml.tokens is empty"
        case .vocabularyTooLarge(let count):
            return "tokenizer.ggml.tokens has \(count) entries, more than 32-bit token ids can address"
        case .tokenTypeCountMismatch(let tokens, let tokenTypes):
            return "tokenizer.ggml.token_type has \(tokenTypes) entries but tokenizer.ggml.tokens has \(tokens)"
        case .invalidTokenType(let id, let value):
            return "tokenizer.ggml.token_type[\(id)] is \(value); expected 0...6"
        case .duplicateToken(let text, let firstID, let secondID):
            return "token text \(text.debugDescription) appears at ids \(firstID) and \(secondID)"
        case .malformedMerge(let index, let merge):
            return "tokenizer.ggml.merges[\(index)] \(merge.debugDescription) is not two symbols separated by a space"
        case .mergeReferencesUnknownToken(let index, let merge, let token):
            return "tokenizer.ggml.merges[\(index)] \(merge.debugDescription) refers to \(token.debugDescription), "
                + "which is not in the vocabulary"
        case .mergeResultNotInVocabulary(let index, let merge, let result):
            return "tokenizer.ggml.merges[\(index)] \(merge.debugDescription) produces \(result.debugDescription), "
                + "which is not in the vocabulary"
        case .missingByteSymbol(let byte, let symbol):
            return "byte 0x\(String(byte, radix: 16, uppercase: true)) has no token (byte-level symbol "
                + "\(symbol.debugDescription) is missing from the vocabulary)"
        case .specialTokenIDOutOfRange(let role, let id, let vocabularySize):
            return "\(role) token id \(id) is outside the vocabulary of \(vocabularySize) tokens"
        case .tokenIDOutOfRange(let id, let vocabularySize):
            return "token id \(id) is outside the vocabulary of \(vocabularySize) tokens"
        case .metadataMissing(let key):
            return "GGUF metadata key \(key) is missing"
        case .metadataWrongType(let key, let expected, let found):
            return "GGUF metadata key \(key) holds \(found); expected \(expected)"
        case .metadataValueOutOfRange(let key, let value):
            return "GGUF metadata \(key) = \(value) does not fit a 32-bit integer"
        }
    }
}
