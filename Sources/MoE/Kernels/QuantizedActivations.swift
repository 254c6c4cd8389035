import MoEKernels

/// Scratch for 8-bit activations (`mk_block_q8`, 32 values per block) of one `Kernels.matmul` call: each distinct
/// input (pointer, stride, tokens, columns) is quantised once, token by token. Grows, never shrinks; one per
/// `ForwardContext`, used by one step at a time.
final class QuantizedActivations {
    private struct Input {
        var source: UnsafePointer<Float>
        var stride: Int
        var tokens: Int
        var columns: Int
        var offset: Int
    }

    private var inputs: [Input] = []
    private var storage: UnsafeMutablePointer<mk_block_q8>?
    private var capacity = 0
    private var used = 0

    deinit { storage?.deallocate() }

    func reset() {
        inputs.removeAll(keepingCapacity: true)
        used = 0
    }

    /// The index of `source`'s quantised copy, registering it on first sight (`columns` a multiple of 32).
    func index(of source: UnsafePointer<Float>, stride: Int, tokens: Int, columns: Int) -> Int {
        if let found = inputs.firstIndex(where: {
            $0.source == source && $0.stride == stride && $0.tokens == tokens && $0.columns == columns
        }) {
            return found
        }
        inputs.append(Input(source: source, stride: stride, tokens: tokens, columns: columns, offset: used))
        used += tokens * columns / 32
        return inputs.count - 1
    }

    /// Quantises every registered input (tokens spread over the pool).
    func quantizeAll(pool: WorkerPool) {
        if used > capacity {
            storage?.deallocate()
            capacity = max(used, capacity * 2)
            storage = .allocate(capacity: capacity)
        }
        guard let storage else { return }
        var work: [(input: Int, token: Int)] = []
        for (i, input) in inputs.enumerated() {
            for t in 0..<input.tokens { work.append((i, t)) }
        }
        let inputs = self.inputs
        func quantize(_ item: (input: Int, token: Int)) {
            let input = inputs[item.input]
            mk_quantize_q8(input.source + item.token * input.stride, Int64(input.columns),
                           storage + input.offset + item.token * input.columns / 32)
        }
        // A few rows (decode steps) cost less than waking the pool.
        guard work.count >= 32 else {
            work.forEach(quantize)
            return
        }
        let chunk = max(1, (work.count + pool.threads * 4 - 1) / (pool.threads * 4))
        pool.run((work.count + chunk - 1) / chunk) { task, _ in
            work[(task * chunk)..<min(work.count, (task + 1) * chunk)].forEach(quantize)
        }
    }

    /// Blocks of input `index` and the blocks per token.
    func blocks(_ index: Int) -> (UnsafePointer<mk_block_q8>, Int) {
        let input = inputs[index]
        return (UnsafePointer(storage! + input.offset), input.columns / 32)
    }
}
