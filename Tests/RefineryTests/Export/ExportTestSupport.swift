import Foundation
import XCTest
@testable import Refinery

/// Runs for export tests: real pipeline runs from `PipelineFixture`, and copies of them with edited records.
struct ExportRuns {
    let root: URL
    let fixture: PipelineFixture

    init(root: URL, seeds: Int = 14) throws {
        self.root = root
        fixture = try PipelineFixture(root: root.appendingPathComponent("fixture"), seeds: seeds, samplesPerSeed: 2,
                                      shardBytes: "600B")
    }

    /// A real run of the fixture into `root/name`.
    func run(_ name: String) async throws -> URL {
        let directory = root.appendingPathComponent(name)
        _ = try await fixture.run(directory: directory, generator: ScriptedGenerator())
        return directory
    }

    /// Every record of a run or export, in manifest order.
    static func records(in directory: URL) throws -> [JSONValue] {
        let manifest = try Manifest.read(from: directory.appendingPathComponent(Manifest.fileName))
        var records: [JSONValue] = []
        for shard in manifest.shards {
            for line in try ShardReader.lines(url: directory.appendingPathComponent(shard.file)) {
                records.append(try JSONValue.parse(line.text))
            }
        }
        return records
    }

    /// A real run of the fixture whose answers carry 40 more words (derived from the answer, so equal records stay
    /// equal): the scripted answers are a dozen words, too short for a one-word edit to stay above the near-duplicate
    /// threshold with every MinHash draw (the draws depend on the run's config hash).
    func longRun(_ name: String) async throws -> URL {
        try rewrite(try await run(name + "-short"), into: name) { record, _ in Self.lengthened(record) }
    }

    /// `record` with 40 words appended to its assistant message, a function of that message.
    static func lengthened(_ record: JSONValue) -> JSONValue {
        let words = ["amber", "birch", "cedar", "delta", "ember", "fjord", "grove", "heron", "inlet", "juniper",
                     "kestrel", "larch", "maple", "nectar", "otter", "pine"]
        var messages = record["messages"]?.arrayValue ?? []
        guard let last = messages.indices.last else { return record }
        let content = messages[last]["content"]?.stringValue ?? ""
        let digest = Hashing.sha256Hex(content + "/a") + Hashing.sha256Hex(content + "/b")
        let extra = digest.prefix(40).map { words[Int(String($0), radix: 16) ?? 0] }.joined(separator: " ")
        messages[last] = setting(messages[last], "content", .string(content + "\n" + extra + "."))
        return setting(record, "messages", .array(messages))
    }

    /// Record ids per split of an export.
    static func splits(of directory: URL) throws -> [String: String] {
        let manifest = try Manifest.read(from: directory.appendingPathComponent(Manifest.fileName))
        var result: [String: String] = [:]
        for shard in manifest.shards {
            for line in try ShardReader.lines(url: directory.appendingPathComponent(shard.file)) {
                result[try JSONValue.parse(line.text)["id"]?.stringValue ?? ""] = shard.split
            }
        }
        return result
    }

    /// Writes a run folder (shards + manifest) holding `source`'s records after `edit` (record, position).
    func rewrite(_ source: URL, into name: String, edit: (JSONValue, Int) -> JSONValue) throws -> URL {
        let directory = root.appendingPathComponent(name)
        final class Box { var shards: [Manifest.Shard] = [] }
        let box = Box()
        let writer = try ShardWriter(directory: directory.appendingPathComponent("shards"), maxBytes: 600, level: 3,
                                     startIndex: 0) { shard, _ in
            box.shards.append(Manifest.Shard(file: "shards/\(shard.fileName)", records: shard.records,
                                             bytes: shard.bytes, sha256: shard.sha256))
        }
        for (position, record) in try Self.records(in: source).enumerated() {
            try writer.append(line: edit(record, position).serialized(), sampleID: Int64(position))
        }
        try writer.finish()
        try Manifest(kind: "run", runID: "rewritten-\(name)", configHash: "cfg-\(name)", model: "scripted",
                     created: "2026-11-28T00:00:00Z", shards: box.shards)
            .write(to: directory.appendingPathComponent(Manifest.fileName))
        return directory
    }

    /// `record` with a field replaced (or appended).
    static func setting(_ record: JSONValue, _ key: String, _ value: JSONValue) -> JSONValue {
        guard case .object(var pairs) = record else { return record }
        if let index = pairs.firstIndex(where: { $0.0 == key }) {
            pairs[index].1 = value
        } else {
            pairs.append((key, value))
        }
        return .object(pairs)
    }

    /// `record` with a rubric judgment of `score` added.
    static func scored(_ record: JSONValue, _ score: Double) -> JSONValue {
        let rubric = JSONValue.object([("judge", .string("rubric")), ("passed", .bool(true)),
                                       ("score", .double(score)), ("reason", .string(""))])
        return setting(record, "judgments", .array((record["judgments"]?.arrayValue ?? []) + [rubric]))
    }

    /// `record` with a word appended to its assistant message and a new id: a near duplicate.
    static func nearCopy(_ record: JSONValue) -> JSONValue {
        var messages = record["messages"]?.arrayValue ?? []
        if let last = messages.indices.last {
            let content = (messages[last]["content"]?.stringValue ?? "") + " Indeed."
            messages[last] = setting(messages[last], "content", .string(content))
        }
        let id = String(Hashing.sha256Hex("near:" + (record["id"]?.stringValue ?? "")).prefix(32))
        return setting(setting(record, "messages", .array(messages)), "id", .string(id))
    }
}

/// Python (REFINERY_PYTHON or python3); nil when it cannot import `datasets` and `zstandard` (which fsspec needs
/// to read .jsonl.zst).
func pythonWithDatasets() throws -> String? {
    let python = ProcessInfo.processInfo.environment["REFINERY_PYTHON"] ?? "python3"
    return try runProcess(python, ["-c", "import datasets, zstandard"]).status == 0 ? python : nil
}

func runProcess(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}
