import Foundation

/// Resource limits of one sandboxed run. Defaults suit short test programs.
public struct CodeSandboxLimits: Sendable, Equatable {
    /// Wall-clock limit; the whole sandbox is killed with SIGKILL when it passes.
    public var wallSeconds: Double
    /// RLIMIT_CPU per process (soft; the hard limit is one second more); nil: the wall limit rounded up.
    public var cpuSeconds: Int?
    /// RLIMIT_AS per process.
    public var memoryBytes: Int
    /// RLIMIT_NPROC, counted inside the sandbox's own user namespace (threads count too).
    public var processes: Int
    /// RLIMIT_FSIZE: the largest file the program may write.
    public var fileSizeBytes: Int
    /// Size of the tmpfs mounted at /tmp, the only writable place.
    public var tmpBytes: Int
    /// stdout and stderr together; the sandbox is killed once it writes more.
    public var outputBytes: Int
    /// Bytes of each of stdout and stderr kept in the result.
    public var keptOutputBytes: Int
    /// RLIMIT_NOFILE.
    public var openFiles: Int

    public init(wallSeconds: Double = 10, cpuSeconds: Int? = nil, memoryBytes: Int = 512 << 20,
                processes: Int = 64, fileSizeBytes: Int = 16 << 20, tmpBytes: Int = 64 << 20,
                outputBytes: Int = 1 << 20, keptOutputBytes: Int = 16 << 10, openFiles: Int = 256) {
        self.wallSeconds = wallSeconds
        self.cpuSeconds = cpuSeconds
        self.memoryBytes = memoryBytes
        self.processes = processes
        self.fileSizeBytes = fileSizeBytes
        self.tmpBytes = tmpBytes
        self.outputBytes = outputBytes
        self.keptOutputBytes = keptOutputBytes
        self.openFiles = openFiles
    }

    /// The CPU limit actually applied.
    public var effectiveCPUSeconds: Int { max(1, cpuSeconds ?? Int(wallSeconds.rounded(.up))) }
}

/// Where the sandbox's tools are and who runs the program.
public struct CodeSandboxConfiguration: Sendable, Equatable, Hashable {
    /// bubblewrap; nil: the first `bwrap` on PATH, /usr/bin, /usr/local/bin or /bin.
    public var bubblewrapPath: String?
    /// The interpreter, as seen inside the sandbox (where only /usr, /bin, /lib* and a few /etc files exist);
    /// nil: /usr/bin/python3, else /usr/local/bin/python3.
    public var pythonPath: String?
    /// Extra host paths bound read-only at the same place (e.g. an interpreter installed outside /usr).
    public var extraReadOnlyPaths: [String]
    /// When this process is root, the sandbox runs as this uid/gid (outside and inside the namespace), because
    /// RLIMIT_NPROC does not bind root. Ignored otherwise (the sandbox then runs as the calling user).
    public var sandboxUserID: UInt32

    public init(bubblewrapPath: String? = nil, pythonPath: String? = nil, extraReadOnlyPaths: [String] = [],
                sandboxUserID: UInt32 = 65534) {
        self.bubblewrapPath = bubblewrapPath
        self.pythonPath = pythonPath
        self.extraReadOnlyPaths = extraReadOnlyPaths
        self.sandboxUserID = sandboxUserID
    }
}

/// The resolved tools and the command line that launches one sandboxed Python.
struct CodeSandboxCommand: Sendable, Equatable {
    var bubblewrap: String
    var prlimit: String
    /// setpriv, used only when running as root.
    var setpriv: String?
    var python: String
    var extraReadOnlyPaths: [String]
    /// The uid the sandboxed processes have outside the namespace, when it differs from ours.
    var sandboxUserID: UInt32?

    static let searchDirectories = ["/usr/bin", "/usr/local/bin", "/bin", "/usr/sbin", "/sbin"]

