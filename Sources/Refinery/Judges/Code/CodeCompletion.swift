import Foundation

/// Why a model completion could not be split into task, solution and tests (Prompts/README.md, "Code completion").
public struct CodeCompletionParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Machine-readable reason code, stable across versions (stored in the ledger).
    public enum Reason: String, Sendable, Equatable, CaseIterable {
        case emptyCompletion = "empty_completion"
        case missingTask = "missing_task"
        case missingSolution = "missing_solution"
        case missingTests = "missing_tests"
        case unclosedBlock = "unclosed_block"
        case wrongLanguage = "wrong_language"
        case emptySolution = "empty_solution"
        case emptyTests = "empty_tests"
        case noFunction = "no_function"
    }

    public var reason: Reason
    /// Human-readable explanation, including the completion line where relevant.
    public var detail: String

    public init(_ reason: Reason, _ detail: String) {
        self.reason = reason
        self.detail = detail
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}

/// A code completion split into its parts: the task paragraph, the solution block and the tests block.
public struct CodeCompletion: Sendable, Equatable {
    public var task: String
    public var solution: String
    public var tests: String
    /// The function (or class) the tests exercise: the first solution definition the tests call, else the first
    /// one the task names, else the first one defined.
    public var entryFunction: String?
    /// Top-level `def`/`class` names of the solution.
    public var definitions: [String]
    /// Number of `assert` statements in the tests block (comments and strings ignored).
    public var assertionCount: Int

    /// What the sandbox runs: `solution + "\n\n" + tests`.
    public var program: CodeProgram { CodeProgram(solution: solution, tests: tests) }

    /// Parses a completion of `code/generate.mustache` or `evolve/code.mustache`. Labels (`Solution:`, `Tests:`)
    /// are used when present but not required; fences may omit the language; text after the tests block is ignored.
    public static func parse(_ text: String) throws(CodeCompletionParseError) -> CodeCompletion {
        let lines = CodeFencedBlock.lines(of: text)
        guard lines.contains(where: { !$0.trimmingSpaces.isEmpty }) else {
            throw CodeCompletionParseError(.emptyCompletion, "the completion is empty")
        }
        let blocks = CodeFencedBlock.scan(lines)
        let solutionLabel = lines.firstIndex { CodeFencedBlock.isLabel($0, "solution") }
        let solutionIndex: Int
        if let label = solutionLabel, let index = blocks.firstIndex(where: { $0.openLine > label }) {
            solutionIndex = index
        } else if solutionLabel == nil, !blocks.isEmpty {
            solutionIndex = 0
        } else {
            throw CodeCompletionParseError(.missingSolution, "no fenced code block for the solution")
        }
        let solutionBlock = blocks[solutionIndex]
        try solutionBlock.validate(part: "solution")

        let taskEnd = solutionLabel ?? solutionBlock.openLine
        let task = lines[0..<taskEnd].joined(separator: "\n").trimmingSpaces
        guard !task.isEmpty else {
            throw CodeCompletionParseError(.missingTask, "no task text before the solution")
        }
        let solution = solutionBlock.code
        guard !solution.trimmingSpaces.isEmpty else {
            throw CodeCompletionParseError(
                .emptySolution, "the solution block (line \(solutionBlock.openLine + 1)) is empty")
        }

        let afterSolution = blocks[(solutionIndex + 1)...]
        let closeLine = solutionBlock.closeLine ?? lines.count
        let testsLabel = lines.indices.first { $0 > closeLine && CodeFencedBlock.isLabel(lines[$0], "tests") }
        let testsBlock: CodeFencedBlock
        if let label = testsLabel, let block = afterSolution.first(where: { $0.openLine > label }) {
            testsBlock = block
        } else if testsLabel == nil, let block = afterSolution.first {
            testsBlock = block
        } else {
            throw CodeCompletionParseError(.missingTests, "no fenced tests block after the solution")
        }
        try testsBlock.validate(part: "tests")
        let tests = testsBlock.code
        guard !tests.trimmingSpaces.isEmpty else {
            throw CodeCompletionParseError(.emptyTests, "the tests block (line \(testsBlock.openLine + 1)) is empty")
        }

        let solutionScan = CodePythonScanner(solution)
        let definitions = solutionScan.topLevelDefinitions
        guard !definitions.isEmpty else {
            throw CodeCompletionParseError(.noFunction, "the solution defines no top-level function or class")
        }
        let testsScan = CodePythonScanner(tests)
        return CodeCompletion(
            task: task,
            solution: solution,
            tests: tests,
            entryFunction: entryFunction(definitions: definitions, testCalls: testsScan.calledNames, task: task),
            definitions: definitions,
            assertionCount: testsScan.assertionCount
        )
    }

