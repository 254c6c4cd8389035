import Foundation
import GRDB

/// The run ledger (`RUN_DIR/ledger.sqlite`, WAL): every seed, sample, judgment, shard and event of a run.
///
/// One `RunLedger` owns the database for the lifetime of a run; readers (`status`, `audit`) open their own
/// read-only instance, which WAL lets run alongside a writer.
public final class RunLedger: Sendable {
    public static let fileName = "ledger.sqlite"

    let pool: DatabasePool
    public let url: URL

    /// Opens (creating and migrating when writable) the ledger at `url`.
    public init(url: URL, readOnly: Bool = false) throws {
        self.url = url
        var configuration = Configuration()
        configuration.readonly = readOnly
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            if !readOnly {
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
        }
        do {
            if readOnly && !FileManager.default.fileExists(atPath: url.path) {
                throw RefineryError.usage("no run ledger here", at: SourceLocation(file: url.path))
            }
            pool = try DatabasePool(path: url.path, configuration: configuration)
            if !readOnly {
                try LedgerMigrations.migrator.migrate(pool)
            } else if try pool.read({ try LedgerMigrations.migrator.hasCompletedMigrations($0) }) == false {
                throw RefineryError.input("the ledger was written by a different Refinery version",
                                          at: SourceLocation(file: url.path))
            }
        } catch let error as RefineryError {
            throw error
        } catch {
            throw RefineryError.input("cannot open the run ledger: \(error)", at: SourceLocation(file: url.path))
        }
    }

    /// Runs a write transaction, mapping database errors to internal errors with the ledger's path.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingDatabaseErrors("ledger write", file: url) { try pool.write(body) }
    }

    func read<T>(_ body: (Database) throws -> T) throws -> T {
        try mappingDatabaseErrors("ledger read", file: url) { try pool.read(body) }
    }

    // MARK: Run information

    public func info(_ key: String) throws -> String? {
        try read { try String.fetchOne($0, sql: "SELECT value FROM run_info WHERE key = ?", arguments: [key]) }
    }

    public func setInfo(_ key: String, _ value: String) throws {
        try write {
            try $0.execute(sql: "INSERT INTO run_info(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           arguments: [key, value])
        }
    }

    public func allInfo() throws -> [String: String] {
        try read { db in
            var result: [String: String] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT key, value FROM run_info") {
                result[row["key"]] = row["value"]
            }
            return result
        }
    }

    // MARK: Events and stage times

    public func recordEvent(_ kind: String, _ detail: String = "") throws {
        try write {
            try $0.execute(sql: "INSERT INTO events(at, kind, detail) VALUES (?, ?, ?)",
                           arguments: [Timestamp.now(), kind, detail])
        }
    }

    public func events() throws -> [(at: String, kind: String, detail: String)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT at, kind, detail FROM events ORDER BY id").map {
                (at: $0["at"], kind: $0["kind"], detail: $0["detail"])
            }
        }
    }

    /// Adds time spent and items processed to a stage's running totals.
    public func addStageTime(_ stage: String, seconds: Double, items: Int) throws {
        try write {
            try $0.execute(sql: """
                INSERT INTO stage_times(stage, seconds, items) VALUES (?, ?, ?)
                ON CONFLICT(stage) DO UPDATE SET seconds = seconds + excluded.seconds, items = items + excluded.items
                """, arguments: [stage, seconds, items])
        }
    }

    public func stageTimes() throws -> [(stage: String, seconds: Double, items: Int)] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT stage, seconds, items FROM stage_times ORDER BY stage").map {
                (stage: $0["stage"], seconds: $0["seconds"], items: $0["items"])
            }
        }
    }
}

/// ISO 8601 timestamps in UTC, second precision, as stored in the ledger and records.
public enum Timestamp {
    public static func now() -> String { format(Date()) }

    public static func format(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    public static func parse(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
