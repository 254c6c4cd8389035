import Foundation

/// A shard file that was written, renamed into place and re-read successfully.
public struct WrittenShard: Sendable, Hashable {
    public var index: Int
    public var fileName: String
    public var records: Int
    public var bytes: Int
    public var uncompressedBytes: Int
    public var sha256: String
}

/// Writes JSONL records into size-bounded zstd shards (`part-00000.jsonl.zst`, …), each atomically.
///
/// A shard is compressed into a hidden temp file, fsynced, renamed into place, the folder fsynced, and then
/// re-read (zstd checksum, line count, sha256) before `commit` records it. A crash before `commit` leaves a file
/// the ledger does not know; `removeUnknownFiles` deletes it on restart and its records are written again.
public final class ShardWriter {
    public let directory: URL
    public let maxBytes: Int
    public let level: Int32
    private let commit: (WrittenShard, [Int64]) throws -> Void

    private var nextIndex: Int
    private var compressor: ZstdCompressor?
    private var handle: FileHandle?
    private var tempURL: URL?
    private var hasher = StreamingSHA256()
    private var sampleIDs: [Int64] = []
    private var compressedBytes = 0
    private var uncompressedBytes = 0
    /// Input bytes not yet flushed out of the compressor.
    private var unflushedBytes = 0

    public static func fileName(index: Int) -> String { String(format: "part-%05d.jsonl.zst", index) }

    public init(directory: URL, maxBytes: Int, level: Int, startIndex: Int,
                commit: @escaping (WrittenShard, [Int64]) throws -> Void) throws {
        self.directory = directory
        self.maxBytes = maxBytes
        self.level = Int32(level)
        self.nextIndex = startIndex
        self.commit = commit
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// Deletes files in `directory` that are not among `known` (temp files and shards never committed).
    public static func removeUnknownFiles(in directory: URL, known: Set<String>) throws -> [String] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return [] }
        var removed: [String] = []
        for name in names.sorted() where !known.contains(name) {
            try FileManager.default.removeItem(at: directory.appendingPathComponent(name))
            removed.append(name)
        }
        if !removed.isEmpty { try FileSystem.syncDirectory(directory) }
        return removed
    }

    /// Appends one record (a single JSON line without the newline).
    public func append(line: String, sampleID: Int64) throws {
        if compressor == nil { try open() }
        let bytes = Data((line + "\n").utf8)
        try emit(compressor!.compress(bytes))
        uncompressedBytes += bytes.count
        unflushedBytes += bytes.count
        sampleIDs.append(sampleID)
        // Compressed output is never larger than the input by more than a little, so only flush (to learn the
        // exact size) when the buffered input could reach the limit.
        if compressedBytes + unflushedBytes >= maxBytes {
            try emit(compressor!.flush())
            unflushedBytes = 0
        }
        if compressedBytes >= maxBytes { try close() }
    }

    /// Closes the open shard, if any.
    public func finish() throws {
        if compressor != nil { try close() }
    }

    private func open() throws {
        let name = Self.fileName(index: nextIndex)
        let temp = directory.appendingPathComponent(".\(name).tmp")
        _ = FileManager.default.createFile(atPath: temp.path, contents: nil)  // a failure shows in the open below
        do {
            handle = try FileHandle(forWritingTo: temp)
        } catch {
            throw RefineryError.internal("cannot create shard: \(error.localizedDescription)", at: SourceLocation(file: temp.path))
        }
        tempURL = temp
        compressor = try ZstdCompressor(level: level)
        hasher = StreamingSHA256()
        sampleIDs = []
        compressedBytes = 0
        uncompressedBytes = 0
        unflushedBytes = 0
    }

    private func emit(_ data: Data) throws {
        guard !data.isEmpty, let handle else { return }
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw RefineryError.internal("shard write failed: \(error.localizedDescription)",
                                         at: tempURL.map { SourceLocation(file: $0.path) })
        }
        hasher.fileHasher.update(data: data)
        compressedBytes += data.count
    }

    private func close() throws {
        guard let compressor, let handle, let tempURL else { return }
        try emit(compressor.finish())
        FaultInjection.point("shard-before-sync")
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw RefineryError.internal("shard sync failed: \(error.localizedDescription)", at: SourceLocation(file: tempURL.path))
        }
        self.compressor = nil
        self.handle = nil
        self.tempURL = nil
        let name = Self.fileName(index: nextIndex)
        let finalURL = directory.appendingPathComponent(name)
        guard rename(tempURL.path, finalURL.path) == 0 else {
            throw RefineryError.internal("shard rename failed: \(FileSystem.errnoText())", at: SourceLocation(file: finalURL.path))
        }
        try FileSystem.syncDirectory(directory)
        let digest = hasher.finalizeFile()
        let check = try ShardReader.check(url: finalURL)
        guard check.sha256 == digest, check.lines == sampleIDs.count, check.bytes == compressedBytes else {
            throw RefineryError.internal(
                "shard failed its re-read check (lines \(check.lines)/\(sampleIDs.count), sha256 match: \(check.sha256 == digest))",
                at: SourceLocation(file: finalURL.path))
        }
        FaultInjection.point("shard-after-rename")
        let shard = WrittenShard(index: nextIndex, fileName: name, records: sampleIDs.count, bytes: compressedBytes,
                                 uncompressedBytes: uncompressedBytes, sha256: digest)
        try commit(shard, sampleIDs)
        nextIndex += 1
    }
}

/// Reads shards back: integrity checks and record iteration.
public enum ShardReader {
    /// Decompresses a whole shard (verifying zstd checksums) and returns its line count, size and sha256.
    public static func check(url: URL) throws -> (lines: Int, bytes: Int, uncompressedBytes: Int, sha256: String) {
        var lines = 0
        var uncompressed = 0
        var sawPartialLine = false
        let bytes = try forEachChunk(url: url) { chunk in
            uncompressed += chunk.count
            lines += chunk.reduce(0) { $1 == 0x0A ? $0 + 1 : $0 }
            sawPartialLine = chunk.last != 0x0A
        }
        if sawPartialLine {
            throw RefineryError.input("the last record has no newline (truncated?)", at: SourceLocation(file: url.path))
        }
        return (lines, bytes.count, uncompressed, bytes.sha256)
    }

    /// Streams the decompressed bytes of a shard in chunks; returns the compressed size and sha256.
    static func forEachChunk(url: URL, _ body: (Data) throws -> Void) throws -> (count: Int, sha256: String) {
        let handle: FileHandle
        do {
            handle = try FileHandle(forReadingFrom: url)
        } catch {
            throw RefineryError.input("cannot open shard: \(error.localizedDescription)", at: SourceLocation(file: url.path))
        }
        defer { try? handle.close() }
        let decompressor = try ZstdDecompressor(name: url.path)
        var hasher = StreamingSHA256()
        var count = 0
        while true {
            let chunk = (try? handle.read(upToCount: 1 << 20)) ?? Data()
            if chunk.isEmpty { break }
            count += chunk.count
            hasher.fileHasher.update(data: chunk)
            let plain = try decompressor.decompress(chunk)
            if !plain.isEmpty { try body(plain) }
        }
        try decompressor.finish()
        return (count, hasher.finalizeFile())
    }

    /// Every record line of a shard, in order, with 1-based line numbers.
    public static func lines(url: URL) throws -> [(number: Int, text: String)] {
        var result: [(Int, String)] = []
        for item in LineReader(url: url) {
            let line = try item.get()
            result.append((line.number, try line.text(file: url.path)))
        }
        return result
    }
}
