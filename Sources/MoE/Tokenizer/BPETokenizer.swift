/// A byte-level BPE tokenizer (GGUF `tokenizer.ggml.model = "gpt2"`) built from a model's tokenizer metadata.
///
/// Encoding: control/user-defined token texts are split out first, each remaining run of text is cut into words by
/// the pre-tokenizer (`tokenizer.ggml.pre`), each word's UTF-8 bytes become byte-level symbols, and BPE merges are
/// applied by rank. Decoding maps tokens back to bytes and renders invalid UTF-8 as U+FFFD. It reproduces
/// HuggingFace `tokenizers` ids exactly for the supported pre-tokenizers.
///
/// The value is immutable and `Sendable`; encoding keeps its scratch state per call, so one tokenizer can serve
/// many threads.
public struct BPETokenizer: Sendable {
    /// GGUF `tokenizer.ggml.token_type` values.
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// The pre-tokenizer family in use.
    public let preTokenizer: BPEPreTokenizerKind
    /// Whether a word that is itself a vocabulary token becomes that token without running merges (Llama 3).
    public let ignoresMerges: Bool
    /// `tokenizer.ggml.bos_token_id`.
    public let bosTokenID: Int32?
    /// `tokenizer.ggml.eos_token_id`.
    public let eosTokenID: Int32?
    /// `tokenizer.ggml.padding_token_id`.
    public let paddingTokenID: Int32?
    /// `tokenizer.ggml.add_bos_token`: prepend BOS when encoding with `addSpecialTokens`.
    public let addBOS: Bool
    /// `tokenizer.ggml.add_eos_token`: append EOS when encoding with `addSpecialTokens`.
    public let addEOS: Bool

    let tokens: [String]
    let types: [TokenType]
    let tokenIDsByUTF8: [[UInt8]: Int32]
    let byteSymbolIDs: [Int32]
    let mergeTable: BPEMergeTable
    /// Normal tokens by the bytes they decode to; filled only when `ignoresMerges`.
    let wholeWordIDs: [[UInt8]: Int32]
    let specialMatcher: BPESpecialTokenMatcher
    /// Decoded bytes of every token, concatenated; token i is `pieceStorage[pieceOffsets[i]..<pieceOffsets[i+1]]`.
    let pieceStorage: [UInt8]
    let pieceOffsets: [Int]
    /// Tokens whose text is rendered only on request (control, unknown, unused).
    let pieceIsSpecial: [Bool]

    /// The number of tokens in the vocabulary.
    public var vocabularySize: Int { tokens.count }

    // MARK: Encoding

    /// Token ids for `text`.
    ///
    /// - Parameters:
    ///   - parseSpecial: when true, control-token texts in `text` (e.g. `<|eos|>`) become their ids; when false they
    ///     are tokenized as ordinary text. User-defined tokens always match (HuggingFace semantics).
    ///   - addSpecialTokens: prepend BOS / append EOS as the metadata's `addBOS` / `addEOS` ask.
    public func encode(_ text: String, parseSpecial: Bool = false, addSpecialTokens: Bool = false) -> [Int32] {
        var output: [Int32] = []
        output.reserveCapacity(text.utf8.count / 3 + 2)
        if addSpecialTokens, addBOS, let bos = bosTokenID { output.append(bos) }
        let utf8 = Array(text.utf8)
        var state = BPEEncodeState()
        for segment in specialMatcher.partition(utf8, parseSpecial: parseSpecial) {
            switch segment {
            case .token(let id):
                output.append(id)
            case .text(let range):
                encodeText(utf8, range: range, state: &state, into: &output)
            }
        }
        if addSpecialTokens, addEOS, let eos = eosTokenID { output.append(eos) }
        return output
    }

    /// The pre-tokenizer's words for `text`, as strings (for inspection and tests).
    public func preTokenize(_ text: String) -> [String] {
        preTokenizer.split(text)
    }

    private func encodeText(_ utf8: [UInt8], range: Range<Int>, state: inout BPEEncodeState,
                            into output: inout [Int32]) {
        state.scalars.load(utf8, range: range)
        state.ends.removeAll(keepingCapacity: true)
        BPEPreTokenizerScanner.split(state.scalars, kind: preTokenizer, into: &state.ends)
        var startScalar = 0
        for endScalar in state.ends {
            let word = state.scalars.byteOffsets[startScalar]..<state.scalars.byteOffsets[endScalar]
            encodeWord(utf8[word], state: &state, into: &output)
            startScalar = endScalar
        }
    }

