// AVX-512 + VNNI register-blocked kernels for many tokens. The weights of a tile of rows are decoded once
// (mk_q8_decode_avx512) into the vectors the per-row kernels of dot_q8_avx512.c build in registers; a pass then runs
// RB rows x TB tokens at once, so each loaded weight vector serves TB tokens and each loaded activation vector RB rows
// (the per-row kernel loads one activation vector per VPDPBUSD and decodes the weights again for every 8 tokens).
//
// Batch invariance: per (row, token) the float operations are exactly those of the per-row kernel (per group: the
// exact int32 block sums converted, scaled and accumulated into a 16-lane vector, one horizontal sum at the end), so
// every output has the same bits whatever the blocking, the token count or the row range. Only the order of the exact
// integer additions differs.
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c")))
#define INL static inline __attribute__((always_inline)) TGT

#define GB MK_Q8_GROUP_BYTES(MK_Q8_LANES_AVX512)
/// Offsets in a packed activation group (see dot_q8_avx512.c): dx, b0, b1.
#define OFF_DX (32 * MK_Q8_LANES_AVX512)
#define OFF_B0 (36 * MK_Q8_LANES_AVX512)
#define OFF_B1 (40 * MK_Q8_LANES_AVX512)

/// Weight kinds: Q8_0 and Q4_0 (s = b0 + sum; y += s * (dw * dx)), Q4_K, Q6_K.
enum { K_Q8, K_Q4K, K_Q6K };

/// Bytes per decoded group and row (mk_q8_decoded_group_bytes).
#define GD(KIND) mk_q8_decoded_group_bytes(KIND == K_Q6K ? MK_TYPE_Q6_K : KIND == K_Q4K ? MK_TYPE_Q4_K : MK_TYPE_Q8_0)

INL __m512i ld(const uint8_t *p) { return _mm512_load_si512((const void *)p); }
INL __m512 ldps(const uint8_t *p) { return _mm512_load_ps((const void *)p); }

/// RB rows (decoded, wrow bytes apart) x TB tokens (packed, xs bytes apart) over ng groups; writes y[t * ldy + r].
INL void block(const uint8_t *wd, int64_t wrow, const uint8_t *xp, int64_t xs, int64_t ng, float *y, int64_t ldy,
               const int RB, const int TB, const int KIND) {
    const int64_t gd = GD(KIND);
    __m512 acc[4][4];
    for (int r = 0; r < RB; r++)
        for (int t = 0; t < TB; t++) acc[r][t] = _mm512_setzero_ps();
    for (int64_t g = 0; g < ng; g++) {
        const uint8_t *w = wd + g * gd, *x = xp + g * GB;
        __m512i s[4][4], u[4][4];  // u: Q6_K's second half (elements 16..31 of each block)
        for (int t = 0; t < TB; t++) {
            const __m512i b0 = KIND == K_Q4K ? _mm512_setzero_si512() : ld(x + t * xs + OFF_B0);
            for (int r = 0; r < RB; r++) s[r][t] = b0;
            if (KIND == K_Q6K) {
                const __m512i b1 = ld(x + t * xs + OFF_B1);
                for (int r = 0; r < RB; r++) u[r][t] = b1;
            }
        }
        for (int m = 0; m < 8; m++) {
            __m512i xv[4];
            for (int t = 0; t < TB; t++) xv[t] = ld(x + t * xs + 64 * m);
            for (int r = 0; r < RB; r++) {
                const __m512i wv = ld(w + r * wrow + 64 * m);
                for (int t = 0; t < TB; t++) {
                    if (KIND == K_Q6K && m >= 4) u[r][t] = _mm512_dpbusd_epi32(u[r][t], wv, xv[t]);
                    else s[r][t] = _mm512_dpbusd_epi32(s[r][t], wv, xv[t]);
                }
            }
        }
        for (int r = 0; r < RB; r++) {
            const uint8_t *wr = w + r * wrow;
            for (int t = 0; t < TB; t++) {
                const uint8_t *xt = x + t * xs;
                if (KIND == K_Q8) {
                    const __m512 f = _mm512_cvtepi32_ps(s[r][t]);
                    acc[r][t] = _mm512_fmadd_ps(f, _mm512_mul_ps(ldps(wr + 512), ldps(xt + OFF_DX)), acc[r][t]);
                } else if (KIND == K_Q4K) {
                    const __m512 f = _mm512_cvtepi32_ps(s[r][t]);
                    const __m512 v =
                        _mm512_fnmadd_ps(ldps(wr + 576), ldps(xt + OFF_B0), _mm512_mul_ps(f, ldps(wr + 512)));
                    acc[r][t] = _mm512_fmadd_ps(v, ldps(xt + OFF_DX), acc[r][t]);
                } else {
                    const __m512i T = _mm512_add_epi32(_mm512_mullo_epi32(ld(wr + 512), s[r][t]),
                                                       _mm512_mullo_epi32(ld(wr + 576), u[r][t]));
                    acc[r][t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(T), _mm512_mul_ps(ldps(wr + 640), ldps(xt + OFF_DX)),
                                                acc[r][t]);
                }
            }
        }
    }
    for (int r = 0; r < RB; r++)
        for (int t = 0; t < TB; t++) y[t * ldy + r] = _mm512_reduce_add_ps(acc[r][t]);
}

