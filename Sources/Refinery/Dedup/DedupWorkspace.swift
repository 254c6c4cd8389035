import Foundation
import GRDB

/// On-disk state of one streaming dedup: per record its id, score, exact hash and band keys, sorted by SQLite
/// (which spills to temp files) so memory stays bounded however many records there are.
///
/// Records are numbered by `ord`, their position in the input (blank lines skipped), so later passes can re-read
/// the inputs and line up with the stored decisions.
final class DedupWorkspace {
    let url: URL
    private let queue: DatabaseQueue

    /// Creates a fresh workspace at `url` (an existing file there is replaced).
    init(url: URL) throws {
        self.url = url
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: url.path + suffix)
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // Scratch data: no journal, no fsync; a crash just means starting over.
            try db.execute(sql: "PRAGMA journal_mode = OFF")
            try db.execute(sql: "PRAGMA synchronous = OFF")
            try db.execute(sql: "PRAGMA cache_size = -65536")
            try db.execute(sql: "PRAGMA temp_store = FILE")
        }
        do {
            queue = try DatabaseQueue(path: url.path, configuration: configuration)
            try queue.write { db in
                try db.execute(sql: """
                    CREATE TABLE records(ord INTEGER PRIMARY KEY, file INTEGER NOT NULL, line INTEGER NOT NULL,
                        id TEXT NOT NULL, score REAL NOT NULL,
                        exact BLOB, bands BLOB, shingles BLOB, prior_id TEXT, prior_kind TEXT, prior_similarity REAL);
                    CREATE TABLE bands(band INTEGER NOT NULL, key INTEGER NOT NULL, ord INTEGER NOT NULL);
                    CREATE TABLE removed(ord INTEGER PRIMARY KEY, kept INTEGER, kind TEXT NOT NULL,
                        similarity REAL);
                    """)
            }
        } catch {
            throw RefineryError.internal("cannot create the dedup workspace: \(error)",
                                         at: SourceLocation(file: url.path))
        }
    }

    /// Deletes the workspace files.
    func remove() {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            try? FileManager.default.removeItem(atPath: url.path + suffix)
        }
    }

    /// A record as stored in pass 1.
    struct Entry {
        var ord: Int
        var file: Int
        var line: Int
        var id: String
        var score: Double
        var fingerprint: DedupFingerprint
        var prior: IndexMatch?
    }

    /// Stores a batch of records; `prior` marks records that duplicate one in the persistent index (they take no
    /// part in clustering).
    func insert(_ records: [Entry]) throws {
        try write { db in
            let record = try db.cachedStatement(sql: """
                INSERT INTO records(ord, file, line, id, score, exact, bands, shingles, prior_id, prior_kind,
                    prior_similarity)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            let band = try db.cachedStatement(sql: "INSERT INTO bands(band, key, ord) VALUES (?, ?, ?)")
            for entry in records {
                let fingerprint = entry.fingerprint
                let prior = entry.prior
                try record.execute(arguments: [
                    entry.ord, entry.file, entry.line, entry.id, entry.score.isNaN ? -Double.infinity : entry.score,
                    fingerprint.exact?.bytes, HashBlob.encode(fingerprint.bandKeys),
                    fingerprint.shingles.map(HashBlob.encode), prior?.id,
                    prior.map { _ in DuplicateKind.index.rawValue }, prior?.similarity,
                ])
                if prior != nil { continue }
                for (index, key) in fingerprint.bandKeys.enumerated() {
                    try band.execute(arguments: [index, Int64(bitPattern: key), entry.ord])
                }
            }
        }
    }

    /// Calls `body` with each group (≥ 2 ords, ascending) of records with equal exact hashes.
    func forEachExactGroup(_ body: ([Int]) throws -> Void) throws {
        try groups(sql: """
            SELECT exact, ord FROM records WHERE exact IS NOT NULL AND prior_id IS NULL ORDER BY exact, ord
            """, keyColumns: 1) { members, _ in try body(members) }
    }

    /// Calls `body` with each LSH bucket (≥ 2 ords, ascending): records with equal keys in the same band. The
    /// reader it gets can look up shingle sets while the scan goes on.
    func forEachBandGroup(_ body: ([Int], Reader) throws -> Void) throws {
        try groups(sql: "SELECT band, key, ord FROM bands ORDER BY band, key, ord", keyColumns: 2, body)
    }

    /// Lookups during a scan (the database is not reentrant, so they share the scan's connection).
    struct Reader {
        let db: Database

        /// Shingle set of a record (empty when none was stored).
        func shingles(_ ord: Int) throws -> [UInt64] {
            let statement = try db.cachedStatement(sql: "SELECT shingles FROM records WHERE ord = ?")
            return try Data.fetchOne(statement, arguments: [ord]).map(HashBlob.decode) ?? []
        }
    }

    /// Shingle set of a record, outside a scan.
    func shingles(_ ord: Int) throws -> [UInt64] {
        try read { try Reader(db: $0).shingles(ord) }
    }

    private func groups(sql: String, keyColumns: Int, _ body: ([Int], Reader) throws -> Void) throws {
        try read { db in
            let reader = Reader(db: db)
            let cursor = try Row.fetchCursor(db, sql: sql)
            var current: [DatabaseValue] = []
            var members: [Int] = []
            while let row = try cursor.next() {
                let key = (0..<keyColumns).map { row[$0] as DatabaseValue }
                let ord: Int = row[keyColumns]
                if key != current {
                    if members.count > 1 { try body(members, reader) }
                    members.removeAll(keepingCapacity: true)
                    current = key
                }
                members.append(ord)
            }
            if members.count > 1 { try body(members, reader) }
        }
    }

    struct Member {
        var ord: Int
        var id: String
        var score: Double
        var exact: Data?
    }

    /// Id, score and exact hash of the given records.
    func members(_ ords: [Int]) throws -> [Member] {
        try read { db in
            let statement = try db.cachedStatement(sql: "SELECT id, score, exact FROM records WHERE ord = ?")
            return try ords.map { ord in
                guard let row = try Row.fetchOne(statement, arguments: [ord]) else {
                    throw RefineryError.internal("dedup workspace lost record \(ord)")
                }
                return Member(ord: ord, id: row[0], score: row[1], exact: row[2])
            }
        }
    }

    /// Records the removal of `ord` in favour of `kept`.
    func markRemoved(_ entries: [(ord: Int, kept: Int, kind: DuplicateKind, similarity: Double?)]) throws {
        try write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO removed(ord, kept, kind, similarity) VALUES (?, ?, ?, ?)
                """)
            for entry in entries {
                try statement.execute(arguments: [entry.ord, entry.kept, entry.kind.rawValue, entry.similarity])
            }
        }
    }

    /// One removed record with what the report says about it.
    struct Removal {
        var ord: Int
        var file: Int
        var line: Int
        var id: String
        var duplicateOf: String
        var kind: DuplicateKind
        var similarity: Double?
    }

    /// Every removed record in `ord` order: cluster removals and persistent-index matches.
    func forEachRemoval(_ body: (Removal) throws -> Void) throws {
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT r.ord, r.file, r.line, r.id, COALESCE(k.id, r.prior_id), COALESCE(m.kind, r.prior_kind),
                       COALESCE(m.similarity, r.prior_similarity)
                FROM records r LEFT JOIN removed m ON m.ord = r.ord LEFT JOIN records k ON k.ord = m.kept
                WHERE m.ord IS NOT NULL OR r.prior_id IS NOT NULL ORDER BY r.ord
                """)
            while let row = try cursor.next() {
                let kindName: String = row[5]
                try body(Removal(ord: row[0], file: row[1], line: row[2], id: row[3], duplicateOf: row[4],
                                 kind: DuplicateKind(rawValue: kindName) ?? .near, similarity: row[6]))
            }
        }
    }

    /// Runs `body` with a function that returns the removed ords in ascending order (nil after the last).
    func withRemovedOrds<T>(_ body: (() throws -> Int?) throws -> T) throws -> T {
        try read { db in
            let cursor = try Int.fetchCursor(db, sql: """
                SELECT ord FROM removed UNION SELECT ord FROM records WHERE prior_id IS NOT NULL ORDER BY 1
                """)
            return try body { try cursor.next() }
        }
    }

    /// Id and fingerprint of every kept record, in `ord` order, in batches (for the persistent index).
    func forEachKeptBatch(size: Int, _ body: ([(id: String, fingerprint: DedupFingerprint)]) throws -> Void) throws {
        try read { db in
            let cursor = try Row.fetchCursor(db, sql: """
                SELECT r.id, r.exact, r.bands, r.shingles FROM records r
                WHERE r.prior_id IS NULL AND NOT EXISTS (SELECT 1 FROM removed m WHERE m.ord = r.ord) ORDER BY r.ord
                """)
            var batch: [(id: String, fingerprint: DedupFingerprint)] = []
            while let row = try cursor.next() {
                let exact: Data? = row[1]
                let bands: Data = row[2]
                let shingles: Data? = row[3]
                let fingerprint = DedupFingerprint(exact: exact.flatMap(ContentHash.init(bytes:)),
                                                   bandKeys: HashBlob.decode(bands),
                                                   shingles: shingles.map(HashBlob.decode))
                batch.append((row[0], fingerprint))
                if batch.count >= size {
                    try body(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try body(batch) }
        }
    }

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingDatabaseErrors("dedup workspace read", file: url) { try queue.read(body) }
    }

    private func write<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingDatabaseErrors("dedup workspace write", file: url) { try queue.write(body) }
    }
}
