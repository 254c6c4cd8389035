import Foundation
import GRDB

/// A record already in the persistent index that a new record duplicates.
public struct IndexMatch: Sendable, Hashable {
    /// The id the earlier record was inserted with.
    public var id: String
    /// `.exact` for equal normalized content, `.near` for an LSH (and, with verification, Jaccard) match.
    public var kind: DuplicateKind
    /// Exact Jaccard similarity when verification is on.
    public var similarity: Double?

    public init(id: String, kind: DuplicateKind, similarity: Double?) {
        self.id = id
        self.kind = kind
        self.similarity = similarity
    }
}

/// The cross-run dedup index (`dedup-index.sqlite`): exact hashes and LSH band keys (and, with Jaccard verification,
/// shingle sets) of every record already exported, so later runs and exports never emit a duplicate of one.
///
/// All state is on disk; memory stays bounded whatever the index size. The dedup settings are stored with the index
/// and must match on every later open (band keys from other settings would never collide).
///
/// Typical use in an export: dedup the new records among themselves first (`DuplicateClusterer`), then
/// `filterAndInsert` the survivors: those matching earlier records are dropped, the rest are added.
public final class PersistentDedupIndex: Sendable {
    public static let fileName = "dedup-index.sqlite"
    static let formatVersion = "1"

    public let url: URL
    public let fingerprinter: DedupFingerprinter
    let queue: DatabaseQueue

