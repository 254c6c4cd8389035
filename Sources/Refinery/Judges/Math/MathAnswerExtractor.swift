/// Which rule found a solution's final answer.
public enum MathAnswerRule: String, Sendable, Codable, CaseIterable {
    /// The first line starting with `####` (the completion format's answer line; text after it is ignored).
    case hashMarks = "hash_marks"
    /// The last complete `\boxed{…}` (or `\fbox{…}`), nested braces allowed.
    case boxed = "boxed"
    /// The last `Answer: …`, `The answer is …` or `Final answer: …`, to the end of its line.
    case answerPhrase = "answer_phrase"
    /// The last number on the last non-empty line.
    case lastLineNumber = "last_line_number"
}

/// A final answer found in a solution, as written (not normalised).
public struct MathExtractedAnswer: Sendable, Equatable, Codable {
    public let raw: String
    public let rule: MathAnswerRule

    public init(raw: String, rule: MathAnswerRule) {
        self.raw = raw
        self.rule = rule
    }
}

/// Finds the final answer in a free-form solution. Rules in order of precedence: `####` line, last `\boxed{}`,
/// last answer phrase, last number on the last line; nil means `no_answer`. Every rule is one linear scan (boxed
/// braces are matched with a stack in the same pass), so a 100k-character solution is handled in linear time.
public enum MathAnswerExtractor {
    /// The reason code reported when no rule finds an answer.
    public static let noAnswerReason = "no_answer"

    public static func extract(from solution: String) -> MathExtractedAnswer? {
        let bytes = Array(solution.utf8)
        if let answer = hashMarks(bytes) { return MathExtractedAnswer(raw: answer, rule: .hashMarks) }
        if let answer = lastBoxed(bytes) { return MathExtractedAnswer(raw: answer, rule: .boxed) }
        if let answer = answerPhrase(bytes) { return MathExtractedAnswer(raw: answer, rule: .answerPhrase) }
        if let answer = lastLineNumber(bytes) { return MathExtractedAnswer(raw: answer, rule: .lastLineNumber) }
        return nil
    }

    // MARK: Rules

    private static func hashMarks(_ bytes: [UInt8]) -> String? {
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 10 { lineEnd += 1 }
            var index = lineStart
            while index < lineEnd && (bytes[index] == 32 || bytes[index] == 9) { index += 1 }
            if MathNumberLiteral.matches(bytes, at: index, "####") {
                while index < lineEnd && bytes[index] == UInt8(ascii: "#") { index += 1 }
                let value = clean(bytes[index..<lineEnd])
                if !value.isEmpty { return value }
            }
            lineStart = lineEnd + 1
        }
        return nil
    }

    private static func lastBoxed(_ bytes: [UInt8]) -> String? {
        // Stack of open braces: the start of a \boxed argument, or -1 for an ordinary brace.
        var stack: [Int] = []
        var best: Range<Int>?
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\\") {
                var opened = false
                for command in ["\\boxed", "\\fbox"] where MathNumberLiteral.matches(bytes, at: index, command) {
                    var next = index + command.utf8.count
                    while next < bytes.count && bytes[next] == 32 { next += 1 }
                    if next < bytes.count && bytes[next] == UInt8(ascii: "{") {
                        stack.append(next + 1)
                        index = next + 1
                        opened = true
                    }
                    break
                }
                // Skip an escaped character (\{ is not a brace); commands continue as ordinary text.
                if !opened { index += 2 }
                continue
            }
            if byte == UInt8(ascii: "{") {
                stack.append(-1)
            } else if byte == UInt8(ascii: "}"), let start = stack.popLast(), start >= 0 {
                // The outermost box that closes last wins ("last one wins").
                best = start..<index
            }
            index += 1
        }
        guard let range = best else { return nil }
        let value = clean(bytes[range])
        return value.isEmpty ? nil : value
    }

    private static let phrases = ["final answer:", "final answer is", "the answer is", "answer is", "answer:"]

    private static func answerPhrase(_ bytes: [UInt8]) -> String? {
        let lower = bytes.map { $0 >= 65 && $0 <= 90 ? $0 + 32 : $0 }
        var found: String?
        var index = 0
        while index < lower.count {
            var matched = false
            for phrase in phrases where MathNumberLiteral.matches(lower, at: index, phrase) {
                var start = index + phrase.utf8.count
                while start < bytes.count && (bytes[start] == 32 || bytes[start] == UInt8(ascii: ":")) { start += 1 }
                var end = start
                while end < bytes.count && bytes[end] != 10 { end += 1 }
                let value = clean(bytes[start..<end])
                if !value.isEmpty { found = value }
                index = start
                matched = true
                break
            }
            if !matched { index += 1 }
        }
        return found
    }

    private static func lastLineNumber(_ bytes: [UInt8]) -> String? {
        var end = bytes.count
        // Last non-empty line.
        while end > 0 {
            var start = end
            while start > 0 && bytes[start - 1] != 10 { start -= 1 }
            let line = Array(bytes[start..<end])
            if line.contains(where: { $0 != 32 && $0 != 9 && $0 != 13 }) { return lastNumber(in: line) }
            end = start - 1
        }
        return nil
    }

    /// The last `-12`, `1,234.5`, `3/4` in a line.
    static func lastNumber(in line: [UInt8]) -> String? {
        var last: Range<Int>?
        var index = 0
        let isDigit = MathNumberLiteral.isDigit
        while index < line.count {
            guard isDigit(line[index]) else {
                index += 1
                continue
            }
            var start = index
            if start > 0 && line[start - 1] == UInt8(ascii: "-")
                && (start < 2 || !(isDigit(line[start - 2]) || ((line[start - 2] | 0x20) >= 97
                                                                && (line[start - 2] | 0x20) <= 122))) {
                start -= 1
            }
            var end = index
            while end < line.count {
                if isDigit(line[end]) {
                    end += 1
                } else if (line[end] == UInt8(ascii: ",") || line[end] == UInt8(ascii: ".")
                            || line[end] == UInt8(ascii: "/")) && end + 1 < line.count && isDigit(line[end + 1]) {
                    end += 1
                } else {
                    break
                }
            }
            last = start..<end
            index = end
        }
        guard let range = last else { return nil }
        return String(decoding: line[range], as: UTF8.self)
    }

    /// Trims spaces and a trailing sentence period.
    private static func clean(_ slice: ArraySlice<UInt8>) -> String {
        var text = MathText.trim(String(decoding: slice, as: UTF8.self))
        while text.hasSuffix(".") && !text.hasSuffix("...") { text.removeLast() }
        return MathText.trim(text)
    }
}
