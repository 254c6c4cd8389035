import Foundation
import MoE

/// A deliberately naive `hunyuan-moe` forward pass in double precision over dequantised weights, written from the
/// architecture description (DESIGN.md §7) without sharing code with the runtime's forward pass. It is the
/// in-package oracle; the numpy fixtures are the independent one.
struct ReferenceForward {
    let file: GGUFFile
    let d, layers, heads, kvHeads, headDim, rot, experts, used, ff, shared, vocab, cla: Int
    let base, eps: Double
    let normalize: Bool

    init(file: GGUFFile) throws {
        self.file = file
        let p = "hunyuan-moe."
        func int(_ k: String, _ fallback: Int? = nil) throws -> Int {
            if let v = file.value(p + k)?.intValue { return v }
            guard let fallback else { throw GGUFError.missingKey(p + k) }
            return fallback
        }
        d = try int("embedding_length")
        layers = try int("block_count")
        heads = try int("attention.head_count")
        kvHeads = try int("attention.head_count_kv", heads)
        headDim = try int("attention.key_length", d / heads)
        rot = try int("rope.dimension_count", headDim)
        experts = try int("expert_count")
        used = try int("expert_used_count")
        ff = try int("expert_feed_forward_length")
        shared = try int("expert_shared_feed_forward_length", ff)
        vocab = file.tensor(named: "token_embd.weight")?.shape[1] ?? 0
        cla = try int("attention.cla_share_factor", 1)
        base = file.value(p + "rope.freq_base")?.doubleValue ?? 10000
        eps = file.value(p + "attention.layer_norm_rms_epsilon")?.doubleValue ?? 1e-5
        normalize = file.value(p + "expert_weights_norm")?.boolValue ?? true
    }

    func tensor(_ name: String) throws -> [Double] {
        guard let info = file.tensor(named: name), let bytes = file.rawBytes(of: info) else {
            throw GGUFError.missingKey(name)
        }
        return try ReferenceKernels.dequantize(bytes, type: info.type, count: info.elementCount).map(Double.init)
    }

    /// y[r] = sum_c W[r * cols + c] * x[c] for a matrix stored as rows of `cols`.
    func matvec(_ w: ArraySlice<Double>, _ x: [Double], rows: Int) -> [Double] {
        let cols = x.count
        let start = w.startIndex
        return (0..<rows).map { r in
            var s = 0.0
            for c in 0..<cols { s += w[start + r * cols + c] * x[c] }
            return s
        }
    }

    func rmsnorm(_ x: [Double], _ w: ArraySlice<Double>) -> [Double] {
        let ms = x.reduce(0) { $0 + $1 * $1 } / Double(x.count)
        let s = 1 / (ms + eps).squareRoot()
        return x.indices.map { x[$0] * s * w[w.startIndex + $0] }
    }

    func rope(_ v: inout [Double], offset: Int, position: Int) {
        let half = rot / 2
        for i in 0..<half {
            let theta = Double(position) * pow(base, -2 * Double(i) / Double(rot))
            let a = v[offset + i], b = v[offset + i + half]
            v[offset + i] = a * cos(theta) - b * sin(theta)
            v[offset + i + half] = a * sin(theta) + b * cos(theta)
        }
    }

    func silu(_ x: Double) -> Double { x / (1 + exp(-x)) }

    func swiglu(_ x: [Double], gate: ArraySlice<Double>, up: ArraySlice<Double>, down: ArraySlice<Double>,
                hidden: Int) -> [Double] {
        let g = matvec(gate, x, rows: hidden), u = matvec(up, x, rows: hidden)
        let h = (0..<hidden).map { silu(g[$0]) * u[$0] }
        return matvec(down, h, rows: d)
    }

