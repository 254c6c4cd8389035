/// A 2-D view of weights inside the mapped file: `rows` rows of `columns` elements of `type`, `rowBytes` apart.
/// Expert tensors (3-D) are sliced per expert without copying: each expert's rows are contiguous as stored.
struct WeightMatrix: @unchecked Sendable {
    let name: String
    let type: GGMLType
    let columns: Int
    let rows: Int
    let rowBytes: Int
    let base: UnsafeRawPointer

    /// The rows of expert `index` of a tensor holding `count` experts stacked along its last dimension.
    func expert(_ index: Int, of count: Int) -> WeightMatrix {
        let perExpert = rows / count
        return WeightMatrix(name: name, type: type, columns: columns, rows: perExpert,
                            rowBytes: rowBytes, base: base + index * perExpert * rowBytes)
    }

    func row(_ index: Int) -> UnsafeRawPointer { base + index * rowBytes }

    var byteCount: Int { rows * rowBytes }
}
