import Foundation

/// Weights of a mixture-of-experts feed-forward layer with an optional shared expert.
struct MoEWeights {
    var norm: [Float]
    /// Router: one row of `embedding` per expert.
    var router: WeightMatrix
    /// Experts stacked along rows: expert e owns rows [e * ff, (e+1) * ff) of gate/up, [e * embedding, ...) of down.
    var gate: WeightMatrix
    var up: WeightMatrix
    var down: WeightMatrix
    var sharedGate: WeightMatrix?
    var sharedUp: WeightMatrix?
    var sharedDown: WeightMatrix?
}

/// The MoE feed-forward step: RMS norm, fp32 softmax router over all experts, top-k (ties to the lower index),
/// optional renormalisation of the k weights, SwiGLU experts, shared SwiGLU expert added ungated, residual add.
///
/// Tokens are grouped by expert so each routed expert's weights are read once per step for all tokens that chose
/// it; each token's output is then combined in its own top-k order, so nothing depends on the other tokens.
struct MixtureOfExpertsBlock {
    var embedding: Int
    var experts: Int
    var expertsUsed: Int
    var expertLength: Int
    var sharedLength: Int
    var normalizeWeights: Bool
    var epsilon: Float

    /// Scratch indices (the attention block reuses some of them, see `AttentionBlock.Scratch`).
    enum Scratch: Int {
        case normed = 30, router, gathered, gate, up, down, sharedGate, sharedUp, sharedDown, combined, quantizedHidden
    }

    /// Routing of one token: chosen experts (best first) and their weights.
    static func route(logits: UnsafePointer<Float>, experts: Int, k: Int,
                      normalize: Bool) -> (experts: [Int], weights: [Float]) {
        var maximum = -Float.infinity
        for e in 0..<experts { maximum = max(maximum, logits[e]) }
        var probabilities = [Float](repeating: 0, count: experts)
        var sum: Float = 0
        for e in 0..<experts {
            probabilities[e] = expf(logits[e] - maximum)
            sum += probabilities[e]
        }
        for e in 0..<experts { probabilities[e] /= sum }
        var chosen: [Int] = []
        var taken = [Bool](repeating: false, count: experts)
        for _ in 0..<k {
            var best = -1
            for e in 0..<experts where !taken[e] && (best < 0 || probabilities[e] > probabilities[best]) { best = e }
            guard best >= 0 else { break }
            taken[best] = true
            chosen.append(best)
        }
        var weights = chosen.map { probabilities[$0] }
        if normalize {
            let total = max(weights.reduce(0, +), 6.103515625e-5)
            weights = weights.map { $0 / total }
        }
        return (chosen, weights)
    }

