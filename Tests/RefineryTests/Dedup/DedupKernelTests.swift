import Foundation
import XCTest
@testable import Refinery

/// The unsafe kernels against their plain twins (`DedupReference`) and published xxHash64 values.
final class DedupKernelTests: XCTestCase {
    func testXXHash64MatchesPublishedValues() {
        let cases: [(String, UInt64, UInt64)] = [
            ("", 0, 0xEF46_DB37_51D8_E999),
            ("a", 0, 0xD24E_C4F1_A98C_6E5B),
            ("abc", 0, 0x44BC_2CF5_AD77_0999),
            ("Nobody inspects the spammish repetition", 0, 0xFBCE_A83C_8A37_8BF1),
        ]
        for (text, seed, expected) in cases {
            XCTAssertEqual(DedupKernels.xxh64(Array(text.utf8), seed: seed), expected, text)
            XCTAssertEqual(DedupReference.xxh64(Array(text.utf8), seed: seed), expected, text)
        }
    }

    func testXXHash64KernelMatchesReferenceOnEveryLength() {
        var random = SplitMix64(seed: 1)
        for length in 0..<140 {
            let bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            let seed = random.next()
            XCTAssertEqual(DedupKernels.xxh64(bytes, seed: seed), DedupReference.xxh64(bytes, seed: seed), "\(length)")
        }
    }

    func testShingleHashesMatchReference() {
        var random = SplitMix64(seed: 2)
        for trial in 0..<60 {
            let wordCount = trial % 15
            let words = (0..<wordCount).map { _ in
                String((0..<(1 + Int(random.next() % 9))).map { _ in
                    Character(UnicodeScalar(97 + UInt8(random.next() % 26)))
                })
            }
            let bytes = Array(words.joined(separator: " ").utf8)
            for ngram in [1, 2, 5, 13] {
                XCTAssertEqual(DedupKernels.shingleHashes(bytes, ngram: ngram, seed: 7),
                               DedupReference.shingleHashes(bytes, ngram: ngram, seed: 7), "\(words) n=\(ngram)")
            }
        }
    }

    func testShortTextIsOneShingleAndEmptyTextNone() {
        let bytes = Array("only three words".utf8)
        XCTAssertEqual(DedupKernels.shingleHashes(bytes, ngram: 5, seed: 0).count, 1)
        XCTAssertEqual(DedupKernels.shingleHashes(Array("a b c d e f".utf8), ngram: 5, seed: 0).count, 2)
        XCTAssertEqual(DedupKernels.shingleHashes([], ngram: 5, seed: 0), [])
    }

    func testSignatureKernelMatchesReference() throws {
        var random = SplitMix64(seed: 3)
        // 112 = 14 groups of 8 (SIMD only); 13 and 21 exercise the scalar tail.
        for permutations in [112, 13, 21, 1] {
            let multipliers = (0..<permutations).map { _ in UInt32(truncatingIfNeeded: random.next()) | 1 }
            let increments = (0..<permutations).map { _ in UInt32(truncatingIfNeeded: random.next()) }
            for count in [0, 1, 2, 3, 7, 64, 245] {
                let hashes = (0..<count).map { _ in random.next() }
                let kernel = DedupKernels.signature(hashes: hashes, multipliers: multipliers,
                                                    biased: increments.map { $0 ^ 0x8000_0000 })
                let reference = DedupReference.signature(hashes: hashes, multipliers: multipliers,
                                                         increments: increments)
                XCTAssertEqual(kernel, reference, "k=\(permutations) n=\(count)")
            }
        }
    }

    func testASCIINormalizationKernelMatchesGeneralPath() {
        var random = SplitMix64(seed: 4)
        let alphabet = Array("aZ09 \t\n\r,.;:!?'\"()[]{}-_+=$^`|~<>/\\@#%&*".utf8)
        let optionSets: [TextNormalization] = [.standard, [], [.caseFold], [.stripPunctuation],
                                               [.collapseWhitespace], [.caseFold, .collapseWhitespace]]
        for _ in 0..<300 {
            let length = Int(random.next() % 40)
            let text = String(decoding: (0..<length).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] },
                              as: UTF8.self)
            for options in optionSets {
                let fast = DedupKernels.normalizeASCII(
                    text, foldCase: options.contains(.caseFold), stripPunctuation: options.contains(.stripPunctuation),
                    collapseWhitespace: options.contains(.collapseWhitespace))
                XCTAssertEqual(fast, TextNormalizer.normalizedBytesGeneral(text, options), "\(text.debugDescription)")
            }
        }
        XCTAssertNil(DedupKernels.normalizeASCII("café", foldCase: true, stripPunctuation: true,
                                                 collapseWhitespace: true))
    }
}
