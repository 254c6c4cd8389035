import MoEKernels

/// Swift entry points to the C kernels (MoEKernels). All pointer arithmetic of the forward pass goes through here.
enum Kernels {
    /// One matrix product: output[t * outputStride + r] = row r of `weight` · input[t * inputStride ..< + columns].
    struct MatmulJob {
        var weight: WeightMatrix
        var input: UnsafePointer<Float>
        var inputStride: Int
        var tokens: Int
        var output: UnsafeMutablePointer<Float>
        var outputStride: Int
        /// Gathered tokens: token t reads row `inputRows[t]` of `input` (which has `inputRowCount` rows) instead of
        /// row t, so an MoE expert reads the rows of its tokens where they are.
        var inputRows: UnsafePointer<Int32>? = nil
        var inputRowCount = 0
    }

    /// Whether products with `weight` take the integer-activation kernels under `precision`.
    static func usesInt8(_ weight: WeightMatrix, _ precision: ActivationPrecision) -> Bool {
        precision == .int8 && mk_q8_supports(Int32(weight.type.rawValue)) != 0 && weight.columns % 32 == 0
    }

    /// The instruction-set level the kernels run at on this CPU (0 scalar, 1 AVX2+FMA, 2 AVX-512).
    static var cpuLevel: Int { Int(mk_cpu_level()) }

    static var cpuLevelName: String {
        switch cpuLevel {
        case 2: return mk_cpu_has_vnni() != 0 ? "avx512+vnni" : "avx512"
        case 1: return "avx2+fma"
        default: return "scalar"
        }
    }

    /// Runs every job with the context's pool and activation precision: with `.int8`, jobs whose weights have an
    /// integer kernel (Q8_0, Q4_0, Q4_K, Q6_K) read their input quantised once per distinct input (jobs sharing an
    /// input, like an expert's gate and up, share the quantised copy).
    static func matmul(_ jobs: [MatmulJob], context: ForwardContext) {
        guard jobs.contains(where: { usesInt8($0.weight, context.activations) }) else {
            matmul(jobs, pool: context.pool)
            return
        }
        let quantized = context.quantized
        quantized.reset()
        var inputs: [Int] = []
        for job in jobs {
            guard usesInt8(job.weight, context.activations) else {
                inputs.append(-1)
                continue
            }
            inputs.append(quantized.index(of: job.input, stride: job.inputStride,
                                          tokens: job.inputRows == nil ? job.tokens : job.inputRowCount,
                                          columns: job.weight.columns))
        }
        quantized.quantizeAll(pool: context.pool)
        let tasks = rowTasks(jobs, threads: context.pool.threads)
        context.pool.run(tasks.count) { taskIndex, _ in
            let task = tasks[taskIndex]
            let job = jobs[task.job]
            let type = Int32(job.weight.type.rawValue)
            if inputs[task.job] >= 0 {
                let (blocks, blocksPerToken) = quantized.blocks(inputs[task.job])
                _ = mk_matmul_q8_rows(type, job.weight.base, job.weight.rowBytes, Int64(job.weight.columns),
                                      Int64(task.begin), Int64(task.end), blocks, Int64(blocksPerToken),
                                      job.inputRows, Int64(job.tokens), job.output, Int64(job.outputStride))
            } else {
                floatProduct(job, rows: task.begin..<task.end)
            }
        }
    }

    /// Rows `rows` of one job with float activations (gathered tokens one at a time).
    private static func floatProduct(_ job: MatmulJob, rows: Range<Int>) {
        let type = Int32(job.weight.type.rawValue)
        guard let inputRows = job.inputRows else {
            _ = mk_matmul(type, job.weight.base, job.weight.rowBytes, Int64(job.weight.columns), Int64(rows.lowerBound),
                          Int64(rows.upperBound), job.input, Int64(job.inputStride), Int64(job.tokens), job.output,
                          Int64(job.outputStride))
            return
        }
        for t in 0..<job.tokens {
            _ = mk_matmul(type, job.weight.base, job.weight.rowBytes, Int64(job.weight.columns), Int64(rows.lowerBound),
                          Int64(rows.upperBound), job.input + Int(inputRows[t]) * job.inputStride,
                          Int64(job.inputStride), 1, job.output + t * job.outputStride, Int64(job.outputStride))
        }
    }

