import XCTest
@testable import MoE

/// The streaming decoder emits only complete characters, and all its output together equals `decode`.
final class BPEStreamingDecoderTests: XCTestCase {
    func testEmojiSplitAcrossByteTokensIsHeldBackUntilComplete() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        var decoder = tokenizer.makeStreamingDecoder()
        let bytes = Array("a😀".utf8)  // 61 F0 9F 98 80
        var outputs: [String] = []
        for byte in bytes {
            outputs.append(try decoder.push(tokenizer.byteSymbolIDs[Int(byte)]))
        }
        XCTAssertEqual(outputs, ["a", "", "", "", "😀"])
        XCTAssertFalse(decoder.hasPendingBytes)
        XCTAssertEqual(decoder.finish(), "")
    }

    func testUnfinishedCharacterAtEndBecomesReplacementOnFinish() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        var decoder = tokenizer.makeStreamingDecoder()
        XCTAssertEqual(try decoder.push([0xE6, 0x9D].map { tokenizer.byteSymbolIDs[$0] }), "")
        XCTAssertTrue(decoder.hasPendingBytes)
        XCTAssertEqual(decoder.finish(), "\u{FFFD}")
        XCTAssertFalse(decoder.hasPendingBytes)
    }

    func testInvalidBytesAreEmittedImmediately() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        var decoder = tokenizer.makeStreamingDecoder()
        // A stray continuation byte can never become valid: it is not held back.
        XCTAssertEqual(try decoder.push(tokenizer.byteSymbolIDs[0x80]), "\u{FFFD}")
        // E0 followed by 80 is invalid (E0 needs A0...BF): both come out at once.
        XCTAssertEqual(try decoder.push(tokenizer.byteSymbolIDs[0xE0]), "")
        XCTAssertEqual(try decoder.push(tokenizer.byteSymbolIDs[0x80]), "\u{FFFD}\u{FFFD}")
        XCTAssertFalse(decoder.hasPendingBytes)
    }

    func testControlTokensAreSkippedOrRendered() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        let eos = try XCTUnwrap(tokenizer.eosTokenID)
        var skipping = tokenizer.makeStreamingDecoder()
        XCTAssertEqual(try skipping.push(eos), "")
        var rendering = tokenizer.makeStreamingDecoder(renderSpecial: true)
        XCTAssertEqual(try rendering.push(eos), "<|eos|>")
        XCTAssertThrowsError(try rendering.push(Int32(tokenizer.vocabularySize)))
    }

    func testConcatenatedOutputEqualsDecodeAndNeverSplitsCharacters() throws {
        let tokenizer = try TokenizerFixtures.tokenizer("bpe-qwen2.json")
        var rng = TokenizerTestRNG(seed: 1234)
        for round in 0..<300 {
            // Valid text: after every token, the output so far is a scalar-exact prefix of the text (so no
            // partial character was ever emitted as U+FFFD).
            let text = rng.string(maxLength: 30)
            let textScalars = Array(text.unicodeScalars)
            let ids = tokenizer.encode(text)
            var decoder = tokenizer.makeStreamingDecoder()
            var streamed = ""
            for id in ids {
                streamed += try decoder.push(id)
                let soFar = Array(streamed.unicodeScalars)
                XCTAssertTrue(textScalars.starts(with: soFar), "round \(round): \(streamed.debugDescription)")
            }
            streamed += decoder.finish()
            XCTAssertSameScalars(streamed, text, "round \(round)")

            // Arbitrary ids (often invalid UTF-8): the stream still equals decode of the whole sequence.
            let randomIDs = (0..<Int.random(in: 0...15, using: &rng)).map { _ in
                Int32.random(in: 0..<Int32(tokenizer.vocabularySize), using: &rng)
            }
            var randomDecoder = tokenizer.makeStreamingDecoder(renderSpecial: round % 2 == 0)
            var randomStreamed = try randomDecoder.push(randomIDs)
            randomStreamed += randomDecoder.finish()
            XCTAssertSameScalars(randomStreamed, try tokenizer.decode(randomIDs, renderSpecial: round % 2 == 0),
                                 "round \(round)")
        }
    }

    func testCompletePrefixLength() {
        XCTAssertEqual(BPEUTF8.completePrefixLength([]), 0)
        XCTAssertEqual(BPEUTF8.completePrefixLength([0x41]), 1)
        XCTAssertEqual(BPEUTF8.completePrefixLength([0x41, 0xF0, 0x9F]), 1)
        XCTAssertEqual(BPEUTF8.completePrefixLength([0xF0, 0x9F, 0x98, 0x80]), 4)
        XCTAssertEqual(BPEUTF8.completePrefixLength([0xF0, 0x80]), 2, "F0 80 can never be valid")
        XCTAssertEqual(BPEUTF8.completePrefixLength([0xED, 0x9F]), 0, "ED 9F may still become U+D7xx")
        XCTAssertEqual(BPEUTF8.completePrefixLength([0xED, 0xA0]), 2, "ED A0 would be a surrogate")
        XCTAssertEqual(BPEUTF8.completePrefixLength([0x80, 0x80, 0x80, 0x80, 0x80]), 5)
    }
}