    static func entryFunction(definitions: [String], testCalls: [String], task: String) -> String? {
        if let called = testCalls.first(where: { definitions.contains($0) }) { return called }
        let taskWords = Set(CodePythonScanner(task).tokens.filter { $0.kind == .name }.map(\.text))
        if let named = definitions.first(where: { taskWords.contains($0) }) { return named }
        return definitions.first
    }
}

/// The completion of `code/solve.mustache` or `repair/code.mustache`: a single fenced solution block.
public struct CodeSolutionBlock: Sendable, Equatable {
    public var code: String
    /// Top-level `def`/`class` names.
    public var definitions: [String]

    /// Parses the first fenced block. Unfenced code is accepted only when the text starts like Python code
    /// (`def`, `class`, `import`, `from`, `async def` or a decorator).
    public static func parse(_ text: String) throws(CodeCompletionParseError) -> CodeSolutionBlock {
        let lines = CodeFencedBlock.lines(of: text)
        guard lines.contains(where: { !$0.trimmingSpaces.isEmpty }) else {
            throw CodeCompletionParseError(.emptyCompletion, "the completion is empty")
        }
        let code: String
        if let block = CodeFencedBlock.scan(lines).first {
            try block.validate(part: "solution")
            code = block.code
        } else {
            let trimmed = text.trimmingSpaces
            let starts = ["def ", "class ", "import ", "from ", "async def ", "@"]
            guard starts.contains(where: { trimmed.hasPrefix($0) }) else {
                throw CodeCompletionParseError(.missingSolution, "no fenced code block for the solution")
            }
            code = lines.joined(separator: "\n").trimmingSpaces
        }
        guard !code.trimmingSpaces.isEmpty else {
            throw CodeCompletionParseError(.emptySolution, "the solution block is empty")
        }
        let definitions = CodePythonScanner(code).topLevelDefinitions
        guard !definitions.isEmpty else {
            throw CodeCompletionParseError(.noFunction, "the solution defines no top-level function or class")
        }
        return CodeSolutionBlock(code: code, definitions: definitions)
    }
}

/// A fenced block found in a completion: its opening line, language tag, code and closing line (0-based lines).
struct CodeFencedBlock: Sendable, Equatable {
    var openLine: Int
    var language: String
    var codeLines: [String]
    var closeLine: Int?

    var code: String { codeLines.joined(separator: "\n").trimmingTrailingNewlines }

    static let pythonLanguages: Set<String> = ["", "python", "py", "python3", "py3"]

    /// Lines of `text` with `\r\n` and `\r` normalised to `\n`.
    static func lines(of text: String) -> [String] {
        let normalized = text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return normalized.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    }

    static func scan(_ lines: [String]) -> [CodeFencedBlock] {
        var blocks: [CodeFencedBlock] = []
        var index = 0
        while index < lines.count {
            let trimmed = lines[index].trimmingSpaces
            guard trimmed.hasPrefix("```") else {
                index += 1
                continue
            }
            let language = String(trimmed.dropFirst(3)).trimmingSpaces.lowercased()
            var block = CodeFencedBlock(openLine: index, language: language, codeLines: [], closeLine: nil)
            index += 1
            while index < lines.count {
                if lines[index].trimmingSpaces == "```" {
                    block.closeLine = index
                    index += 1
                    break
                }
                block.codeLines.append(lines[index])
                index += 1
            }
            blocks.append(block)
        }
        return blocks
    }

    /// Whether `line` is a label such as `Solution:`, `**Tests:**` or `### Tests` (case-insensitive).
    static func isLabel(_ line: String, _ word: String) -> Bool {
        var text = line.trimmingSpaces.lowercased()
        text = String(text.drop { $0 == "#" || $0 == "*" || $0 == " " })
        while let last = text.last, last == "*" || last == " " { text.removeLast() }
        if text.hasSuffix(":") { text.removeLast() }
        while let last = text.last, last == "*" || last == " " { text.removeLast() }
        return text == word
    }

    func validate(part: String) throws(CodeCompletionParseError) {
        guard Self.pythonLanguages.contains(language) else {
            throw CodeCompletionParseError(
                .wrongLanguage, "the \(part) block (line \(openLine + 1)) is tagged '\(language)', not python")
        }
        guard closeLine != nil else {
            throw CodeCompletionParseError(
                .unclosedBlock, "the \(part) block opened at line \(openLine + 1) is never closed")
        }
    }
}

extension String {
    /// The string without leading and trailing whitespace and newlines.
    fileprivate var trimmingSpaces: String { trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The string without trailing blank lines (trailing spaces on the last line are kept).
    fileprivate var trimmingTrailingNewlines: String {
        var lines = split(separator: "\n", omittingEmptySubsequences: false)
        while let last = lines.last, last.allSatisfy({ $0 == " " || $0 == "\t" }) { lines.removeLast() }
        return lines.joined(separator: "\n")
    }
}