    /// Opens the index at `url`, creating it if needed.
    /// - Throws: a usage error when the file was created with different settings; an input error when the file
    ///   is not a dedup index.
    public init(url: URL, settings: DedupSettings) throws {
        self.url = url
        fingerprinter = try DedupFingerprinter(settings: settings)
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        let location = SourceLocation(file: url.path)
        do {
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
            let expected = settings.json.serialized()
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                    CREATE TABLE IF NOT EXISTS items(item INTEGER PRIMARY KEY, id TEXT NOT NULL, shingles BLOB);
                    CREATE TABLE IF NOT EXISTS exact(hash BLOB PRIMARY KEY, item INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE IF NOT EXISTS bands(band INTEGER NOT NULL, key INTEGER NOT NULL,
                        item INTEGER NOT NULL, PRIMARY KEY(band, key, item)) WITHOUT ROWID;
                    """)
                let stored = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'settings'")
                if let stored {
                    guard stored == expected else {
                        throw RefineryError.usage(
                            "the dedup index was built with other settings (\(stored)); these are \(expected)",
                            at: location)
                    }
                } else {
                    try db.execute(sql: "INSERT INTO meta(key, value) VALUES ('settings', ?), ('format', ?)",
                                   arguments: [expected, Self.formatVersion])
                }
            }
        } catch let error as RefineryError {
            throw error
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB {
            throw RefineryError.input("not a dedup index (SQLite): \(error.message ?? "\(error)")", at: location)
        } catch {
            throw RefineryError.internal("cannot open the dedup index: \(error)", at: location)
        }
    }

    /// Records in the index.
    public func count() throws -> Int {
        try read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM items") ?? 0 }
    }

    /// The earlier record `fingerprint` duplicates, or nil.
    public func match(_ fingerprint: DedupFingerprint) throws -> IndexMatch? {
        try read { try self.match(fingerprint, in: $0) }
    }

    /// Matches for many fingerprints, in one read transaction.
    public func matches(_ fingerprints: [DedupFingerprint]) throws -> [IndexMatch?] {
        try read { db in try fingerprints.map { try self.match($0, in: db) } }
    }

    /// Adds records (no duplicate check), in one transaction.
    public func insert(_ records: [(id: String, fingerprint: DedupFingerprint)]) throws {
        try write { db in
            let item = try db.makeStatement(sql: "INSERT INTO items(id, shingles) VALUES (?, ?)")
            let exact = try db.makeStatement(sql: "INSERT OR IGNORE INTO exact(hash, item) VALUES (?, ?)")
            let band = try db.makeStatement(sql: "INSERT OR IGNORE INTO bands(band, key, item) VALUES (?, ?, ?)")
            for record in records {
                try item.execute(arguments: [record.id, record.fingerprint.shingles.map(HashBlob.encode)])
                let rowID = db.lastInsertedRowID
                if let hash = record.fingerprint.exact { try exact.execute(arguments: [hash.bytes, rowID]) }
                for (index, key) in record.fingerprint.bandKeys.enumerated() {
                    try band.execute(arguments: [index, Int64(bitPattern: key), rowID])
                }
            }
        }
    }

    /// Checks each record against the index as it was before the call, then adds those that matched nothing.
    /// Returns the match per record (nil: added). Duplicates among `records` themselves are not looked for; cluster
    /// them first with `DuplicateClusterer`.
    public func filterAndInsert(_ records: [(id: String, fingerprint: DedupFingerprint)]) throws -> [IndexMatch?] {
        let found = try matches(records.map(\.fingerprint))
        try insert(zip(records, found).filter { $0.1 == nil }.map(\.0))
        return found
    }

    /// Fingerprints `text`; if it duplicates an indexed record returns the match, otherwise adds it and returns nil.
    public func checkAndInsert(id: String, text: String) throws -> IndexMatch? {
        let fingerprint = fingerprinter.fingerprint(text)
        if let found = try match(fingerprint) { return found }
        try insert([(id, fingerprint)])
        return nil
    }

    private func match(_ fingerprint: DedupFingerprint, in db: Database) throws -> IndexMatch? {
        if let hash = fingerprint.exact,
           let id = try String.fetchOne(db, sql: """
               SELECT items.id FROM exact JOIN items ON items.item = exact.item WHERE exact.hash = ?
               """, arguments: [hash.bytes]) {
            return IndexMatch(id: id, kind: .exact, similarity: nil)
        }
        if fingerprint.bandKeys.isEmpty { return nil }
        var candidates = Set<Int64>()
        let statement = try db.cachedStatement(sql: "SELECT item FROM bands WHERE band = ? AND key = ?")
        for (index, key) in fingerprint.bandKeys.enumerated() {
            for item in try Int64.fetchAll(statement, arguments: [index, Int64(bitPattern: key)]) {
                candidates.insert(item)
            }
        }
        let settings = fingerprinter.settings
        var best: (item: Int64, similarity: Double?)?
        for item in candidates.sorted() {
            guard settings.verifyJaccard, let threshold = settings.minhash?.threshold else {
                best = (item, nil)
                break
            }
            let blob = try Data.fetchOne(db, sql: "SELECT shingles FROM items WHERE item = ?", arguments: [item])
            let similarity = Jaccard.similarity(fingerprint.shingles ?? [], blob.map(HashBlob.decode) ?? [])
            if similarity >= threshold, similarity > (best?.similarity ?? -1) { best = (item, similarity) }
        }
        guard let best,
              let id = try String.fetchOne(db, sql: "SELECT id FROM items WHERE item = ?", arguments: [best.item])
        else { return nil }
        return IndexMatch(id: id, kind: .near, similarity: best.similarity)
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingDatabaseErrors("dedup index read", file: url) { try queue.read(body) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingDatabaseErrors("dedup index write", file: url) { try queue.write(body) }
    }
}

/// Sorted 64-bit hash sets as little-endian blobs.
enum HashBlob {
    static func encode(_ hashes: [UInt64]) -> Data {
        var bytes = [UInt8]()
        bytes.reserveCapacity(hashes.count * 8)
        for hash in hashes {
            for shift in stride(from: 0, to: 64, by: 8) { bytes.append(UInt8(truncatingIfNeeded: hash >> shift)) }
        }
        return Data(bytes)
    }

    static func decode(_ data: Data) -> [UInt64] {
        let bytes = [UInt8](data)
        var hashes = [UInt64]()
        hashes.reserveCapacity(bytes.count / 8)
        var offset = 0
        while offset + 8 <= bytes.count {
            var value: UInt64 = 0
            for index in stride(from: 7, through: 0, by: -1) { value = value << 8 | UInt64(bytes[offset + index]) }
            hashes.append(value)
            offset += 8
        }
        return hashes
    }
}
