/// A Python program for the sandbox: the source it runs and, when known, where the tests begin, so that failures
/// can name "solution line 3" or "tests line 2" instead of a line of the concatenation.
public struct CodeProgram: Sendable, Equatable {
    /// The exact text the sandbox runs.
    public var source: String
    /// 1-based line of `source` where the tests block starts; nil when the split is unknown (a plain file).
    public var testsStartLine: Int?

    /// A whole program whose solution/tests split is unknown (e.g. `refinery judge code-tests FILE.py`).
    public init(source: String) {
        self.source = Self.normalizedNewlines(source)
        testsStartLine = nil
    }

    /// `solution + "\n\n" + tests`, the contract of Prompts/README.md.
    public init(solution: String, tests: String) {
        let solution = Self.normalizedNewlines(solution)
        source = solution + "\n\n" + Self.normalizedNewlines(tests)
        testsStartLine = solution.utf8.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) } + 3
    }

    /// Names a line of `source` relative to the part that holds it.
    public func describeLine(_ line: Int) -> String {
        guard let start = testsStartLine else { return "line \(line)" }
        if line >= start { return "tests line \(line - start + 1)" }
        return "solution line \(line)"
    }

    private static func normalizedNewlines(_ text: String) -> String {
        guard text.utf8.contains(0x0D) else { return text }
        var result = ""
        result.reserveCapacity(text.utf8.count)
        var previousWasCR = false
        for scalar in text.unicodeScalars {
            if scalar == "\r" {
                result.unicodeScalars.append("\n")
                previousWasCR = true
                continue
            }
            if !(scalar == "\n" && previousWasCR) { result.unicodeScalars.append(scalar) }
            previousWasCR = false
        }
        return result
    }
}
