// Hot loops of the MoE runtime: dequantising dot products, matrix products, attention, a persistent worker pool.
//
// Every SIMD routine exists at three levels (scalar, AVX2+FMA, AVX-512) selected at run time from the CPU's
// features, so one binary runs on any x86-64 (and the scalar level on other CPUs). Results are bit-identical for a
// given level whatever the number of tokens processed together or the thread that computes them: each output
// element is reduced in a fixed order. Plain reference versions of the same maths live in Swift (MoE target) and
// tests compare the two.
#ifndef MOE_KERNELS_H
#define MOE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// ggml tensor type ids supported by the kernels.
enum {
    MK_TYPE_F32 = 0,
    MK_TYPE_F16 = 1,
    MK_TYPE_Q4_0 = 2,
    MK_TYPE_Q8_0 = 8,
    MK_TYPE_Q4_K = 12,
    MK_TYPE_Q6_K = 14,
    MK_TYPE_BF16 = 30,
};

/// Instruction-set levels.
enum {
    MK_LEVEL_SCALAR = 0,
    MK_LEVEL_AVX2 = 1,
    MK_LEVEL_AVX512 = 2,
};

/// The best level this CPU supports (detected once).
int mk_cpu_level(void);

/// IEEE half <-> float (round to nearest even; NaN stays NaN).
float mk_fp16_to_fp32(uint16_t h);
uint16_t mk_fp32_to_fp16(float f);

/// Dequantises `n` elements of one row of `type` (n must be a multiple of the type's block size). Returns 0, or -1
/// for an unsupported type.
int mk_dequantize_row(int type, const void *src, float *dst, int64_t n);

/// y[t * ldy + r] = dot(row r of w, x + t * ldx) for r in [row_begin, row_end) and t in [0, n_tokens).
/// Rows are `row_bytes` apart and hold `k` elements of `type`. Uses the CPU's best level.
/// Returns 0, or -1 for an unsupported type.
int mk_matmul(int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin, int64_t row_end,
              const float *x, int64_t ldx, int64_t n_tokens, float *y, int64_t ldy);

/// The same at an explicit level (clamped to what the CPU supports); for tests.
int mk_matmul_at_level(int level, int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin,
                       int64_t row_end, const float *x, int64_t ldx, int64_t n_tokens, float *y, int64_t ldy);

/// Activations quantised to 8 bits for integer dot products against quantised weights: 32 values as int8 with one
/// float scale (x[i] ~= d * q[i]) and the sums of q over each half (values 0..15 and 16..31), which the kernels of
/// offset types (Q4_0, Q4_K mins, Q6_K, the unsigned trick for Q8_0) need. 40 bytes, no padding.
typedef struct {
    float d;
    int16_t sum[2];
    int8_t q[32];
} mk_block_q8;

/// Quantises k floats (k a multiple of 32) into k / 32 blocks: d = max|x| / 127, q = nearest integer of x / d with
/// ties to even (q = 0 when d is 0). Scalar and exact: every level and the Swift reference produce the same bytes.
void mk_quantize_q8(const float *x, int64_t k, mk_block_q8 *out);

/// 1 when mk_matmul_q8 supports weights of `type` (Q8_0, Q4_0, Q4_K, Q6_K), else 0.
int mk_q8_supports(int type);

/// 1 when the CPU has AVX-512 VNNI (the 512-bit integer path needs it; without it AVX-512 CPUs use the AVX2 path).
int mk_cpu_has_vnni(void);

/// Integer-activation matrix product: y[t * ldy + r] = dot(row r of w, activations of token t) for r in
/// [row_begin, row_end) and t in [0, n_tokens). Token t's activations are the k / 32 blocks at x + t * ldx (ldx in
/// blocks). Per 32-element block the product is an exact integer sum; scales are applied in float after it. Each
/// output element is computed with the same operations whatever n_tokens is. Returns 0, or -1 for an unsupported type.
int mk_matmul_q8(int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin, int64_t row_end,
                 const mk_block_q8 *x, int64_t ldx, int64_t n_tokens, float *y, int64_t ldy);

/// mk_matmul_q8 over gathered tokens: token t's activations are the blocks at x + token_rows[t] * ldx (an MoE
/// expert reads the rows of the tokens routed to it without copying them). token_rows NULL: row t, as mk_matmul_q8.
int mk_matmul_q8_rows(int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin, int64_t row_end,
                      const mk_block_q8 *x, int64_t ldx, const int32_t *token_rows, int64_t n_tokens, float *y,
                      int64_t ldy);

/// mk_matmul_q8_rows at an explicit level; for tests.
int mk_matmul_q8_rows_at_level(int level, int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin,
                               int64_t row_end, const mk_block_q8 *x, int64_t ldx, const int32_t *token_rows,
                               int64_t n_tokens, float *y, int64_t ldy);

