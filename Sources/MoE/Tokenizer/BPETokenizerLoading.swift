extension BPETokenizer {
    /// Builds a tokenizer from GGUF tokenizer metadata, given as plain values.
    ///
    /// - Parameters:
    ///   - model: `tokenizer.ggml.model`; only `"gpt2"` (byte-level BPE) is supported.
    ///   - tokens: `tokenizer.ggml.tokens`, in id order. Normal tokens are in GPT-2 byte-level form (`Ġthe`);
    ///     control and user-defined tokens are raw text (`<|eos|>`).
    ///   - tokenTypes: `tokenizer.ggml.token_type` (1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused,
    ///     6 byte; 0 is treated as normal). When absent, all tokens are normal except BOS/EOS/padding (control).
    ///   - merges: `tokenizer.ggml.merges`, `"left right"`; a merge's rank is its index.
    ///   - bosTokenID, eosTokenID, paddingTokenID: `tokenizer.ggml.{bos,eos,padding}_token_id`.
    ///   - addBOS, addEOS: `tokenizer.ggml.add_bos_token`, `tokenizer.ggml.add_eos_token`.
    ///   - preTokenizer: `tokenizer.ggml.pre` (nil or "" when absent, which means the GPT-2 expression).
    ///   - ignoreMerges: overrides the pre-tokenizer's default (true only for the Llama 3 names).
    /// - Throws: `BPETokenizerError` naming the offending id, merge index or text.
    public init(
        model: String = "gpt2",
        tokens: [String],
        tokenTypes: [Int32]?,
        merges: [String],
        bosTokenID: Int32?,
        eosTokenID: Int32?,
        paddingTokenID: Int32? = nil,
        addBOS: Bool,
        addEOS: Bool = false,
        preTokenizer: String?,
        ignoreMerges: Bool? = nil
    ) throws(BPETokenizerError) {
        guard model == "gpt2" else { throw .unsupportedModel(model) }
        guard let pre = BPEPreTokenizerKind.resolve(preTokenizer ?? "") else {
            throw .unsupportedPreTokenizer(preTokenizer ?? "")
        }
        guard !tokens.isEmpty else { throw .emptyVocabulary }
        guard tokens.count <= Int(Int32.max) else { throw .vocabularyTooLarge(count: tokens.count) }

        for (role, id) in [("bos", bosTokenID), ("eos", eosTokenID), ("padding", paddingTokenID)] {
            if let id, id < 0 || Int(id) >= tokens.count {
                throw .specialTokenIDOutOfRange(role: role, id: id, vocabularySize: tokens.count)
            }
        }
        let types = try BPETokenizer.resolveTypes(
            tokenTypes, count: tokens.count, specialIDs: [bosTokenID, eosTokenID, paddingTokenID])

        var idsByUTF8: [[UInt8]: Int32] = [:]
        idsByUTF8.reserveCapacity(tokens.count)
        for (index, text) in tokens.enumerated() {
            let key = Array(text.utf8)
            if let first = idsByUTF8[key] {
                throw .duplicateToken(text: text, firstID: Int(first), secondID: index)
            }
            idsByUTF8[key] = Int32(index)
        }

        var byteIDs: [Int32] = []
        byteIDs.reserveCapacity(256)
        for byte in 0..<256 {
            let symbol = String(BPEByteLevelMapping.scalarForByte[byte])
            guard let id = idsByUTF8[Array(symbol.utf8)] else {
                throw .missingByteSymbol(byte: UInt8(byte), symbol: symbol)
            }
            byteIDs.append(id)
        }

        let ignoresMerges = ignoreMerges ?? pre.ignoreMerges
        self.preTokenizer = pre.kind
        self.ignoresMerges = ignoresMerges
        self.bosTokenID = bosTokenID
        self.eosTokenID = eosTokenID
        self.paddingTokenID = paddingTokenID
        self.addBOS = addBOS
        self.addEOS = addEOS
        self.tokens = tokens
        self.types = types
        self.tokenIDsByUTF8 = idsByUTF8
        self.byteSymbolIDs = byteIDs
        self.mergeTable = try BPETokenizer.buildMergeTable(merges, idsByUTF8: idsByUTF8)

        var matcher = BPESpecialTokenMatcher()
        var storage: [UInt8] = []
        var offsets: [Int] = [0]
        var special: [Bool] = []
        var wholeWords: [[UInt8]: Int32] = [:]
        offsets.reserveCapacity(tokens.count + 1)
        special.reserveCapacity(tokens.count)
        for (index, text) in tokens.enumerated() {
            let id = Int32(index)
            let raw = Array(text.utf8)
            let byteLevel = BPEByteLevelMapping.decode(text)
            switch types[index] {
            case .normal, .undefined:
                storage.append(contentsOf: byteLevel ?? raw)  // HF's ByteLevel decoder falls back to raw text
            case .byte:
                storage.append(contentsOf: BPETokenizer.hexByte(text).map { [$0] } ?? byteLevel ?? raw)
            case .userDefined:
                storage.append(contentsOf: raw)
                matcher.add(raw, id: id, alwaysMatches: true)
            case .control, .unknown:
                storage.append(contentsOf: raw)
                matcher.add(raw, id: id, alwaysMatches: false)
            case .unused:
                storage.append(contentsOf: raw)
            }
            offsets.append(storage.count)
            special.append(types[index] == .control || types[index] == .unknown || types[index] == .unused)
            // A word whose byte-level text is a vocabulary entry (any type), for ignore_merges.
            if ignoresMerges, let byteLevel, wholeWords[byteLevel] == nil {
                wholeWords[byteLevel] = id
            }
        }
        self.specialMatcher = matcher
        self.pieceStorage = storage
        self.pieceOffsets = offsets
        self.pieceIsSpecial = special
        self.wholeWordIDs = wholeWords
    }

    private static func resolveTypes(_ raw: [Int32]?, count: Int, specialIDs: [Int32?])
        throws(BPETokenizerError) -> [TokenType]
    {
        guard let raw else {
            var types = [TokenType](repeating: .normal, count: count)
            for case let id? in specialIDs { types[Int(id)] = .control }
            return types
        }
        guard raw.count == count else { throw .tokenTypeCountMismatch(tokens: count, tokenTypes: raw.count) }
        var types: [TokenType] = []
        types.reserveCapacity(count)
        for (index, value) in raw.enumerated() {
            guard let type = TokenType(rawValue: value) else { throw .invalidTokenType(id: index, value: value) }
            types.append(type)
        }
        return types
    }

    private static func buildMergeTable(_ merges: [String], idsByUTF8: [[UInt8]: Int32])
        throws(BPETokenizerError) -> BPEMergeTable
    {
        guard merges.count <= Int(Int32.max) else { throw .vocabularyTooLarge(count: merges.count) }
        var table = BPEMergeTable(expectedCount: merges.count)
        for (index, merge) in merges.enumerated() {
            let bytes = Array(merge.utf8)
            // Split at the first space after the first byte, as llama.cpp does.
            guard bytes.count >= 3, let space = bytes[1...].firstIndex(of: 0x20), space + 1 < bytes.count else {
                throw .malformedMerge(index: index, merge: merge)
            }
            let left = Array(bytes[..<space])
            let right = Array(bytes[(space + 1)...])
            guard let leftID = idsByUTF8[left] else {
                throw .mergeReferencesUnknownToken(
                    index: index, merge: merge, token: String(decoding: left, as: UTF8.self))
            }
            guard let rightID = idsByUTF8[right] else {
                throw .mergeReferencesUnknownToken(
                    index: index, merge: merge, token: String(decoding: right, as: UTF8.self))
            }
            guard let resultID = idsByUTF8[left + right] else {
                throw .mergeResultNotInVocabulary(
                    index: index, merge: merge, result: String(decoding: left + right, as: UTF8.self))
            }
            table.insert(left: leftID, right: rightID, rank: Int32(index), result: resultID)
        }
        return table
    }

    /// The byte of a `<0xHH>` token text, or nil.
    private static func hexByte(_ text: String) -> UInt8? {
        let bytes = Array(text.utf8)
        guard bytes.count == 6, bytes[0] == 0x3C, bytes[1] == 0x30, bytes[2] == 0x78, bytes[5] == 0x3E else {
            return nil
        }
        return UInt8(String(decoding: bytes[3...4], as: UTF8.self), radix: 16)
    }
}
