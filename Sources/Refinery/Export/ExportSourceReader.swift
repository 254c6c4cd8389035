import Foundation

/// A run folder an export reads from, as its manifest describes it.
public struct ExportSource: Sendable {
    public var path: String
    public var runID: String
    public var configHash: String
    public var model: String
    public var records: Int
}

/// Reads runs' shards for an export, checking each shard's size, sha256 and record count against its run manifest.
enum ExportSourceReader {
    static func read(runs: [URL]) throws -> (sources: [ExportSource], records: [ExportRecord]) {
        var sources: [ExportSource] = []
        var records: [ExportRecord] = []
        for (sourceIndex, run) in runs.enumerated() {
            let manifestURL = run.appendingPathComponent(Manifest.fileName)
            let runLocation = SourceLocation(file: run.path)
            guard FileManager.default.fileExists(atPath: manifestURL.path) else {
                throw RefineryError.input("no manifest.json: not a finished run folder", at: runLocation)
            }
            let manifest = try Manifest.read(from: manifestURL)
            if manifest.kind == "export" {
                throw RefineryError.usage("this is an export, not a run; export runs", at: runLocation)
            }
            var count = 0
            for shard in manifest.shards {
                let url = run.appendingPathComponent(shard.file)
                let location = SourceLocation(file: url.path)
                guard FileManager.default.fileExists(atPath: url.path) else {
                    throw RefineryError.input("shard listed in the manifest is missing", at: location)
                }
                let sha = try Hashing.sha256Hex(fileAt: url)
                let bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? -1
                guard sha == shard.sha256, bytes == shard.bytes else {
                    throw RefineryError.input("shard does not match its manifest (sha256 or size)", at: location)
                }
                let lines = try ShardReader.lines(url: url)
                guard lines.count == shard.records else {
                    throw RefineryError.input("\(lines.count) records, the manifest says \(shard.records)",
                                              at: location)
                }
                for line in lines {
                    records.append(try ExportRecord(line: line.text, source: sourceIndex, file: url.path,
                                                    lineNumber: line.number))
                }
                count += lines.count
            }
            sources.append(ExportSource(path: run.path, runID: manifest.runID, configHash: manifest.configHash,
                                        model: manifest.model, records: count))
        }
        return (sources, records)
    }
}
