import Foundation
import XCTest
@testable import Refinery

/// Builders for the dedup tests: texts with exactly known shingle-set Jaccard similarity, and small JSONL files.
enum DedupFixtures {
    /// A temp folder removed after the test.
    static func temporaryDirectory(_ testCase: XCTestCase) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("refinery-dedup-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        testCase.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Distinct lowercase alphabetic words, never repeated across calls that share `next`.
    struct WordSource {
        var next = 0

        mutating func words(_ count: Int) -> [String] {
            (0..<count).map { _ in
                var value = next
                next += 1
                var word = "w"
                repeat {
                    word.append(Character(UnicodeScalar(UInt8(97 + value % 26))))
                    value /= 26
                } while value > 0
                return word
            }
        }
    }

    /// Two texts whose word 5-gram shingle sets have Jaccard similarity exactly `shared / (shared + 2·distinct)`.
    ///
    /// All words are distinct, so every shingle is distinct. `middle == false`: A = C + X, B = C + Y with a common
    /// prefix C of `shared + 4` words and tails X, Y of `distinct` words (each tail adds `distinct` shingles of its
    /// own). `middle == true`: A = C1 + X + C2, B = C1 + Y + C2 with |X| = |Y| = distinct − 4 (≥ 1) words, whose
    /// windows make `distinct` shingles per side differ.
    static func pair(shared: Int, distinct: Int, middle: Bool, ngram: Int = 5,
                     words: inout WordSource) -> (String, String) {
        if !middle || distinct <= ngram - 1 {
            let common = words.words(shared + ngram - 1)
            let left = common + words.words(distinct)
            let right = common + words.words(distinct)
            return (left.joined(separator: " "), right.joined(separator: " "))
        }
        // C1 + X + C2: shingles touching X number |X| + n − 1 = distinct; the rest are shared.
        let changed = distinct - (ngram - 1)
        let total = shared + distinct + ngram - 1  // words per text so that shingles = shared + distinct
        let headCount = (total - changed) / 2
        let tailCount = total - changed - headCount
        let head = words.words(headCount)
        let tail = words.words(tailCount)
        let left = head + words.words(changed) + tail
        let right = head + words.words(changed) + tail
        return (left.joined(separator: " "), right.joined(separator: " "))
    }

    /// Shared and distinct shingle counts for a target Jaccard over a union of `union` shingles.
    static func counts(jaccard: Double, union: Int) -> (shared: Int, distinct: Int) {
        let shared = Int((jaccard * Double(union)).rounded())
        return (shared, (union - shared) / 2)
    }

    /// Writes lines (each followed by a newline) to a plain file.
    static func write(_ lines: [String], to url: URL) throws {
        try Data(lines.map { $0 + "\n" }.joined().utf8).write(to: url)
    }

    /// Writes lines to a `.zst` file.
    static func writeZstd(_ lines: [String], to url: URL) throws {
        try Zstd.compress(Data(lines.map { $0 + "\n" }.joined().utf8)).write(to: url)
    }

    /// A JSONL line `{"id": id, "text": text}` (plus extra fields).
    static func record(_ id: String, _ text: String, _ extra: [(String, JSONValue)] = []) -> String {
        JSONValue.object([("id", .string(id)), ("text", .string(text))] + extra).serialized()
    }

    /// The lines of a `.jsonl.zst` output.
    static func readZstdLines(_ url: URL) throws -> [String] {
        let text = String(decoding: try Zstd.decompress(Data(contentsOf: url)), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// The JSON objects of a `.jsonl` file.
    static func readJSONLines(_ url: URL) throws -> [JSONValue] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map { try JSONValue.parse(String($0)) }
    }
}
