// Matrix products over quantised rows: scalar kernels, level dispatch and cache tiling.
#include "internal.h"

#include <stdlib.h>

// MARK: - Scalar kernels (any CPU)

static void dot_scalar_f32(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out) {
    const float *w = (const float *)(const void *)row;
    for (int t = 0; t < nt; t++) {
        float s = 0;
        for (int64_t i = 0; i < k; i++) s += w[i] * xs[t][i];
        out[t] = s;
    }
}

static void dot_scalar_f16(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out) {
    for (int t = 0; t < nt; t++) out[t] = 0;
    float w[64];
    for (int64_t i = 0; i < k; i += 64) {
        int64_t n = k - i < 64 ? k - i : 64;
        for (int64_t j = 0; j < n; j++) w[j] = mk_load_half(row + 2 * (i + j));
        for (int t = 0; t < nt; t++) {
            float s = out[t];
            for (int64_t j = 0; j < n; j++) s += w[j] * xs[t][i + j];
            out[t] = s;
        }
    }
}

static void dot_scalar_bf16(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out) {
    for (int t = 0; t < nt; t++) out[t] = 0;
    float w[64];
    for (int64_t i = 0; i < k; i += 64) {
        int64_t n = k - i < 64 ? k - i : 64;
        for (int64_t j = 0; j < n; j++) w[j] = mk_load_bf16(row + 2 * (i + j));
        for (int t = 0; t < nt; t++) {
            float s = out[t];
            for (int64_t j = 0; j < n; j++) s += w[j] * xs[t][i + j];
            out[t] = s;
        }
    }
}

#define SCALAR_BLOCK_DOT(NAME, QK, BYTES, DECODE)                                                  \
    static void NAME(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out) { \
        float w[QK];                                                                               \
        for (int t = 0; t < nt; t++) out[t] = 0;                                                   \
        for (int64_t b = 0; b < k / (QK); b++) {                                                   \
            DECODE(row + b * (BYTES), w);                                                          \
            for (int t = 0; t < nt; t++) {                                                         \
                const float *x = xs[t] + b * (QK);                                                 \
                float s = 0;                                                                       \
                for (int i = 0; i < (QK); i++) s += w[i] * x[i];                                   \
                out[t] += s;                                                                       \
            }                                                                                      \
        }                                                                                          \
    }

SCALAR_BLOCK_DOT(dot_scalar_q8_0, MK_QK8_0, MK_Q8_0_BYTES, mk_decode_q8_0)
SCALAR_BLOCK_DOT(dot_scalar_q4_0, MK_QK4_0, MK_Q4_0_BYTES, mk_decode_q4_0)
SCALAR_BLOCK_DOT(dot_scalar_q4_k, MK_QK_K, MK_Q4_K_BYTES, mk_decode_q4_k)
SCALAR_BLOCK_DOT(dot_scalar_q6_k, MK_QK_K, MK_Q6_K_BYTES, mk_decode_q6_k)

mk_dot_fn mk_dot_scalar(int type) {
    switch (type) {
    case MK_TYPE_F32: return dot_scalar_f32;
    case MK_TYPE_F16: return dot_scalar_f16;
    case MK_TYPE_BF16: return dot_scalar_bf16;
    case MK_TYPE_Q8_0: return dot_scalar_q8_0;
    case MK_TYPE_Q4_0: return dot_scalar_q4_0;
    case MK_TYPE_Q4_K: return dot_scalar_q4_k;
    case MK_TYPE_Q6_K: return dot_scalar_q6_k;
    default: return NULL;
    }
}

// MARK: - Dequantisation

int mk_dequantize_row(int type, const void *src, float *dst, int64_t n) {
    const uint8_t *s = (const uint8_t *)src;
    switch (type) {
    case MK_TYPE_F32: memcpy(dst, src, (size_t)n * 4); return 0;
    case MK_TYPE_F16:
        for (int64_t i = 0; i < n; i++) dst[i] = mk_load_half(s + 2 * i);
        return 0;
    case MK_TYPE_BF16:
        for (int64_t i = 0; i < n; i++) dst[i] = mk_load_bf16(s + 2 * i);
        return 0;
    case MK_TYPE_Q8_0:
        for (int64_t b = 0; b < n / MK_QK8_0; b++) mk_decode_q8_0(s + b * MK_Q8_0_BYTES, dst + b * MK_QK8_0);
        return 0;
    case MK_TYPE_Q4_0:
        for (int64_t b = 0; b < n / MK_QK4_0; b++) mk_decode_q4_0(s + b * MK_Q4_0_BYTES, dst + b * MK_QK4_0);
        return 0;
    case MK_TYPE_Q4_K:
        for (int64_t b = 0; b < n / MK_QK_K; b++) mk_decode_q4_k(s + b * MK_Q4_K_BYTES, dst + b * MK_QK_K);
        return 0;
    case MK_TYPE_Q6_K:
        for (int64_t b = 0; b < n / MK_QK_K; b++) mk_decode_q6_k(s + b * MK_Q6_K_BYTES, dst + b * MK_QK_K);
        return 0;
    default: return -1;
    }
}

