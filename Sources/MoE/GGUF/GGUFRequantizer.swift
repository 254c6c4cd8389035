import MoEKernels

/// Rewrites a GGUF file with its weight matrices stored as another type (what llama.cpp's `llama-quantize` does
/// for its simple types): a model exported in F32 or F16 runs from Q8_0 or Q4_K. Metadata is copied unchanged
/// (`general.file_type` updated); vectors (norms), the MoE router (`ffn_gate_inp`, which picks experts and stays
/// F32 as in llama.cpp), matrices whose rows are not whole blocks of the target type and matrices of types the
/// runtime cannot decode are copied as they are.
/// Rows are decoded to floats and encoded again, so requantising a quantised file adds a second rounding.
public enum GGUFRequantizer {
    public struct Report: Sendable {
        public var converted: [String] = []
        public var kept: [String] = []
    }

    public enum RequantizeError: Error, Sendable, CustomStringConvertible {
        case unsupportedTarget(GGMLType)
        case noTensorData(String)

        public var description: String {
            switch self {
            case .unsupportedTarget(let type):
                return "cannot store weights as \(type) (supported: f32, f16, bf16, q8_0, q4_0, q4_k, q6_k)"
            case .noTensorData(let name):
                return "tensor '\(name)' has no data in the file"
            }
        }
    }

    /// The new file's bytes (held in memory) and which tensors changed type.
    public static func requantize(_ file: GGUFFile, to type: GGMLType) throws -> (bytes: [UInt8], report: Report) {
        guard type.isSupported else { throw RequantizeError.unsupportedTarget(type) }
        var writer = GGUFWriter()
        for key in file.metadataKeys {
            guard let value = file.metadata[key] else { continue }
            if key == "general.file_type", let fileType = fileType(of: type) {
                writer.set(key, .uint32(fileType))
            } else {
                writer.set(key, value)
            }
        }
        var report = Report()
        for info in file.tensors {
            guard let bytes = file.rawBytes(of: info) else { throw RequantizeError.noTensorData(info.name) }
            if converts(info, to: type) {
                let values = decode(bytes, type: info.type, rowLength: info.shape[0], rows: info.rowCount)
                try writer.addTensor(name: info.name, shape: info.shape, type: type, values: values)
                report.converted.append(info.name)
            } else {
                try writer.addTensor(name: info.name, shape: info.shape, type: info.type, bytes: bytes)
                report.kept.append(info.name)
            }
        }
        return (writer.serialize(), report)
    }

    /// Whether `info` is a weight matrix this tool stores as `type`.
    static func converts(_ info: GGUFTensorInfo, to type: GGMLType) -> Bool {
        info.shape.count >= 2 && info.type != type && info.type.isSupported && !info.name.contains("ffn_gate_inp")
            && info.shape[0] % type.blockSize == 0
    }

    /// llama.cpp's `general.file_type` for a file whose matrices are all `type` (Q4_K: its "small" mix).
    static func fileType(of type: GGMLType) -> UInt32? {
        switch type {
        case .f32: 0
        case .f16: 1
        case .q4_0: 2
        case .q8_0: 7
        case .q4_K: 14
        case .q6_K: 18
        case .bf16: 32
        default: nil
        }
    }

    private static func decode(_ bytes: [UInt8], type: GGMLType, rowLength: Int, rows: Int) -> [Float] {
        guard let rowBytes = type.rowBytes(elements: rowLength) else { return [] }  // the parser checked rows
        var values = [Float](repeating: 0, count: rowLength * rows)
        values.withUnsafeMutableBufferPointer { output in
            bytes.withUnsafeBytes { input in
                for r in 0..<rows {
                    _ = mk_dequantize_row(Int32(type.rawValue), input.baseAddress! + r * rowBytes,
                                          output.baseAddress! + r * rowLength, Int64(rowLength))
                }
            }
        }
        return values
    }
}
