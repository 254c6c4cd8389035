import Foundation

/// Runs a database access, passing `RefineryError`s through and turning anything else (SQLite, GRDB) into an
/// internal error that names the database file: "`what` failed: …".
func mappingDatabaseErrors<T>(_ what: String, file url: URL, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch let error as RefineryError {
        throw error
    } catch {
        throw RefineryError.internal("\(what) failed: \(error)", at: SourceLocation(file: url.path))
    }
}
