import Foundation
import XCTest

/// Runs the built `refinery` executable (SwiftPM puts products next to the test bundle; `REFINERY_BINARY`
/// overrides) and captures what it prints.
enum RefineryBinary {
    struct Output {
        let status: Int32
        /// True when the process was killed by a signal (status is then the signal number).
        let signaled: Bool
        let stdout: String
        let stderr: String
    }

    static func url() throws -> URL {
        if let path = ProcessInfo.processInfo.environment["REFINERY_BINARY"] {
            return URL(fileURLWithPath: path)
        }
        var folders = [Bundle.main.bundleURL]
        #if os(macOS)
        folders += Bundle.allBundles.filter { $0.bundlePath.hasSuffix(".xctest") }
            .map { $0.bundleURL.deletingLastPathComponent() }
        #endif
        for folder in folders {
            let candidate = folder.appendingPathComponent("refinery")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw XCTSkip("refinery binary not found next to the tests (looked in \(folders.map(\.path)))")
    }

    /// Runs `refinery ARGUMENTS`; `environment` adds variables, `unset` removes inherited ones.
    static func run(_ arguments: [String], environment: [String: String] = [:], unset: [String] = [],
                    stdin: String? = nil, directory: URL? = nil) throws -> Output {
        let process = Process()
        process.executableURL = try url()
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        if !environment.isEmpty || !unset.isEmpty {
            var merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            for name in unset { merged[name] = nil }
            process.environment = merged
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try? input.fileHandleForWriting.close()
        // Read both pipes concurrently so a full stderr cannot block the child.
        let errorData = LockedData()
        let reader = Thread { errorData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while !errorData.isSet { usleep(1000) }
        return Output(status: process.terminationStatus, signaled: process.terminationReason == .uncaughtSignal,
                      stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: errorData.value, as: UTF8.self))
    }

    /// The repository root, found from this file.
    static let repositoryRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()
}

private final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?

    func set(_ value: Data) { lock.withLock { data = value } }
    var isSet: Bool { lock.withLock { data != nil } }
    var value: Data { lock.withLock { data ?? Data() } }
}
