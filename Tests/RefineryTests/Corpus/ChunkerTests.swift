import Foundation
import XCTest
@testable import Refinery

final class ChunkerTests: XCTestCase {
    private func slice(_ text: String, _ chunk: Chunk) -> String {
        let scalars = Array(text.unicodeScalars)
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[chunk.start..<chunk.end])
        return String(view)
    }

    func testMergesParagraphsUpToTheMaximum() {
        let paragraphs = (1...6).map { "Paragraph \($0) " + String(repeating: "word ", count: 8) + "end." }
        let text = paragraphs.joined(separator: "\n\n")
        let chunker = Chunker(minCharacters: 20, maxCharacters: 120)
        let (chunks, dropped) = chunker.chunks(of: text, markdown: false)
        XCTAssertEqual(dropped, 0)
        XCTAssertEqual(chunks.count, 3)
        for chunk in chunks {
            XCTAssertLessThanOrEqual(chunk.end - chunk.start, 120)
            XCTAssertEqual(slice(text, chunk), chunk.text)
        }
        XCTAssertTrue(chunks[0].text.hasPrefix("Paragraph 1"))
        XCTAssertTrue(chunks[0].text.contains("\n\nParagraph 2"))
    }

    func testLongParagraphsAreCutAtSentenceEnds() {
        let sentence = "The market opens at nine and closes at four. "
        let text = String(repeating: sentence, count: 10).trimmingCharacters(in: .whitespaces)
        let chunker = Chunker(minCharacters: 10, maxCharacters: 100)
        let (chunks, _) = chunker.chunks(of: text, markdown: false)
        XCTAssertGreaterThan(chunks.count, 4)
        for chunk in chunks {
            XCTAssertLessThanOrEqual(chunk.text.unicodeScalars.count, 100)
            XCTAssertTrue(chunk.text.hasSuffix("."), chunk.text)
            XCTAssertEqual(slice(text, chunk), chunk.text)
        }
    }

    func testShortFragmentsAreDroppedAndCounted() {
        let text = "Tiny.\n\n" + String(repeating: "long enough text ", count: 10)
        let chunker = Chunker(minCharacters: 50, maxCharacters: 60)
        let (chunks, dropped) = chunker.chunks(of: text, markdown: false)
        XCTAssertTrue(chunks.allSatisfy { $0.text.unicodeScalars.count >= 50 })
        XCTAssertGreaterThanOrEqual(dropped, 1)
    }

    func testMarkdownHeadingsSplitSectionsAndAreNotSeedText() {
        let text = "# Prices\n\nApples cost 3 euros a kilo at the market.\n\n## Trains\n\nThe 9:15 train reaches Lyon at 11:02."
        let chunker = Chunker(minCharacters: 10, maxCharacters: 1000)
        let (chunks, _) = chunker.chunks(of: text, markdown: true)
        XCTAssertEqual(chunks.map(\.text), ["Apples cost 3 euros a kilo at the market.",
                                            "The 9:15 train reaches Lyon at 11:02."])
        XCTAssertEqual(chunks.map { slice(text, $0) }, chunks.map(\.text))
    }

    func testSpansCountUnicodeScalars() {
        let text = "Zoë paid 5 € for café au lait 👍🏽.\n\nSecond paragraph with ümlauts and more words here."
        let chunker = Chunker(minCharacters: 5, maxCharacters: 60)
        let (chunks, _) = chunker.chunks(of: text, markdown: false)
        XCTAssertEqual(chunks.count, 2)
        XCTAssertEqual(chunks[0].start, 0)
        XCTAssertEqual(chunks[0].end, "Zoë paid 5 € for café au lait 👍🏽.".unicodeScalars.count)
        XCTAssertEqual(chunks.map { slice(text, $0) }, chunks.map(\.text))
    }
}
