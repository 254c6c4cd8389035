import Foundation
import XCTest
@testable import Refinery

/// `refinery export` on real runs: cross-run dedup, stable splits, filters, formats, the persistent index.
final class ExporterTests: XCTestCase {
    private func export(_ runs: [URL], to directory: URL, _ configure: (inout ExportOptions) -> Void = { _ in })
        throws -> ExportSummary {
        var options = ExportOptions(splits: try ExportSplits.parse("train=0.5,validation=0.5"), shardBytes: 700)
        configure(&options)
        return try Exporter(options: options).export(runs: runs, to: directory)
    }

    private func assertValid(_ directory: URL, file: StaticString = #filePath, line: UInt = #line) throws {
        let report = try ShardVerifier().verify(directory: directory)
        XCTAssertTrue(report.isValid, report.problems.joined(separator: "\n"), file: file, line: line)
    }

    func testOverlappingRunsExportEachRecordOnce() async throws {
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root)
        let first = try await runs.run("a")
        let second = try await runs.run("b")
        let firstIDs = try ExportRuns.records(in: first).compactMap { $0["id"]?.stringValue }
        // How many scripted samples pass depends on the sampling seeds, which derive from the config hash.
        XCTAssertGreaterThan(firstIDs.count, 5)
        XCTAssertEqual(Set(try ExportRuns.records(in: second).compactMap { $0["id"]?.stringValue }), Set(firstIDs))

        let out = root.appendingPathComponent("export")
        let summary = try export([first, second], to: out)
        let records = try ExportRuns.records(in: out)
        let ids = records.compactMap { $0["id"]?.stringValue }
        XCTAssertEqual(ids.count, Set(ids).count, "duplicate ids in the export")
        let contents = records.map { ($0["messages"]?.arrayValue ?? []).map { $0["content"]?.stringValue ?? "" } }
        XCTAssertEqual(Set(contents).count, contents.count, "duplicate content in the export")
        XCTAssertTrue(Set(ids).isSubset(of: Set(firstIDs)))
        XCTAssertEqual(summary.input, 2 * firstIDs.count)
        XCTAssertEqual(summary.exported + summary.removed.values.reduce(0, +), summary.input)
        XCTAssertGreaterThanOrEqual(summary.removed["duplicate"] ?? 0, firstIDs.count)
        XCTAssertEqual(summary.exported, ids.count)
        try assertValid(out)

        // Manifest: kind, sources in order, counts per split, split set on every shard, more than one shard.
        let manifest = try Manifest.read(from: out.appendingPathComponent(Manifest.fileName))
        XCTAssertEqual(manifest.kind, "export")
        XCTAssertGreaterThan(manifest.shards.count, 2)
        XCTAssertTrue(manifest.shards.allSatisfy { ["train", "validation"].contains($0.split) })
        XCTAssertTrue(manifest.shards.allSatisfy { $0.file.hasPrefix("\($0.split)/part-") })
        let extra = Dictionary(manifest.extra, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(extra["format"]?.stringValue, "messages")
        let sources = extra["sources"]?.arrayValue ?? []
        XCTAssertEqual(sources.map { $0["path"]?.stringValue }, [first.path, second.path])
        XCTAssertEqual(sources.compactMap { $0["run_id"]?.stringValue }.filter { !$0.isEmpty }.count, 2)
        XCTAssertEqual(extra["counts"]?["per_split"]?["train"]?.intValue, summary.perSplit["train"])
        XCTAssertEqual(extra["removed"]?["duplicate"]?.intValue, summary.removed["duplicate"])

        // Each record is in the split its id hashes to.
        let halves = try ExportSplits.parse("train=0.5,validation=0.5")
        for (id, split) in try ExportRuns.splits(of: out) { XCTAssertEqual(split, halves.split(for: id)) }
    }