    /// One SwiGLU expert with integer activations, whole, on the calling thread: the gate and up products of the
    /// quantised input rows (`inputRows[t]` for token t, or rows 0..<tokens), SiLU(gate) * up into `hidden`, those
    /// rows quantised into `quantizedHidden`, then the down product into `output` (stride: down's rows). Each
    /// element goes through the operations `matmul`, `siluMul` and the quantiser give it as separate steps.
    static func expert(gate: WeightMatrix, up: WeightMatrix, down: WeightMatrix, input: UnsafePointer<mk_block_q8>,
                       inputRows: UnsafePointer<Int32>?, tokens: Int, hidden: UnsafeMutablePointer<Float>,
                       upScratch: UnsafeMutablePointer<Float>, quantizedHidden: UnsafeMutablePointer<mk_block_q8>,
                       output: UnsafeMutablePointer<Float>) {
        expertHidden(gate: gate, up: up, rows: 0..<gate.rows, input: input, inputRows: inputRows, tokens: tokens,
                     hidden: hidden, upScratch: upScratch, quantizedHidden: quantizedHidden)
        expertOutput(down: down, rows: 0..<down.rows, quantizedHidden: quantizedHidden, tokens: tokens,
                     output: output)
    }

    /// The first half of `expert` for hidden units `rows` (a range of whole 32-value blocks): their gate and up
    /// products, SiLU(gate) * up and its quantised blocks. Each unit's value does not depend on the range.
    static func expertHidden(gate: WeightMatrix, up: WeightMatrix, rows: Range<Int>, input: UnsafePointer<mk_block_q8>,
                             inputRows: UnsafePointer<Int32>?, tokens: Int, hidden: UnsafeMutablePointer<Float>,
                             upScratch: UnsafeMutablePointer<Float>,
                             quantizedHidden: UnsafeMutablePointer<mk_block_q8>) {
        let ff = gate.rows, d = gate.columns, begin = rows.lowerBound, count = rows.count
        _ = mk_matmul_q8_rows(Int32(gate.type.rawValue), gate.base, gate.rowBytes, Int64(d), Int64(begin),
                              Int64(rows.upperBound), input, Int64(d / 32), inputRows, Int64(tokens), hidden, Int64(ff))
        _ = mk_matmul_q8_rows(Int32(up.type.rawValue), up.base, up.rowBytes, Int64(d), Int64(begin),
                              Int64(rows.upperBound), input, Int64(d / 32), inputRows, Int64(tokens), upScratch,
                              Int64(ff))
        for t in 0..<tokens {
            let row = hidden + t * ff + begin
            mk_silu_mul(row, upScratch + t * ff + begin, Int64(count), row)
            mk_quantize_q8(row, Int64(count), quantizedHidden + (t * ff + begin) / 32)
        }
    }

    /// The second half of `expert`: rows `rows` of the down product of the quantised hidden units.
    static func expertOutput(down: WeightMatrix, rows: Range<Int>, quantizedHidden: UnsafePointer<mk_block_q8>,
                             tokens: Int, output: UnsafeMutablePointer<Float>) {
        let ff = down.columns
        _ = mk_matmul_q8(Int32(down.type.rawValue), down.base, down.rowBytes, Int64(ff), Int64(rows.lowerBound),
                         Int64(rows.upperBound), quantizedHidden, Int64(ff / 32), Int64(tokens), output,
                         Int64(down.rows))
    }

    /// Weight bytes per task below which a job of few tokens is not split further: every task costs a fixed setup
    /// and restarts the hardware prefetcher's streams. Measured on 2 cores, Q4_K rows of 1024, 1-2 tokens: tasks of
    /// 37 KB read 15 GB/s, 73 KB 23 GB/s, 147 KB 26 GB/s.
    static let taskBytes = 128 * 1024

    /// Tokens from which a job is compute-bound: split into tasks of about `computeTaskRows` rows (at most four per
    /// thread; at least one per thread when it is the only job).
    static let computeBoundTokens = 8

    /// Measured on 2 cores, Q4_K rows of 1024 streamed from DRAM, 16 tokens: 256 rows split in 8 tasks 171 GMAC/s,
    /// in 2 tasks 210; 1024 rows in 16 tasks 198, in 4 tasks 221-229 (each task's first tile waits for memory,
    /// the later ones are prefetched while the previous one computes).
    static let computeTaskRows = 256

    /// Row ranges of every job (each output element belongs to exactly one): about `computeTaskRows` rows each for
    /// jobs of many tokens, else about `taskBytes` of weights each (at most four per thread either way).
    private static func rowTasks(_ jobs: [MatmulJob], threads: Int) -> [(job: Int, begin: Int, end: Int)] {
        var tasks: [(job: Int, begin: Int, end: Int)] = []
        let target = max(1, threads * 4)
        for (index, job) in jobs.enumerated() where job.tokens > 0 && job.weight.rows > 0 {
            let bytes = job.weight.rows * job.weight.rowBytes
            let pieces: Int
            if job.tokens >= computeBoundTokens {
                let lower = jobs.count == 1 ? threads : 1
                let wanted = (job.weight.rows + computeTaskRows - 1) / computeTaskRows
                pieces = min(target, job.weight.rows, max(lower, wanted))
            } else {
                pieces = min(target, max(1, (bytes + taskBytes / 2) / taskBytes))
            }
            let chunk = (job.weight.rows + pieces - 1) / pieces
            var begin = 0
            while begin < job.weight.rows {
                let end = min(job.weight.rows, begin + chunk)
                tasks.append((index, begin, end))
                begin = end
            }
        }
        // Longest first: the pool hands tasks out in order, so the big compute-bound ones (an MoE step's shared
        // expert) start early and the small ones fill the end evenly.
        return tasks.filter { jobs[$0.job].tokens >= computeBoundTokens }
            + tasks.filter { jobs[$0.job].tokens < computeBoundTokens }
    }

