/// Why a model could not be loaded or run.
public enum ModelError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `general.architecture` names an architecture the registry does not know.
    case unknownArchitecture(String?)
    /// A hyperparameter is missing or out of range.
    case invalidHyperparameter(key: String, reason: String)
    /// A required tensor is absent.
    case missingTensor(String)
    /// A tensor's shape differs from what the hyperparameters imply (shapes in ggml order).
    case shapeMismatch(tensor: String, expected: [Int], found: [Int])
    /// A tensor's type cannot be computed with.
    case unsupportedTensorType(tensor: String, type: GGMLType)
    /// The file's tensor data is missing (metadata-only file) or unreadable.
    case noTensorData(String)
    /// A token id outside the vocabulary.
    case tokenOutOfRange(token: Int32, vocabularySize: Int)
    /// A forward batch that does not fit the cache or the model (wrong start position, too long, ...).
    case invalidBatch(String)

    public var description: String {
        switch self {
        case .unknownArchitecture(let name):
            return "unknown architecture '\(name ?? "(general.architecture missing)")'; known: "
                + ModelRegistry.architectureNames.joined(separator: ", ")
        case .invalidHyperparameter(let key, let reason): return "hyperparameter '\(key)': \(reason)"
        case .missingTensor(let name): return "missing tensor '\(name)'"
        case .shapeMismatch(let tensor, let expected, let found):
            return "tensor '\(tensor)': shape \(found) expected \(expected)"
        case .unsupportedTensorType(let tensor, let type):
            return "tensor '\(tensor)': type \(type) is not supported (F32, F16, BF16, Q8_0, Q4_0, Q4_K, Q6_K are)"
        case .noTensorData(let reason): return "no tensor data: \(reason)"
        case .tokenOutOfRange(let token, let vocabularySize):
            return "token \(token) is outside the vocabulary (0..<\(vocabularySize))"
        case .invalidBatch(let reason): return "invalid batch: \(reason)"
        }
    }
}
