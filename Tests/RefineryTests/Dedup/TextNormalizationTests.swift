import Foundation
import XCTest
@testable import Refinery

/// Exact-duplicate normalization: what counts as the same text.
final class TextNormalizationTests: XCTestCase {
    func testStandardNormalization() {
        let cases: [(String, String)] = [
            ("ﬁnal ﬂow", "final flow"),                       // NFKC ligatures
            ("x = １２３", "x = 123"),                          // full-width digits
            ("Ｈｅｌｌｏ", "hello"),                               // full-width letters, case fold
            ("Straße", "strasse"),                             // full case folding
            ("E = mc²", "e = mc2"),                             // superscript
            ("  Hello,\t\tworld!\n ", "hello world"),          // whitespace and punctuation
            ("x,y", "x y"),                                     // punctuation is a word boundary
            ("«Bonjour» — dit‐il…", "bonjour dit il"),          // Unicode punctuation
            ("Cafe\u{301} CAFÉ", "café café"),                  // combining mark composes with ASCII before it
            ("2+2=4 $5", "2+2=4 $5"),                           // symbols are kept
            ("\u{00A0}non\u{2003}breaking\u{3000}", "non breaking"), // Unicode spaces
        ]
        for (input, expected) in cases {
            XCTAssertEqual(TextNormalizer.normalize(input, .standard), expected, input)
        }
    }

    func testEachOptionCanBeTurnedOff() {
        XCTAssertEqual(TextNormalizer.normalize("ﬁ  Ａ,b", []), "ﬁ  Ａ,b")
        XCTAssertEqual(TextNormalizer.normalize("ﬁ  Ａ,b", [.nfkc]), "fi  A,b")
        XCTAssertEqual(TextNormalizer.normalize("ﬁ  Ａ,b", [.nfkc, .caseFold]), "fi  a,b")
        XCTAssertEqual(TextNormalizer.normalize("ﬁ  Ａ,b", [.nfkc, .caseFold, .collapseWhitespace]), "fi a,b")
        XCTAssertEqual(TextNormalizer.normalize("A,b", [.stripPunctuation]), "A b")
        XCTAssertEqual(try TextNormalization(names: "nfkc,case_fold"), [.nfkc, .caseFold])
        XCTAssertEqual(try TextNormalization(names: "none"), [])
        XCTAssertThrowsError(try TextNormalization(names: "stemming"))
    }

    func testExactHashesAgreeExactlyWhenNormalizedTextsAgree() {
        let hasher = ExactHasher()
        let variants = ["The ﬁnal answer is １２, Straße.", "the final answer is 12 strasse",
                        "THE  FINAL\tANSWER IS 12 — STRASSE!", "  the final answer: is 12; strasse  \n"]
        let hashes = Set(variants.map(hasher.hash))
        XCTAssertEqual(hashes.count, 1)
        XCTAssertNotEqual(hasher.hash("the final answer is 13 strasse"), hashes.first)
        XCTAssertEqual(hashes.first?.description.count, 32)
        XCTAssertEqual(hashes.first.flatMap { ContentHash(bytes: $0.bytes) }, hashes.first)
    }

    func testFieldsAreHashedSeparately() {
        let hasher = ExactHasher()
        XCTAssertNotEqual(hasher.hash(fields: ["ab", "c"]), hasher.hash(fields: ["a", "bc"]))
        XCTAssertEqual(hasher.hash(fields: ["Problem one.", "Answer"]), hasher.hash(fields: ["problem one", "ANSWER!"]))
    }

    func testCaseSensitiveHashingWhenCaseFoldIsOff() {
        let hasher = ExactHasher(normalization: [.nfkc, .collapseWhitespace])
        XCTAssertNotEqual(hasher.hash("Hello"), hasher.hash("hello"))
        XCTAssertEqual(hasher.hash("Hello  world"), hasher.hash(" Hello world "))
    }

    func testExactDuplicatesClusterThroughTheIndex() throws {
        var index = try NearDuplicateIndex(config: nil, exact: true)
        index.add(id: "b", text: "ﬁnal ANSWER: １２", score: 1)
        index.add(id: "a", text: "final answer 12", score: 1)
        index.add(id: "c", text: "final answer 13", score: 1)
        let outcome = index.clusters()
        XCTAssertEqual(outcome.removed.map(\.id), ["b"])
        XCTAssertEqual(outcome.removed.first?.reason, "duplicate_of:a")
        XCTAssertEqual(outcome.removed.first?.kind, .exact)
        XCTAssertEqual(outcome.keptCount, 2)
    }
}