    /// Finds the tools, or explains what is missing.
    static func resolve(_ configuration: CodeSandboxConfiguration) throws(CodeSandboxError) -> CodeSandboxCommand {
        let fileManager = FileManager.default
        func find(_ name: String) -> String? {
            let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
            for directory in path + searchDirectories where directory.hasPrefix("/") {
                let candidate = directory + "/" + name
                if fileManager.isExecutableFile(atPath: candidate) { return candidate }
            }
            return nil
        }
        let bubblewrap: String
        if let configured = configuration.bubblewrapPath {
            guard fileManager.isExecutableFile(atPath: configured) else {
                throw .isolationUnavailable("bubblewrap not found at \(configured)")
            }
            bubblewrap = configured
        } else {
            guard let found = find("bwrap") else { throw .isolationUnavailable("bubblewrap (bwrap) is not installed") }
            bubblewrap = found
        }
        let prlimits = ["/usr/bin/prlimit", "/usr/local/bin/prlimit"]
        guard let prlimit = prlimits.first(where: { fileManager.isExecutableFile(atPath: $0) }) else {
            throw .isolationUnavailable("prlimit (util-linux) is not installed under /usr/bin")
        }
        let python: String
        if let configured = configuration.pythonPath {
            python = configured
        } else {
            let candidates = ["/usr/bin/python3", "/usr/local/bin/python3"]
            guard let found = candidates.first(where: { fileManager.isExecutableFile(atPath: $0) }) else {
                throw .isolationUnavailable("python3 is not installed under /usr (looked for \(candidates))")
            }
            python = found
        }
        var setpriv: String?
        var sandboxUserID: UInt32?
        if geteuid() == 0 {
            guard let found = find("setpriv") else {
                throw .isolationUnavailable("running as root needs setpriv (util-linux) to drop to an unprivileged uid")
            }
            setpriv = found
            sandboxUserID = configuration.sandboxUserID
        }
        return CodeSandboxCommand(bubblewrap: bubblewrap, prlimit: prlimit, setpriv: setpriv, python: python,
                                  extraReadOnlyPaths: configuration.extraReadOnlyPaths,
                                  sandboxUserID: sandboxUserID)
    }

    /// The environment of the launched helper: nothing of this process's environment is passed on.
    static let launchEnvironment = ["PATH=/usr/bin:/bin", "LANG=C.UTF-8"]

    /// argv for `[setpriv …] bwrap … -- prlimit … -- python3 -I -B -c HARNESS`.
    func arguments(limits: CodeSandboxLimits, script: String) -> [String] {
        var arguments: [String] = []
        if let setpriv, let uid = sandboxUserID {
            arguments += [setpriv, "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--inh-caps=-all",
                          "--no-new-privs", "--"]
        }
        arguments += [bubblewrap] + bubblewrapArguments(limits: limits)
        let cpu = limits.effectiveCPUSeconds
        arguments += [
            "--", prlimit,
            "--cpu=\(cpu):\(cpu + 1)",
            "--as=\(limits.memoryBytes)",
            "--nproc=\(limits.processes)",
            "--fsize=\(limits.fileSizeBytes)",
            "--nofile=\(limits.openFiles)",
            "--core=0",
            "--", python, "-I", "-B", "-c", script,
        ]
        return arguments
    }

    /// The bubblewrap options: every namespace unshared (network included), a new session, die with the parent,
    /// a cleared environment, read-only system directories, /proc and a minimal /dev, a sized tmpfs at /tmp as
    /// the only writable place, and a read-only root.
    func bubblewrapArguments(limits: CodeSandboxLimits) -> [String] {
        let fileManager = FileManager.default
        var arguments = [
            "--unshare-all", "--unshare-user", "--uid", "65534", "--gid", "65534", "--hostname", "sandbox",
            "--die-with-parent", "--new-session", "--clearenv",
            "--setenv", "PATH", "/usr/local/bin:/usr/bin:/bin",
            "--setenv", "LANG", "C.UTF-8",
            "--setenv", "HOME", "/tmp",
            "--setenv", "TMPDIR", "/tmp",
            "--setenv", "PYTHONDONTWRITEBYTECODE", "1",
            "--setenv", "PYTHONIOENCODING", "utf-8",
            "--ro-bind", "/usr", "/usr",
        ]
        for directory in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
            if let target = try? fileManager.destinationOfSymbolicLink(atPath: directory) {
                arguments += ["--symlink", target, directory]
            } else if fileManager.fileExists(atPath: directory) {
                arguments += ["--ro-bind", directory, directory]
            }
        }
        for file in ["/etc/ld.so.cache", "/etc/localtime"] {
            arguments += ["--ro-bind-try", file, file]
        }
        for path in extraReadOnlyPaths {
            arguments += ["--ro-bind", path, path]
        }
        arguments += [
            "--proc", "/proc",
            "--dev", "/dev", "--remount-ro", "/dev",
            "--size", String(limits.tmpBytes), "--tmpfs", "/tmp",
            "--remount-ro", "/",
            "--chdir", "/tmp",
        ]
        return arguments
    }
}
