import Foundation
import XCTest
@testable import MoE

/// Mutates a valid model file thousands of times (truncations, byte flips, inflated counts, insertions and
/// deletions) and checks each mutant either loads (and then runs a forward step) or throws a typed error: never a
/// crash, a hang or an unbounded allocation. MOE_FUZZ_ITERATIONS=N runs N mutants (default 5000); MOE_FUZZ_SEED
/// picks another sequence.
final class GGUFFuzzTests: XCTestCase {
    func testMutatedFilesThrowOrLoad() throws {
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["MOE_FUZZ_ITERATIONS"].flatMap(Int.init) ?? 5000
        let seed = environment["MOE_FUZZ_SEED"].flatMap(UInt64.init) ?? 20_261_129
        var config = TinyModelConfig()
        config.layers = 2
        config.embedding = 32
        config.heads = 2
        config.kvHeads = 1
        config.vocabulary = 8
        config.experts = 2
        config.expertsUsed = 1
        config.expertLength = 32
        config.sharedLength = 32
        config.claShareFactor = 2
        config.weightType = .q8_0
        let original = try config.build()
        let headerEnd = try GGUFFile(bytes: original).dataOffset
        var rng = TestRandom(seed: seed)
        var outcomes = [String: Int]()
        for _ in 0..<iterations {
            let mutant = mutate(original, headerEnd: headerEnd, rng: &rng)
            outcomes[check(mutant), default: 0] += 1
        }
        print("fuzz: \(iterations) mutants (seed \(seed)): \(outcomes.sorted { $0.key < $1.key })")
        XCTAssertEqual(outcomes.values.reduce(0, +), iterations)
        XCTAssertNil(outcomes["untyped"], "untyped errors: \(outcomes)")
        XCTAssertGreaterThan(outcomes["gguf", default: 0], 0)
    }

    /// Loads a mutant; returns which way it went.
    func check(_ bytes: [UInt8]) -> String {
        let file: GGUFFile
        do {
            file = try GGUFFile(bytes: bytes)
        } catch is GGUFError {
            return "gguf"
        } catch {
            return "untyped"
        }
        do {
            _ = try ModelRegistry.summary(of: file)
            let model = try HunyuanMoEModel(file: file)
            let cache = KVCache(layout: model.cacheLayout, maxTokens: 16, maxPositions: min(model.contextLength, 16))
            let slot = cache.newSequence()
            let tokens: [Int32] = [0, Int32(model.vocabularySize - 1)]
            let out = try model.forward(ForwardBatch(entries: [.init(slot: slot, tokens: tokens, logitIndices: [1])]),
                                        cache: cache, context: ForwardContext(threads: 1))
            return out.logits.count == model.vocabularySize ? "ran" : "untyped"
        } catch is ModelError {
            return "model"
        } catch is GGUFError {
            return "model-metadata"
        } catch is KVCacheError {
            return "cache"
        } catch {
            return "untyped"
        }
    }

    func mutate(_ original: [UInt8], headerEnd: Int, rng: inout TestRandom) -> [UInt8] {
        var bytes = original
        // Most mutations hit the header, where the structure is.
        func position() -> Int {
            rng.int(below: 4) == 0 ? rng.int(below: bytes.count) : rng.int(below: max(headerEnd, 1))
        }
        switch rng.int(below: 6) {
        case 0:
            bytes.removeLast(bytes.count - rng.int(below: bytes.count))
        case 1:
            for _ in 0...rng.int(below: 4) {
                let p = position()
                bytes[p] ^= UInt8(truncatingIfNeeded: rng.next() | 1)
            }
        case 2:
            let huge: [UInt64] = [1 << 32, 1 << 40, 1 << 62, UInt64.max, UInt64(Int32.max), 0]
            let p = min(position(), bytes.count - 8)
            let value = huge[rng.int(below: huge.count)]
            for i in 0..<8 { bytes[p + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        case 3:
            let p = position()
            let count = 1 + rng.int(below: 16)
            bytes.insert(contentsOf: (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }, at: p)
        case 4:
            let p = position()
            bytes.removeSubrange(p..<min(bytes.count, p + 1 + rng.int(below: 16)))
        default:
            let p = min(position(), bytes.count - 4)
            let value = UInt32(truncatingIfNeeded: rng.next() % 40)
            for i in 0..<4 { bytes[p + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt32(i))) }
        }
        return bytes
    }
}
