@testable import MoE

extension SyntheticModelSpec {
    /// A two-layer model of whole Q4_K blocks (hidden 256, 4 experts top-2, vocabulary 300) stored as `type`.
    static func small(_ type: GGMLType) -> SyntheticModelSpec {
        var spec = SyntheticModelSpec()
        spec.vocabulary = 300
        spec.embedding = 256
        spec.layers = 2
        spec.heads = 4
        spec.kvHeads = 2
        spec.headDim = 64
        spec.experts = 4
        spec.expertsUsed = 2
        spec.expertLength = 256
        spec.sharedLength = 256
        spec.context = 64
        spec.weightType = type
        return spec
    }
}
