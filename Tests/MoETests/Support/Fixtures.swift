import Foundation
import MoE

/// Locates the numpy-generated fixtures in Tests/MoETests/Fixtures (see its README.md).
enum Fixtures {
    static var directory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures")
    }

    static func url(_ name: String) -> URL { directory.appendingPathComponent(name) }

    static func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: url(name).path) }

    /// Names of the model fixtures (`hy-*.gguf` with a `.logits.json` next to them).
    static var modelNames: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasPrefix("hy-") && $0.hasSuffix(".logits.json") }
            .map { String($0.dropLast(".logits.json".count)) }.sorted()
    }

    struct Logits: Decodable {
        struct Info: Decodable {
            var architecture: String
            var parameters_total: Int
            var parameters_active: Int
            var kv_bytes_per_token: [String: Int]
            var kv_bytes_per_token_mha: [String: Int]
        }
        var model: String
        var tokens: [Int32]
        var logits: [[Double]]
        var tolerance: [String: Double]
        var argmax: [Int]
        var info: Info
    }

    static func logits(_ name: String) throws -> Logits {
        try JSONDecoder().decode(Logits.self, from: Data(contentsOf: url(name + ".logits.json")))
    }

    struct Dequant: Decodable {
        var gguf: String
        var f32: String
        var tensor: String
        var type: String
        var ne: [Int]
        var n_elements: Int
    }

    static func dequantFixtures() throws -> [Dequant] {
        try JSONDecoder().decode([Dequant].self, from: Data(contentsOf: url("dequant-fixtures.json")))
    }

    /// Little-endian float32 values of a `.f32` file.
    static func floats(_ name: String) throws -> [Float] {
        let data = try Data(contentsOf: url(name))
        let bytes = [UInt8](data)
        var result: [Float] = []
        result.reserveCapacity(bytes.count / 4)
        for i in stride(from: 0, to: bytes.count - 3, by: 4) {
            let b0 = UInt32(bytes[i]), b1 = UInt32(bytes[i + 1]) << 8
            let b2 = UInt32(bytes[i + 2]) << 16, b3 = UInt32(bytes[i + 3]) << 24
            result.append(Float(bitPattern: b0 | b1 | b2 | b3))
        }
        return result
    }
}
