import XCTest
@testable import MoE

/// The hand-written scanners must cut text exactly where HuggingFace's regex (Oniguruma) does.
final class BPEPreTokenizerTests: XCTestCase {
    func testSplitsMatchHuggingFaceForEveryFamily() throws {
        let splits: [String: [TokenizerSplitCase]] = try TokenizerFixtures.load("pretokenizer-splits.json")
        XCTAssertEqual(Set(splits.keys), ["qwen2", "llama3", "gpt2"])
        for (name, cases) in splits {
            let kind = try XCTUnwrap(BPEPreTokenizerKind(rawValue: name))
            XCTAssertGreaterThan(cases.count, 50)
            for item in cases {
                let pieces = kind.split(item.text)
                XCTAssertEqual(pieces.count, item.pieces.count, "\(name): \(item.text.debugDescription)")
                for (piece, expected) in zip(pieces, item.pieces) {
                    XCTAssertSameScalars(piece, expected, "\(name): \(item.text.debugDescription)")
                }
            }
        }
    }

    func testDigitGrouping() {
        XCTAssertEqual(BPEPreTokenizerKind.qwen2.split("12345"), ["1", "2", "3", "4", "5"])
        XCTAssertEqual(BPEPreTokenizerKind.llama3.split("12345"), ["123", "45"])
        XCTAssertEqual(BPEPreTokenizerKind.gpt2.split("a 12345"), ["a", " 12345"])
        // Other number categories count as \p{N}: Roman numeral (Nl), vulgar fraction (No), Arabic-Indic digits.
        XCTAssertEqual(BPEPreTokenizerKind.qwen2.split("\u{216B}\u{BD}\u{663}"), ["\u{216B}", "\u{BD}", "\u{663}"])
    }

    func testContractions() {
        XCTAssertEqual(BPEPreTokenizerKind.qwen2.split("I'LL don't"), ["I", "'LL", " don", "'t"])
        XCTAssertEqual(BPEPreTokenizerKind.gpt2.split("I'LL don't"), ["I", "'", "LL", " don", "'t"])
        // Oniguruma folds U+017F LONG S to "s" under (?i:...).
        XCTAssertEqual(BPEPreTokenizerKind.qwen2.split("x'\u{17F}"), ["x", "'\u{17F}"])
    }

    func testWhitespaceRuns() {
        let qwen = BPEPreTokenizerKind.qwen2
        XCTAssertEqual(qwen.split("a   b"), ["a", "  ", " b"])
        XCTAssertEqual(qwen.split("a   "), ["a", "   "])
        XCTAssertEqual(qwen.split("  \n  foo"), ["  \n", " ", " foo"])
        XCTAssertEqual(qwen.split("x\r\n\r\ny"), ["x", "\r\n\r\n", "y"])
        XCTAssertEqual(qwen.split("\tfoo"), ["\tfoo"])
        XCTAssertEqual(qwen.split("(foo) {\n"), ["(foo", ")", " {\n"])
        XCTAssertEqual(BPEPreTokenizerKind.gpt2.split("\n\nfoo"), ["\n", "\n", "foo"])
    }

    func testCombiningMarksAreNotLetters() {
        // U+0301 is \p{M}: it ends the letter run and then prefixes the next word.
        let pieces = BPEPreTokenizerKind.qwen2.split("e\u{301}x")
        XCTAssertEqual(pieces.map { Array($0.unicodeScalars) }, [["e"], ["\u{301}", "x"]])
    }

    func testPiecesAlwaysCoverTheInput() {
        var rng = TokenizerTestRNG(seed: 7)
        for _ in 0..<300 {
            let text = rng.string(maxLength: 40)
            for kind in BPEPreTokenizerKind.allCases {
                let pieces = kind.split(text)
                XCTAssertFalse(pieces.contains(""), "\(kind): empty piece for \(text.debugDescription)")
                XCTAssertEqual(Array(pieces.joined().utf8), Array(text.utf8), "\(kind): \(text.debugDescription)")
            }
        }
    }

    func testKnownNamesResolve() throws {
        XCTAssertEqual(BPEPreTokenizerKind.resolve("hunyuan")?.kind, .qwen2)
        XCTAssertEqual(BPEPreTokenizerKind.resolve("qwen2")?.kind, .qwen2)
        XCTAssertEqual(BPEPreTokenizerKind.resolve("llama-bpe")?.kind, .llama3)
        XCTAssertEqual(BPEPreTokenizerKind.resolve("llama-bpe")?.ignoreMerges, true)
        XCTAssertEqual(BPEPreTokenizerKind.resolve("qwen2")?.ignoreMerges, false)
        XCTAssertEqual(BPEPreTokenizerKind.resolve("default")?.kind, .gpt2)
        XCTAssertNil(BPEPreTokenizerKind.resolve("hunyuan-dense"))
        XCTAssertTrue(BPEPreTokenizerKind.knownNames.contains("hunyuan"))
    }
}
