/// Why a math completion or solution could not be split into its parts. `code` is a stable reason code; `message`
/// reads as the end of "The solution below has an error: …" in the repair prompt.
public struct MathParseError: Error, Sendable, Equatable {
    public enum Code: String, Sendable, Codable, CaseIterable {
        case emptyInput = "empty_input"
        case inputTooLong = "input_too_long"
        /// No line starting with `Solution:` (math completions only).
        case missingSolutionMarker = "missing_solution_marker"
        case emptyProblem = "empty_problem"
        /// No step lines before the answer line.
        case emptySolution = "empty_solution"
        /// No line starting with `####`.
        case missingAnswer = "missing_answer"
        /// `####` with nothing after it.
        case emptyAnswer = "empty_answer"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}

/// A *math solution* (Prompts/README.md): step lines, then `#### answer`; anything after the answer line is ignored.
public struct MathSolution: Sendable, Equatable {
    /// Non-empty step lines, trimmed, in order.
    public let steps: [String]
    /// The final answer as written after `####`, trimmed.
    public let answer: String
    /// Text after the answer line (ignored by the judge, kept for diagnostics).
    public let trailingText: String

    /// The step lines joined with newlines: the text whose annotations are checked.
    public var stepsText: String { steps.joined(separator: "\n") }

    /// The solution in canonical form: steps, then `#### answer`.
    public var canonicalText: String { stepsText + "\n#### " + answer }

    /// Parses a bare solution, as written for `math/solve` and `repair/math` prompts. A leading `Solution:` line is
    /// tolerated.
    public static func parse(_ text: String, limits: MathLimits = .default) throws(MathParseError) -> MathSolution {
        guard text.utf8.count <= limits.maxSolutionLength else {
            throw MathParseError(.inputTooLong, "the solution is too long (\(text.utf8.count) bytes)")
        }
        var lines = MathSolution.lines(of: text)
        if let first = lines.first(where: { !$0.isEmpty }), first.lowercased() == "solution:" {
            lines.removeFirst(lines.firstIndex(of: first).map { $0 + 1 } ?? 0)
        }
        return try parse(lines: lines[...])
    }

    static func parse(lines: ArraySlice<String>) throws(MathParseError) -> MathSolution {
        guard lines.contains(where: { !$0.isEmpty }) else {
            throw MathParseError(.emptyInput, "the solution is empty")
        }
        guard let answerIndex = lines.firstIndex(where: { $0.hasPrefix("####") }) else {
            throw MathParseError(.missingAnswer, "the solution has no final answer line \"#### <answer>\"")
        }
        let answer = MathText.trim(lines[answerIndex].drop { $0 == "#" })
        guard !answer.isEmpty else {
            throw MathParseError(.emptyAnswer, "the final answer line \"####\" is empty")
        }
        let steps = lines[lines.startIndex..<answerIndex].filter { !$0.isEmpty }
        guard !steps.isEmpty else {
            throw MathParseError(.emptySolution, "the solution has no steps before the final answer")
        }
        let trailing = lines[(answerIndex + 1)...].joined(separator: "\n")
        return MathSolution(steps: Array(steps), answer: answer, trailingText: MathText.trim(trailing))
    }

    /// Lines with `\r\n` and `\r` treated as `\n`, each trimmed.
    static func lines(of text: String) -> [String] {
        var lines: [String] = []
        var current: [UInt8] = []
        var previousWasCR = false
        for byte in text.utf8 {
            if byte == 10 && previousWasCR {
                previousWasCR = false
                continue
            }
            previousWasCR = byte == 13
            if byte == 10 || byte == 13 {
                lines.append(MathText.trim(String(decoding: current, as: UTF8.self)))
                current.removeAll(keepingCapacity: true)
            } else {
                current.append(byte)
            }
        }
        lines.append(MathText.trim(String(decoding: current, as: UTF8.self)))
        return lines
    }
}

/// A *math completion* (Prompts/README.md): a problem paragraph, a `Solution:` line, step lines, `#### answer`.
public struct MathCompletion: Sendable, Equatable {
    public let problem: String
    public let solution: MathSolution

    /// Splits a completion. Tolerates surrounding whitespace, `\r\n`, a leading `Problem:` label, steps on the
    /// `Solution:` line itself, and any text after the answer line (ignored).
    public static func parse(_ text: String, limits: MathLimits = .default) throws(MathParseError) -> MathCompletion {
        guard text.utf8.count <= limits.maxSolutionLength else {
            throw MathParseError(.inputTooLong, "the completion is too long (\(text.utf8.count) bytes)")
        }
        let lines = MathSolution.lines(of: text)
        guard lines.contains(where: { !$0.isEmpty }) else {
            throw MathParseError(.emptyInput, "the completion is empty")
        }
        guard let markerIndex = lines.firstIndex(where: { $0.lowercased().hasPrefix("solution:") }) else {
            throw MathParseError(.missingSolutionMarker, "the completion has no \"Solution:\" line after the problem")
        }
        var problemLines = lines[..<markerIndex].filter { !$0.isEmpty }
        if let first = problemLines.first {
            for label in ["harder problem:", "problem:"] where first.lowercased().hasPrefix(label) {
                let rest = MathText.trim(first.dropFirst(label.count))
                if rest.isEmpty { problemLines.removeFirst() } else { problemLines[0] = rest }
                break
            }
        }
        let problem = problemLines.joined(separator: "\n")
        guard !problem.isEmpty else {
            throw MathParseError(.emptyProblem, "the completion has no problem text before \"Solution:\"")
        }
        var body = Array(lines[(markerIndex + 1)...])
        let sameLine = MathText.trim(lines[markerIndex].dropFirst("solution:".count))
        if !sameLine.isEmpty { body.insert(sameLine, at: 0) }
        let solution = try MathSolution.parse(lines: body[...])
        return MathCompletion(problem: problem, solution: solution)
    }
}
