import XCTest
@testable import MoE

/// Malformed files give typed errors naming the offset, never a crash or a huge allocation.
final class GGUFMalformedTests: XCTestCase {
    /// A raw GGUF header builder for hand-made broken files.
    struct Raw {
        var w = ByteWriter()
        init(version: UInt32 = 3, tensors: UInt64 = 0, kvs: UInt64 = 0) {
            w.u32(GGUFParser.magic)
            w.u32(version)
            w.u64(tensors)
            w.u64(kvs)
        }
        mutating func kv(_ key: String, type: UInt32, _ body: (inout ByteWriter) -> Void) {
            w.string(key)
            w.u32(type)
            body(&w)
        }
        mutating func tensor(_ name: String, dims: [UInt64], type: UInt32, offset: UInt64) {
            w.string(name)
            w.u32(UInt32(dims.count))
            for d in dims { w.u64(d) }
            w.u32(type)
            w.u64(offset)
        }
        var bytes: [UInt8] { w.bytes }
    }

    func expectError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line,
                     _ check: (GGUFError) -> Bool) {
        do {
            _ = try GGUFFile(bytes: bytes)
            XCTFail("expected an error", file: file, line: line)
        } catch let error as GGUFError {
            XCTAssertTrue(check(error), "unexpected \(error)", file: file, line: line)
            XCTAssertFalse(error.description.isEmpty)
        } catch {
            XCTFail("untyped error \(error)", file: file, line: line)
        }
    }

    func testBadMagicAndVersion() {
        expectError(Array("GGUX".utf8) + [3, 0, 0, 0] + [UInt8](repeating: 0, count: 16)) {
            if case .badMagic = $0 { return $0.offset == 0 } else { return false }
        }
        for version: UInt32 in [0, 1, 4, 0x0300_0000] {
            expectError(Raw(version: version).bytes) { $0 == .unsupportedVersion(version) && $0.offset == 4 }
        }
        expectError([]) { if case .truncated(0, _, 4, 0) = $0 { return true } else { return false } }
    }

    func testTruncationAtEveryOffsetThrows() throws {
        var config = TinyModelConfig()
        config.layers = 1
        config.embedding = 32
        config.vocabulary = 8
        config.experts = 2
        config.expertsUsed = 1
        config.expertLength = 32
        config.sharedLength = 32
        let bytes = try config.build()
        XCTAssertNoThrow(try GGUFFile(bytes: bytes))
        for length in 0..<bytes.count where length < 4096 || length % 97 == 0 {
            do {
                _ = try GGUFFile(bytes: Array(bytes[0..<length]))
                XCTFail("prefix of \(length) bytes loaded")
            } catch let error as GGUFError {
                // Where the missing bytes were expected: inside the header read so far, or a tensor's data start.
                XCTAssertLessThanOrEqual(error.offset ?? 0, bytes.count, "\(error)")
            }
        }
    }

    func testAbsurdCountsAreRejectedBeforeAllocating() {
        expectError(Raw(tensors: 1 << 62).bytes) {
            if case .countTooLarge(8, "tensor count", _, _) = $0 { return true } else { return false }
        }
        expectError(Raw(kvs: 1 << 40).bytes) {
            if case .countTooLarge(16, _, _, _) = $0 { return true } else { return false }
        }
        var longKey = Raw(kvs: 1)
        longKey.w.u64(1 << 63)
        longKey.w.u64(0)
        expectError(longKey.bytes) { if case .countTooLarge(24, _, _, _) = $0 { return true } else { return false } }
        var hugeArray = Raw(kvs: 1)
        hugeArray.kv("a", type: 9) { $0.u32(4); $0.u64(1 << 60) }
        expectError(hugeArray.bytes) {
            if case .countTooLarge(let offset, _, 1 << 60, _) = $0 { return offset == 41 } else { return false }
        }
        var hugeString = Raw(kvs: 1)
        hugeString.kv("s", type: 8) { $0.u64(UInt64.max) }
        expectError(hugeString.bytes) { if case .countTooLarge = $0 { return true } else { return false } }
        var hugeStrings = Raw(kvs: 1)
        hugeStrings.kv("s", type: 9) { $0.u32(8); $0.u64(1 << 40) }
        expectError(hugeStrings.bytes) { if case .countTooLarge = $0 { return true } else { return false } }
    }

    func testUnknownTypes() {
        var value = Raw(kvs: 1)
        value.kv("k", type: 13) { $0.u8(0) }
        expectError(value.bytes) { $0 == .unknownValueType(offset: 33, raw: 13) }
        var element = Raw(kvs: 1)
        element.kv("k", type: 9) { $0.u32(77); $0.u64(0) }
        expectError(element.bytes) { $0 == .unknownValueType(offset: 37, raw: 77) }
        var tensor = Raw(tensors: 1)
        tensor.tensor("t", dims: [32], type: 99, offset: 0)
        expectError(tensor.bytes) {
            if case .unknownTensorType(_, "t", 99) = $0 { return true } else { return false }
        }
    }

    func testInvalidTensorInfos() {
        for dims: [UInt64] in [[], [1, 1, 1, 1, 1], [0], [32, 0], [1 << 31, 1 << 31, 1 << 31]] {
            var raw = Raw(tensors: 1)
            raw.tensor("t", dims: dims, type: 0, offset: 0)
            expectError(raw.bytes) { if case .invalidTensorShape = $0 { return true } else { return false } }
        }
        var block = Raw(tensors: 1)
        block.tensor("t", dims: [30], type: GGMLType.q8_0.rawValue, offset: 0)
        expectError(block.bytes) { if case .invalidTensorShape = $0 { return true } else { return false } }
        var misaligned = Raw(tensors: 1)
        misaligned.tensor("t", dims: [4], type: 0, offset: 4)
        expectError(misaligned.bytes) {
            if case .misalignedTensor(_, "t", 4, 32) = $0 { return true } else { return false }
        }
        var pastEnd = Raw(tensors: 1)
        pastEnd.tensor("t", dims: [64], type: 0, offset: 0)
        pastEnd.w.pad(to: 32)
        pastEnd.w.bytes += [UInt8](repeating: 0, count: 100)
        expectError(pastEnd.bytes) {
            if case .tensorDataOutOfBounds("t", _, 256, _) = $0 { return true } else { return false }
        }
        // The same file opens for metadata when tensor data is not required.
        XCTAssertNotNil(try? GGUFFile(bytes: pastEnd.bytes, requireTensorData: false).tensorDataError)
        var duplicate = Raw(tensors: 2)
        duplicate.tensor("t", dims: [8], type: 0, offset: 0)
        duplicate.tensor("t", dims: [8], type: 0, offset: 32)
        expectError(duplicate.bytes) { if case .duplicateTensor(_, "t") = $0 { return true } else { return false } }
    }

    func testInvalidMetadata() {
        for (type, body) in [(4, { (w: inout ByteWriter) in w.u32(0) }), (4, { w in w.u32(3) }),
                             (5, { w in w.u32(32) })] as [(UInt32, (inout ByteWriter) -> Void)] {
            var raw = Raw(kvs: 1)
            raw.kv("general.alignment", type: type, body)
            expectError(raw.bytes) { if case .invalidAlignment = $0 { return true } else { return false } }
        }
        var duplicate = Raw(kvs: 2)
        duplicate.kv("k", type: 0) { $0.u8(1) }
        duplicate.kv("k", type: 0) { $0.u8(2) }
        expectError(duplicate.bytes) { $0 == .duplicateKey(offset: 38, key: "k") }
        var nested = Raw(kvs: 1)
        nested.kv("deep", type: 9) { w in
            for _ in 0..<20 {
                w.u32(9)
                w.u64(1)
            }
        }
        expectError(nested.bytes) { if case .nestingTooDeep = $0 { return true } else { return false } }
    }
}
