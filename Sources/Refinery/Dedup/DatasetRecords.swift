import Foundation

/// An input file of a JSONL dataset (`.jsonl` or `.jsonl.zst`).
public struct DatasetInput: Sendable, Hashable {
    public var url: URL
    /// The name used in errors and reports (the path as the user gave it).
    public var displayName: String

    public init(path: String) {
        url = URL(fileURLWithPath: path)
        displayName = path
    }

    public init(url: URL, displayName: String? = nil) {
        self.url = url
        self.displayName = displayName ?? url.path
    }
}

/// How records are read: where the text, the id and the score are.
public struct DatasetReadOptions: Sendable, Hashable {
    public var field: FieldSelector
    /// The id field; records without it are named `file:line`.
    public var idField: String
    /// The score field (numeric, required in every record when set); records score 0 without it.
    public var scoreField: String?

    public init(field: FieldSelector, idField: String = "id", scoreField: String? = nil) {
        self.field = field
        self.idField = idField
        self.scoreField = scoreField
    }
}

/// One record of a JSONL dataset, with its exact bytes for copying to the output unchanged.
public struct DatasetRecord: Sendable {
    /// Index of the input file.
    public var file: Int
    public var line: Int
    /// Byte offset of the line (in the decompressed stream for `.zst` files).
    public var offset: Int
    public var raw: Data
    public var id: String
    public var text: String
    public var score: Double

    /// Parses one JSONL line; every problem is an input error naming file, line and offset.
    public static func parse(_ line: RawLine, file: Int, name: String,
                             options: DatasetReadOptions) throws(RefineryError) -> DatasetRecord {
        let location = SourceLocation(file: name, line: line.number, offset: line.offset)
        let value = try object(line, name: name)
        guard let body = options.field.text(in: value) else {
            throw .input("the record has no field '\(options.field)'", at: location)
        }
        let id: String
        switch value[options.idField] {
        case .string(let string)?: id = string
        case .int(let number)?: id = String(number)
        default: id = "\(name):\(line.number)"
        }
        var score = 0.0
        if let scoreField = options.scoreField {
            guard let number = value[scoreField]?.doubleValue else {
                throw .input("the record has no numeric field '\(scoreField)'", at: location)
            }
            score = number
        }
        return DatasetRecord(file: file, line: line.number, offset: line.offset, raw: line.bytes, id: id,
                             text: body, score: score)
    }

    /// The JSON object on one JSONL line; every problem is an input error naming file, line and offset.
    static func object(_ line: RawLine, name: String) throws(RefineryError) -> JSONValue {
        let location = SourceLocation(file: name, line: line.number, offset: line.offset)
        let text: String
        do {
            text = try line.text(file: name)
        } catch let error as RefineryError {
            if line.number == 1, let hint = notJSONL(line.bytes) { throw .input(hint, at: location) }
            throw error
        } catch {
            throw .input("invalid UTF-8", at: location)
        }
        let value: JSONValue
        do {
            value = try JSONValue.parse(text)
        } catch {
            let hint = line.number == 1 ? notJSONL(line.bytes) : nil
            throw .input(hint ?? "malformed JSON: \(Self.describe(error))", at: location)
        }
        guard case .object = value else {
            if line.number == 1, case .array = value {
                throw .input("expected a JSON object per line, found a JSON array (JSONL has one object per line)",
                             at: location)
            }
            throw .input("expected a JSON object", at: location)
        }
        return value
    }

    /// What a first line that is not JSON shows the file to be, when its leading bytes say so.
    static func notJSONL(_ bytes: Data) -> String? {
        let head = [UInt8](bytes.prefix(4))
        let convert = "; convert it to JSONL (one JSON object per line)"
        if head.starts(with: Array("PAR1".utf8)) { return "this is a Parquet file, not JSONL" + convert }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "this is a zip archive, not JSONL" + convert }
        if head.starts(with: [0x1F, 0x8B]) { return "gzip-compressed data: name the file with a .gz extension" }
        if head.starts(with: [0x28, 0xB5, 0x2F, 0xFD]) {
            return "zstd-compressed data: name the file with a .zst extension"
        }
        return nil
    }

    static func describe(_ error: Error) -> String {
        let nsError = error as NSError
        if let detail = nsError.userInfo["NSDebugDescription"] as? String { return detail }
        return nsError.localizedDescription
    }

    /// Whether a line holds nothing but whitespace (such lines are skipped, not records).
    static func isBlank(_ bytes: Data) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }
    }
}

/// Reads the lines of several input files in order, in batches, skipping blank lines.
struct DatasetLineBatches {
    let inputs: [DatasetInput]
    private var fileIndex = 0
    private var iterator: LineReader.Iterator?
    /// Decompressed bytes read so far (line bytes plus newlines).
    private(set) var bytesRead = 0

    init(inputs: [DatasetInput]) {
        self.inputs = inputs
    }

    /// The next batch of up to `maxLines` lines or about `maxBytes` bytes; nil when every file is done.
    mutating func next(maxLines: Int, maxBytes: Int) throws(RefineryError) -> [(file: Int, line: RawLine)]? {
        var batch: [(file: Int, line: RawLine)] = []
        var bytes = 0
        while batch.count < maxLines && bytes < maxBytes {
            if iterator == nil {
                guard fileIndex < inputs.count else { break }
                let input = inputs[fileIndex]
                iterator = LineReader(url: input.url, displayName: input.displayName).makeIterator()
            }
            switch iterator?.next() {
            case .success(let line)?:
                bytesRead += line.bytes.count + 1
                if DatasetRecord.isBlank(line.bytes) { continue }
                bytes += line.bytes.count
                batch.append((fileIndex, line))
            case .failure(let error)?:
                throw error
            case nil:
                iterator = nil
                fileIndex += 1
            }
        }
        return batch.isEmpty ? nil : batch
    }
}

/// Reads whole records in parallel batches, in file order.
struct DatasetRecordBatches {
    var lines: DatasetLineBatches
    let options: DatasetReadOptions
    let threads: Int

    init(inputs: [DatasetInput], options: DatasetReadOptions, threads: Int) {
        lines = DatasetLineBatches(inputs: inputs)
        self.options = options
        self.threads = threads
    }

    var bytesRead: Int { lines.bytesRead }

    /// The next batch of parsed records; the first bad line (in file order) throws.
    mutating func next() throws(RefineryError) -> [DatasetRecord]? {
        guard let batch = try lines.next(maxLines: 4096, maxBytes: 16 << 20) else { return nil }
        let inputs = lines.inputs
        let options = self.options
        let parsed = ParallelMap.map(batch.count, threads: threads) { index -> Result<DatasetRecord, RefineryError> in
            let entry = batch[index]
            return Result { () throws(RefineryError) -> DatasetRecord in
                try DatasetRecord.parse(entry.line, file: entry.file, name: inputs[entry.file].displayName,
                                        options: options)
            }
        }
        return try parsed.map { result throws(RefineryError) in try result.get() }
    }
}
