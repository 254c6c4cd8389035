import Foundation

/// One document read from a corpus: its text and where it came from.
public struct CorpusDocument: Sendable, Hashable {
    /// Display path of the source, relative to the corpus root's parent when possible; JSONL documents add `:line`.
    public var source: String
    public var text: String
    /// Title from a JSONL `title` field, if any.
    public var title: String?
    /// Whether the text is Markdown (headings split sections).
    public var isMarkdown: Bool
}

/// Input that could not be read, kept out of the run and counted by the audit.
public struct QuarantinedInput: Sendable, Hashable {
    public var location: SourceLocation
    public var reason: String
    public var detail: String
}

/// Reads seed corpora: `.txt`, `.md`, `.jsonl`, `.jsonl.zst` and `.jsonl.gz` files, or directories of them.
public struct CorpusReader: Sendable {
    public var textField: String
    public var includeExtensions: [String] = [".txt", ".md", ".markdown", ".jsonl", ".jsonl.zst", ".jsonl.gz"]
    public var excludedNames: Set<String>
    /// Paths in documents are written relative to this directory when they lie inside it.
    public var displayRoot: URL?

    public init(textField: String = "text", excludedNames: Set<String> = ["README.md"], displayRoot: URL? = nil) {
        self.textField = textField
        self.excludedNames = excludedNames
        self.displayRoot = displayRoot
    }

    /// Lists the corpus files under `paths` in a stable order.
    public func files(in paths: [URL]) throws -> [URL] {
        var result: [URL] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path.path, isDirectory: &isDirectory) else {
                throw RefineryError.usage("corpus path does not exist", at: SourceLocation(file: path.path))
            }
            if !isDirectory.boolValue {
                result.append(path)
                continue
            }
            guard let enumerator = manager.enumerator(at: path, includingPropertiesForKeys: [.isRegularFileKey]) else {
                throw RefineryError.input("cannot list directory", at: SourceLocation(file: path.path))
            }
            var found: [URL] = []
            for case let url as URL in enumerator {
                let name = url.lastPathComponent
                if name.hasPrefix(".") || excludedNames.contains(name) { continue }
                guard includeExtensions.contains(where: { name.lowercased().hasSuffix($0) }) else { continue }
                found.append(url)
            }
            result += found.sorted { $0.path < $1.path }
        }
        return result
    }

    /// Reads every document of one file, calling `document` for each and `quarantine` for each unreadable part.
    public func read(
        file: URL,
        document: (CorpusDocument) throws -> Void,
        quarantine: (QuarantinedInput) throws -> Void
    ) throws {
        let name = displayName(file)
        let lower = file.lastPathComponent.lowercased()
        if lower.hasSuffix(".jsonl") || lower.hasSuffix(".jsonl.zst") || lower.hasSuffix(".jsonl.gz") {
            try readJSONLines(file: file, name: name, document: document, quarantine: quarantine)
            return
        }
        if lower.hasSuffix(".zst") || lower.hasSuffix(".gz") {
            try quarantine(QuarantinedInput(
                location: SourceLocation(file: name), reason: "unsupported_format",
                detail: "only .jsonl.zst and .jsonl.gz are read compressed"))
            return
        }
        let data: Data
        do {
            data = try Data(contentsOf: file)
        } catch {
            try quarantine(QuarantinedInput(
                location: SourceLocation(file: name), reason: "unreadable", detail: error.localizedDescription))
            return
        }
        guard let text = String(validating: data, as: UTF8.self) else {
            let offset = UTF8Validation.firstInvalidByte(in: data) ?? 0
            let line = data.prefix(offset).reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            try quarantine(QuarantinedInput(
                location: SourceLocation(file: name, line: line, offset: offset), reason: "invalid_utf8",
                detail: "invalid UTF-8 at byte offset \(offset); the file was skipped"))
            return
        }
        let markdown = lower.hasSuffix(".md") || lower.hasSuffix(".markdown")
        try document(CorpusDocument(source: name, text: text, title: nil, isMarkdown: markdown))
    }

    private func readJSONLines(
        file: URL, name: String,
        document: (CorpusDocument) throws -> Void,
        quarantine: (QuarantinedInput) throws -> Void
    ) throws {
        for item in LineReader(url: file, displayName: name) {
            let line: RawLine
            switch item {
            case .failure(let error):
                try quarantine(QuarantinedInput(
                    location: error.location ?? SourceLocation(file: name), reason: "corrupt_file",
                    detail: error.message + "; the rest of the file was skipped"))
                return
            case .success(let value):
                line = value
            }
            if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
            let location = SourceLocation(file: name, line: line.number, offset: line.offset)
            let text: String
            do {
                text = try line.text(file: name)
            } catch let error as RefineryError {
                try quarantine(QuarantinedInput(
                    location: error.location ?? location, reason: "invalid_utf8", detail: error.message))
                continue
            }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
            } catch {
                try quarantine(QuarantinedInput(
                    location: location, reason: "malformed_json",
                    detail: "expected one JSON object per line: \(JSONErrorText.describe(error))"))
                continue
            }
            guard let dictionary = object as? [String: Any] else {
                try quarantine(QuarantinedInput(
                    location: location, reason: "malformed_json", detail: "expected a JSON object"))
                continue
            }
            guard let value = dictionary[textField] as? String else {
                let reason = dictionary[textField] == nil ? "missing field" : "field is not a string"
                try quarantine(QuarantinedInput(
                    location: location, reason: "missing_text_field", detail: "\(reason): \"\(textField)\""))
                continue
            }
            try document(CorpusDocument(
                source: "\(name):\(line.number)", text: value, title: dictionary["title"] as? String,
                isMarkdown: false))
        }
    }

    func displayName(_ file: URL) -> String {
        let path = file.standardizedFileURL.path
        if let root = displayRoot?.standardizedFileURL.path, path.hasPrefix(root + "/") {
            return String(path.dropFirst(root.count + 1))
        }
        return path
    }
}

/// Short descriptions of Foundation's JSON errors.
enum JSONErrorText {
    static func describe(_ error: Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return nsError.localizedDescription
    }
}
