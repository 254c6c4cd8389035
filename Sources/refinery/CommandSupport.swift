import ArgumentParser
import Foundation
import Refinery

/// Runs a command body, turning Refinery errors into a message on stderr and the documented exit code
/// (1 usage/config, 2 input, 3 internal).
func reportingErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as RefineryError {
        printError(error.description)
        throw ExitCode(error.exitCode)
    } catch let error as ExitCode {
        throw error
    } catch is CancellationError {
        printError("cancelled")
        throw ExitCode(3)
    } catch let error as RemoteEndpointError {
        printError("model endpoint failed: \(error)")
        throw ExitCode(2)
    } catch {
        printError("internal error: \(error)")
        throw ExitCode(3)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data("error: \(message)\n".utf8))
}

/// Writes text to stdout without buffering surprises when mixed with stderr.
func printOut(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

extension URL {
    /// A path given on the command line, resolved against the current directory.
    init(commandLinePath path: String) {
        let expanded = (path as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") {
            self = URL(fileURLWithPath: expanded).standardizedFileURL
        } else {
            self = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
                .appendingPathComponent(expanded).standardizedFileURL
        }
    }
}
