/// Fetches tensors by name from a file and checks each against the shape the hyperparameters imply.
struct TensorLoader {
    let file: GGUFFile

    init(file: GGUFFile) throws {
        if let error = file.tensorDataError { throw ModelError.noTensorData(error.description) }
        self.file = file
    }

    func has(_ name: String) -> Bool { file.tensor(named: name) != nil }

    /// A weight matrix of shape `shape` (ggml order: row length first); 3-D expert tensors are returned with all
    /// experts' rows stacked (slice them with `expert(_:of:)`).
    func matrix(_ name: String, shape: [Int]) throws -> WeightMatrix {
        guard let info = file.tensor(named: name) else { throw ModelError.missingTensor(name) }
        guard info.shape == shape else { throw ModelError.shapeMismatch(tensor: name, expected: shape, found: info.shape) }
        guard info.type.isSupported else { throw ModelError.unsupportedTensorType(tensor: name, type: info.type) }
        guard let base = file.dataPointer(for: info), let rowBytes = info.type.rowBytes(elements: shape[0]) else {
            throw ModelError.noTensorData(name)
        }
        return WeightMatrix(name: name, type: info.type, columns: shape[0], rows: info.rowCount, rowBytes: rowBytes,
                            base: base)
    }

    func optionalMatrix(_ name: String, shape: [Int]) throws -> WeightMatrix? {
        has(name) ? try matrix(name, shape: shape) : nil
    }

    /// A 1-D tensor (norm weights) dequantised to floats.
    func vector(_ name: String, length: Int) throws -> [Float] {
        let m = try matrix(name, shape: [length])
        var out = [Float](repeating: 0, count: length)
        out.withUnsafeMutableBufferPointer { buffer in
            if let base = buffer.baseAddress { Kernels.dequantizeRow(m, row: 0, into: base) }
        }
        return out
    }
}
