import MoEKernels

/// Decode-sized MoE steps with integer activations: each expert runs whole (gate, up, SiLU, down) as one task of a
/// single pool run, instead of every gate and up product, a SiLU pass, then every down product in a second run. A
/// step of 16 tokens touches most experts with a token or two each, so the phase streams expert weights; whole-expert
/// tasks keep that stream going across the gate/up-to-down boundary, which otherwise waits for the slowest task. The
/// products, SiLU and quantisation per element are those of `expertsByProduct`, so the results are the same bits.
extension MixtureOfExpertsBlock {
    /// Most tokens for which the experts run whole; larger (prefill) steps are compute-bound and split every product
    /// by rows for balance instead.
    static let wholeExpertMaxRows = 64

    // A single decoded token has only top-k + 1 whole-expert tasks, which balance poorly on 2 threads, yet it still
    // decodes faster this way than product by product (bench Q4_K, one sequence, 12 interleaved runs: 451 vs 424
    // tok/s): one pool run per layer instead of two outweighs the imbalance.

    /// Whether every expert product here takes the integer-activation kernels.
    func fusable(_ w: MoEWeights, _ precision: ActivationPrecision) -> Bool {
        let weights = [w.gate, w.up, w.down] + [w.sharedGate, w.sharedUp, w.sharedDown].compactMap { $0 }
        return weights.allSatisfy { Kernels.usesInt8($0, precision) } && expertLength % 32 == 0
            && (w.sharedGate == nil || sharedLength % 32 == 0)
    }

    /// The experts, each whole on one thread; the shared expert (every token) first, then the routed ones by
    /// decreasing token count.
    func expertsWhole(_ w: MoEWeights, normed: UnsafeMutablePointer<Float>, rows: Int, routing: Routing,
                      down: UnsafeMutablePointer<Float>, sharedDown: UnsafeMutablePointer<Float>,
                      context: ForwardContext) {
        let d = embedding, k = expertsUsed, ff = expertLength
        let quantized = context.quantized
        quantized.reset()
        let input = quantized.index(of: normed, stride: d, tokens: rows, columns: d)
        quantized.quantizeAll(pool: context.pool)
        let (blocks, _) = quantized.blocks(input)

        let hidden = context.buffer(Scratch.gate.rawValue, rows * k * ff)
        let upScratch = context.buffer(Scratch.up.rawValue, rows * k * ff)
        let sharedHidden = context.buffer(Scratch.sharedGate.rawValue, rows * sharedLength)
        let sharedUp = context.buffer(Scratch.sharedUp.rawValue, rows * sharedLength)
        // Quantised SiLU outputs: the routed slots' rows, then the shared expert's (36-byte blocks of 32 values).
        let hiddenBlocks = rows * k * ff / 32, sharedBlocks = rows * sharedLength / 32
        let blockFloats = MemoryLayout<mk_block_q8>.stride / MemoryLayout<Float>.stride
        let quantizedHidden = UnsafeMutableRawPointer(
            context.buffer(Scratch.quantizedHidden.rawValue, (hiddenBlocks + sharedBlocks) * blockFloats)
        ).bindMemory(to: mk_block_q8.self, capacity: hiddenBlocks + sharedBlocks)

        var order = (0..<experts).filter { routing.counts[$0] > 0 }.sorted { routing.counts[$0] > routing.counts[$1] }
        let hasShared = w.sharedGate != nil && sharedLength > 0
        if hasShared { order.insert(-1, at: 0) }
        context.pool.run(order.count) { task, _ in
            let e = order[task]
            if e < 0, let sg = w.sharedGate, let su = w.sharedUp, let sd = w.sharedDown {
                Kernels.expert(gate: sg, up: su, down: sd, input: blocks, inputRows: nil, tokens: rows,
                               hidden: sharedHidden, upScratch: sharedUp,
                               quantizedHidden: quantizedHidden + hiddenBlocks, output: sharedDown)
                return
            }
            let slot = routing.offsets[e]
            Kernels.expert(gate: w.gate.expert(e, of: experts), up: w.up.expert(e, of: experts),
                           down: w.down.expert(e, of: experts), input: blocks, inputRows: routing.tokenOfSlot + slot,
                           tokens: routing.counts[e], hidden: hidden + slot * ff, upScratch: upScratch + slot * ff,
                           quantizedHidden: quantizedHidden + slot * ff / 32, output: down + slot * d)
        }
    }
}