// MARK: - Dispatch and tiling

static mk_dot_fn dot_for(int level, int type) {
    mk_dot_fn fn = NULL;
    if (level >= MK_LEVEL_AVX512) fn = mk_dot_avx512(type);
    if (!fn && level >= MK_LEVEL_AVX2) fn = mk_dot_avx2(type);
    if (!fn) fn = mk_dot_scalar(type);
    return fn;
}

/// Rows per tile: the tile's weights stay in L2 while every token streams past them.
static int64_t rows_per_tile(size_t row_bytes) {
    int64_t r = (int64_t)((192 * 1024) / (row_bytes ? row_bytes : 1));
    if (r < 1) r = 1;
    if (r > 256) r = 256;
    return r;
}

/// Most bytes of activations one group of tokens may span against F32/F16/BF16 rows, whose decoding costs nothing
/// to share: beyond half of a 32 KiB L1 the group's tokens and the streamed row evict each other. Measured on 2 cores
/// (rows of k = 1024 from DRAM): 8 tokens as two groups of 4 took 0.70x the time of one group of 8 (F32; F16 and BF16
/// alike), 16 tokens 0.72x, 64 tokens 0.87x; at k = 512 (8 tokens in 16 KiB) the two matched. Quantised rows keep
/// groups of 8: decoding a block once for more tokens wins there (Q8_0, 8 tokens of k = 1024: groups of 4 1.2x slower).
#define FLOAT_GROUP_BYTES (16 * 1024)

/// Fewest tokens of a product for which F32 rows are taken two at a time. Harness (k = 1024, 512 rows from DRAM,
/// 2 threads, two rounds): per matrix, 1 token 74 -> 79 us (memory-bound: worse), 4 tokens mixed (87 -> 78, 92 ->
/// 98), 8 tokens 116 -> 111 and 119 -> 115, 16 tokens 175 -> 154 and 175 -> 158, 64 tokens 551 -> 420 and 544 -> 440.
#define PAIR_MIN_TOKENS 8

static int is_float_type(int type) { return type == MK_TYPE_F32 || type == MK_TYPE_F16 || type == MK_TYPE_BF16; }

/// Per-thread scratch for packed token groups (at most MK_MAX_NT padded rows).
static _Thread_local mk_scratch group_scratch;