/// Rows [0, nr) of tokens [0, TB): full RB-row blocks, then the leftover rows one at a time. In the first token pass,
/// each block is followed by its share of the prefetches of the caller's next raw weights.
#define ROWS(KIND, RB, TB)                                                                                        \
    do {                                                                                                          \
        int64_t r0 = 0;                                                                                           \
        for (; r0 + RB <= nr; r0 += RB) {                                                                         \
            block(wd + r0 * wrow, wrow, x, xs, ng, yt + r0, ldy, RB, TB, KIND);                                   \
            if (t0 == 0) mk_prefetch_lines(&next, next_end, lines_per_block);                                     \
        }                                                                                                         \
        for (; r0 < nr; r0++) block(wd + r0 * wrow, wrow, x, xs, ng, yt + r0, ldy, 1, TB, KIND);                  \
        if (t0 == 0) mk_prefetch_lines(&next, next_end, next_end - next);                                         \
    } while (0)

/// Every row x every token: TB tokens at a time, then the leftover tokens together. `next` (`next_bytes` long) is
/// what the caller decodes after this call: fetched from memory while this tile computes instead of stalling the
/// decode (measured on 2 cores, Q4_K 1024 x 1024 x 16 tokens streamed from DRAM: 175 -> 205 GMAC/s).
#define GEMM(NAME, KIND, RB, TB)                                                                                   \
    static TGT void NAME(const uint8_t *wd, int64_t nr, const uint8_t *xp, int64_t xs, int64_t nt, int64_t ng,  \
                         float *y, int64_t ldy, const uint8_t *next, int64_t next_bytes) {                       \
        const int64_t wrow = ng * GD(KIND);                                                                      \
        const uint8_t *next_end = next + next_bytes;                                                             \
        const int64_t blocks = nr / RB > 0 ? nr / RB : 1;                                                        \
        const int64_t lines_per_block = ((next_bytes + 63) / 64 + blocks - 1) / blocks;                          \
        for (int64_t t0 = 0; t0 < nt; t0 += TB) {                                                                \
            const uint8_t *x = xp + t0 * xs;                                                                     \
            float *yt = y + t0 * ldy;                                                                            \
            switch (nt - t0 < TB ? nt - t0 : TB) {                                                               \
            case 1: ROWS(KIND, RB, 1); break;                                                                    \
            case 2: ROWS(KIND, RB, 2 < TB ? 2 : TB); break;                                                      \
            case 3: ROWS(KIND, RB, 3 < TB ? 3 : TB); break;                                                      \
            default: ROWS(KIND, RB, TB); break;                                                                  \
            }                                                                                                    \
        }                                                                                                        \
    }

// 2 rows x 4 tokens: 8 (Q6_K 16) integer and 8 float accumulators, 4 activation vectors and a weight vector in
// registers; 6 loads per 8 VPDPBUSD. 3x4, 3x3 and 4x3 measured the same on Zen 4; the float work per group and
// (row, token) pair (conversion, scaling, accumulation) bounds it, not the loads.
GEMM(gemm_q8, K_Q8, 2, 4)
GEMM(gemm_q4k, K_Q4K, 2, 4)
GEMM(gemm_q6k, K_Q6K, 2, 4)

mk_q8_gemm_fn mk_q8_gemm_avx512(int type) {
    switch (type) {
    case MK_TYPE_Q8_0:
    case MK_TYPE_Q4_0: return gemm_q8;
    case MK_TYPE_Q4_K: return gemm_q4k;
    case MK_TYPE_Q6_K: return gemm_q6k;
    default: return NULL;
    }
}

#else
mk_q8_gemm_fn mk_q8_gemm_avx512(int type) {
    (void)type;
    return NULL;
}
#endif
