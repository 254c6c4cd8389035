import XCTest
@testable import MoE

/// Invalid tokenizer metadata must give a typed error that names the problem.
final class BPETokenizerValidationTests: XCTestCase {
    /// The 256 byte-level symbols, then "ab", "abc" and two control tokens: a minimal valid vocabulary.
    private var byteSymbols: [String] { BPEByteLevelMapping.scalarForByte.map { String($0) } }

    private func make(tokens: [String]? = nil, types: [Int32]? = nil, merges: [String] = ["a b", "ab c"],
                      bos: Int32? = nil, eos: Int32? = nil, model: String = "gpt2",
                      pre: String? = "qwen2") throws -> BPETokenizer {
        let vocabulary = tokens ?? byteSymbols + ["ab", "abc", "<s>", "</s>"]
        return try BPETokenizer(model: model, tokens: vocabulary, tokenTypes: types, merges: merges,
                                bosTokenID: bos, eosTokenID: eos, addBOS: false, preTokenizer: pre)
    }

    private func expect(_ expected: BPETokenizerError, _ body: () throws -> BPETokenizer,
                        file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try body(), file: file, line: line) { error in
            XCTAssertEqual(error as? BPETokenizerError, expected, file: file, line: line)
            XCTAssertFalse(String(describing: error).isEmpty, file: file, line: line)
        }
    }

    func testMinimalVocabularyWorks() throws {
        let tokenizer = try make(bos: 258, eos: 259)
        let space = tokenizer.byteSymbolIDs[0x20]
        let d = tokenizer.byteSymbolIDs[0x64]
        XCTAssertEqual(tokenizer.encode("abc abd"), [257, space, 256, d])
        XCTAssertEqual(tokenizer.encode("abc"), [257])
        XCTAssertEqual(tokenizer.encode("abd"), [256, tokenizer.byteSymbolIDs[0x64]])
        // Without token types, BOS/EOS are treated as control tokens.
        XCTAssertEqual(tokenizer.tokenType(for: 258), .control)
        XCTAssertEqual(tokenizer.tokenType(for: 0), .normal)
        XCTAssertEqual(tokenizer.encode("<s>x</s>", parseSpecial: true), [258, tokenizer.byteSymbolIDs[0x78], 259])
    }

    func testUnsupportedModelAndPreTokenizer() {
        expect(.unsupportedModel("llama")) { try self.make(model: "llama") }
        XCTAssertTrue(BPETokenizerError.unsupportedModel("llama").description.contains("SentencePiece"))
        expect(.unsupportedModel("bert")) { try self.make(model: "bert") }
        expect(.unsupportedPreTokenizer("deepseek-v3")) { try self.make(pre: "deepseek-v3") }
        XCTAssertNoThrow(try make(pre: nil), "a missing tokenizer.ggml.pre means the GPT-2 expression")
    }

    func testVocabularyErrors() {
        expect(.emptyVocabulary) { try self.make(tokens: [], merges: []) }
        var duplicated = byteSymbols + ["ab", "abc"]
        duplicated.append("ab")
        expect(.duplicateToken(text: "ab", firstID: 256, secondID: 258)) { try self.make(tokens: duplicated) }
        var missing = byteSymbols + ["ab", "abc"]
        missing.remove(at: 0x20)  // "Ġ", the symbol for a space
        expect(.missingByteSymbol(byte: 0x20, symbol: "\u{120}")) { try self.make(tokens: missing) }
    }

    func testTokenTypeErrors() {
        let count = 260
        expect(.tokenTypeCountMismatch(tokens: count, tokenTypes: 3)) { try self.make(types: [1, 1, 1]) }
        var types = [Int32](repeating: 1, count: count)
        types[7] = 9
        expect(.invalidTokenType(id: 7, value: 9)) { try self.make(types: types) }
    }

    func testSpecialIDErrors() {
        expect(.specialTokenIDOutOfRange(role: "bos", id: 260, vocabularySize: 260)) { try self.make(bos: 260) }
        expect(.specialTokenIDOutOfRange(role: "eos", id: -2, vocabularySize: 260)) { try self.make(eos: -2) }
    }

    func testMergeErrors() {
        expect(.malformedMerge(index: 1, merge: "abc")) { try self.make(merges: ["a b", "abc"]) }
        expect(.malformedMerge(index: 0, merge: "a ")) { try self.make(merges: ["a "]) }
        expect(.mergeReferencesUnknownToken(index: 0, merge: "a zz", token: "zz")) {
            try self.make(merges: ["a zz"])
        }
        expect(.mergeReferencesUnknownToken(index: 0, merge: "xy z", token: "xy")) {
            try self.make(merges: ["xy z"])
        }
        expect(.mergeResultNotInVocabulary(index: 1, merge: "b c", result: "bc")) {
            try self.make(merges: ["a b", "b c"])
        }
    }
}
