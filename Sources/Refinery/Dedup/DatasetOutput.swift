import Foundation

/// Writes lines to a file, zstd-compressed (one frame with a checksum) or plain: into a hidden temp file first,
/// renamed into place by `finish()` after an fsync, so a crash never leaves a half-written output under the final
/// name.
final class LineFileWriter {
    let url: URL
    private let temp: URL
    private let handle: FileHandle
    private let compressor: ZstdCompressor?
    private var pending = Data()
    private(set) var lines = 0

    /// - Parameter level: the zstd level, or nil for plain text.
    init(url: URL, level: Int32?) throws {
        self.url = url
        temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp")
        guard FileManager.default.createFile(atPath: temp.path, contents: nil) else {
            throw RefineryError.internal("cannot create the output file", at: SourceLocation(file: temp.path))
        }
        do {
            handle = try FileHandle(forWritingTo: temp)
        } catch {
            throw RefineryError.internal("cannot open: \(error.localizedDescription)",
                                         at: SourceLocation(file: temp.path))
        }
        compressor = try level.map { try ZstdCompressor(level: $0) }
    }

    /// Appends one line (a newline is added).
    func write(line: Data) throws {
        pending.append(line)
        pending.append(0x0A)
        lines += 1
        if pending.count >= 1 << 20 { try flush() }
    }

    private func flush() throws {
        let output = try compressor?.compress(pending) ?? pending
        pending.removeAll(keepingCapacity: true)
        try append(output)
    }

    private func append(_ data: Data) throws {
        guard !data.isEmpty else { return }
        do {
            try handle.write(contentsOf: data)
        } catch {
            throw RefineryError.internal("write failed: \(error.localizedDescription)",
                                         at: SourceLocation(file: temp.path))
        }
    }

    /// Ends the zstd frame, syncs and renames the file into place.
    func finish() throws {
        try flush()
        if let compressor { try append(try compressor.finish()) }
        do {
            try handle.synchronize()
            try handle.close()
        } catch {
            throw RefineryError.internal("sync failed: \(error.localizedDescription)",
                                         at: SourceLocation(file: temp.path))
        }
        if FileManager.default.fileExists(atPath: url.path) { try? FileManager.default.removeItem(at: url) }
        do {
            try FileManager.default.moveItem(at: temp, to: url)
        } catch {
            throw RefineryError.internal("rename failed: \(error.localizedDescription)",
                                         at: SourceLocation(file: url.path))
        }
    }

    /// Removes the temp file after a failure.
    func discard() {
        try? handle.close()
        try? FileManager.default.removeItem(at: temp)
    }
}

/// Names the per-input outputs of `dedup` and `decontaminate`: `IN.jsonl[.zst|.gz]` → `DIR/IN.jsonl.zst`, with `-2`,
/// `-3`… when two inputs share a base name.
enum DatasetOutputNames {
    static func outputs(for inputs: [DatasetInput], in directory: URL) throws(RefineryError) -> [URL] {
        var used = Set<String>(["removed.jsonl", "summary.json"])
        var urls: [URL] = []
        let inputPaths = Set(inputs.map { $0.url.standardizedFileURL.resolvingSymlinksInPath().path })
        for input in inputs {
            var base = input.url.lastPathComponent
            for suffix in [".zst", ".gz", ".jsonl", ".ndjson", ".json"] where base.lowercased().hasSuffix(suffix) {
                base = String(base.dropLast(suffix.count))
            }
            if base.isEmpty { base = "records" }
            var name = "\(base).jsonl.zst"
            var counter = 2
            while used.contains(name) {
                name = "\(base)-\(counter).jsonl.zst"
                counter += 1
            }
            used.insert(name)
            let url = directory.appendingPathComponent(name)
            if inputPaths.contains(url.standardizedFileURL.resolvingSymlinksInPath().path) {
                throw .usage("the output \(url.path) would overwrite an input; choose another --out")
            }
            urls.append(url)
        }
        return urls
    }

    /// Creates the output folder (and parents).
    static func prepare(_ directory: URL) throws(RefineryError) {
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw .usage("cannot create the output folder: \(error.localizedDescription)",
                         at: SourceLocation(file: directory.path))
        }
    }
}
