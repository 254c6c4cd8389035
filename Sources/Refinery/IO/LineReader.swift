import Foundation

/// One line of a text file: its 1-based number, the byte offset of its first byte (in the decompressed stream for
/// `.zst` files) and its bytes without the newline.
public struct RawLine: Sendable {
    public var number: Int
    public var offset: Int
    public var bytes: Data
}

/// A decompressor fed a stream chunk by chunk: `decompress` returns what each chunk completes, `finish` checks that
/// the stream ended whole.
protocol StreamDecompressor: AnyObject {
    func decompress(_ data: Data) throws -> Data
    func finish() throws
}

extension ZstdDecompressor: StreamDecompressor {}
extension GzipDecompressor: StreamDecompressor {}

/// Reads a file line by line in bounded memory, transparently decompressing `.zst` and `.gz` files.
///
/// Lines longer than `maxLineBytes` are reported as errors rather than buffered without bound.
public struct LineReader: Sequence {
    public let url: URL
    public let displayName: String
    public var chunkSize = 1 << 20
    public var maxLineBytes = 64 << 20

    public init(url: URL, displayName: String? = nil) {
        self.url = url
        self.displayName = displayName ?? url.path
    }

    public var isCompressed: Bool { url.pathExtension.lowercased() == "zst" }
    public var isGzipped: Bool { url.pathExtension.lowercased() == "gz" }

    /// The streaming decompressor the file's extension asks for, or nil for plain text.
    func makeDecompressor() throws -> (any StreamDecompressor)? {
        if isCompressed { return try ZstdDecompressor(name: displayName) }
        if isGzipped { return try GzipDecompressor(name: displayName) }
        return nil
    }

    public func makeIterator() -> Iterator { Iterator(reader: self) }

    /// Iterates lines; each element is either a line or the error that ended the file.
    public struct Iterator: IteratorProtocol {
        let reader: LineReader
        private var handle: FileHandle?
        private var decompressor: (any StreamDecompressor)?
        private var buffer = [UInt8]()
        /// Index in `buffer` of the first byte not yet returned.
        private var cursor = 0
        /// Stream offset of `buffer[cursor]`.
        private var bufferOffset = 0
        private var lineNumber = 0
        private var finished = false
        private var started = false

        init(reader: LineReader) {
            self.reader = reader
        }

        public mutating func next() -> Result<RawLine, RefineryError>? {
            if finished { return nil }
            do {
                if !started { try start() }
                var searchFrom = cursor
                while true {
                    if let newline = buffer[searchFrom...].firstIndex(of: 0x0A) {
                        return .success(takeLine(upTo: newline, consumingNewline: true))
                    }
                    searchFrom = buffer.count
                    if buffer.count - cursor > reader.maxLineBytes {
                        finished = true
                        return .failure(.input(
                            "line longer than \(reader.maxLineBytes) bytes",
                            at: SourceLocation(file: reader.displayName, line: lineNumber + 1, offset: bufferOffset)))
                    }
                    guard let more = try readMore() else {
                        finished = true
                        if cursor == buffer.count { return nil }
                        return .success(takeLine(upTo: buffer.count, consumingNewline: false))
                    }
                    if cursor > 0 {
                        buffer.removeFirst(cursor)
                        searchFrom -= cursor
                        cursor = 0
                    }
                    buffer.append(contentsOf: more)
                }
            } catch let error as RefineryError {
                finished = true
                return .failure(error)
            } catch {
                finished = true
                return .failure(.input("\(error)", at: SourceLocation(file: reader.displayName)))
            }
        }

        private mutating func start() throws {
            started = true
            do {
                handle = try FileHandle(forReadingFrom: reader.url)
            } catch {
                throw RefineryError.input("cannot open: \(error.localizedDescription)",
                                          at: SourceLocation(file: reader.displayName))
            }
            decompressor = try reader.makeDecompressor()
        }

        private mutating func takeLine(upTo end: Int, consumingNewline: Bool) -> RawLine {
            lineNumber += 1
            var bytes = Data(buffer[cursor..<end])
            if bytes.last == 0x0D { bytes.removeLast() }
            let line = RawLine(number: lineNumber, offset: bufferOffset, bytes: bytes)
            let consumed = end - cursor + (consumingNewline ? 1 : 0)
            cursor += consumed
            bufferOffset += consumed
            return line
        }

        /// Returns the next chunk of (decompressed) bytes, or nil at the end of the file.
        private mutating func readMore() throws -> Data? {
            guard let handle else { return nil }
            while true {
                let chunk: Data
                do {
                    chunk = try handle.read(upToCount: reader.chunkSize) ?? Data()
                } catch {
                    throw RefineryError.input("read failed: \(error.localizedDescription)",
                                              at: SourceLocation(file: reader.displayName))
                }
                if chunk.isEmpty {
                    try? handle.close()
                    self.handle = nil
                    if let decompressor { try decompressor.finish() }
                    return nil
                }
                guard let decompressor else { return chunk }
                let plain = try decompressor.decompress(chunk)
                if !plain.isEmpty { return plain }
            }
        }
    }
}

extension RawLine {
    /// The line as text; invalid UTF-8 is an input error naming the line and the offset of the bad byte.
    public func text(file: String) throws -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        let badIndex = UTF8Validation.firstInvalidByte(in: bytes) ?? 0
        throw RefineryError.input(
            "invalid UTF-8",
            at: SourceLocation(file: file, line: number, column: badIndex + 1, offset: offset + badIndex))
    }
}

/// Locates invalid UTF-8 so errors can point at the byte.
public enum UTF8Validation {
    /// The index of the first byte that starts an invalid sequence, or nil when the bytes are valid UTF-8.
    public static func firstInvalidByte(in bytes: Data) -> Int? {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var position = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded): position += encoded.count
            case .emptyInput: return nil
            case .error: return position
            }
        }
    }
}