    /// Logits at every position of `tokens`.
    func logits(_ tokens: [Int32]) throws -> [[Double]] {
        let embedding = try tensor("token_embd.weight")
        var xs = tokens.map { Array(embedding[(Int($0) * d)..<(Int($0) * d + d)]) }
        let n = tokens.count
        let qDim = heads * headDim, kvDim = kvHeads * headDim
        var groupK: [[Double]] = [], groupV: [[Double]] = []
        for l in 0..<layers {
            let b = "blk.\(l)."
            let attnNorm = try tensor(b + "attn_norm.weight")
            let wq = try tensor(b + "attn_q.weight"), wo = try tensor(b + "attn_output.weight")
            let qn = try tensor(b + "attn_q_norm.weight"), kn = try tensor(b + "attn_k_norm.weight")
            let normed = xs.map { rmsnorm($0, attnNorm[...]) }
            if l % cla == 0 {
                let wk = try tensor(b + "attn_k.weight"), wv = try tensor(b + "attn_v.weight")
                groupK = []
                groupV = []
                for t in 0..<n {
                    var k = matvec(wk[...], normed[t], rows: kvDim)
                    for h in 0..<kvHeads { rope(&k, offset: h * headDim, position: t) }
                    groupK.append(k)
                    groupV.append(matvec(wv[...], normed[t], rows: kvDim))
                }
            }
            for t in 0..<n {
                var q = matvec(wq[...], normed[t], rows: qDim)
                var attended = [Double](repeating: 0, count: qDim)
                for h in 0..<heads {
                    rope(&q, offset: h * headDim, position: t)
                    let qh = rmsnorm(Array(q[(h * headDim)..<((h + 1) * headDim)]), qn[...])
                    let kvh = h / (heads / kvHeads)
                    var scores: [Double] = []
                    for s in 0...t {
                        let kh = rmsnorm(Array(groupK[s][(kvh * headDim)..<((kvh + 1) * headDim)]), kn[...])
                        var dot = 0.0
                        for i in 0..<headDim { dot += qh[i] * kh[i] }
                        scores.append(dot / Double(headDim).squareRoot())
                    }
                    let m = scores.max() ?? 0
                    let e = scores.map { exp($0 - m) }
                    let z = e.reduce(0, +)
                    for s in 0...t {
                        for i in 0..<headDim { attended[h * headDim + i] += e[s] / z * groupV[s][kvh * headDim + i] }
                    }
                }
                let o = matvec(wo[...], attended, rows: d)
                for i in 0..<d { xs[t][i] += o[i] }
            }
            let ffnNorm = try tensor(b + "ffn_norm.weight"), router = try tensor(b + "ffn_gate_inp.weight")
            let gate = try tensor(b + "ffn_gate_exps.weight"), up = try tensor(b + "ffn_up_exps.weight")
            let down = try tensor(b + "ffn_down_exps.weight")
            let sg = try tensor(b + "ffn_gate_shexp.weight"), su = try tensor(b + "ffn_up_shexp.weight")
            let sd = try tensor(b + "ffn_down_shexp.weight")
            for t in 0..<n {
                let x = rmsnorm(xs[t], ffnNorm[...])
                let logits = matvec(router[...], x, rows: experts)
                let m = logits.max() ?? 0
                let e = logits.map { exp($0 - m) }
                let z = e.reduce(0, +)
                let probs = e.map { $0 / z }
                let order = (0..<experts).sorted { probs[$0] > probs[$1] || (probs[$0] == probs[$1] && $0 < $1) }
                let chosen = Array(order.prefix(used))
                var weights = chosen.map { probs[$0] }
                if normalize {
                    let s = weights.reduce(0, +)
                    weights = weights.map { $0 / s }
                }
                var out = swiglu(x, gate: sg[...], up: su[...], down: sd[...], hidden: shared)
                for (j, ex) in chosen.enumerated() {
                    let y = swiglu(x, gate: gate[(ex * ff * d)..<((ex + 1) * ff * d)],
                                   up: up[(ex * ff * d)..<((ex + 1) * ff * d)],
                                   down: down[(ex * d * ff)..<((ex + 1) * d * ff)], hidden: ff)
                    for i in 0..<d { out[i] += weights[j] * y[i] }
                }
                for i in 0..<d { xs[t][i] += out[i] }
            }
        }
        let outNorm = try tensor("output_norm.weight")
        let output = file.tensor(named: "output.weight") != nil ? try tensor("output.weight") : embedding
        return xs.map { matvec(output[...], rmsnorm($0, outNorm[...]), rows: vocab) }
    }
}

/// Max-abs difference over the row divided by the max-abs reference value.
func relativeError(_ actual: ArraySlice<Float>, _ expected: [Double]) -> Double {
    var maxDiff = 0.0, maxRef = 0.0
    for (a, e) in zip(actual, expected) {
        maxDiff = max(maxDiff, abs(Double(a) - e))
        maxRef = max(maxRef, abs(e))
    }
    return maxRef > 0 ? maxDiff / maxRef : maxDiff
}
