import Foundation

/// Runs `Tools/bench/minhash_baseline.py` (Python datasketch) on a JSONL file, for `refinery bench dedup`.
///
/// Never invents numbers: when python3, the script or datasketch is missing, `run` returns `.unavailable` with the
/// reason.
public struct DatasketchBaseline: Sendable {
    public var python: String
    public var script: URL?

    public static let scriptPath = "Tools/bench/minhash_baseline.py"

    public init(python: String = "python3", script: URL? = nil) {
        self.python = python
        self.script = script ?? Self.locateScript()
    }

    /// The baseline's measurements (seconds are process CPU time, wall time alongside).
    public struct Measurement: Sendable {
        public var version: String
        public var pythonVersion: String
        public var documents: Int
        public var bytes: Int
        public var signatureCPUSeconds: Double
        public var signatureWallSeconds: Double
        public var minhashCPUSeconds: Double
        public var lshCPUSeconds: Double
        public var lshWallSeconds: Double
        public var candidatePairs: Int
    }

    public enum Outcome: Sendable {
        case measured(Measurement)
        case unavailable(String)
    }

    /// Looks for the script under the current folder and the executable's folder and their parents.
    public static func locateScript() -> URL? {
        var starts = [URL(fileURLWithPath: FileManager.default.currentDirectoryPath)]
        if let executable = Bundle.main.executableURL { starts.append(executable.deletingLastPathComponent()) }
        for start in starts {
            var folder = start.standardizedFileURL
            for _ in 0..<8 {
                let candidate = folder.appendingPathComponent(scriptPath)
                if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
                let parent = folder.deletingLastPathComponent()
                if parent.path == folder.path { break }
                folder = parent
            }
        }
        return nil
    }

    /// Runs the baseline over `input` (JSONL with a "text" field) with the given MinHash settings.
    public func run(input: URL, permutations: Int, ngram: Int, bands: Int, rows: Int) -> Outcome {
        guard let script else {
            return .unavailable("\(Self.scriptPath) not found (run from the repository or pass --baseline-script)")
        }
        let arguments = [script.path, "--input", input.path, "--num-perm", String(permutations), "--ngram",
                         String(ngram), "--bands", String(bands), "--rows", String(rows)]
        let result: (status: Int32, stdout: Data, stderr: String)
        do {
            result = try Self.execute(python, arguments)
        } catch {
            return .unavailable("cannot run \(python): \(error.localizedDescription)")
        }
        let object = (try? JSONSerialization.jsonObject(with: result.stdout)) as? [String: Any]
        if let message = object?["error"] as? String { return .unavailable(message) }
        guard result.status == 0, let object else {
            let detail = result.stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
            return .unavailable("the baseline failed (exit \(result.status)): \(detail)")
        }
        func number(_ key: String) -> Double { (object[key] as? NSNumber)?.doubleValue ?? 0 }
        return .measured(Measurement(
            version: object["datasketch"] as? String ?? "unknown", pythonVersion: object["python"] as? String ?? "",
            documents: Int(number("documents")), bytes: Int(number("bytes")),
            signatureCPUSeconds: number("signature_cpu_seconds"), signatureWallSeconds: number("signature_seconds"),
            minhashCPUSeconds: number("minhash_cpu_seconds"), lshCPUSeconds: number("lsh_cpu_seconds"),
            lshWallSeconds: number("lsh_seconds"), candidatePairs: Int(number("candidate_pairs"))))
    }

    /// Runs a program found on PATH; stderr goes through a temp file so a chatty child cannot block on a full pipe.
    static func execute(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: Data,
                                                                              stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [program] + arguments
        let output = Pipe()
        let errorURL = FileManager.default.temporaryDirectory
            .appendingPathComponent("refinery-baseline-\(ProcessInfo.processInfo.processIdentifier).err")
        _ = FileManager.default.createFile(atPath: errorURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorURL) }
        let errorHandle = try FileHandle(forWritingTo: errorURL)
        process.standardOutput = output
        process.standardError = errorHandle
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errorHandle.close()
        let stderr = (try? String(contentsOf: errorURL, encoding: .utf8)) ?? ""
        return (process.terminationStatus, stdout, stderr)
    }
}