int mk_matmul_at_level(int level, int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin,
                       int64_t row_end, const float *x, int64_t ldx, int64_t n_tokens, float *y, int64_t ldy) {
    level = mk_clamp_level(level);
    mk_dot_fn fn = dot_for(level, type);
    if (!fn) return -1;
    int max_nt = (level >= MK_LEVEL_AVX512 && mk_dot_avx512(type)) ? MK_MAX_NT : MK_MAX_NT_AVX2;
    if (max_nt > 4 && is_float_type(type) && max_nt * k * (int64_t)sizeof(float) > FLOAT_GROUP_BYTES) max_nt = 4;
    const uint8_t *base = (const uint8_t *)w;
    const int64_t tile = rows_per_tile(row_bytes);
    const int64_t groups = (n_tokens + max_nt - 1) / max_nt;
    // Two rows at a time once the product is compute-bound (groups of several tokens).
    const mk_dot2_fn pair_fn = level >= MK_LEVEL_AVX512 && n_tokens >= PAIR_MIN_TOKENS ? mk_dot2_avx512(type) : NULL;
    const mk_dot_stream_fn stream_fn = level >= MK_LEVEL_AVX512 ? mk_dot_stream_avx512(type) : NULL;
    // Rows are streamed once (the first token group of each tile), from STREAM_PREFETCH_BYTES ahead: through the
    // streaming kernel where the type has one (float rows: a trickle of prefetches as the row is read; bench F32
    // file, 16 sequences, steps alternating within one process: expert phase -1.5 to -3 %), else a burst per row.
    // Later groups find the tile in L2.
    const int64_t ahead = (STREAM_PREFETCH_BYTES + (int64_t)row_bytes - 1) / (int64_t)row_bytes;
    // Token groups are copied to a packed buffer whose row stride is not a multiple of 4 KiB: with power-of-two
    // strides (hidden size 1024, ...) the group's rows all fall in the same L1 sets and thrash (8x slower for F32).
    const int64_t packed_stride = ((k + 15) / 16) * 16 + 16;
    float *packed = n_tokens > 1 ? mk_scratch_reserve(&group_scratch, (size_t)(max_nt * packed_stride) * sizeof(float))
                                 : NULL;
    for (int64_t r0 = row_begin; r0 < row_end; r0 += tile) {
        const int64_t r1 = r0 + tile < row_end ? r0 + tile : row_end;
        // The groups after the first compute from L2: spread over their rows, they ask for the next tile, so that
        // tile's first group does not wait for memory. Harness (F32, k = 1024, 1024 rows from DRAM in 4 tasks):
        // 16 tokens 52 -> 67-73 GMAC/s, 8 tokens 35 -> 50; bench F32 file, 16 sequences, steps alternating within
        // one process: attention projections and output head 11.7 -> 9.1 ms a step, the step 4 % shorter.
        const uint8_t *next_line = base + (size_t)r1 * row_bytes;
        const uint8_t *const next_end = base + (size_t)(r1 + tile < row_end ? r1 + tile : row_end) * row_bytes;
        const int64_t next_lines = groups > 1
            ? ((next_end - next_line) / 64 + (groups - 1) * (r1 - r0) - 1) / ((groups - 1) * (r1 - r0)) : 0;
        for (int64_t t0 = 0; t0 < n_tokens; t0 += max_nt) {
            const int nt = (int)(n_tokens - t0 < max_nt ? n_tokens - t0 : max_nt);
            const float *xs[MK_MAX_NT];
            for (int t = 0; t < nt; t++) {
                const float *src = x + (t0 + t) * ldx;
                if (packed) {
                    memcpy(packed + t * packed_stride, src, (size_t)k * sizeof(float));
                    xs[t] = packed + t * packed_stride;
                } else {
                    xs[t] = src;
                }
            }
            float out[MK_MAX_NT];
            int64_t r = r0;
            if (pair_fn) {
                float out1[MK_MAX_NT];
                for (; r + 2 <= r1; r += 2) {
                    if (t0 == 0 && r + ahead + 1 < row_end) {
                        mk_prefetch_l2_bytes(base + (size_t)(r + ahead) * row_bytes, 2 * row_bytes);
                    } else if (t0 > 0) {
                        mk_prefetch_lines(&next_line, next_end, 2 * next_lines);
                    }
                    pair_fn(base + (size_t)r * row_bytes, base + (size_t)(r + 1) * row_bytes, xs, nt, k, out, out1);
                    for (int t = 0; t < nt; t++) {
                        y[(t0 + t) * ldy + r] = out[t];
                        y[(t0 + t) * ldy + r + 1] = out1[t];
                    }
                }
            }
            for (; r < r1; r++) {
                const uint8_t *row = base + (size_t)r * row_bytes;
                if (t0 == 0 && r + ahead < row_end && stream_fn) {
                    stream_fn(row, xs, nt, k, out, STREAM_PREFETCH_BYTES);
                } else {
                    if (t0 == 0 && r + ahead < row_end) {
                        mk_prefetch_l2_bytes(base + (size_t)(r + ahead) * row_bytes, row_bytes);
                    } else if (t0 > 0) {
                        mk_prefetch_lines(&next_line, next_end, next_lines);
                    }
                    fn(row, xs, nt, k, out);
                }
                for (int t = 0; t < nt; t++) y[(t0 + t) * ldy + r] = out[t];
            }
        }
    }
    return 0;
}

int mk_matmul(int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin, int64_t row_end,
              const float *x, int64_t ldx, int64_t n_tokens, float *y, int64_t ldy) {
    return mk_matmul_at_level(mk_cpu_level(), type, w, row_bytes, k, row_begin, row_end, x, ldx, n_tokens, y, ldy);
}