    /// Runs every job, splitting rows into tasks over the pool. Each output element is computed whole by one task
    /// with a fixed reduction order, so results do not depend on the thread count or on the other jobs.
    static func matmul(_ jobs: [MatmulJob], pool: WorkerPool) {
        let tasks = rowTasks(jobs, threads: pool.threads)
        pool.run(tasks.count) { taskIndex, _ in
            let task = tasks[taskIndex]
            floatProduct(jobs[task.job], rows: task.begin..<task.end)
        }
    }

    /// The same product at an explicit level on the calling thread (tests compare levels; contiguous tokens only).
    static func matmul(_ job: MatmulJob, level: Int) {
        _ = mk_matmul_at_level(Int32(level), Int32(job.weight.type.rawValue), job.weight.base, job.weight.rowBytes,
                               Int64(job.weight.columns), 0, Int64(job.weight.rows), job.input,
                               Int64(job.inputStride), Int64(job.tokens), job.output, Int64(job.outputStride))
    }

    /// Dequantises row `row` of `weight` into `output` (columns floats).
    static func dequantizeRow(_ weight: WeightMatrix, row: Int, into output: UnsafeMutablePointer<Float>) {
        _ = mk_dequantize_row(Int32(weight.type.rawValue), weight.row(row), output, Int64(weight.columns))
    }

    /// RMS-normalises `rows` consecutive rows of `weight.count` floats from `x` into `y` (may be the same memory).
    static func rmsnorm(_ x: UnsafePointer<Float>, rows: Int, weight: [Float], epsilon: Float,
                        into y: UnsafeMutablePointer<Float>) {
        let n = weight.count
        weight.withUnsafeBufferPointer { w in
            guard let base = w.baseAddress else { return }
            for r in 0..<rows { mk_rmsnorm(x + r * n, base, Int64(n), epsilon, y + r * n) }
        }
    }

    /// The cosines and sines of NeoX RoPE at `position` (`rotaryDim` doubles, see `mk_rope_cos_sin`).
    static func ropeTable(rotaryDim: Int, position: Int, base: Double, into table: UnsafeMutablePointer<Double>) {
        mk_rope_cos_sin(Int64(rotaryDim), Int64(position), base, table)
    }

    /// NeoX RoPE of `heads` heads with a table from `ropeTable` (the same bits as `mk_rope_neox` at that position).
    static func ropeNeoX(_ x: UnsafeMutablePointer<Float>, heads: Int, headDim: Int, rotaryDim: Int,
                         table: UnsafePointer<Double>) {
        mk_rope_neox_cs(x, Int64(heads), Int64(headDim), Int64(rotaryDim), table)
    }

    static func siluMul(gate: UnsafePointer<Float>, up: UnsafePointer<Float>, count: Int,
                        into y: UnsafeMutablePointer<Float>) {
        mk_silu_mul(gate, up, Int64(count), y)
    }

    /// Attention of `groupSize` query heads sharing one KV head over `positions` cached positions of one sequence
    /// (cache elements of `precision`, offsets in elements).
    static func attention(query: UnsafePointer<Float>, groupSize: Int, headDim: Int, precision: KVCachePrecision,
                          pages: UnsafePointer<UnsafeRawPointer?>, pageSize: Int, keyOffset: Int,
                          valueOffset: Int, positions: Int, keyNormEpsilon: Float, scale: Float,
                          scores: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>) {
        _ = mk_attention(mk_cpu_level(), precision.kernelType, query, Int64(groupSize), Int64(headDim), pages,
                         Int64(pageSize), Int64(keyOffset), Int64(valueOffset), Int64(positions), keyNormEpsilon,
                         scale, scores, output)
    }

    /// Rounds `count` floats to IEEE half precision (nearest even) into `output`.
    static func roundToHalf(_ x: UnsafePointer<Float>, count: Int, into output: UnsafeMutablePointer<UInt16>) {
        mk_f32_to_f16(x, Int64(count), output)
    }
}
