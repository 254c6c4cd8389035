import Crypto
import Foundation

/// SHA-256 helpers used for record ids, template and model identities, shard checksums and config hashes.
public enum Hashing {
    public static func sha256Hex(_ data: some DataProtocol) -> String {
        SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
    }

    public static func sha256Hex(_ text: String) -> String {
        sha256Hex(Data(text.utf8))
    }

    /// SHA-256 of a file, streamed in bounded memory.
    public static func sha256Hex(fileAt url: URL) throws -> String {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw RefineryError.input("cannot open: \(error.localizedDescription)", at: SourceLocation(file: url.path))
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 4 << 20) ?? Data()
            } catch {
                throw RefineryError.input("read failed: \(error.localizedDescription)",
                                          at: SourceLocation(file: url.path))
            }
            if chunk.isEmpty { break }
            hasher.update(data: chunk)
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// A 64-bit value derived from text, for deterministic sampling seeds (masked to 53 bits so every JSON reader
    /// holds it exactly).
    public static func seed53(_ text: String) -> UInt64 {
        let digest = Array(SHA256.hash(data: Data(text.utf8)))
        var value: UInt64 = 0
        for byte in digest.prefix(8) { value = value << 8 | UInt64(byte) }
        return value & ((1 << 53) - 1)
    }
}