    func testNearDuplicatesKeepTheHigherScore() async throws {
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root)
        let first = try await runs.longRun("a")
        let better = try runs.rewrite(first, into: "near") { record, _ in
            ExportRuns.scored(ExportRuns.nearCopy(record), 9.0)
        }
        let nearIDs = Set(try ExportRuns.records(in: better).compactMap { $0["id"]?.stringValue })
        let out = root.appendingPathComponent("export")
        let summary = try export([first, better], to: out)
        let ids = Set(try ExportRuns.records(in: out).compactMap { $0["id"]?.stringValue })
        // Every record of run a has a near copy scoring 9 > 1.0, so only copies are kept (LSH may also join
        // similar records of run a into one cluster, so some copies can go too).
        XCTAssertTrue(ids.isSubset(of: nearIDs))
        XCTAssertGreaterThanOrEqual(ids.count, nearIDs.count / 2)
        XCTAssertEqual(summary.removed["duplicate"], 2 * nearIDs.count - ids.count)
        try assertValid(out)
    }

    func testSplitsAreStableAcrossExports() async throws {
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root)
        let first = try await runs.run("a")
        let second = try await runs.run("b")
        _ = try export([first], to: root.appendingPathComponent("one"))
        _ = try export([second, first], to: root.appendingPathComponent("two"))
        let one = try ExportRuns.splits(of: root.appendingPathComponent("one"))
        let two = try ExportRuns.splits(of: root.appendingPathComponent("two"))
        XCTAssertEqual(one, two)
        XCTAssertEqual(Set(one.values), ["train", "validation"])
    }

    func testSplitFractionsAndParsing() throws {
        let splits = try ExportSplits.parse("train=0.98,validation=0.02")
        let ids = (0..<20_000).map { String(Hashing.sha256Hex("record \($0)").prefix(32)) }
        let validation = ids.filter { splits.split(for: $0) == "validation" }.count
        XCTAssertEqual(Double(validation) / Double(ids.count), 0.02, accuracy: 0.005)
        XCTAssertEqual(ids.map { splits.split(for: $0) }, ids.map { splits.split(for: $0) })
        for position in ids.prefix(100).map(ExportSplits.position(of:)) {
            XCTAssertTrue((0..<1).contains(position))
        }
        for bad in ["train=0.9", "train=0.5,train=0.5", "train", "train=x", "../x=1", "train=1.5,v=-0.5", ""] {
            XCTAssertThrowsError(try ExportSplits.parse(bad), bad) { error in
                XCTAssertEqual((error as? RefineryError)?.kind, .usage, bad)
            }
        }
    }

    func testPersistentIndexPreventsReExport() async throws {
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root)
        let first = try await runs.longRun("a")
        let second = try await runs.longRun("b")
        let near = try runs.rewrite(first, into: "near") { record, _ in ExportRuns.nearCopy(record) }
        let index = root.appendingPathComponent("exported.sqlite")
        let initial = try export([first], to: root.appendingPathComponent("one")) { $0.indexURL = index }
        XCTAssertGreaterThan(initial.exported, 0)
        XCTAssertEqual(try PersistentDedupIndex(url: index, settings: DedupSettings()).count(), initial.exported)

        let again = try export([second, near], to: root.appendingPathComponent("two")) { $0.indexURL = index }
        XCTAssertEqual(again.exported, 0)
        XCTAssertEqual(again.removed["already_exported"], initial.exported)
        try assertValid(root.appendingPathComponent("two"))

        // Without the index the same export writes them again.
        let fresh = try export([second], to: root.appendingPathComponent("three"))
        XCTAssertEqual(fresh.exported, initial.exported)
    }

    func testTaskAndScoreFilters() async throws {
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root)
        let first = try await runs.run("a")
        let scored = try runs.rewrite(first, into: "scored") { record, position in
            ExportRuns.scored(record, position.isMultiple(of: 2) ? 8.0 : 3.0)
        }
        let all = try ExportRuns.records(in: scored)
        let high = Set(all.filter { ExportRecord.score(of: $0) >= 5 }.compactMap { $0["id"]?.stringValue })
        XCTAssertFalse(high.isEmpty)

        let filtered = try export([scored], to: root.appendingPathComponent("high")) { $0.minScore = 5 }
        XCTAssertEqual(Set(try ExportRuns.records(in: root.appendingPathComponent("high"))
            .compactMap { $0["id"]?.stringValue }), high)
        XCTAssertEqual(filtered.removed["below_min_score"], all.count - high.count)

        let math = try export([scored], to: root.appendingPathComponent("math")) { $0.tasks = ["math"] }
        XCTAssertEqual(math.removed["task_filtered"] ?? 0, 0)
        XCTAssertGreaterThan(math.exported, 0)
        let code = try export([scored], to: root.appendingPathComponent("code")) { $0.tasks = ["code"] }
        XCTAssertEqual(code.exported, 0)
        XCTAssertEqual(code.removed["task_filtered"], all.count)
        try assertValid(root.appendingPathComponent("code"))
    }

    func testTextFormat() async throws {
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root)
        let first = try await runs.run("a")
        let source = Dictionary(uniqueKeysWithValues: try ExportRuns.records(in: first).map {
            ($0["id"]?.stringValue ?? "", $0)
        })
        let out = root.appendingPathComponent("text")
        let summary = try export([first], to: out) { $0.format = .text }
        let records = try ExportRuns.records(in: out)
        XCTAssertEqual(records.count, summary.exported)
        XCTAssertGreaterThan(records.count, 0)
        for record in records {
            guard case .object(let pairs) = record else { return XCTFail("not an object") }
            XCTAssertEqual(pairs.map(\.0), ["id", "task", "text"])
            let original = source[record["id"]?.stringValue ?? ""]
            let messages = original?["messages"]?.arrayValue ?? []
            XCTAssertEqual(messages.count, 2)
            let expected = messages.map { $0["content"]?.stringValue ?? "" }.joined(separator: "\n\n")
            XCTAssertEqual(record["text"]?.stringValue, expected)
            XCTAssertEqual(record["task"]?.stringValue, "math")
        }
        try assertValid(out)
        // A text record in a messages-format export is rejected by verify.
        XCTAssertFalse(ShardVerifier.validateText(.object([("id", .string("x"))])).isEmpty)
    }

    func testDecontaminationRemovesBenchmarkOverlap() async throws {
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root)
        let first = try await runs.run("a")
        let records = try ExportRuns.records(in: first)
        let leaked = records[0]["messages"]?.arrayValue?.first?["content"]?.stringValue ?? ""
        let benchmark = try root.appendingPathComponent("bench.jsonl").writing(
            JSONValue.object([("question", .string(leaked.uppercased()))]).serialized() + "\n"
            + JSONValue.object([("question", .string("an unrelated benchmark question about prime numbers"))])
                .serialized() + "\n")
        let out = root.appendingPathComponent("clean")
        let summary = try export([first], to: out) {
            $0.benchmarks = [.file(benchmark.path, field: "question")]
        }
        let contaminated = summary.removed["contaminated"] ?? 0
        XCTAssertGreaterThanOrEqual(contaminated, 1)
        XCTAssertEqual(summary.contaminatedPerBenchmark[benchmark.path], contaminated)
        let kept = try ExportRuns.records(in: out)
        XCTAssertFalse(kept.contains { $0["id"] == records[0]["id"] })
        XCTAssertGreaterThan(kept.count, 0)
    }

    func testInputAndUsageErrors() async throws {
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root, seeds: 4)
        let first = try await runs.run("a")
        let out = try root.appendingPathComponent("busy/file.txt").writing("x").deletingLastPathComponent()
        XCTAssertThrowsError(try export([first], to: out)) { XCTAssertEqual(($0 as? RefineryError)?.kind, .usage) }
        let missing = root.appendingPathComponent("missing")
        XCTAssertThrowsError(try export([missing], to: root.appendingPathComponent("o1"))) {
            XCTAssertEqual(($0 as? RefineryError)?.kind, .input)
        }
        // A corrupted shard is caught by its sha256.
        let manifest = try Manifest.read(from: first.appendingPathComponent(Manifest.fileName))
        let shard = first.appendingPathComponent(manifest.shards[0].file)
        var bytes = try Data(contentsOf: shard)
        bytes[bytes.count / 2] ^= 0xFF
        try bytes.write(to: shard)
        XCTAssertThrowsError(try export([first], to: root.appendingPathComponent("o2"))) {
            XCTAssertEqual(($0 as? RefineryError)?.kind, .input)
        }
    }

    func testExportLoadsWithHuggingFaceDatasets() async throws {
        guard let python = try pythonWithDatasets() else {
            throw XCTSkip("python cannot import datasets; set REFINERY_PYTHON to a venv with Tools/ci/requirements.txt")
        }
        let root = try makeTemporaryDirectory(self)
        let runs = try ExportRuns(root: root)
        let first = try await runs.run("a")
        let second = try await runs.run("b")
        let out = root.appendingPathComponent("export")
        let summary = try export([first, second], to: out)
        let script = repositoryRoot.appendingPathComponent("Tools/ci/load_shards.py").path
        let result = try runProcess(python, [script, out.path, String(summary.exported)])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.output.contains("\"validation\""), result.output)

        // The text format, loaded the way the issue shows: data_files={"train": …, "validation": …}.
        let text = root.appendingPathComponent("text")
        let textSummary = try export([first, second], to: text) { $0.format = .text }
        let manifest = try Manifest.read(from: text.appendingPathComponent(Manifest.fileName))
        func files(_ split: String) -> String {
            manifest.shards.filter { $0.split == split }.map { "'\(text.appendingPathComponent($0.file).path)'" }
                .joined(separator: ",")
        }
        let program = """
            import datasets
            d = datasets.load_dataset("json", data_files={"train": [\(files("train"))], \
            "validation": [\(files("validation"))]})
            assert sorted(d["train"].column_names) == ["id", "task", "text"], d["train"].column_names
            print(len(d["train"]) + len(d["validation"]))
            """
        let loaded = try runProcess(python, ["-c", program])
        XCTAssertEqual(loaded.status, 0, loaded.output)
        XCTAssertTrue(loaded.output.hasSuffix("\(textSummary.exported)\n"), loaded.output)
    }
}
