import XCTest
@testable import MoE

final class GGUFRoundTripTests: XCTestCase {
    /// One value of each of the 13 types, plus arrays of each type, nested arrays and empty arrays.
    static var allValues: [(String, GGUFValue)] {
        var values: [(String, GGUFValue)] = [
            ("u8", .uint8(250)), ("i8", .int8(-120)), ("u16", .uint16(65000)), ("i16", .int16(-32000)),
            ("u32", .uint32(4_000_000_000)), ("i32", .int32(-2_000_000_000)), ("f32", .float32(-1.5e-7)),
            ("bool", .bool(true)), ("string", .string("héllo 世界 🙂")), ("u64", .uint64(UInt64.max)),
            ("i64", .int64(Int64.min)), ("f64", .float64(2.718281828459045)), ("empty", .string("")),
        ]
        let scalars: [GGUFValue] = [.uint8(1), .int8(-2), .uint16(3), .int16(-4), .uint32(5), .int32(-6),
                                    .float32(7.5), .bool(false), .string("x"), .uint64(9), .int64(-10), .float64(11.25)]
        for scalar in scalars {
            values.append(("array.\(scalar.type)", .array(GGUFArray(elementType: scalar.type,
                                                                    values: [scalar, scalar, scalar]))))
        }
        let inner = GGUFArray(elementType: .int32, values: [.int32(1), .int32(2)])
        let nested = GGUFArray(elementType: .array, values: [.array(inner), .array(GGUFArray(elementType: .string,
                                                                                           values: [.string("a")]))])
        values.append(("array.nested", .array(nested)))
        values.append(("array.empty", .array(GGUFArray(elementType: .float64, values: []))))
        return values
    }

    func testMetadataOfAllThirteenTypesRoundTrips() throws {
        var writer = GGUFWriter()
        for (key, value) in Self.allValues { writer.set(key, value) }
        let file = try GGUFFile(bytes: writer.serialize())
        XCTAssertEqual(file.version, 3)
        XCTAssertEqual(file.metadataKeys, Self.allValues.map(\.0))
        for (key, value) in Self.allValues { XCTAssertEqual(file.metadata[key], value, key) }
        XCTAssertEqual(Set(Self.allValues.map(\.1.type)), Set(GGUFValueType.allCases))
        XCTAssertEqual(file.alignment, 32)
        XCTAssertTrue(file.tensors.isEmpty)
    }

    /// Tokenizer-sized arrays are stored typed; built either way they are the same value and read back the same.
    func testTypedArraysEqualValueArraysAndRoundTrip() throws {
        let strings = (0..<3000).map { "tok\($0)" }
        let types = (0..<3000).map { Int32($0 % 6) }
        let scores = (0..<3000).map { Float($0) * -0.25 }
        XCTAssertEqual(GGUFArray(strings: strings), GGUFArray(elementType: .string, values: strings.map(GGUFValue.string)))
        XCTAssertEqual(GGUFArray(int32s: types), GGUFArray(elementType: .int32, values: types.map(GGUFValue.int32)))
        XCTAssertEqual(GGUFArray(float32s: scores).values, scores.map(GGUFValue.float32))
        var writer = GGUFWriter()
        writer.set("tokens", strings: strings)
        writer.set("types", int32s: types)
        writer.set("scores", float32s: scores)
        let file = try GGUFFile(bytes: writer.serialize())
        XCTAssertEqual(file.value("tokens")?.stringArray, strings)
        XCTAssertEqual(file.value("types")?.intArray, types.map(Int.init))
        XCTAssertEqual(file.value("scores")?.floatArray, scores)
        XCTAssertEqual(file.value("types")?.arrayValue?.count, 3000)
        XCTAssertNil(file.value("scores")?.stringArray)
    }

    func testTensorsOfEverySupportedTypeRoundTripAligned() throws {
        for alignment in [32, 64, 8] {
            var writer = GGUFWriter()
            writer.set("general.alignment", .uint32(UInt32(alignment)))
            var rng = TestRandom(seed: UInt64(alignment))
            var expected: [String: [UInt8]] = [:]
            for type in KernelTests.types {
                let shape = [type.blockSize == 256 ? 256 : 32, 3]
                let bytes = try Quantizer.encode(rng.floats(shape[0] * 3), as: type)
                try writer.addTensor(name: "t.\(type)", shape: shape, type: type, bytes: bytes)
                expected["t.\(type)"] = bytes
            }
            try writer.addTensor(name: "odd", shape: [3], type: .f32, values: [1, 2, 3])
            let file = try GGUFFile(bytes: writer.serialize())
            XCTAssertEqual(file.alignment, alignment)
            XCTAssertEqual(file.dataOffset % alignment, 0)
            for info in file.tensors {
                XCTAssertEqual(Int(info.offset) % alignment, 0)
                if let bytes = expected[info.name] { XCTAssertEqual(file.rawBytes(of: info), bytes, info.name) }
            }
            XCTAssertEqual(file.tensor(named: "odd")?.shape, [3])
            XCTAssertEqual(file.tensor(named: "t.Q4_K")?.type, .q4_K)
        }
    }

    func testFileOnDiskIsMapped() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("moe-roundtrip-\(getpid()).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        let bytes = try TinyModelConfig().build()
        try Data(bytes).write(to: url)
        let file = try GGUFFile(path: url.path)
        XCTAssertEqual(file.fileSize, bytes.count)
        XCTAssertEqual(file.architecture, "hunyuan-moe")
        file.prefault()
        let model = try ModelRegistry.load(file)
        XCTAssertEqual(model.architecture, "hunyuan-moe")
        XCTAssertThrowsError(try GGUFFile(path: url.path + ".missing")) { error in
            guard case GGUFError.cannotOpen = error else { return XCTFail("\(error)") }
        }
    }

    func testWriterRejectsInconsistentTensors() {
        var writer = GGUFWriter()
        XCTAssertThrowsError(try writer.addTensor(name: "a", shape: [30], type: .q8_0, bytes: []))
        XCTAssertThrowsError(try writer.addTensor(name: "b", shape: [4], type: .f32, values: [1, 2]))
        XCTAssertNoThrow(try writer.addTensor(name: "c", shape: [2], type: .f32, values: [1, 2]))
        XCTAssertThrowsError(try writer.addTensor(name: "c", shape: [2], type: .f32, values: [1, 2]))
    }
}
