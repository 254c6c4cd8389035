import CZstd
import Foundation

/// Streaming zstd compression and decompression over libzstd. This file is the only place that touches the C API.
public enum Zstd {
    /// The libzstd version in use, e.g. "1.5.4".
    public static var libraryVersion: String { String(cString: ZSTD_versionString()) }

    static func check(_ code: Int, _ what: String) throws -> Int {
        if ZSTD_isError(code) != 0 {
            throw RefineryError.internal("zstd \(what) failed: \(String(cString: ZSTD_getErrorName(code)))")
        }
        return code
    }

    /// Compresses a whole buffer into one frame with a content checksum.
    public static func compress(_ data: Data, level: Int32 = 3) throws -> Data {
        let compressor = try ZstdCompressor(level: level)
        var out = try compressor.compress(data)
        out.append(try compressor.finish())
        return out
    }

    /// Decompresses a whole buffer of one or more frames; a truncated or corrupt input throws with its byte offset.
    public static func decompress(_ data: Data, name: String = "<memory>") throws -> Data {
        let decompressor = try ZstdDecompressor(name: name)
        let out = try decompressor.decompress(data)
        try decompressor.finish()
        return out
    }
}

/// A streaming zstd compressor producing a single frame with the content checksum flag set.
public final class ZstdCompressor {
    private let context: OpaquePointer
    private var outBuffer: [UInt8]

    public init(level: Int32 = 3) throws {
        guard let context = ZSTD_createCCtx() else { throw RefineryError.internal("zstd: cannot allocate a context") }
        self.context = context
        self.outBuffer = [UInt8](repeating: 0, count: ZSTD_CStreamOutSize())
        let bounds = ZSTD_cParam_getBounds(ZSTD_c_compressionLevel)
        let clamped = min(max(level, bounds.lowerBound), bounds.upperBound)
        _ = try Zstd.check(ZSTD_CCtx_setParameter(context, ZSTD_c_compressionLevel, clamped), "set level")
        _ = try Zstd.check(ZSTD_CCtx_setParameter(context, ZSTD_c_checksumFlag, 1), "enable checksum")
    }

    deinit { ZSTD_freeCCtx(context) }

    /// Feeds bytes; returns whatever compressed output is ready.
    public func compress(_ data: Data) throws -> Data {
        try run(data, directive: ZSTD_e_continue)
    }

    /// Flushes buffered data into a complete block without ending the frame, so the output size is exact.
    public func flush() throws -> Data {
        try run(Data(), directive: ZSTD_e_flush)
    }

    /// Ends the frame; returns the remaining output (including the checksum).
    public func finish() throws -> Data {
        try run(Data(), directive: ZSTD_e_end)
    }

    private func run(_ data: Data, directive: ZSTD_EndDirective) throws -> Data {
        var result = Data()
        let outCapacity = outBuffer.count
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            try outBuffer.withUnsafeMutableBytes { out in
                while true {
                    var output = ZSTD_outBuffer(dst: out.baseAddress, size: outCapacity, pos: 0)
                    let remaining = try Zstd.check(
                        ZSTD_compressStream2(context, &output, &input, directive), "compress")
                    if output.pos > 0 { result.append(out.bindMemory(to: UInt8.self).baseAddress!, count: output.pos) }
                    let done = directive == ZSTD_e_continue ? input.pos == input.size : remaining == 0
                    if done { break }
                }
            }
        }
        return result
    }
}

/// A streaming zstd decompressor that tracks the compressed byte offset so errors can say where they happened.
public final class ZstdDecompressor {
    private let context: OpaquePointer
    private var outBuffer: [UInt8]
    private let name: String
    /// Compressed bytes consumed so far.
    public private(set) var compressedOffset = 0
    /// The last `ZSTD_decompressStream` hint: 0 means the current frame is complete.
    private var pendingHint = 0
    private var sawInput = false

    public init(name: String) throws {
        guard let context = ZSTD_createDCtx() else { throw RefineryError.internal("zstd: cannot allocate a context") }
        self.context = context
        self.name = name
        self.outBuffer = [UInt8](repeating: 0, count: ZSTD_DStreamOutSize())
    }

    deinit { ZSTD_freeDCtx(context) }

    /// Feeds compressed bytes; returns the decompressed bytes available so far.
    public func decompress(_ data: Data) throws -> Data {
        var result = Data()
        if data.isEmpty { return result }
        sawInput = true
        let outCapacity = outBuffer.count
        let startOffset = compressedOffset
        try data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) in
            var input = ZSTD_inBuffer(src: raw.baseAddress, size: raw.count, pos: 0)
            try outBuffer.withUnsafeMutableBytes { out in
                while input.pos < input.size || pendingHint != 0 {
                    var output = ZSTD_outBuffer(dst: out.baseAddress, size: outCapacity, pos: 0)
                    let before = input.pos
                    let code = ZSTD_decompressStream(context, &output, &input)
                    if ZSTD_isError(code) != 0 {
                        let message = String(cString: ZSTD_getErrorName(code))
                        throw RefineryError.input(
                            "corrupt zstd data: \(message)",
                            at: SourceLocation(file: name, offset: startOffset + input.pos))
                    }
                    pendingHint = code
                    if output.pos > 0 { result.append(out.bindMemory(to: UInt8.self).baseAddress!, count: output.pos) }
                    // No progress on either side: zstd needs more input.
                    if output.pos == 0 && input.pos == before { break }
                    if input.pos == input.size && output.pos < outCapacity { break }
                }
            }
            compressedOffset = startOffset + input.pos
        }
        return result
    }

    /// Checks that the stream ended on a frame boundary; a truncated last frame throws.
    public func finish() throws {
        if !sawInput {
            throw RefineryError.input("empty zstd stream", at: SourceLocation(file: name, offset: 0))
        }
        if pendingHint != 0 {
            throw RefineryError.input(
                "truncated zstd stream: the last frame is incomplete",
                at: SourceLocation(file: name, offset: compressedOffset))
        }
    }
}
