import Foundation

/// `manifest.json`: what a run (or an export) wrote, with checksums, written last and atomically.
public struct Manifest: Sendable {
    public static let formatVersion = 1
    public static let fileName = "manifest.json"

    public struct Shard: Sendable, Hashable {
        /// Path relative to the manifest's folder.
        public var file: String
        public var records: Int
        public var bytes: Int
        public var sha256: String
        /// Split name for exports (`train`, `validation`); empty for run shards.
        public var split: String

        public init(file: String, records: Int, bytes: Int, sha256: String, split: String = "") {
            self.file = file
            self.records = records
            self.bytes = bytes
            self.sha256 = sha256
            self.split = split
        }
    }

    public var kind: String
    public var runID: String
    public var configHash: String
    public var model: String
    public var created: String
    public var shards: [Shard]
    /// Extra sections (funnel counts, source runs, …) written after the standard fields.
    public var extra: [(String, JSONValue)]

    public init(kind: String, runID: String, configHash: String, model: String, created: String, shards: [Shard],
                extra: [(String, JSONValue)] = []) {
        self.kind = kind
        self.runID = runID
        self.configHash = configHash
        self.model = model
        self.created = created
        self.shards = shards
        self.extra = extra
    }

    public var totalRecords: Int { shards.reduce(0) { $0 + $1.records } }
    public var totalBytes: Int { shards.reduce(0) { $0 + $1.bytes } }

    public var json: JSONValue {
        .object([
            ("format_version", .int(Self.formatVersion)),
            ("kind", .string(kind)),
            ("run_id", .string(runID)),
            ("config_hash", .string(configHash)),
            ("model", .string(model)),
            ("created", .string(created)),
            ("record_schema_version", .int(RecordSchema.version)),
            ("shards", .array(shards.map { shard in
                var pairs: [(String, JSONValue)] = [
                    ("file", .string(shard.file)), ("records", .int(shard.records)), ("bytes", .int(shard.bytes)),
                    ("sha256", .string(shard.sha256)),
                ]
                if !shard.split.isEmpty { pairs.append(("split", .string(shard.split))) }
                return .object(pairs)
            })),
            ("totals", .object([("shards", .int(shards.count)), ("records", .int(totalRecords)),
                                ("bytes", .int(totalBytes))])),
        ] + extra)
    }

    public func write(to url: URL) throws {
        try FileSystem.writeAtomically(Data(json.pretty().utf8), to: url)
    }

    /// Reads a manifest; errors name the file and the missing or mistyped field.
    public static func read(from url: URL) throws -> Manifest {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw RefineryError.input("cannot read manifest: \(error.localizedDescription)", at: SourceLocation(file: url.path))
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw RefineryError.input("manifest is not valid JSON: \(JSONErrorText.describe(error))",
                                      at: SourceLocation(file: url.path))
        }
        func field<T>(_ name: String, _ get: (JSONValue) -> T?) throws -> T {
            guard let raw = value[name], let result = get(raw) else {
                throw RefineryError.input("manifest field \"\(name)\" is missing or has the wrong type",
                                          at: SourceLocation(file: url.path))
            }
            return result
        }
        let version: Int = try field("format_version") { $0.intValue }
        guard version <= formatVersion else {
            throw RefineryError.input("manifest format \(version) is newer than this refinery understands (\(formatVersion))",
                                      at: SourceLocation(file: url.path))
        }
        let shardValues: [JSONValue] = try field("shards") { $0.arrayValue }
        var shards: [Shard] = []
        for (index, item) in shardValues.enumerated() {
            guard let file = item["file"]?.stringValue, let records = item["records"]?.intValue,
                  let bytes = item["bytes"]?.intValue, let sha = item["sha256"]?.stringValue else {
                throw RefineryError.input("manifest shard \(index) lacks file, records, bytes or sha256",
                                          at: SourceLocation(file: url.path))
            }
            shards.append(Shard(file: file, records: records, bytes: bytes, sha256: sha,
                                split: item["split"]?.stringValue ?? ""))
        }
        let known: Set<String> = ["format_version", "kind", "run_id", "config_hash", "model", "created",
                                  "record_schema_version", "shards", "totals"]
        var extra: [(String, JSONValue)] = []
        if case .object(let pairs) = value { extra = pairs.filter { !known.contains($0.0) } }
        return Manifest(
            kind: value["kind"]?.stringValue ?? "run", runID: value["run_id"]?.stringValue ?? "",
            configHash: value["config_hash"]?.stringValue ?? "", model: value["model"]?.stringValue ?? "",
            created: value["created"]?.stringValue ?? "", shards: shards, extra: extra)
    }
}
