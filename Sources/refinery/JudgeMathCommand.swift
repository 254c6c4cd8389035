import ArgumentParser
import Foundation
import Refinery

/// `refinery judge math-answer --given G --expected E`: compares two answers with the math judge's equivalence rules
/// and prints `{"equivalent": Bool, "reason": "<code>", "detail": "<message>"}` on stdout. Exits 0 whether or not the
/// answers match; 1 for usage errors (a missing `--given` or `--expected`).
struct JudgeMathAnswerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "math-answer",
        abstract: "Decide whether two math answers are equivalent (exact rational arithmetic); prints JSON.",
        discussion: """
            Reason codes: equal_rational, equal_percent, equal_expression, equal_irrational, equal_tuple, \
            equal_interval, equal_set, equal_boolean, equal_infinity, equal_text, equal_rounded, \
            equal_within_tolerance, different_value, rounded_not_exact, different_expression, different_order, \
            different_elements, different_structure, different_type, different_boolean, different_text, \
            unparseable_given, unparseable_expected, too_complex.
            """
    )

    // `.unconditional` so that negative answers such as `--given -5` are read as values, not options.
    @Option(name: .long, parsing: .unconditional, help: "The answer to judge.")
    var given: String?

    @Option(name: .long, parsing: .unconditional, help: "The reference answer.")
    var expected: String?

    @Flag(name: .long, help: "Accept a decimal that is the other value rounded to its digits (0.33 for 1/3).")
    var acceptRounded = false

    @Option(name: .long, parsing: .unconditional,
            help: "Accept numbers within this relative difference (default: exact).")
    var tolerance: Double?

    mutating func run() throws {
        guard let given, let expected else {
            let missing = [given == nil ? "--given" : nil, expected == nil ? "--expected" : nil].compactMap { $0 }
            FileHandle.standardError.write(Data((
                "error: missing \(missing.joined(separator: " and "))\n"
                + "usage: refinery judge math-answer --given G --expected E [--accept-rounded] [--tolerance T]\n"
            ).utf8))
            throw ExitCode(1)
        }
        if let tolerance, !(tolerance >= 0 && tolerance.isFinite) {
            FileHandle.standardError.write(Data("error: --tolerance must be a finite number >= 0\n".utf8))
            throw ExitCode(1)
        }
        let options = MathEquivalenceOptions(acceptRoundedDecimals: acceptRounded, relativeTolerance: tolerance)
        let result = MathAnswerEquivalence.compare(given: given, expected: expected, options: options)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(result)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
