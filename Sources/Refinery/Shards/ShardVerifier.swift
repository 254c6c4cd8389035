import Foundation

/// `refinery verify`: checks shards against their manifest — zstd integrity, sha256, record counts, schema and
/// unique ids — without trusting anything the writer said.
public struct ShardVerifier {
    public struct Report: Sendable {
        public var manifestURL: URL
        public var shardsChecked = 0
        public var records = 0
        public var problems: [String] = []
        public var isValid: Bool { problems.isEmpty }
    }

    /// Problems beyond this many per shard are summarised, so a broken file does not flood the output.
    public var maxProblemsPerShard = 20

    public init() {}

    /// Finds the manifest for a run folder, a shard folder or an export folder.
    public static func manifestURL(for directory: URL) throws -> URL {
        for candidate in [directory, directory.deletingLastPathComponent()] {
            let url = candidate.appendingPathComponent(Manifest.fileName)
            if FileManager.default.fileExists(atPath: url.path) { return url }
        }
        throw RefineryError.input("no manifest.json in this folder or its parent", at: SourceLocation(file: directory.path))
    }

    public func verify(directory: URL) throws -> Report {
        let manifestURL = try Self.manifestURL(for: directory)
        let manifest = try Manifest.read(from: manifestURL)
        let root = manifestURL.deletingLastPathComponent()
        var report = Report(manifestURL: manifestURL)
        var ids: [String: String] = [:]
        var listed = Set<String>()
        // Exports in the `text` format hold {"id","task","text"} records, not the full schema.
        let textFormat = manifest.extra.first { $0.0 == "format" }?.1.stringValue == "text"
        for shard in manifest.shards {
            let url = root.appendingPathComponent(shard.file)
            listed.insert(url.standardizedFileURL.path)
            report.shardsChecked += 1
            report.problems += check(shard: shard, url: url, textFormat: textFormat, ids: &ids,
                                     records: &report.records)
        }
        // Shard files on disk that the manifest does not list.
        let folders = Set(manifest.shards.map { root.appendingPathComponent($0.file).deletingLastPathComponent() })
        for folder in folders.sorted(by: { $0.path < $1.path }) {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
            for name in names.sorted() where name.hasSuffix(".jsonl.zst") {
                let path = folder.appendingPathComponent(name).standardizedFileURL.path
                if !listed.contains(path) { report.problems.append("\(path): shard file not listed in the manifest") }
            }
        }
        if report.records != manifest.totalRecords {
            report.problems.append("\(manifestURL.path): totals say \(manifest.totalRecords) records, shards hold \(report.records)")
        }
        return report
    }

    private func check(shard: Manifest.Shard, url: URL, textFormat: Bool, ids: inout [String: String],
                       records: inout Int) -> [String] {
        var problems: [String] = []
        let name = url.path
        guard FileManager.default.fileExists(atPath: name) else { return ["\(name): missing"] }
        var lineNumber = 0
        var pending = Data()
        var recordProblems = 0
        func note(_ text: String) {
            recordProblems += 1
            if recordProblems <= maxProblemsPerShard { problems.append(text) }
        }
        func checkLine(_ bytes: Data) {
            lineNumber += 1
            guard let text = String(validating: bytes, as: UTF8.self) else {
                note("\(name):\(lineNumber): invalid UTF-8")
                return
            }
            guard let value = try? JSONValue.parse(text), case .object = value else {
                note("\(name):\(lineNumber): not a JSON object")
                return
            }
            let found = textFormat ? Self.validateText(value) : RecordSchema.validate(value)
            for problem in found { note("\(name):\(lineNumber): \(problem)") }
            if let id = value["id"]?.stringValue {
                if let first = ids[id] {
                    note("\(name):\(lineNumber): duplicate id \(id) (first at \(first))")
                } else {
                    ids[id] = "\(url.lastPathComponent):\(lineNumber)"
                }
            }
        }
        do {
            let (count, sha) = try ShardReader.forEachChunk(url: url) { chunk in
                pending.append(chunk)
                while let newline = pending.firstIndex(of: 0x0A) {
                    checkLine(Data(pending[pending.startIndex..<newline]))
                    pending = Data(pending[pending.index(after: newline)...])
                }
            }
            if !pending.isEmpty { note("\(name): the last record has no newline (truncated?)") }
            if count != shard.bytes { problems.append("\(name): \(count) bytes, manifest says \(shard.bytes)") }
            if sha != shard.sha256 { problems.append("\(name): sha256 \(sha) does not match the manifest") }
        } catch {
            problems.append("\(error)")
        }
        if lineNumber != shard.records {
            problems.append("\(name): \(lineNumber) records, manifest says \(shard.records)")
        }
        if recordProblems > maxProblemsPerShard {
            problems.append("\(name): \(recordProblems - maxProblemsPerShard) more record problems not shown")
        }
        records += lineNumber
        return problems
    }

    /// The `text` export format: exactly the string fields id, task and text.
    static func validateText(_ record: JSONValue) -> [String] {
        guard case .object(let pairs) = record else { return ["record: expected an object"] }
        var problems: [String] = []
        for name in ["id", "task", "text"] where record[name]?.stringValue == nil {
            problems.append("\(name): missing or not a string")
        }
        for key in pairs.map(\.0) where !["id", "task", "text"].contains(key) {
            problems.append("\(key): unexpected field")
        }
        return problems
    }
}
