import Foundation

/// A piece of a document used as a generation seed, with its span in the document's text.
///
/// Spans count Unicode scalars (the same indices as Python's `str`), end exclusive.
public struct Chunk: Sendable, Hashable {
    public var text: String
    public var start: Int
    public var end: Int
}

/// Splits documents into seed chunks along paragraph boundaries, within a minimum and maximum size.
///
/// Paragraphs are separated by blank lines. Consecutive paragraphs are merged while the chunk stays within
/// `maxCharacters`; a paragraph longer than that is cut at sentence ends (or spaces). Chunks shorter than
/// `minCharacters` are dropped. In Markdown, heading lines end a section and are not part of any chunk.
public struct Chunker: Sendable, Hashable {
    public var minCharacters: Int
    public var maxCharacters: Int

    public init(minCharacters: Int, maxCharacters: Int) {
        self.minCharacters = minCharacters
        self.maxCharacters = maxCharacters
    }

    /// Chunks in document order; `dropped` counts fragments shorter than the minimum.
    public func chunks(of text: String, markdown: Bool) -> (chunks: [Chunk], dropped: Int) {
        let scalars = Array(text.unicodeScalars)
        var result: [Chunk] = []
        var dropped = 0
        for section in sections(scalars, markdown: markdown) {
            var current: Range<Int>?
            for paragraph in section {
                for piece in split(paragraph, in: scalars) {
                    if let open = current, piece.upperBound - open.lowerBound <= maxCharacters {
                        current = open.lowerBound..<piece.upperBound
                        continue
                    }
                    if let open = current { emit(open) }
                    current = piece
                }
            }
            if let open = current { emit(open) }
        }
        return (result, dropped)

        func emit(_ range: Range<Int>) {
            if range.count < minCharacters {
                dropped += 1
                return
            }
            var string = String.UnicodeScalarView()
            string.append(contentsOf: scalars[range])
            result.append(Chunk(text: String(string), start: range.lowerBound, end: range.upperBound))
        }
    }

    /// Paragraph ranges (trimmed of surrounding whitespace) grouped into sections.
    private func sections(_ scalars: [Unicode.Scalar], markdown: Bool) -> [[Range<Int>]] {
        var sections: [[Range<Int>]] = [[]]
        var paragraphStart: Int?
        var paragraphEnd = 0
        var lineStart = 0
        func closeParagraph() {
            if let start = paragraphStart { sections[sections.count - 1].append(start..<paragraphEnd) }
            paragraphStart = nil
        }
        while lineStart < scalars.count {
            var lineEnd = lineStart
            while lineEnd < scalars.count && scalars[lineEnd] != "\n" { lineEnd += 1 }
            var contentStart = lineStart
            while contentStart < lineEnd && scalars[contentStart].properties.isWhitespace { contentStart += 1 }
            var contentEnd = lineEnd
            while contentEnd > contentStart && scalars[contentEnd - 1].properties.isWhitespace { contentEnd -= 1 }
            if contentStart == contentEnd {
                closeParagraph()
            } else if markdown && isHeading(scalars, from: contentStart, to: contentEnd) {
                closeParagraph()
                if !sections[sections.count - 1].isEmpty { sections.append([]) }
            } else {
                if paragraphStart == nil { paragraphStart = contentStart }
                paragraphEnd = contentEnd
            }
            lineStart = lineEnd + 1
        }
        closeParagraph()
        return sections.filter { !$0.isEmpty }
    }

    private func isHeading(_ scalars: [Unicode.Scalar], from start: Int, to end: Int) -> Bool {
        var index = start
        while index < end && scalars[index] == "#" { index += 1 }
        let level = index - start
        return level >= 1 && level <= 6 && (index == end || scalars[index] == " ")
    }

    /// Cuts a paragraph longer than the maximum at sentence ends, else at spaces, else anywhere.
    private func split(_ paragraph: Range<Int>, in scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var pieces: [Range<Int>] = []
        var start = paragraph.lowerBound
        while paragraph.upperBound - start > maxCharacters {
            let limit = start + maxCharacters
            var cut: Int?
            var index = limit
            while index > start + maxCharacters / 2 {
                let previous = scalars[index - 1]
                if (previous == "." || previous == "!" || previous == "?") && scalars[index].properties.isWhitespace {
                    cut = index
                    break
                }
                index -= 1
            }
            if cut == nil {
                index = limit
                while index > start + 1 && !scalars[index].properties.isWhitespace { index -= 1 }
                if index > start + 1 { cut = index }
            }
            let end = cut ?? limit
            pieces.append(start..<end)
            start = end
            while start < paragraph.upperBound && scalars[start].properties.isWhitespace { start += 1 }
        }
        if start < paragraph.upperBound { pieces.append(start..<paragraph.upperBound) }
        return pieces
    }
}
