import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Durable file operations: fsync of files and folders, atomic replacement, exclusive run locks.
public enum FileSystem {
    /// Flushes a folder's entries (after a rename) to disk.
    public static func syncDirectory(_ url: URL) throws {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { throw RefineryError.internal("cannot open folder to sync: \(errnoText())", at: SourceLocation(file: url.path)) }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw RefineryError.internal("fsync failed: \(errnoText())", at: SourceLocation(file: url.path)) }
    }

    /// Writes `data` to `url` atomically: a temp file in the same folder, fsync, rename, fsync the folder.
    public static func writeAtomically(_ data: Data, to url: URL) throws {
        let directory = url.deletingLastPathComponent()
        let temp = directory.appendingPathComponent(".\(url.lastPathComponent).tmp")
        do {
            _ = FileManager.default.createFile(atPath: temp.path, contents: nil)  // a failure shows in the open below
            let handle = try FileHandle(forWritingTo: temp)
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw RefineryError.internal("cannot write: \(error.localizedDescription)", at: SourceLocation(file: temp.path))
        }
        guard rename(temp.path, url.path) == 0 else {
            throw RefineryError.internal("rename failed: \(errnoText())", at: SourceLocation(file: url.path))
        }
        try syncDirectory(directory)
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// An exclusive advisory lock on a file, held until released or the process ends (even by `kill -9`).
public final class RunLock: Sendable {
    private let fd: Int32
    public let url: URL

    /// Takes the lock or throws a usage error saying another process holds it.
    public init(url: URL) throws {
        self.url = url
        let fd = open(url.path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else {
            throw RefineryError.internal("cannot open lock file: \(FileSystem.errnoText())", at: SourceLocation(file: url.path))
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw RefineryError.usage("another refinery process is using this run directory",
                                      at: SourceLocation(file: url.path))
        }
        self.fd = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

/// Deliberate crashes at named points, for the crash-recovery tests: `REFINERY_CRASH_AT=point[:n]` kills the process
/// with SIGKILL the n-th time (default 1st) execution reaches `point`. Unset in normal use.
public enum FaultInjection {
    private static let target: (String, Int)? = {
        guard let value = ProcessInfo.processInfo.environment["REFINERY_CRASH_AT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":")
        return (String(parts[0]), parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
    }()
    private static let counter = Mutex(0)

    public static func point(_ name: String) {
        guard let target, target.0 == name else { return }
        let count = counter.withLock { value -> Int in
            value += 1
            return value
        }
        if count == target.1 { kill(getpid(), SIGKILL) }
    }
}
