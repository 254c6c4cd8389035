import Foundation
import XCTest
@testable import MoE

/// One tokenizer exported by Tools/tokenizer-fixtures/make_fixtures.py, with HuggingFace's ids for test strings.
struct TokenizerFixtureFile: Decodable {
    let model: String
    let pre: String
    let ignoreMerges: Bool
    let bosId: Int32
    let eosId: Int32
    let padId: Int32
    let addBos: Bool
    let tokens: [String]
    let tokenTypes: [Int32]
    let merges: [String]
    let cases: [TokenizerFixtureCase]
    let casesWithoutIgnoreMerges: [TokenizerFixtureCase]?
}

/// HF's results for one string: ids with special tokens parsed and as plain text, and decodings of `ids`.
struct TokenizerFixtureCase: Decodable {
    let text: String
    let ids: [Int32]
    let idsNoSpecial: [Int32]
    let decoded: String
    let decodedSkipSpecial: String
}

/// Raw pre-tokenizer splits per family.
struct TokenizerSplitCase: Decodable {
    let text: String
    let pieces: [String]
}

enum TokenizerFixtures {
    /// Fixtures live next to this file, so the path works in any package that compiles this folder.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures", isDirectory: true)

    static func load<T: Decodable>(_ name: String, as type: T.Type = T.self) throws -> T {
        let data = try Data(contentsOf: directory.appendingPathComponent(name))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(T.self, from: data)
    }

    static func file(_ name: String) throws -> TokenizerFixtureFile {
        try load(name)
    }

    static func tokenizer(_ fixture: TokenizerFixtureFile, ignoreMerges: Bool? = nil) throws -> BPETokenizer {
        try BPETokenizer(
            model: fixture.model, tokens: fixture.tokens, tokenTypes: fixture.tokenTypes, merges: fixture.merges,
            bosTokenID: fixture.bosId, eosTokenID: fixture.eosId, paddingTokenID: fixture.padId,
            addBOS: fixture.addBos, preTokenizer: fixture.pre, ignoreMerges: ignoreMerges)
    }

    static func tokenizer(_ name: String) throws -> BPETokenizer {
        try tokenizer(file(name))
    }
}

/// Swift's `String ==` is canonical equivalence ("e\u{301}" == "é"); tokenizer tests need exact scalars.
func XCTAssertSameScalars(_ actual: String, _ expected: String, _ message: @autoclosure () -> String = "",
                          file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(Array(actual.unicodeScalars.map(\.value)), Array(expected.unicodeScalars.map(\.value)),
                   "\(actual.debugDescription) != \(expected.debugDescription) \(message())", file: file, line: line)
}

/// SplitMix64: a small seeded generator, so randomized tests are reproducible.
struct TokenizerTestRNG: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A random scalar drawn from a mix of ranges that stress the pre-tokenizer and byte-level encoding.
    mutating func scalar() -> Unicode.Scalar {
        let ranges: [ClosedRange<UInt32>] = [
            0x20...0x7E, 0x20...0x7E, 0x20...0x7E, 0x09...0x0D, 0x00...0x1F, 0x80...0xFF, 0x300...0x36F,
            0x370...0x3FF, 0x400...0x4FF, 0x600...0x6FF, 0x900...0x97F, 0x2000...0x206F, 0x3000...0x303F,
            0x4E00...0x9FFF, 0xAC00...0xD7A3, 0xE000...0xF8FF, 0xFE00...0xFE0F, 0xFFF0...0xFFFF,
            0x1F300...0x1FAFF, 0x1F3FB...0x1F3FF, 0x10000...0x10FFFF,
        ]
        let range = ranges[Int.random(in: 0..<ranges.count, using: &self)]
        while true {
            if let scalar = Unicode.Scalar(UInt32.random(in: range, using: &self)) { return scalar }
        }
    }

    mutating func string(maxLength: Int) -> String {
        var view = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...maxLength, using: &self) {
            let pick = Int.random(in: 0..<20, using: &self)
            switch pick {
            case 0: view.append(contentsOf: "'ll".unicodeScalars)
            case 1: view.append(contentsOf: "\r\n".unicodeScalars)
            case 2: view.append(contentsOf: "\u{200D}".unicodeScalars)
            case 3: view.append(contentsOf: "   ".unicodeScalars)
            default: view.append(scalar())
            }
        }
        return String(view)
    }
}
