import Crypto
import Foundation

/// Incremental SHA-256 of the bytes of a file as they are written or read.
struct StreamingSHA256 {
    var fileHasher = SHA256()

    mutating func finalizeFile() -> String {
        fileHasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
