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

    // A single decoded token has only top-k + 1 experts: whole, they balance poorly on 2 threads (3 against 2), so
    // each is split in half (hidden units, then output rows), still in one pool run. Bench Q4_K (885 KB experts), one
    // sequence, 4 interleaved runs: expert phase 255-276 -> 215-226 ms per 159 steps, decode +10-14 %; quarters lost
    // to halves. Small experts stay whole: the bundled model's (208 KB, cache-resident) decoded 6 % slower split
    // (median of 12 interleaved pairs), its tasks too short for the imbalance to outweigh the wait between halves.

    /// Whether every expert product here takes the integer-activation kernels.
    func fusable(_ w: MoEWeights, _ precision: ActivationPrecision) -> Bool {
        let weights = [w.gate, w.up, w.down] + [w.sharedGate, w.sharedUp, w.sharedDown].compactMap { $0 }
        return weights.allSatisfy { Kernels.usesInt8($0, precision) } && expertLength % 32 == 0
            && (w.sharedGate == nil || sharedLength % 32 == 0)
    }

    /// The experts, each on one thread (or in two halves, see `expertParts`); the shared expert (every token) first,
    /// then the routed ones by decreasing token count.
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
        /// One expert's products: the shared expert (e < 0) or routed expert e.
        func work(_ e: Int) -> (gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix, rows: UnsafePointer<Int32>?,
                                tokens: Int, hidden: UnsafeMutablePointer<Float>, upOut: UnsafeMutablePointer<Float>,
                                quantized: UnsafeMutablePointer<mk_block_q8>, output: UnsafeMutablePointer<Float>) {
            if e < 0, let sg = w.sharedGate, let su = w.sharedUp, let sd = w.sharedDown {
                return (sg, su, sd, nil, rows, sharedHidden, sharedUp, quantizedHidden + hiddenBlocks, sharedDown)
            }
            let slot = routing.offsets[e]
            return (w.gate.expert(e, of: experts), w.up.expert(e, of: experts), w.down.expert(e, of: experts),
                    routing.tokenOfSlot + slot, routing.counts[e], hidden + slot * ff, upScratch + slot * ff,
                    quantizedHidden + slot * ff / 32, down + slot * d)
        }
        let threads = context.pool.threads
        let expertBytes = [w.gate, w.up, w.down].reduce(0) { $0 + $1.byteCount } / experts
        let parts = expertBytes < context.splitExpertBytes ? 1
            : Self.expertParts(experts: order.count, threads: threads, hiddenLengths: [ff, sharedLength])
        if parts == 1 {
            context.pool.run(order.count) { task, _ in
                let x = work(order[task])
                Kernels.expert(gate: x.gate, up: x.up, down: x.down, input: blocks, inputRows: x.rows,
                               tokens: x.tokens, hidden: x.hidden, upScratch: x.upOut, quantizedHidden: x.quantized,
                               output: x.output)
            }
            return
        }
        // Few experts for the threads: each expert's hidden units in `parts` tasks, then its output rows in `parts`
        // tasks that wait for those (tasks are claimed in order, so the awaited ones are running or done).
        let done = TaskSignals(count: order.count)
        let firstOutputTask = order.count * parts
        context.pool.run(2 * firstOutputTask) { task, _ in
            let index = (task % firstOutputTask) / parts, part = task % parts
            let x = work(order[index])
            if task < firstOutputTask {
                let length = x.gate.rows / parts
                Kernels.expertHidden(gate: x.gate, up: x.up, rows: (part * length)..<((part + 1) * length),
                                     input: blocks, inputRows: x.rows, tokens: x.tokens, hidden: x.hidden,
                                     upScratch: x.upOut, quantizedHidden: x.quantized)
                done.signal(index)
            } else {
                done.wait(index, times: parts)
                let length = (x.down.rows + parts - 1) / parts
                let rows = min(x.down.rows, part * length)..<min(x.down.rows, (part + 1) * length)
                Kernels.expertOutput(down: x.down, rows: rows, quantizedHidden: x.quantized, tokens: x.tokens,
                                     output: x.output)
            }
        }
    }

    /// Into how many tasks each expert's two stages (hidden units, then output rows) are split: 1 (the expert runs
    /// whole) when the experts alone keep every thread busy, else 2 (whole experts would leave a thread idle for up
    /// to a third of the phase: a decoded token has top-k + 1 of them). Halves keep whole 32-value blocks.
    static func expertParts(experts: Int, threads: Int, hiddenLengths: [Int]) -> Int {
        guard threads > 1, experts < 4 * threads else { return 1 }
        return hiddenLengths.allSatisfy { $0 % 64 == 0 } ? 2 : 1
    }
}
