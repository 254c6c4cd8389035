// The only file of the code judge that talks to the C library directly: posix_spawn, socket pairs, poll, kill and
// wait4/waitpid. Everything above it works with the plain values below.
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// What to launch and how to watch it.
struct CodeSpawnRequest: Sendable {
    /// Absolute path of the program to execute.
    var executable: String
    /// argv, including argv[0].
    var arguments: [String]
    /// The complete environment of the launched process (nothing is inherited).
    var environment: [String]
    /// Bytes written to the child's stdin, which is then closed.
    var stdin: [UInt8]
    /// Wall-clock limit; at the deadline the process group is killed with SIGKILL.
    var wallSeconds: Double
    /// Once stdout and stderr together exceed this many bytes, the process group is killed.
    var outputLimitBytes: Int
    /// Bytes kept of each of stdout and stderr.
    var keptOutputBytes: Int
    /// Once the result channel (fd 3) exceeds this many bytes, the process group is killed.
    var channelLimitBytes: Int
}

/// What happened to a launched process.
struct CodeSpawnOutcome: Sendable {
    var stdout: [UInt8] = []
    var stderr: [UInt8] = []
    var stdoutTotal = 0
    var stderrTotal = 0
    /// Everything read from fd 3 (up to the channel limit).
    var channel: [UInt8] = []
    var killedAtDeadline = false
    var killedForOutput = false
    var status = CodeExitStatus.exited(0)
    var wallSeconds = 0.0
}

enum CodeSpawner {
    private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>?, Int32) -> Int32

    /// glibc ≥ 2.34 offers posix_spawn_file_actions_addclosefrom_np, which Swift's Glibc module does not export;
    /// looked up once so that no descriptor of this process (a database, a socket) leaks into the sandbox.
    private static let addCloseFrom: AddCloseFrom? = {
        guard let handle = dlopen(nil, RTLD_NOW),
              let symbol = dlsym(handle, "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: AddCloseFrom.self)
    }()

    /// Launches the request in a new process group with stdin, stdout, stderr and fd 3 connected to this process,
    /// enforces the wall and output limits, and reaps it. Blocks the calling thread.
    static func run(_ request: CodeSpawnRequest) throws(CodeSandboxError) -> CodeSpawnOutcome {
        var pairs: [(parent: Int32, child: Int32)] = []
        defer { for pair in pairs { close(pair.parent) } }
        for _ in 0..<4 {
            var fds: [Int32] = [-1, -1]
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            guard socketpair(AF_UNIX, type, 0, &fds) == 0 else {
                let error = errno
                for pair in pairs { close(pair.child) }
                throw .launchFailed("socketpair: \(String(cString: strerror(error)))")
            }
            pairs.append((parent: fds[0], child: raisedDescriptor(fds[1])))
        }
        let pid: pid_t
        do {
            defer { for pair in pairs { close(pair.child) } }
            pid = try CodeSpawnRegistry.shared.register { () throws(CodeSandboxError) -> pid_t in
                try spawn(request, childDescriptors: pairs.map(\.child))
            }
        }
        defer {
            CodeSpawnRegistry.shared.unregister(pid)
            CodeSpawnRegistry.shared.reapOrphanedBubblewraps()
        }
        let start = ContinuousClock.now
        for pair in pairs { _ = fcntl(pair.parent, F_SETFL, fcntl(pair.parent, F_GETFL) | O_NONBLOCK) }
        var outcome = CodeSpawnOutcome()
        watch(pid: pid, request: request, stdin: pairs[0].parent,
              readers: [pairs[1].parent, pairs[2].parent, pairs[3].parent], start: start, outcome: &outcome)
        let elapsed = ContinuousClock.now - start
        outcome.wallSeconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return outcome
    }

    /// Moves a descriptor to 10 or above so that dup2 onto 0…3 in the child never meets itself.
    private static func raisedDescriptor(_ fd: Int32) -> Int32 {
        guard fd < 10 else { return fd }
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, 10)
        guard moved >= 0 else { return fd }
        close(fd)
        return moved
    }

    private static func spawn(_ request: CodeSpawnRequest,
                              childDescriptors: [Int32]) throws(CodeSandboxError) -> pid_t {
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        for (target, fd) in childDescriptors.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, fd, Int32(target))
        }
        if let addCloseFrom { _ = addCloseFrom(&actions, Int32(childDescriptors.count)) }

        var noSignals = sigset_t()
        var allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setsigdefault(&attributes, &allSignals)
        posix_spawnattr_setpgroup(&attributes, 0)
        let flags = POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF
        posix_spawnattr_setflags(&attributes, Int16(flags))

        let argv = request.arguments.map { strdup($0) } + [nil]
        let envp = request.environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, request.executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw .launchFailed("\(request.executable): \(String(cString: strerror(result)))")
        }
        return pid
    }

    /// Feeds stdin, drains the readers, and enforces the limits until the process is reaped.
    private static func watch(pid: pid_t, request: CodeSpawnRequest, stdin: Int32, readers: [Int32],
                              start: ContinuousClock.Instant, outcome: inout CodeSpawnOutcome) {
        let deadline = start + .milliseconds(Int64((request.wallSeconds * 1000).rounded(.up)))
        var open = Set(readers)
        var writing = !request.stdin.isEmpty
        var written = 0
        if !writing { shutdown(stdin, Int32(SHUT_WR)) }
        var killed = false
        var reaped = false
        var reapedAt = start
        var buffer = [UInt8](repeating: 0, count: 65536)

        func killGroup() {
            guard !killed else { return }
            killed = true
            kill(-pid, SIGKILL)
            kill(pid, SIGKILL)
        }

        func tryReap(blocking: Bool) {
            guard !reaped else { return }
            // wait4's rusage is not used: bubblewrap never reaps its pid-namespace init, so the interpreter's
            // usage never reaches it, and ru_maxrss starts from this process's size (posix_spawn shares our
            // memory until exec). The harness measures the interpreter itself.
            var status: Int32 = 0
            let result = wait4(pid, &status, blocking ? 0 : WNOHANG, nil)
            if result < 0 && errno == ECHILD {
                // Someone else reaped it (SIGCHLD ignored, or a waitpid(-1) elsewhere): the status is lost.
                reaped = true
                reapedAt = .now
                outcome.status = .exited(-1)
                return
            }
            guard result == pid else { return }
            reaped = true
            reapedAt = .now
            let signal = status & 0x7F
            outcome.status = signal == 0 ? .exited((status >> 8) & 0xFF) : .signaled(signal)
        }

        while !open.isEmpty || writing {
            let now = ContinuousClock.now
            if now >= deadline && !reaped {
                if !killed { outcome.killedAtDeadline = true }
                killGroup()
                break
            }
            if reaped && now - reapedAt > .milliseconds(200) { break }
            var polled = open.sorted().map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if writing { polled.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            let remaining = deadline - now
            let waitMilliseconds = min(200, max(1, Int32(remaining.components.seconds * 1000
                + remaining.components.attoseconds / 1_000_000_000_000_000)))
            let ready = poll(&polled, nfds_t(polled.count), reaped ? 10 : waitMilliseconds)
            if ready < 0 && errno != EINTR { break }
            for entry in polled where entry.revents != 0 {
                if entry.fd == stdin && writing {
                    let count = request.stdin.withUnsafeBytes { bytes -> Int in
                        guard let base = bytes.baseAddress else { return 0 }
                        return send(stdin, base + written, min(65536, bytes.count - written), Int32(MSG_NOSIGNAL))
                    }
                    if count > 0 { written += count }
                    if (count < 0 && errno != EAGAIN && errno != EINTR) || written >= request.stdin.count {
                        writing = false
                        shutdown(stdin, Int32(SHUT_WR))
                    }
                    continue
                }
                let count = read(entry.fd, &buffer, buffer.count)
                if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) {
                    open.remove(entry.fd)
                    continue
                }
                guard count > 0 else { continue }
                append(buffer[0..<count], from: entry.fd, readers: readers, request: request, outcome: &outcome)
                if outcome.stdoutTotal + outcome.stderrTotal > request.outputLimitBytes
                    || outcome.channel.count > request.channelLimitBytes {
                    if !killed { outcome.killedForOutput = true }
                    killGroup()
                    open.removeAll()
                    writing = false
                }
            }
            if ready == 0 || open.isEmpty { tryReap(blocking: false) }
        }
        // The pipes are closed (or the deadline passed): wait for the exit, still honouring the deadline.
        while !reaped {
            tryReap(blocking: killed)
            if reaped { break }
            if ContinuousClock.now >= deadline {
                if !killed { outcome.killedAtDeadline = true }
                killGroup()
            } else {
                usleep(2000)
            }
        }
    }

    private static func append(_ bytes: ArraySlice<UInt8>, from fd: Int32, readers: [Int32],
                               request: CodeSpawnRequest, outcome: inout CodeSpawnOutcome) {
        switch fd {
        case readers[0]:
            outcome.stdoutTotal += bytes.count
            let room = max(0, request.keptOutputBytes - outcome.stdout.count)
            outcome.stdout += bytes.prefix(room)
        case readers[1]:
            outcome.stderrTotal += bytes.count
            let room = max(0, request.keptOutputBytes - outcome.stderr.count)
            outcome.stderr += bytes.prefix(room)
        default:
            let room = max(0, request.channelLimitBytes + 1 - outcome.channel.count)
            outcome.channel += bytes.prefix(room)
        }
    }
}

