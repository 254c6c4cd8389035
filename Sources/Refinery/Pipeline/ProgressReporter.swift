import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Progress of a run on stderr: a live line on a terminal, periodic log lines otherwise.
public final class ProgressReporter: Sendable {
    public enum Mode: Sendable {
        /// A live line when stderr is a terminal, else a log line every `interval` seconds.
        case automatic
        case lines(interval: Double)
        case silent
    }

    struct State {
        var stage = "starting"
        var total = 0
        var done = 0
        var counters: [String: Int] = [:]
        var stageStarted = Date()
        var lastPrint = Date.distantPast
        var liveLineShown = false
    }

    private let state = Mutex(State())
    private let live: Bool
    private let interval: Double
    private let silent: Bool

    public init(mode: Mode) {
        switch mode {
        case .automatic:
            live = isatty(2) == 1
            interval = live ? 0.5 : 10
            silent = false
        case .lines(let seconds):
            live = false
            interval = seconds
            silent = false
        case .silent:
            live = false
            interval = .infinity
            silent = true
        }
    }

    /// Starts a stage with `total` items (0 when unknown).
    public func begin(_ stage: String, total: Int) {
        state.withLock { state in
            state.stage = stage
            state.total = total
            state.done = 0
            state.counters = [:]
            state.stageStarted = Date()
            state.lastPrint = .distantPast
        }
        log("\(stage): \(total) to do")
    }

    /// Marks items done, adds to named counters, and prints when it is time.
    public func advance(by count: Int = 1, counters: [String: Int] = [:]) {
        let line = state.withLock { state -> String? in
            state.done += count
            for (key, value) in counters { state.counters[key, default: 0] += value }
            let now = Date()
            guard now.timeIntervalSince(state.lastPrint) >= interval || state.done == state.total else { return nil }
            state.lastPrint = now
            return Self.render(state, now: now)
        }
        guard let line, !silent else { return }
        if live {
            write("\r\u{1B}[2K" + line)
            state.withLock { $0.liveLineShown = true }
        } else {
            write(line + "\n")
        }
    }

    /// Prints a message on its own line.
    public func log(_ message: String) {
        guard !silent else { return }
        let clear = state.withLock { state -> Bool in
            defer { state.liveLineShown = false }
            return state.liveLineShown
        }
        write((clear ? "\r\u{1B}[2K" : "") + message + "\n")
    }

    /// Ends the live line of the current stage.
    public func end() {
        let shown = state.withLock { state -> Bool in
            defer { state.liveLineShown = false }
            return state.liveLineShown
        }
        if shown && !silent { write("\n") }
    }

    static func render(_ state: State, now: Date) -> String {
        let elapsed = max(now.timeIntervalSince(state.stageStarted), 0.001)
        let rate = Double(state.done) / elapsed
        var text = "\(state.stage): \(state.done)"
        if state.total > 0 { text += "/\(state.total)" }
        text += String(format: " (%.2f/s", rate)
        if state.total > 0 && rate > 0 && state.done < state.total {
            text += ", ETA " + Self.duration(Double(state.total - state.done) / rate)
        }
        text += ")"
        for key in state.counters.keys.sorted() { text += " \(key)=\(state.counters[key] ?? 0)" }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return String(format: "%dh%02dm", total / 3600, total % 3600 / 60) }
        if total >= 60 { return String(format: "%dm%02ds", total / 60, total % 60) }
        return "\(total)s"
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
