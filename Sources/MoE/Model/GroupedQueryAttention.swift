/// Weights of one attention layer with per-head q/k RMS norms and optional cross-layer K/V sharing.
struct AttentionWeights {
    var norm: [Float]
    var query: WeightMatrix
    /// Nil for layers that reuse the K/V of their group's first layer.
    var key: WeightMatrix?
    var value: WeightMatrix?
    var output: WeightMatrix
    /// q-norm weight times k-norm weight, element-wise (see `AttentionBlock`).
    var queryKeyNorm: [Float]
    /// The KV-cache group this layer reads (and, when it has K/V weights, writes).
    var group: Int
}

/// Self-attention of a batch of tokens: RMS norm, Q (and K, V) projections, NeoX RoPE, per-head RMS norm of q and
/// k, grouped-query attention over each token's own sequence in the cache, output projection, residual add.
///
/// Keys are cached after RoPE and before the k-norm, so layers sharing a group's K/V each apply their own k-norm.
/// The k-norm is folded into the scores: q·(k · s_k · w_k) = s_k · (q ∘ w_k)·k with s_k = 1/rms(k), so the query is
/// normalised with the product of the two norm weights and the kernel scales each score by the key's 1/rms.
struct AttentionBlock {
    var embedding: Int
    var heads: Int
    var kvHeads: Int
    var headDim: Int
    var rotaryDim: Int
    var ropeBase: Double
    var epsilon: Float

    /// Scratch indices shared with the MoE block's (`MixtureOfExpertsBlock.Scratch`), paired by size: the two blocks
    /// run one after the other and keep nothing in scratch between them, so a step's scratch is the larger of the
    /// two rather than their sum. Within the block, the attended values reuse the normed input's buffer and the
    /// output projection the queries' (each dead by then).
    private enum Scratch: Int { case normed = 30, query = 35, key = 36, value = 37, scores = 39 }

    /// The RoPE tables of every token of `step` (`rotaryDim` doubles each), computed once per step for all layers.
    func rotaryTables(_ step: StepLayout) -> [Double] {
        var tables = [Double](repeating: 0, count: max(1, step.tokens.count * rotaryDim))
        tables.withUnsafeMutableBufferPointer { buffer in
            for (t, position) in step.positions.enumerated() {
                Kernels.ropeTable(rotaryDim: rotaryDim, position: position, base: ropeBase,
                                  into: buffer.baseAddress! + t * rotaryDim)
            }
        }
        return tables
    }

    /// Updates `x` (rows of `embedding` floats, one per token of `step`) in place; `rotary` from `rotaryTables`.
    func apply(_ w: AttentionWeights, x: UnsafeMutablePointer<Float>, step: StepLayout, rotary: UnsafePointer<Double>,
               cache: KVCache, context: ForwardContext) {
        let count = step.tokens.count
        let qDim = heads * headDim, kvDim = kvHeads * headDim
        let normed = context.buffer(Scratch.normed.rawValue, count * embedding)
        Kernels.rmsnorm(x, rows: count, weight: w.norm, epsilon: epsilon, into: normed)
        let q = context.buffer(Scratch.query.rawValue, count * qDim)
        var jobs = [Kernels.MatmulJob(weight: w.query, input: normed, inputStride: embedding, tokens: count,
                                      output: q, outputStride: qDim)]
        let k = context.buffer(Scratch.key.rawValue, count * kvDim)
        let v = context.buffer(Scratch.value.rawValue, count * kvDim)
        if let key = w.key, let value = w.value {
            jobs.append(.init(weight: key, input: normed, inputStride: embedding, tokens: count, output: k,
                              outputStride: kvDim))
            jobs.append(.init(weight: value, input: normed, inputStride: embedding, tokens: count, output: v,
                              outputStride: kvDim))
        }
        Kernels.matmul(jobs, context: context)

        let writesCache = w.key != nil
        for t in 0..<count {
            let position = step.positions[t]
            let table = rotary + t * rotaryDim
            Kernels.ropeNeoX(q + t * qDim, heads: heads, headDim: headDim, rotaryDim: rotaryDim, table: table)
            guard writesCache else { continue }
            Kernels.ropeNeoX(k + t * kvDim, heads: kvHeads, headDim: headDim, rotaryDim: rotaryDim, table: table)
            for h in 0..<kvHeads {
                cache.store(k + t * kvDim + h * headDim, slot: step.slots[t], group: w.group, value: false, head: h,
                            position: position)
                cache.store(v + t * kvDim + h * headDim, slot: step.slots[t], group: w.group, value: true, head: h,
                            position: position)
            }
        }
        Kernels.rmsnorm(q, rows: count * heads, weight: w.queryKeyNorm, epsilon: epsilon, into: q)

        let attended = context.buffer(Scratch.normed.rawValue, count * qDim)  // normed: read by q, k, v only
        let groupSize = heads / kvHeads
        let scoresPerThread = groupSize * step.maxContext
        let scores = context.buffer(Scratch.scores.rawValue, context.pool.threads * scoresPerThread)
        let tables = step.slots.map { cache.pageTable($0) }
        let keyOffsets = (0..<kvHeads).map { cache.blockOffset(group: w.group, value: false, head: $0) }
        let valueOffsets = (0..<kvHeads).map { cache.blockOffset(group: w.group, value: true, head: $0) }
        let pageSize = cache.pageSize, precision = cache.precision
        let scale = 1 / Float(headDim).squareRoot()
        let (hd, kvh, eps) = (headDim, kvHeads, epsilon)
        context.pool.run(count * kvHeads) { task, thread in
            let t = task / kvh, h = task % kvh
            guard let table = tables[t] else { return }
            let offset = t * qDim + h * groupSize * hd
            Kernels.attention(query: q + offset, groupSize: groupSize, headDim: hd, precision: precision,
                              pages: table, pageSize: pageSize, keyOffset: keyOffsets[h], valueOffset: valueOffsets[h],
                              positions: step.positions[t] + 1, keyNormEpsilon: eps, scale: scale,
                              scores: scores + thread * scoresPerThread, output: attended + offset)
        }

        let projected = context.buffer(Scratch.query.rawValue, count * embedding)  // q: read by attention only
        Kernels.matmul([.init(weight: w.output, input: attended, inputStride: qDim, tokens: count, output: projected,
                              outputStride: embedding)], context: context)
        for i in 0..<(count * embedding) { x[i] = projected[i] + x[i] }
    }
}