/// The same at an explicit level (clamped to what the CPU supports); for tests.
int mk_matmul_q8_at_level(int level, int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin,
                          int64_t row_end, const mk_block_q8 *x, int64_t ldx, int64_t n_tokens, float *y,
                          int64_t ldy);

/// y = x * (1 / sqrt(mean(x^2) + eps)) * w, over n elements (sum of squares accumulated in double, in an order that
/// gives the same bits at every level; y may be x).
void mk_rmsnorm(const float *x, const float *w, int64_t n, float eps, float *y);

/// The same at an explicit level (clamped to what the CPU supports); for tests.
void mk_rmsnorm_at_level(int level, const float *x, const float *w, int64_t n, float eps, float *y);

/// NeoX rotary embedding in place on `n_heads` heads of `head_dim` floats: pairs (i, i + n_rot/2), i < n_rot/2,
/// angle = pos * base^(-2i/n_rot), computed in double.
void mk_rope_neox(float *x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos, double base);

/// The cosines and sines of mk_rope_neox for one position: cs[2i] = cos(theta_i), cs[2i + 1] = sin(theta_i) for
/// i < n_rot / 2 (n_rot floats' worth of doubles). Computed once per token, shared by every head and layer.
void mk_rope_cos_sin(int64_t n_rot, int64_t pos, double base, double *cs);

/// mk_rope_neox with precomputed cosines and sines (same results bit for bit).
void mk_rope_neox_cs(float *x, int64_t n_heads, int64_t head_dim, int64_t n_rot, const double *cs);

/// y[i] = silu(g[i]) * u[i] = g[i] / (1 + exp(-g[i])) * u[i], exp by a polynomial (relative error < 1.5e-7) that gives
/// the same bits at every level.
void mk_silu_mul(const float *g, const float *u, int64_t n, float *y);

/// The same at an explicit level (clamped to what the CPU supports); for tests.
void mk_silu_mul_at_level(int level, const float *g, const float *u, int64_t n, float *y);

/// The exp of mk_silu_mul and of attention's softmax at AVX-512 (scalar form, same bits as the vector forms).
float mk_exp_reference(float x);

/// Attention of `g` query heads sharing one key/value head over `n_pos` cached positions.
/// q: g * head_dim floats, already RoPE'd, q-normed and multiplied element-wise by the layer's k-norm weight.
/// Keys are stored before their RMS norm; the norm 1/sqrt(mean(k^2)+eps) is applied to each key's score.
/// The cache holds elements of `kv_type` (MK_TYPE_F32 or MK_TYPE_F16; F16 elements are widened exactly to float):
/// position p lives at element (k_offset | v_offset) + (p % page_size) * head_dim of pages[p / page_size].
/// scores: scratch of g * n_pos floats. out: g * head_dim floats. Returns -1 for another kv_type.
int mk_attention(int level, int kv_type, const float *q, int64_t g, int64_t head_dim, const void *const *pages,
                 int64_t page_size, int64_t k_offset, int64_t v_offset, int64_t n_pos, float k_norm_eps,
                 float scale, float *scores, float *out);

/// Rounds n floats to IEEE half precision (to nearest, ties to even; the same bits as mk_fp32_to_fp16 for every
/// input but NaNs, which stay NaNs).
void mk_f32_to_f16(const float *x, int64_t n, uint16_t *y);

/// mk_f32_to_f16 at an explicit level (tests compare levels).
void mk_f32_to_f16_at_level(int level, const float *x, int64_t n, uint16_t *y);

/// A persistent pool of worker threads (the calling thread takes part too).
typedef struct mk_pool mk_pool;
typedef void (*mk_task_fn)(void *ctx, int64_t task, int32_t thread);

/// Creates a pool running `n_threads` threads in total (n_threads - 1 workers plus the caller). NULL on failure.
mk_pool *mk_pool_create(int32_t n_threads);
void mk_pool_destroy(mk_pool *pool);
int32_t mk_pool_threads(const mk_pool *pool);
/// Runs fn(ctx, task, thread) for task in [0, n_tasks) across the pool and returns when all are done.
/// Calls are serialised; `thread` is in [0, n_threads).
void mk_pool_run(mk_pool *pool, int64_t n_tasks, mk_task_fn fn, void *ctx);
/// Tasks are claimed in index order, so a task may wait for an earlier task of the same run (which is already
/// running or done): the earlier one adds to a counter when done (release), the later one waits for it (acquire).
void mk_signal_add(int32_t *counter);
void mk_signal_wait(const int32_t *counter, int32_t target);

#ifdef __cplusplus
}
#endif

#endif
