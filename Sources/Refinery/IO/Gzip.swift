import CZlib
import Foundation

/// A streaming gzip decompressor (zlib's inflate; concatenated gzip members are read as one stream) that tracks the
/// compressed byte offset so errors can say where they happened.
public final class GzipDecompressor {
    private var stream = z_stream()
    private var outBuffer = [UInt8](repeating: 0, count: 1 << 18)
    private let name: String
    /// Compressed bytes consumed so far.
    public private(set) var compressedOffset = 0
    /// Whether the last member ended (nothing is pending).
    private var atMemberEnd = true
    private var sawInput = false

    public init(name: String) throws {
        self.name = name
        guard czlib_inflate_init_auto(&stream) == Z_OK else {
            throw RefineryError.internal("zlib: cannot start inflating \(name)")
        }
    }

    deinit { inflateEnd(&stream) }

    /// Feeds compressed bytes; returns the decompressed bytes available so far.
    public func decompress(_ data: Data) throws -> Data {
        var result = Data()
        if data.isEmpty { return result }
        sawInput = true
        let startOffset = compressedOffset
        var consumed = 0
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            let input = raw.bindMemory(to: UInt8.self)
            try outBuffer.withUnsafeMutableBufferPointer { out in
                // Until the input is used up and inflate has nothing more to give (a full output buffer may hide
                // more).
                var pending = true
                while pending {
                    stream.next_in = UnsafeMutablePointer(mutating: input.baseAddress! + consumed)
                    stream.avail_in = UInt32(input.count - consumed)
                    stream.next_out = out.baseAddress
                    stream.avail_out = UInt32(out.count)
                    let code = inflate(&stream, Z_NO_FLUSH)
                    consumed = input.count - Int(stream.avail_in)
                    let produced = out.count - Int(stream.avail_out)
                    if produced > 0 { result.append(out.baseAddress!, count: produced) }
                    pending = consumed < input.count || produced == out.count
                    switch code {
                    case Z_OK:
                        atMemberEnd = false
                    case Z_BUF_ERROR:  // no progress possible until more input arrives
                        atMemberEnd = false
                        pending = false
                    case Z_STREAM_END:
                        atMemberEnd = true
                        inflateReset(&stream)  // another gzip member may follow
                    default:
                        let detail = stream.msg.map { String(cString: $0) } ?? "error \(code)"
                        throw RefineryError.input("corrupt gzip data: \(detail)",
                                                  at: SourceLocation(file: name, offset: startOffset + consumed))
                    }
                }
            }
        }
        compressedOffset = startOffset + consumed
        return result
    }

    /// Checks that the stream ended with a whole member; a truncated one throws.
    public func finish() throws {
        if !sawInput {
            throw RefineryError.input("empty gzip stream", at: SourceLocation(file: name, offset: 0))
        }
        if !atMemberEnd {
            throw RefineryError.input("truncated gzip stream: the last member is incomplete",
                                      at: SourceLocation(file: name, offset: compressedOffset))
        }
    }
}
