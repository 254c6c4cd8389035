import Foundation

/// The per-input `.jsonl.zst` outputs of a filtering pass over a dataset, written in input order: one writer open
/// at a time, files with no kept records still get an (empty) output.
struct DatasetOutputSet {
    let urls: [URL]
    let level: Int32
    private var current: (file: Int, writer: LineFileWriter)?
    private var nextFile = 0
    private(set) var kept: [Int]

    init(urls: [URL], level: Int32) {
        self.urls = urls
        self.level = level
        kept = [Int](repeating: 0, count: urls.count)
    }

    /// Writes a kept line of input `file` (files must come in ascending order).
    mutating func write(file: Int, line: Data) throws {
        if current?.file != file { try advance(to: file) }
        try current?.writer.write(line: line)
        kept[file] += 1
    }

    /// Finishes every remaining output.
    mutating func finish() throws {
        try advance(to: urls.count)
    }

    /// Removes temp files after a failure.
    mutating func discard() {
        current?.writer.discard()
        current = nil
    }

    private mutating func advance(to file: Int) throws {
        if let current {
            try current.writer.finish()
            self.current = nil
        }
        while nextFile < file {
            try LineFileWriter(url: urls[nextFile], level: level).finish()
            nextFile += 1
        }
        if file < urls.count {
            current = (file, try LineFileWriter(url: urls[file], level: level))
            nextFile = file + 1
        }
    }
}

/// Small helpers for the JSON reports of `dedup` and `decontaminate`.
enum DatasetReport {
    /// Sum of the input sizes when every input is uncompressed (for an ETA), else nil.
    static func plainTotalBytes(_ inputs: [DatasetInput]) -> Int? {
        var total = 0
        for input in inputs {
            guard input.url.pathExtension.lowercased() != "zst",
                  let attributes = try? FileManager.default.attributesOfItem(atPath: input.url.path),
                  let size = attributes[.size] as? NSNumber else { return nil }
            total += size.intValue
        }
        return total
    }
}
