import Foundation
import XCTest
@testable import Refinery

/// Shared helpers of the code-judge tests.
enum CodeTestSupport {
    /// A sandbox, or a skip when real isolation is genuinely unavailable on this machine (no bubblewrap, or it
    /// cannot create namespaces). CI installs it: `apt-get install -y bubblewrap python3`.
    static func sandbox(_ configuration: CodeSandboxConfiguration = CodeSandboxConfiguration()) throws -> CodeSandbox {
        let result = Result { () throws(CodeSandboxError) -> CodeSandbox in
            try CodeSandbox(configuration: configuration)
        }
        switch result {
        case .success(let sandbox):
            return sandbox
        case .failure(.isolationUnavailable(let why)):
            throw XCTSkip("code sandbox unavailable here, so sandboxed runs are skipped (\(why)); "
                + "CI should run `apt-get install -y bubblewrap python3`")
        case .failure(let error):
            throw error
        }
    }

    /// A fresh host directory for canaries, removed by the caller.
    static func temporaryDirectory(_ label: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("refinery-code-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A host process as seen in /proc.
    struct HostProcess: CustomStringConvertible {
        var pid: Int32
        var uid: UInt32
        var state: String
        var commandLine: String
        var description: String { "pid \(pid) uid \(uid) state \(state): \(commandLine.prefix(120))" }
    }

    /// Every process in the host's /proc (zombies included; callers usually filter them out: they are dead and
    /// only wait to be reaped by their new parent).
    static func hostProcesses() -> [HostProcess] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        var processes: [HostProcess] = []
        for entry in entries {
            guard let pid = Int32(entry),
                  let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { continue }
            var uid: UInt32 = 0
            var state = "?"
            for line in status.split(separator: "\n") {
                if line.hasPrefix("Uid:") {
                    uid = line.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first
                        .flatMap { UInt32($0) } ?? 0
                }
                if line.hasPrefix("State:") {
                    state = line.dropFirst(6).trimmingCharacters(in: .whitespaces).prefix(1).description
                }
            }
            let raw = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") ?? Data()
            let commandLine = String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
            processes.append(HostProcess(pid: pid, uid: uid, state: state, commandLine: commandLine))
        }
        return processes
    }

    /// Live (non-zombie) processes matching `predicate`, waiting up to `grace` seconds for them to disappear.
    static func lingering(grace: Double = 2, _ predicate: (HostProcess) -> Bool) -> [HostProcess] {
        let deadline = Date().addingTimeInterval(grace)
        while true {
            let found = hostProcesses().filter { $0.state != "Z" && $0.pid != getpid() && predicate($0) }
            if found.isEmpty || Date() >= deadline { return found }
            usleep(50_000)
        }
    }
}
