import XCTest
@testable import MoE

/// Building the tokenizer from `tokenizer.ggml.*` metadata values, as a GGUF reader hands them over.
final class BPETokenizerMetadataTests: XCTestCase {
    private func metadata(_ fixture: TokenizerFixtureFile) -> [String: BPETokenizerMetadataValue] {
        [
            "tokenizer.ggml.model": .string(fixture.model),
            "tokenizer.ggml.pre": .string("hunyuan"),
            "tokenizer.ggml.tokens": .stringArray(fixture.tokens),
            "tokenizer.ggml.token_type": .intArray(fixture.tokenTypes.map { Int($0) }),
            "tokenizer.ggml.merges": .stringArray(fixture.merges),
            "tokenizer.ggml.bos_token_id": .int(Int(fixture.bosId)),
            "tokenizer.ggml.eos_token_id": .int(Int(fixture.eosId)),
            "tokenizer.ggml.padding_token_id": .int(Int(fixture.padId)),
            "tokenizer.ggml.add_bos_token": .bool(false),
        ]
    }

    func testMetadataBuildsTheSameTokenizerAsPlainValues() throws {
        let fixture = try TokenizerFixtures.file("bpe-qwen2.json")
        let tokenizer = try BPETokenizer(metadata: metadata(fixture))
        XCTAssertEqual(tokenizer.preTokenizer, .qwen2)
        XCTAssertEqual(tokenizer.eosTokenID, fixture.eosId)
        XCTAssertEqual(tokenizer.paddingTokenID, fixture.padId)
        XCTAssertFalse(tokenizer.addBOS)
        for item in fixture.cases {
            XCTAssertEqual(tokenizer.encode(item.text, parseSpecial: true), item.ids, item.text.debugDescription)
        }
    }

    func testAddBOSDefaultsFollowThePreTokenizer() throws {
        let fixture = try TokenizerFixtures.file("bpe-qwen2.json")
        var values = metadata(fixture)
        values["tokenizer.ggml.add_bos_token"] = nil
        XCTAssertFalse(try BPETokenizer(metadata: values).addBOS)
        values["tokenizer.ggml.pre"] = .string("llama-bpe")
        XCTAssertTrue(try BPETokenizer(metadata: values).addBOS)
        values["tokenizer.ggml.pre"] = nil
        XCTAssertEqual(try BPETokenizer(metadata: values).preTokenizer, .gpt2)
    }

    func testMetadataErrorsNameTheKey() throws {
        let fixture = try TokenizerFixtures.file("bpe-qwen2.json")
        let cases: [(String, BPETokenizerMetadataValue?, BPETokenizerError)] = [
            ("tokenizer.ggml.model", nil, .metadataMissing(key: "tokenizer.ggml.model")),
            ("tokenizer.ggml.model", .string("llama"), .unsupportedModel("llama")),
            ("tokenizer.ggml.tokens", nil, .metadataMissing(key: "tokenizer.ggml.tokens")),
            ("tokenizer.ggml.merges", .intArray([1]),
             .metadataWrongType(key: "tokenizer.ggml.merges", expected: "array of strings", found: "array of integers")),
            ("tokenizer.ggml.eos_token_id", .string("2"),
             .metadataWrongType(key: "tokenizer.ggml.eos_token_id", expected: "integer", found: "string")),
            ("tokenizer.ggml.bos_token_id", .int(1 << 40),
             .metadataValueOutOfRange(key: "tokenizer.ggml.bos_token_id", value: 1 << 40)),
            ("tokenizer.ggml.add_bos_token", .other(description: "float32"),
             .metadataWrongType(key: "tokenizer.ggml.add_bos_token", expected: "bool", found: "float32")),
            ("tokenizer.ggml.pre", .string("no-such-pre"), .unsupportedPreTokenizer("no-such-pre")),
        ]
        for (key, value, expected) in cases {
            var values = metadata(fixture)
            values[key] = value
            XCTAssertThrowsError(try BPETokenizer(metadata: values), key) { error in
                XCTAssertEqual(error as? BPETokenizerError, expected, key)
            }
        }
        var types = metadata(fixture)
        types["tokenizer.ggml.token_type"] = .intArray([Int](repeating: 1, count: fixture.tokens.count - 1) + [1 << 33])
        XCTAssertThrowsError(try BPETokenizer(metadata: types)) { error in
            guard case .metadataValueOutOfRange(let key, _)? = error as? BPETokenizerError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertTrue(key.hasPrefix("tokenizer.ggml.token_type["))
        }
    }
}
