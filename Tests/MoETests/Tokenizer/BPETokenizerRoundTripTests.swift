import XCTest
@testable import MoE

/// decode(encode(s)) == s for arbitrary text, and decoding never crashes on bytes that are not UTF-8.
final class BPETokenizerRoundTripTests: XCTestCase {
    func testRandomUnicodeRoundTripsForEveryFamily() throws {
        let names = ["bpe-qwen2.json", "bpe-llama3.json", "bpe-gpt2.json"]
        for name in names {
            let tokenizer = try TokenizerFixtures.tokenizer(name)
            var rng = TokenizerTestRNG(seed: 20_240_601)
            for round in 0..<400 {
                let text = rng.string(maxLength: 60)
                let ids = tokenizer.encode(text)
                XCTAssertEqual(try tokenizer.decodeBytes(ids), Array(text.utf8), "\(name) round \(round)")
                XCTAssertSameScalars(try tokenizer.decode(ids), text, "\(name) round \(round)")
            }
        }
    }

    func testSpecialTokenTextRoundTripsBothWays() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        var rng = TokenizerTestRNG(seed: 99)
        let specials = ["<|bos|>", "<|eos|>", "<|pad|>", "<think>", "</think>", "<|eo", "|>"]
        for round in 0..<200 {
            var text = ""
            for _ in 0..<Int.random(in: 1...6, using: &rng) {
                text += rng.string(maxLength: 8)
                text += specials[Int.random(in: 0..<specials.count, using: &rng)]
            }
            let parsed = tokenizer.encode(text, parseSpecial: true)
            XCTAssertSameScalars(try tokenizer.decode(parsed, renderSpecial: true), text, "round \(round)")
            let plain = tokenizer.encode(text, parseSpecial: false)
            XCTAssertSameScalars(try tokenizer.decode(plain), text, "round \(round)")
            XCTAssertFalse(plain.contains { tokenizer.isControlToken($0) }, "round \(round)")
        }
    }

    func testCombiningMarksAndPrecomposedStayDistinct() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        let decomposed = tokenizer.encode("cafe\u{301}")
        let precomposed = tokenizer.encode("caf\u{E9}")
        XCTAssertNotEqual(decomposed, precomposed)
        XCTAssertEqual(try tokenizer.decodeBytes(decomposed), [0x63, 0x61, 0x66, 0x65, 0xCC, 0x81])
        XCTAssertEqual(try tokenizer.decodeBytes(precomposed), [0x63, 0x61, 0x66, 0xC3, 0xA9])
    }

    func testInvalidUTF8DecodesToReplacementCharacters() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        func ids(_ bytes: [UInt8]) -> [Int32] { bytes.map { tokenizer.byteSymbolIDs[Int($0)] } }
        // A lone continuation byte.
        XCTAssertEqual(try tokenizer.decode(ids([0x80])), "\u{FFFD}")
        // A lead byte whose sequence never completes, between ASCII.
        XCTAssertEqual(try tokenizer.decode(ids([0x41, 0xE4, 0x42])), "A\u{FFFD}B")
        // A truncated 4-byte sequence at the end is one maximal subpart.
        XCTAssertEqual(try tokenizer.decode(ids([0xF0, 0x9F, 0x98])), "\u{FFFD}")
        // Overlong encoding, encoded surrogate, bytes that can never appear.
        XCTAssertEqual(try tokenizer.decode(ids([0xC0, 0x80])), "\u{FFFD}\u{FFFD}")
        XCTAssertEqual(try tokenizer.decode(ids([0xED, 0xA0, 0x80])), "\u{FFFD}\u{FFFD}\u{FFFD}")
        XCTAssertEqual(try tokenizer.decode(ids([0xFF, 0xFE])), "\u{FFFD}\u{FFFD}")
        // The raw bytes are still available.
        XCTAssertEqual(try tokenizer.decodeBytes(ids([0x41, 0xE4, 0x42])), [0x41, 0xE4, 0x42])
        // Random id sequences decode without crashing and agree with Swift's own UTF-8 repair.
        var rng = TokenizerTestRNG(seed: 5)
        for _ in 0..<300 {
            let sequence = (0..<Int.random(in: 0...20, using: &rng)).map { _ in
                Int32.random(in: 0..<Int32(tokenizer.vocabularySize), using: &rng)
            }
            let bytes = try tokenizer.decodeBytes(sequence)
            XCTAssertSameScalars(try tokenizer.decode(sequence), String(decoding: bytes, as: UTF8.self))
        }
    }

    func testOutOfRangeIDsThrowInsteadOfCrashing() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        let size = tokenizer.vocabularySize
        XCTAssertThrowsError(try tokenizer.decode([0, Int32(size)])) { error in
            XCTAssertEqual(error as? BPETokenizerError, .tokenIDOutOfRange(id: Int32(size), vocabularySize: size))
        }
        XCTAssertThrowsError(try tokenizer.decode([-1]))
        XCTAssertNil(tokenizer.tokenText(for: -1))
        XCTAssertNil(tokenizer.tokenType(for: Int32(size)))
    }

    func testVocabularyLookups() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        let space = try XCTUnwrap(tokenizer.tokenID(for: "\u{120}"))
        XCTAssertEqual(tokenizer.tokenText(for: space), "\u{120}")
        XCTAssertEqual(try tokenizer.decode([space]), " ")
        XCTAssertEqual(tokenizer.encode(" "), [space])
        XCTAssertEqual(tokenizer.preTokenize("Hi there"), ["Hi", " there"])
        XCTAssertEqual(BPEByteLevelMapping.encode(Array("\n a".utf8)), "\u{10A}\u{120}a")
        XCTAssertEqual(BPEByteLevelMapping.decode("\u{10A}\u{120}a"), Array("\n a".utf8))
        XCTAssertNil(BPEByteLevelMapping.decode("\u{2603}"))
    }
}