    /// Updates `x` (`rows` rows of `embedding` floats) in place.
    func apply(_ w: MoEWeights, x: UnsafeMutablePointer<Float>, rows: Int, context: ForwardContext) {
        let d = embedding, k = expertsUsed
        let normed = context.buffer(Scratch.normed.rawValue, rows * d)
        Kernels.rmsnorm(x, rows: rows, weight: w.norm, epsilon: epsilon, into: normed)

        let routerLogits = context.buffer(Scratch.router.rawValue, rows * experts)
        Kernels.matmul([.init(weight: w.router, input: normed, inputStride: d, tokens: rows, output: routerLogits,
                              outputStride: experts)], context: context)
        var chosen = [Int](repeating: 0, count: rows * k)
        var weights = [Float](repeating: 0, count: rows * k)
        var counts = [Int](repeating: 0, count: experts)
        for r in 0..<rows {
            let route = Self.route(logits: routerLogits + r * experts, experts: experts, k: k,
                                   normalize: normalizeWeights)
            for j in 0..<route.experts.count {
                chosen[r * k + j] = route.experts[j]
                weights[r * k + j] = route.weights[j]
                counts[route.experts[j]] += 1
            }
        }
        // Assignment rows: expert by expert, tokens in order within each expert. With integer activations the
        // experts read their tokens' rows of `normed` in place (quantised once); float products read a gathered copy.
        var offsets = [Int](repeating: 0, count: experts + 1)
        for e in 0..<experts { offsets[e + 1] = offsets[e] + counts[e] }
        var fill = offsets
        var assignment = [Int](repeating: 0, count: rows * k)
        let tokenOfSlot = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, rows * k))
        defer { tokenOfSlot.deallocate() }
        for r in 0..<rows {
            for j in 0..<k {
                let e = chosen[r * k + j]
                let slot = fill[e]
                fill[e] += 1
                assignment[r * k + j] = slot
                (tokenOfSlot + slot).initialize(to: Int32(r))
            }
        }
        let routing = Routing(counts: counts, offsets: offsets, tokenOfSlot: UnsafePointer(tokenOfSlot))
        let whole = rows <= Self.wholeExpertMaxRows && fusable(w, context.activations)
        // Product by product, the down buffers also hold the outputs of the first products (see `expertsByProduct`);
        // whole experts run concurrently, so there they do not.
        let downLength = whole ? d : max(d, Self.firstOutputsInDown(w.down, context) * expertLength)
        let sharedDownLength = whole ? d : max(d, Self.firstOutputsInDown(w.sharedDown, context) * sharedLength)
        let down = context.buffer(Scratch.down.rawValue, rows * k * downLength)
        let hasShared = w.sharedGate != nil && sharedLength > 0
        // When every product reads `normed` quantised (before its pool run writes anything), the shared expert's
        // outputs can live in `normed`, dead by then; the combine reads them from there.
        let sharedInNormed = !whole && hasShared && sharedDownLength <= d && Self.allInt8(w, context)
        let sharedDown = sharedInNormed
            ? normed : context.buffer(Scratch.sharedDown.rawValue, rows * sharedDownLength)
        if whole {
            expertsWhole(w, normed: normed, rows: rows, routing: routing, down: down, sharedDown: sharedDown,
                         context: context)
        } else {
            expertsByProduct(w, normed: normed, rows: rows, routing: routing, down: down, sharedDown: sharedDown,
                             context: context)
        }

        // Per element: ((e0 * w0 + e1 * w1) + ...) + shared, then the residual, in this order; one pass per term so
        // each pass is a plain vector loop.
        let sum = context.buffer(Scratch.combined.rawValue, d)
        for r in 0..<rows where k > 0 {
            let row = x + r * d
            let first = UnsafePointer(down + assignment[r * k] * d)
            let w0 = weights[r * k]
            for i in 0..<d { sum[i] = first[i] * w0 }
            for j in 1..<k {
                let expert = UnsafePointer(down + assignment[r * k + j] * d)
                let wj = weights[r * k + j]
                for i in 0..<d { sum[i] += expert[i] * wj }
            }
            if hasShared {
                let shared = UnsafePointer(sharedDown + r * d)
                for i in 0..<d { sum[i] += shared[i] }
            }
            for i in 0..<d { row[i] = sum[i] + row[i] }
        }
    }

    /// Routed expert e's tokens: `counts[e]` slots from `offsets[e]`, slot s holding token `tokenOfSlot[s]` (valid
    /// during `apply`; the kernels read an expert's tokens from `tokenOfSlot + offsets[e]`).
    struct Routing {
        var counts: [Int]
        var offsets: [Int]
        var tokenOfSlot: UnsafePointer<Int32>
    }

    /// Whether every expert product (routed and shared) runs with integer activations.
    static func allInt8(_ w: MoEWeights, _ context: ForwardContext) -> Bool {
        let products: [WeightMatrix?] = [w.gate, w.up, w.down, w.sharedGate, w.sharedUp, w.sharedDown]
        return products.allSatisfy { $0.map { Kernels.usesInt8($0, context.activations) } ?? true }
    }

    /// How many first-product outputs (up; gate too with integer down products) the product-by-product path keeps
    /// in a down buffer, per hidden unit.
    static func firstOutputsInDown(_ down: WeightMatrix?, _ context: ForwardContext) -> Int {
        guard let down else { return 1 }
        return Kernels.usesInt8(down, context.activations) ? 2 : 1
    }

    /// The experts as separate products over the pool: gate and up of every expert, SiLU, then every down.
    func expertsByProduct(_ w: MoEWeights, normed: UnsafeMutablePointer<Float>, rows: Int, routing: Routing,
                          down: UnsafeMutablePointer<Float>, sharedDown: UnsafeMutablePointer<Float>,
                          context: ForwardContext) {
        let d = embedding, k = expertsUsed, ff = expertLength
        let inPlace = Kernels.usesInt8(w.gate, context.activations) && Kernels.usesInt8(w.up, context.activations)
        var gathered = normed
        if !inPlace {
            gathered = context.buffer(Scratch.gathered.rawValue, rows * k * d)
            for slot in 0..<(rows * k) {
                (gathered + slot * d).update(from: normed + Int(routing.tokenOfSlot[slot]) * d, count: d)
            }
        }

        // The up outputs are dead once SiLU has read them, before any down output is written, so they live in the
        // down buffers; so do the gate outputs when the down products quantise their input before the pool runs
        // (integer activations). `apply` sized the buffers for that.
        let gateInDown = Self.firstOutputsInDown(w.down, context) == 2
        let gate = gateInDown ? down : context.buffer(Scratch.gate.rawValue, rows * k * ff)
        let up = gateInDown ? down + rows * k * ff : down
        let sharedGateInDown = Self.firstOutputsInDown(w.sharedDown, context) == 2
        let sharedGate = sharedGateInDown ? sharedDown : context.buffer(Scratch.sharedGate.rawValue, rows * sharedLength)
        let sharedUp = sharedGateInDown ? sharedDown + rows * sharedLength : sharedDown
        var jobs: [Kernels.MatmulJob] = []
        func expertJob(_ weight: WeightMatrix, _ e: Int, output: UnsafeMutablePointer<Float>) -> Kernels.MatmulJob {
            let slot = routing.offsets[e]
            var job = Kernels.MatmulJob(weight: weight.expert(e, of: experts), input: gathered + slot * d,
                                        inputStride: d, tokens: routing.counts[e], output: output + slot * ff,
                                        outputStride: ff)
            if inPlace {
                job.input = UnsafePointer(normed)
                job.inputRows = routing.tokenOfSlot + slot
                job.inputRowCount = rows
            }
            return job
        }
        for e in 0..<experts where routing.counts[e] > 0 {
            jobs.append(expertJob(w.gate, e, output: gate))
            jobs.append(expertJob(w.up, e, output: up))
        }
        let hasShared = w.sharedGate != nil && sharedLength > 0
        if hasShared, let sg = w.sharedGate, let su = w.sharedUp {
            jobs.append(.init(weight: sg, input: normed, inputStride: d, tokens: rows, output: sharedGate,
                              outputStride: sharedLength))
            jobs.append(.init(weight: su, input: normed, inputStride: d, tokens: rows, output: sharedUp,
                              outputStride: sharedLength))
        }
        Kernels.matmul(jobs, context: context)
        Kernels.siluMul(gate: gate, up: up, count: rows * k * ff, into: gate)
        if hasShared { Kernels.siluMul(gate: sharedGate, up: sharedUp, count: rows * sharedLength, into: sharedGate) }

        jobs.removeAll(keepingCapacity: true)
        for e in 0..<experts where routing.counts[e] > 0 {
            let slot = routing.offsets[e]
            jobs.append(.init(weight: w.down.expert(e, of: experts), input: gate + slot * ff, inputStride: ff,
                              tokens: routing.counts[e], output: down + slot * d, outputStride: d))
        }
        if hasShared, let sd = w.sharedDown {
            jobs.append(.init(weight: sd, input: sharedGate, inputStride: sharedLength, tokens: rows,
                              output: sharedDown, outputStride: d))
        }
        Kernels.matmul(jobs, context: context)
    }
}
