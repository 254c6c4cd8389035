import XCTest
@testable import MoE

/// Every id HuggingFace `tokenizers` produced for the fixture strings must be reproduced exactly.
final class BPETokenizerFixtureTests: XCTestCase {
    func testQwen2MatchesHuggingFace() throws {
        try checkFixture("bpe-qwen2.json", expectedKind: .qwen2)
    }

    func testLlama3MatchesHuggingFace() throws {
        try checkFixture("bpe-llama3.json", expectedKind: .llama3)
    }

    func testGPT2MatchesHuggingFace() throws {
        try checkFixture("bpe-gpt2.json", expectedKind: .gpt2)
    }

    /// A hand-made vocabulary where BPE cannot reach the whole-word token "abc"; Llama 3's `ignore_merges` takes
    /// it directly. Both behaviours are checked against HF.
    func testIgnoreMergesMatchesHuggingFace() throws {
        let fixture = try TokenizerFixtures.file("bpe-ignore-merges.json")
        let withIgnore = try TokenizerFixtures.tokenizer(fixture)
        XCTAssertTrue(withIgnore.ignoresMerges, "llama-bpe ignores merges by default")
        try checkCases(fixture.cases, tokenizer: withIgnore, name: "ignore-merges")

        let withoutIgnore = try TokenizerFixtures.tokenizer(fixture, ignoreMerges: false)
        let cases = try XCTUnwrap(fixture.casesWithoutIgnoreMerges)
        try checkCases(cases, tokenizer: withoutIgnore, name: "no-ignore-merges")
        let abc = try XCTUnwrap(withIgnore.tokenID(for: "abc"))
        XCTAssertEqual(withIgnore.encode("abc"), [abc])
        XCTAssertNotEqual(withoutIgnore.encode("abc"), [abc])
    }

    func testFixturesCoverTheRequiredScripts() throws {
        let texts = try TokenizerFixtures.file("bpe-qwen2.json").cases.map(\.text)
        let required = ["👨‍👩‍👧‍👦", "👍🏽", "東京", "cafe\u{301}", "\u{E9}", "مرحبا", "नमस्ते", "12345", "I'LL", "don't",
                        "\t", "\r\n", "    return", "<|eos|>", "<think>"]
        for needle in required {
            let wanted = needle.unicodeScalars.map(\.value)
            let found = texts.contains { text in
                let scalars = text.unicodeScalars.map(\.value)
                guard scalars.count >= wanted.count else { return false }
                return (0...(scalars.count - wanted.count)).contains {
                    Array(scalars[$0..<($0 + wanted.count)]) == wanted
                }
            }
            XCTAssertTrue(found, "fixtures lack \(needle.debugDescription)")
        }
    }

    func testSpecialTokensAreParsedOnlyWhenAsked() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        let eos = try XCTUnwrap(tokenizer.eosTokenID)
        let bos = try XCTUnwrap(tokenizer.bosTokenID)
        XCTAssertEqual(tokenizer.encode("<|bos|>hi<|eos|>", parseSpecial: true).first, bos)
        XCTAssertEqual(tokenizer.encode("<|bos|>hi<|eos|>", parseSpecial: true).last, eos)
        XCTAssertFalse(tokenizer.encode("<|bos|>hi<|eos|>", parseSpecial: false).contains(eos))
        // User-defined tokens match either way, as in HF.
        let think = try XCTUnwrap(tokenizer.tokenID(for: "<think>"))
        XCTAssertEqual(tokenizer.tokenType(for: think), .userDefined)
        XCTAssertEqual(tokenizer.encode("<think>", parseSpecial: false), [think])
        // Control tokens render only on request; user-defined tokens always.
        XCTAssertEqual(try tokenizer.decode([bos, think, eos]), "<think>")
        XCTAssertEqual(try tokenizer.decode([bos, think, eos], renderSpecial: true), "<|bos|><think><|eos|>")
        XCTAssertTrue(tokenizer.isControlToken(eos))
    }

    func testAddSpecialTokensPrependsBOSWhenMetadataAsks() throws {
        let fixture = try TokenizerFixtures.file("bpe-qwen2.json")
        let tokenizer = try BPETokenizer(
            tokens: fixture.tokens, tokenTypes: fixture.tokenTypes, merges: fixture.merges,
            bosTokenID: fixture.bosId, eosTokenID: fixture.eosId, addBOS: true, addEOS: true, preTokenizer: "hunyuan")
        let plain = tokenizer.encode("Hello")
        XCTAssertEqual(tokenizer.encode("Hello", addSpecialTokens: true), [fixture.bosId] + plain + [fixture.eosId])
        XCTAssertEqual(tokenizer.preTokenizer, .qwen2, "hunyuan uses the Qwen2 expression")
    }

    private func checkFixture(_ name: String, expectedKind: BPEPreTokenizerKind) throws {
        let fixture = try TokenizerFixtures.file(name)
        let tokenizer = try TokenizerFixtures.tokenizer(fixture)
        XCTAssertEqual(tokenizer.preTokenizer, expectedKind)
        XCTAssertEqual(tokenizer.ignoresMerges, fixture.ignoreMerges)
        XCTAssertEqual(tokenizer.vocabularySize, fixture.tokens.count)
        XCTAssertGreaterThan(fixture.cases.count, 50)
        try checkCases(fixture.cases, tokenizer: tokenizer, name: name)
    }

    private func checkCases(_ cases: [TokenizerFixtureCase], tokenizer: BPETokenizer, name: String) throws {
        for item in cases {
            let label = "\(name): \(item.text.debugDescription)"
            XCTAssertEqual(tokenizer.encode(item.text, parseSpecial: true), item.ids, label)
            XCTAssertEqual(tokenizer.encode(item.text, parseSpecial: false), item.idsNoSpecial, label)
            XCTAssertSameScalars(try tokenizer.decode(item.ids, renderSpecial: true), item.decoded, label)
            XCTAssertSameScalars(try tokenizer.decode(item.ids, renderSpecial: false), item.decodedSkipSpecial, label)
            XCTAssertSameScalars(try tokenizer.decode(item.idsNoSpecial), item.text, label)
        }
    }
}