    private func encodeWord(_ word: ArraySlice<UInt8>, state: inout BPEEncodeState, into output: inout [Int32]) {
        if word.count == 1, let byte = word.first {
            output.append(byteSymbolIDs[Int(byte)])
            return
        }
        let key = Array(word)
        if ignoresMerges, let id = wholeWordIDs[key] {
            output.append(id)
            return
        }
        let cacheable = key.count <= BPEEncodeState.maxCachedWordLength
        if cacheable, let cached = state.cache[key] {
            output.append(contentsOf: cached)
            return
        }
        state.symbols.removeAll(keepingCapacity: true)
        for byte in word { state.symbols.append(byteSymbolIDs[Int(byte)]) }
        let start = output.count
        state.workspace.merge(state.symbols, table: mergeTable, into: &output)
        if cacheable {
            if state.cache.count >= BPEEncodeState.maxCacheEntries { state.cache.removeAll(keepingCapacity: true) }
            state.cache[key] = Array(output[start...])
        }
    }

    // MARK: Decoding

    /// The bytes `ids` stand for. Control, unknown and unused tokens are skipped unless `renderSpecial`.
    public func decodeBytes(_ ids: [Int32], renderSpecial: Bool = false) throws(BPETokenizerError) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(ids.count * 4)
        for id in ids {
            bytes.append(contentsOf: try pieceBytes(for: id, renderSpecial: renderSpecial))
        }
        return bytes
    }

    /// The text `ids` stand for; byte sequences that are not valid UTF-8 become U+FFFD (never a crash).
    public func decode(_ ids: [Int32], renderSpecial: Bool = false) throws(BPETokenizerError) -> String {
        String(decoding: try decodeBytes(ids, renderSpecial: renderSpecial), as: UTF8.self)
    }

    /// The bytes one token contributes to decoded output (empty for a skipped special token).
    public func pieceBytes(for id: Int32, renderSpecial: Bool = false) throws(BPETokenizerError) -> ArraySlice<UInt8> {
        guard id >= 0, Int(id) < tokens.count else {
            throw .tokenIDOutOfRange(id: id, vocabularySize: tokens.count)
        }
        let index = Int(id)
        if pieceIsSpecial[index] && !renderSpecial { return [] }
        return pieceStorage[pieceOffsets[index]..<pieceOffsets[index + 1]]
    }

    /// A streaming decoder for generation output.
    public func makeStreamingDecoder(renderSpecial: Bool = false) -> BPEStreamingDecoder {
        BPEStreamingDecoder(tokenizer: self, renderSpecial: renderSpecial)
    }

    // MARK: Vocabulary lookups

    /// The id of the token whose stored text is exactly `text` (byte-for-byte), if any.
    public func tokenID(for text: String) -> Int32? {
        tokenIDsByUTF8[Array(text.utf8)]
    }

    /// The token's text as stored in the vocabulary (byte-level form for normal tokens), or nil when out of range.
    public func tokenText(for id: Int32) -> String? {
        guard id >= 0, Int(id) < tokens.count else { return nil }
        return tokens[Int(id)]
    }

    /// The token's type, or nil when out of range.
    public func tokenType(for id: Int32) -> TokenType? {
        guard id >= 0, Int(id) < types.count else { return nil }
        return types[Int(id)]
    }

    /// Whether the id is a control token (e.g. EOS, chat-template markers): generation usually stops on these.
    public func isControlToken(_ id: Int32) -> Bool {
        tokenType(for: id) == .control
    }
}

/// Scratch state of one `encode` call: buffers reused across words and a cache of words already merged.
struct BPEEncodeState {
    static let maxCachedWordLength = 256
    static let maxCacheEntries = 1 << 16

    var scalars = BPEScalarBuffer()
    var ends: [Int] = []
    var symbols: [Int32] = []
    var workspace = BPEMergeWorkspace()
    var cache: [[UInt8]: [Int32]] = [:]
}
