import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether terminal output uses ANSI colour, and the few styles the audit uses.
public struct AuditTextStyle: Sendable, Hashable {
    public var color: Bool

    public init(color: Bool) {
        self.color = color
    }

    public static let plain = AuditTextStyle(color: false)

    /// Colour only when standard output is a terminal, `NO_COLOR` is unset or empty (https://no-color.org) and
    /// `TERM` is not `dumb`.
    public static func forStandardOutput(
        environment: [String: String] = ProcessInfo.processInfo.environment
    )
        -> AuditTextStyle
    {
        if let noColor = environment["NO_COLOR"], !noColor.isEmpty { return .plain }
        if environment["TERM"] == "dumb" { return .plain }
        return AuditTextStyle(color: isatty(STDOUT_FILENO) == 1)
    }

    func heading(_ text: String) -> String { wrap(text, "1;36") }
    func bold(_ text: String) -> String { wrap(text, "1") }
    func good(_ text: String) -> String { wrap(text, "32") }
    func bad(_ text: String) -> String { wrap(text, "1;31") }
    func dim(_ text: String) -> String { wrap(text, "2") }
    func bar(_ text: String) -> String { wrap(text, "34") }

    private func wrap(_ text: String, _ code: String) -> String {
        color && !text.isEmpty ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }
}
