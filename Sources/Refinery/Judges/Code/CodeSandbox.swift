import Foundation

/// Runs untrusted Python under real OS isolation (bubblewrap) with resource limits, and judges the outcome.
///
/// Layout of one run: `[setpriv --reuid=65534 …] bwrap <namespaces, binds> -- prlimit <limits> -- python3 -I -B -c
/// HARNESS`. bubblewrap unshares every namespace (user, pid, net, ipc, uts, mount, cgroup), so the program sees no
/// network interface but its own loopback, no other process, a read-only /usr, a minimal /dev and a sized tmpfs at
/// /tmp. When this process is root, setpriv first drops to an unprivileged uid: RLIMIT_NPROC does not bind uid 0,
/// and as another uid it is counted per user namespace, so each sandbox gets its own process budget. The limits are
/// applied by prlimit inside the namespace. On timeout the process group is killed with SIGKILL; bubblewrap's
/// `--die-with-parent` and the pid namespace then take every process of the sandbox with it, daemons included.
///
/// There is no fallback: when bubblewrap is missing or cannot create namespaces, initialisation throws
/// `CodeSandboxError.isolationUnavailable` and nothing runs.
public struct CodeSandbox: Sendable {
    public let configuration: CodeSandboxConfiguration
    let command: CodeSandboxCommand

    /// The uid the sandboxed processes have in the host's view, when it differs from this process's (root runs).
    public var sandboxUserID: UInt32? { command.sandboxUserID }

    /// Finds the tools and checks once per configuration, with a trivial run, that isolation really works here.
    public init(configuration: CodeSandboxConfiguration = CodeSandboxConfiguration()) throws(CodeSandboxError) {
        self.configuration = configuration
        command = try CodeSandboxCommand.resolve(configuration)
        try CodeSandboxProbeCache.shared.check(configuration) { () throws(CodeSandboxError) in
            try Self.probe(self.command)
        }
    }

    private static func probe(_ command: CodeSandboxCommand) throws(CodeSandboxError) {
        let marker = "refinery-sandbox-ok"
        let limits = CodeSandboxLimits(wallSeconds: 10)
        let request = CodeSpawnRequest(
            executable: command.setpriv ?? command.bubblewrap,
            arguments: command.arguments(limits: limits, script: "import socket; print('\(marker)')"),
            environment: CodeSandboxCommand.launchEnvironment, stdin: [], wallSeconds: limits.wallSeconds,
            outputLimitBytes: 1 << 16, keptOutputBytes: 1 << 16, channelLimitBytes: 1 << 10)
        let outcome = try CodeSpawner.run(request)
        let stdout = String(decoding: outcome.stdout, as: UTF8.self)
        guard outcome.status == .exited(0), stdout.contains(marker) else {
            let stderr = String(decoding: outcome.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            var why = "a trial run of \(command.bubblewrap) failed (\(outcome.status))"
            if !stderr.isEmpty { why += ": \(stderr.prefix(400))" }
            if command.setpriv != nil {
                why += "; as root the sandbox runs bubblewrap as uid \(command.sandboxUserID ?? 65534), which needs "
                    + "unprivileged user namespaces (sysctl kernel.unprivileged_userns_clone=1, "
                    + "user.max_user_namespaces > 0; in Docker a seccomp profile that allows unshare/clone)"
            }
            throw .isolationUnavailable(why)
        }
    }

    /// Runs `program` with `limits` and returns the outcome. Blocks the calling thread for up to the wall limit
    /// (plus start-up); use `CodeSandboxPool` from async code.
    public func run(_ program: CodeProgram, limits: CodeSandboxLimits = CodeSandboxLimits(),
                    minimumAssertions: Int = 3) throws(CodeSandboxError) -> CodeRunResult {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<4).map { _ in String(generator.next() as UInt64, radix: 16) }.joined()
        let payload: [String: Any] = ["nonce": nonce, "source": program.source, "min_tests": minimumAssertions]
        guard let stdin = try? JSONSerialization.data(withJSONObject: payload) else {
            throw .launchFailed("could not encode the program as JSON")
        }
        let request = CodeSpawnRequest(
            executable: command.setpriv ?? command.bubblewrap,
            arguments: command.arguments(limits: limits, script: CodeSandboxHarness.source),
            environment: CodeSandboxCommand.launchEnvironment, stdin: Array(stdin),
            wallSeconds: limits.wallSeconds, outputLimitBytes: limits.outputBytes,
            keptOutputBytes: limits.keptOutputBytes, channelLimitBytes: 1 << 20)
        let outcome = try CodeSpawner.run(request)
        let records = CodeHarnessRecord.parse(outcome.channel, nonce: nonce)
        if records.isEmpty, outcome.stderr.starts(with: Array("bwrap:".utf8)) {
            throw .launchFailed(String(decoding: outcome.stderr.prefix(400), as: UTF8.self))
        }
        return CodeRunInterpreter(program: program, limits: limits, minimumAssertions: minimumAssertions,
                                  outcome: outcome, records: records).result()
    }
}

/// Remembers, per configuration, that a probe succeeded, so that only the first sandbox pays for it.
final class CodeSandboxProbeCache: @unchecked Sendable {
    static let shared = CodeSandboxProbeCache()
    private let lock = NSLock()
    private var passed: Set<CodeSandboxConfiguration> = []

    func check(_ configuration: CodeSandboxConfiguration,
               probe: () throws(CodeSandboxError) -> Void) throws(CodeSandboxError) {
        lock.lock()
        let known = passed.contains(configuration)
        lock.unlock()
        if known { return }
        try probe()
        lock.lock()
        passed.insert(configuration)
        lock.unlock()
    }
}

/// One JSON line the harness wrote to fd 3.
struct CodeHarnessRecord: Decodable, Sendable, Equatable {
    var ev: String
    var nonce: String
    var pid: Int
    var status: String?
    var line: Int?
    var text: String?
    var tests: Int?
    var vacuous: Int?
    var examples: [String]?
    var assertion: String?
    var got: String?
    var message: String?
    var ran: Int?
    var exception: String?
    var statement: String?
    var errorLine: Int?
    var errorText: String?
    var function: String?
    /// Peak resident set (KiB) and CPU seconds of the interpreter and the children it waited for, so far.
    var rss: Int?
    var cpu: Double?

    enum CodingKeys: String, CodingKey {
        case ev, nonce, pid, status, line, text, tests, vacuous, examples, assertion, got, message, ran, exception
        case statement, function, rss, cpu
        case errorLine = "error_line"
        case errorText = "error_text"
    }

    /// The records of the harness itself: right nonce, and the pid of the first (`ready`) record. Lines a forked
    /// child or the program wrote are dropped.
    static func parse(_ channel: [UInt8], nonce: String) -> [CodeHarnessRecord] {
        let decoder = JSONDecoder()
        var records: [CodeHarnessRecord] = []
        var harnessPID: Int?
        for line in channel.split(separator: 0x0A) {
            guard let record = try? decoder.decode(CodeHarnessRecord.self, from: Data(line)),
                  record.nonce == nonce else { continue }
            if harnessPID == nil, record.ev == "ready" { harnessPID = record.pid }
            guard record.pid == harnessPID else { continue }
            records.append(record)
        }
        return records
    }
}
