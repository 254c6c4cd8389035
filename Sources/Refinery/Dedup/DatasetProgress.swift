import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of long dataset passes on stderr: on a terminal one line redrawn in place with the rate and, when the
/// total is known, the ETA; otherwise (logs, CI) one plain line every `logInterval` seconds.
public final class DatasetProgress {
    public let label: String
    private let isTerminal: Bool
    private let logInterval: Double
    private let output: FileHandle
    private let enabled: Bool
    private var phase = ""
    private var phaseStart = Date()
    private var lastDraw = Date.distantPast
    private var drewLine = false

    /// - Parameter enabled: false silences it (library callers and tests).
    public init(label: String, enabled: Bool = true, logInterval: Double = 10, output: FileHandle = .standardError) {
        self.label = label
        self.enabled = enabled
        self.logInterval = logInterval
        self.output = output
        isTerminal = isatty(output.fileDescriptor) != 0
    }

    /// A reporter that prints nothing.
    public static var silent: DatasetProgress { DatasetProgress(label: "", enabled: false) }

    /// Starts a named phase ("reading", "clustering", "writing").
    public func begin(_ phase: String) {
        endLine()
        self.phase = phase
        phaseStart = Date()
        lastDraw = Date()
    }

    /// Reports `done` units (records) and optionally bytes out of a known total.
    public func update(records: Int, bytes: Int? = nil, totalBytes: Int? = nil) {
        guard enabled else { return }
        let now = Date()
        let interval = isTerminal ? 0.2 : logInterval
        guard now.timeIntervalSince(lastDraw) >= interval else { return }
        lastDraw = now
        let elapsed = max(now.timeIntervalSince(phaseStart), 1e-9)
        var text = "\(label): \(phase) \(records) records, \(Int(Double(records) / elapsed)) records/s"
        if let bytes {
            text += String(format: ", %.1f MB/s", Double(bytes) / elapsed / 1e6)
            if let totalBytes, totalBytes > 0, bytes > 0 {
                let remaining = Double(max(0, totalBytes - bytes)) / (Double(bytes) / elapsed)
                text += String(format: ", %.0f%%, ETA %@", 100 * Double(bytes) / Double(totalBytes),
                               Self.clock(remaining))
            }
        }
        if isTerminal {
            write("\r\u{1B}[K" + text)
            drewLine = true
        } else {
            write(text + "\n")
        }
    }

    /// Prints a final line for the phase or the run.
    public func log(_ message: String) {
        guard enabled else { return }
        endLine()
        write("\(label): \(message)\n")
    }

    private func endLine() {
        if drewLine {
            write("\n")
            drewLine = false
        }
    }

    private func write(_ text: String) {
        output.write(Data(text.utf8))
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