/// The runs in flight, and the clean-up of what bubblewrap leaves behind when this process is PID 1.
///
/// bubblewrap's monitor exits as soon as its pid-namespace init reports the program's status, without reaping that
/// init, so every run leaves one or two short-lived `bwrap` zombies for PID 1 to reap. On a normal host (systemd,
/// a shell, `docker run --init`) that happens at once. When this process *is* PID 1 (a container started without an
/// init), nobody else would reap them, so after each run it reaps zombies named `bwrap` whose parent it is and that
/// are not a run in flight; other children's statuses are never taken.
final class CodeSpawnRegistry: @unchecked Sendable {
    static let shared = CodeSpawnRegistry()
    private let lock = NSLock()
    private var inFlight: Set<pid_t> = []

    /// Spawns under the lock, so the sweep never sees a run that is not yet registered.
    func register(_ spawn: () throws(CodeSandboxError) -> pid_t) throws(CodeSandboxError) -> pid_t {
        lock.lock()
        defer { lock.unlock() }
        let pid = try spawn()
        inFlight.insert(pid)
        return pid
    }

    func unregister(_ pid: pid_t) {
        lock.lock()
        inFlight.remove(pid)
        lock.unlock()
    }

    func reapOrphanedBubblewraps() {
        guard getpid() == 1, let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return }
        lock.lock()
        defer { lock.unlock() }
        for entry in entries {
            guard let pid = pid_t(entry), !inFlight.contains(pid),
                  let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let command = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard command == "bwrap", fields.count > 1, fields[0] == "Z", fields[1] == "1" else { continue }
            var status: Int32 = 0
            _ = waitpid(pid, &status, WNOHANG)
        }
    }
}
