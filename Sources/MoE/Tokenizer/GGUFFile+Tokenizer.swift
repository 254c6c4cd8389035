/// Lets a GGUF file's metadata build its tokenizer: `try BPETokenizer(metadata: file)`.
extension GGUFFile: BPETokenizerMetadataSource {
    public func tokenizerMetadataValue(_ key: String) -> BPETokenizerMetadataValue? {
        guard let value = metadata[key] else { return nil }
        if let text = value.stringValue { return .string(text) }
        if let flag = value.boolValue { return .bool(flag) }
        if let strings = value.stringArray { return .stringArray(strings) }
        if let integers = value.intArray { return .intArray(integers) }
        if let integer = value.intValue { return .int(integer) }
        return .other(description: value.summary)
    }
}
