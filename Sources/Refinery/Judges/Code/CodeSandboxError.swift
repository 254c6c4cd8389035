/// Errors of the code sandbox itself (never of the program it runs, which are outcomes).
public enum CodeSandboxError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Real OS isolation is not possible here; code judges refuse to run rather than run unsandboxed.
    case isolationUnavailable(String)
    /// A helper process could not be started.
    case launchFailed(String)
    /// The task was cancelled before the program started.
    case cancelled

    public var description: String {
        switch self {
        case .isolationUnavailable(let why):
            return "code sandbox unavailable: \(why). Code judges need bubblewrap with user namespaces "
                + "(Debian/Ubuntu: apt-get install -y bubblewrap python3; util-linux provides prlimit and setpriv)"
        case .launchFailed(let why):
            return "code sandbox failed to launch: \(why)"
        case .cancelled:
            return "code sandbox run cancelled"
        }
    }
}
