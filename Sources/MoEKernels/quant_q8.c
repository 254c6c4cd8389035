// Integer-activation ("q8") matrix products: activation quantisation, scalar kernels, level dispatch and cache
// tiling. The SIMD kernels and the packing of the activations they read are in dot_q8_avx2.c and dot_q8_avx512.c.
//
// Per 32-element activation block j (scale dx, ints xq, half sums s0 and s1) and the weights aligned with it:
//   Q8_0: I = sum(w * xq)                            y += I * (dw * dx)
//   Q4_0: I = sum(nib * xq) - 8 * (s0 + s1)          y += I * (dw * dx)
//   Q4_K: I = sum(nib * xq), S = s0 + s1             y += (I * (d * sc) - (dmin * m) * S) * dx
//   Q6_K: T = sc_a * (sum_a(q6 * xq) - 32 * s0) + sc_b * (sum_b(q6 * xq) - 32 * s1)   y += T * (d * dx)
// The integer parts are exact int32; the float parts are the same for every token count at a given level. At the
// AVX-512 VNNI level, many tokens take register-blocked kernels (gemm_q8_avx512.c) over weights decoded once per
// tile; they give every output the bits the per-row kernels give it.
#include "internal.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>

// MARK: - Activation quantisation

/// One block, scalar (the definition every level reproduces).
static void quantize_block(const float *v, mk_block_q8 *out) {
    const float magic = 12582912.0f;
    // Largest magnitude as bits: below 0x7f800000 when every value is finite (then bit order is value order).
    uint32_t top = 0;
    for (int i = 0; i < 32; i++) {
        uint32_t u;
        memcpy(&u, v + i, 4);
        u &= 0x7fffffffu;
        top = u > top ? u : top;
    }
    float amax;
    memcpy(&amax, &top, 4);
    if (top >= 0x7f800000u) {  // an infinite or NaN value: NaN ignored
        amax = 0;
        for (int i = 0; i < 32; i++) amax = fmaxf(amax, fabsf(v[i]));
    }
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    int8_t *q = out->q;
    if (top < 0x7f800000u && d >= FLT_MIN) {
        for (int i = 0; i < 32; i++) q[i] = (int8_t)(int32_t)((v[i] * id + magic) - magic);
    } else {
        for (int i = 0; i < 32; i++) {
            float c = v[i] * id;
            c = c > 127.0f ? 127.0f : c;
            c = c < -127.0f ? -127.0f : c;
            c = c == c ? c : 0.0f;
            q[i] = (int8_t)(int32_t)((c + magic) - magic);
        }
    }
    int s0 = 0, s1 = 0;
    for (int i = 0; i < 16; i++) {
        s0 += q[i];
        s1 += q[i + 16];
    }
    out->d = d;
    out->sum[0] = (int16_t)s0;
    out->sum[1] = (int16_t)s1;
}

#if defined(__x86_64__)
#include <immintrin.h>

/// The same bytes with 512-bit vectors: the same multiply, add and subtract per value (never fused), the maximum
/// taken on the same bit patterns; blocks with a non-finite value or a subnormal scale take the scalar path.
__attribute__((target("avx512f"))) static void quantize_avx512(const float *x, int64_t nb, mk_block_q8 *out) {
    const __m512i abs_mask = _mm512_set1_epi32(0x7fffffff);
    const __m512 magic = _mm512_set1_ps(12582912.0f);
    for (int64_t b = 0; b < nb; b++) {
        const float *v = x + 32 * b;
        const __m512 a = _mm512_loadu_ps(v), c = _mm512_loadu_ps(v + 16);
        const __m512i ua = _mm512_and_si512(_mm512_castps_si512(a), abs_mask);
        const __m512i uc = _mm512_and_si512(_mm512_castps_si512(c), abs_mask);
        const uint32_t top = _mm512_reduce_max_epu32(_mm512_max_epu32(ua, uc));
        float amax;
        memcpy(&amax, &top, 4);
        const float d = amax / 127.0f;
        if (top >= 0x7f800000u || !(d >= FLT_MIN)) {
            quantize_block(v, out + b);
            continue;
        }
        const __m512 id = _mm512_set1_ps(1.0f / d);
        const __m512i qa = _mm512_cvtps_epi32(_mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(a, id), magic), magic));
        const __m512i qc = _mm512_cvtps_epi32(_mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(c, id), magic), magic));
        _mm_storeu_si128((__m128i *)(void *)out[b].q, _mm512_cvtepi32_epi8(qa));
        _mm_storeu_si128((__m128i *)(void *)(out[b].q + 16), _mm512_cvtepi32_epi8(qc));
        out[b].d = d;
        out[b].sum[0] = (int16_t)_mm512_reduce_add_epi32(qa);
        out[b].sum[1] = (int16_t)_mm512_reduce_add_epi32(qc);
    }
}
#endif

void mk_quantize_q8(const float *x, int64_t k, mk_block_q8 *out) {
    // Adding and subtracting 1.5 * 2^23 rounds a float of magnitude below 2^22 to the nearest integer, ties to even
    // (the default rounding mode), exactly like nearbyintf. When d is a normal float and the block is finite,
    // |x * id| <= 127 * (1 + 3 * 2^-24) < 127.5, so the result needs no clamp; otherwise (d subnormal or zero, an
    // infinite or NaN value) values are clamped to [-127, 127] first, which commutes with the rounding, and NaN
    // (from 0 * inf) becomes 0.
#if defined(__x86_64__)
    if (mk_cpu_level() >= MK_LEVEL_AVX512) {
        quantize_avx512(x, k / 32, out);
        return;
    }
#endif
    for (int64_t b = 0; b < k / 32; b++) quantize_block(x + 32 * b, out + b);
}

int mk_q8_supports(int type) {
    return type == MK_TYPE_Q8_0 || type == MK_TYPE_Q4_0 || type == MK_TYPE_Q4_K || type == MK_TYPE_Q6_K;
}

static int detect_vnni(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx512vnni") ? 1 : 0;
#else
    return 0;
#endif
}

int mk_cpu_has_vnni(void) {
    static volatile int cached = -1;
    int v = cached;
    if (v < 0) {
        v = detect_vnni();
        cached = v;
    }
    return v;
}

// MARK: - Scalar kernels (any CPU); xs[t] points at the token's mk_block_q8 array

#define XB(t, j) (((const mk_block_q8 *)(const void *)xs[t]) + (j))

static void q8s_q8_0(const uint8_t *row, const uint8_t *const *xs, int nt, int64_t k, float *out) {
    for (int t = 0; t < nt; t++) out[t] = 0;
    for (int64_t b = 0; b < k / 32; b++) {
        const uint8_t *blk = row + b * MK_Q8_0_BYTES;
        const float dw = mk_load_half(blk);
        const int8_t *w = (const int8_t *)(blk + 2);
        for (int t = 0; t < nt; t++) {
            const mk_block_q8 *x = XB(t, b);
            int32_t s = 0;
            for (int i = 0; i < 32; i++) s += (int32_t)w[i] * x->q[i];
            out[t] += (float)s * (dw * x->d);
        }
    }
}

static void q8s_q4_0(const uint8_t *row, const uint8_t *const *xs, int nt, int64_t k, float *out) {
    for (int t = 0; t < nt; t++) out[t] = 0;
    uint8_t nib[32];
    for (int64_t b = 0; b < k / 32; b++) {
        const uint8_t *blk = row + b * MK_Q4_0_BYTES;
        const float dw = mk_load_half(blk);
        for (int l = 0; l < 16; l++) {
            nib[l] = blk[2 + l] & 0xF;
            nib[l + 16] = blk[2 + l] >> 4;
        }
        for (int t = 0; t < nt; t++) {
            const mk_block_q8 *x = XB(t, b);
            int32_t s = 0;
            for (int i = 0; i < 32; i++) s += (int32_t)nib[i] * x->q[i];
            s -= 8 * ((int32_t)x->sum[0] + x->sum[1]);
            out[t] += (float)s * (dw * x->d);
        }
    }
}

static void q8s_q4_k(const uint8_t *row, const uint8_t *const *xs, int nt, int64_t k, float *out) {
    for (int t = 0; t < nt; t++) out[t] = 0;
    uint8_t nib[256];
    float dsc[8], dmm[8];
    for (int64_t b = 0; b < k / 256; b++) {
        const uint8_t *blk = row + b * MK_Q4_K_BYTES;
        const float d = mk_load_half(blk), dmin = mk_load_half(blk + 2);
        for (int j = 0; j < 8; j++) {
            uint8_t sc, m;
            mk_q4k_scale_min(j, blk + 4, &sc, &m);
            dsc[j] = d * (float)sc;
            dmm[j] = dmin * (float)m;
        }
        const uint8_t *q = blk + 16;
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                nib[64 * c + l] = q[32 * c + l] & 0xF;
                nib[64 * c + 32 + l] = q[32 * c + l] >> 4;
            }
        }
        for (int t = 0; t < nt; t++) {
            for (int j = 0; j < 8; j++) {
                const mk_block_q8 *x = XB(t, 8 * b + j);
                int32_t s = 0;
                for (int i = 0; i < 32; i++) s += (int32_t)nib[32 * j + i] * x->q[i];
                const float S = (float)((int32_t)x->sum[0] + x->sum[1]);
                out[t] += ((float)s * dsc[j] - dmm[j] * S) * x->d;
            }
        }
    }
}

static void q8s_q6_k(const uint8_t *row, const uint8_t *const *xs, int nt, int64_t k, float *out) {
    for (int t = 0; t < nt; t++) out[t] = 0;
    uint8_t q6[256];
    for (int64_t b = 0; b < k / 256; b++) {
        const uint8_t *blk = row + b * MK_Q6_K_BYTES;
        const int8_t *sc = (const int8_t *)(blk + 192);
        const float d = mk_load_half(blk + 208);
        for (int n = 0; n < 2; n++) {
            const uint8_t *ql = blk + 64 * n, *qh = blk + 128 + 32 * n;
            for (int l = 0; l < 32; l++) {
                q6[128 * n + l] = (uint8_t)((ql[l] & 0xF) | ((qh[l] & 3) << 4));
                q6[128 * n + l + 32] = (uint8_t)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4));
                q6[128 * n + l + 64] = (uint8_t)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4));
                q6[128 * n + l + 96] = (uint8_t)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4));
            }
        }
        for (int t = 0; t < nt; t++) {
            for (int j = 0; j < 8; j++) {
                const mk_block_q8 *x = XB(t, 8 * b + j);
                const uint8_t *w = q6 + 32 * j;
                int32_t a = 0, c = 0;
                for (int i = 0; i < 16; i++) a += (int32_t)w[i] * x->q[i];
                for (int i = 16; i < 32; i++) c += (int32_t)w[i] * x->q[i];
                a -= 32 * (int32_t)x->sum[0];
                c -= 32 * (int32_t)x->sum[1];
                const int32_t T = (int32_t)sc[2 * j] * a + (int32_t)sc[2 * j + 1] * c;
                out[t] += (float)T * (d * x->d);
            }
        }
    }
}

static mk_q8_dot_fn q8_dot_scalar(int type) {
    switch (type) {
    case MK_TYPE_Q8_0: return q8s_q8_0;
    case MK_TYPE_Q4_0: return q8s_q4_0;
    case MK_TYPE_Q4_K: return q8s_q4_k;
    case MK_TYPE_Q6_K: return q8s_q6_k;
    default: return NULL;
    }
}

// MARK: - Dispatch and tiling

/// Rows per tile: the tile's weights stay in L2 while every token streams past them.
static int64_t rows_per_tile(size_t row_bytes) {
    int64_t r = (int64_t)((192 * 1024) / (row_bytes ? row_bytes : 1));
    if (r < 1) r = 1;
    if (r > 256) r = 256;
    return r;
}

/// Packed activations of at most this many bytes are prepared at a time (then every row tile runs over them).
#define PACK_CHUNK_BYTES (256 * 1024)

/// The blocked path (AVX-512 VNNI, mk_q8_gemm_avx512) runs for a chunk of at least GEMM_MIN_TOKENS tokens: below
/// that, decoding the weights to memory costs more than it saves (measured on Zen 4; the per-row kernels decode in
/// registers). Its chunks are bigger, as the weights are decoded once per chunk and the chunk's tokens stream from L2
/// or L3 past each decoded tile of at most DECODE_TILE_BYTES. Tiles are small so that a task's rows make several:
/// the raw weights of the next tile are prefetched while the current one computes (only the first tile's decode
/// waits for memory, and it prefetches DECODE_PREFETCH_ROWS rows ahead). Measured on 2 cores, 16 tokens, Q4_K rows of
/// 1024 streamed from DRAM, tasks of 128 rows: 192 KB tiles without prefetch 175 GMAC/s, 48 KB with 205 (32 KB: 200;
/// weights already in cache: 248); 16,384 rows 187 -> 240; 512 tokens unchanged.
#define GEMM_MIN_TOKENS 7
#define GEMM_CHUNK_BYTES (1024 * 1024)
#define DECODE_TILE_BYTES (48 * 1024)
#define DECODE_PREFETCH_ROWS 4

static _Thread_local mk_scratch pack_scratch, decode_scratch;

#define TOKEN_ROW(t) (token_rows ? (int64_t)token_rows[t] : (t))

/// The product of mk_matmul_q8_rows_at_level; token t reads x + (token_rows ? token_rows[t] : t) * ldx.
static int matmul_q8(int level, int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin,
                     int64_t row_end, const mk_block_q8 *x, int64_t ldx, const int32_t *token_rows, int64_t n_tokens,
                     float *y, int64_t ldy) {
    if (!mk_q8_supports(type)) return -1;
    const int64_t qk = (type == MK_TYPE_Q4_K || type == MK_TYPE_Q6_K) ? MK_QK_K : 32;
    if (k < 0 || k % qk != 0) return -1;
    level = mk_clamp_level(level);
    if (level >= MK_LEVEL_AVX512 && !mk_cpu_has_vnni()) level = MK_LEVEL_AVX2;
    mk_q8_dot_fn fn = NULL;
    mk_q8_gemm_fn gemm = NULL;
    mk_q8_rows_fn rows = NULL;
    void (*pack)(int, const mk_block_q8 *, int64_t, uint8_t *) = NULL;
    int lanes = 0, max_nt = MK_MAX_NT_AVX2;
    if (level >= MK_LEVEL_AVX512 && (fn = mk_q8_dot_avx512(type)) != NULL) {
        lanes = MK_Q8_LANES_AVX512;
        max_nt = MK_MAX_NT;
        pack = mk_q8_pack_avx512;
        gemm = mk_q8_gemm_avx512(type);
        rows = mk_q8_rows_avx512(type);
    } else if (level >= MK_LEVEL_AVX2 && (fn = mk_q8_dot_avx2(type)) != NULL) {
        lanes = MK_Q8_LANES_AVX2;
        pack = mk_q8_pack_avx2;
    } else {
        fn = q8_dot_scalar(type);
    }
    if (!fn) return -1;
    if (row_end <= row_begin || n_tokens <= 0 || k == 0) return 0;

    const int64_t nb = k / 32, ng = lanes ? (nb + lanes - 1) / lanes : 0;
    const size_t token_bytes = lanes ? (size_t)ng * MK_Q8_GROUP_BYTES(lanes) : 0;
    // A Q8_0 row of at most half a group (k <= 256) is one half group for the per-row kernel (q8_0_nt), which beats
    // the blocked one's padded full group at every token count (k = 256, 4096 rows in L2, 2 threads: 8 tokens 150
    // vs 70 GMAC/s, 16: 150 vs 92, 64: 146 vs 130). Both give the same bits. The other types have no half group.
    const int half_group_row = type == MK_TYPE_Q8_0 && nb <= lanes / 2;
    const int blocked = gemm != NULL && n_tokens >= GEMM_MIN_TOKENS && !half_group_row;
    int64_t chunk = n_tokens;
    uint8_t *packed = NULL;
    if (lanes) {
        chunk = (int64_t)((blocked ? GEMM_CHUNK_BYTES : PACK_CHUNK_BYTES) / token_bytes) / max_nt * max_nt;
        if (chunk < max_nt) chunk = max_nt;
        if (chunk > n_tokens) chunk = n_tokens;
        packed = mk_scratch_reserve(&pack_scratch, (size_t)chunk * token_bytes + 64);
        if (!packed) return -1;
    }
    const size_t decoded_row = blocked ? (size_t)ng * (size_t)mk_q8_decoded_group_bytes(type) : 0;
    int64_t decode_tile = 0;
    uint8_t *decoded = NULL;
    if (blocked) {
        decode_tile = (int64_t)(DECODE_TILE_BYTES / decoded_row);
        if (decode_tile < 4) decode_tile = 4;
        if (decode_tile > row_end - row_begin) decode_tile = row_end - row_begin;
        decoded = mk_scratch_reserve(&decode_scratch, (size_t)decode_tile * decoded_row);
        if (!decoded) return -1;
    }
    const uint8_t *base = (const uint8_t *)w;
    const int64_t tile = rows_per_tile(row_bytes);
    for (int64_t c0 = 0; c0 < n_tokens; c0 += chunk) {
        const int64_t cn = n_tokens - c0 < chunk ? n_tokens - c0 : chunk;
        if (lanes) {
            for (int64_t t = 0; t < cn; t++) pack(type, x + TOKEN_ROW(c0 + t) * ldx, nb, packed + t * token_bytes);
        }
        if (blocked && cn >= GEMM_MIN_TOKENS) {  // (a last, short chunk takes the per-row kernels: same bits)
            for (int64_t r0 = row_begin; r0 < row_end; r0 += decode_tile) {
                const int64_t r1 = r0 + decode_tile < row_end ? r0 + decode_tile : row_end;
                for (int64_t r = r0; r < r1; r++) {
                    if (r + DECODE_PREFETCH_ROWS < row_end) {
                        mk_prefetch_bytes(base + (size_t)(r + DECODE_PREFETCH_ROWS) * row_bytes, row_bytes);
                    }
                    mk_q8_decode_avx512(type, base + (size_t)r * row_bytes, k,
                                        decoded + (size_t)(r - r0) * decoded_row);
                }
                const int64_t r2 = r1 + decode_tile < row_end ? r1 + decode_tile : row_end;
                gemm(decoded, r1 - r0, packed, (int64_t)token_bytes, cn, ng, y + c0 * ldy + r0, ldy,
                     base + (size_t)r1 * row_bytes, (int64_t)((size_t)(r2 - r1) * row_bytes));
            }
            continue;
        }
        for (int64_t r0 = row_begin; r0 < row_end; r0 += tile) {
            const int64_t r1 = r0 + tile < row_end ? r0 + tile : row_end;
            for (int64_t t0 = 0; t0 < cn; t0 += max_nt) {
                const int nt = (int)(cn - t0 < max_nt ? cn - t0 : max_nt);
                const uint8_t *xs[MK_MAX_NT];
                for (int t = 0; t < nt; t++) {
                    xs[t] = lanes ? packed + (t0 + t) * token_bytes
                                  : (const uint8_t *)(const void *)(x + TOKEN_ROW(c0 + t0 + t) * ldx);
                }
                if (rows) {
                    rows(base + (size_t)r0 * row_bytes, row_bytes, r1 - r0, xs, nt, k, y + (c0 + t0) * ldy + r0, ldy);
                    continue;
                }
                float out[MK_MAX_NT];
                for (int64_t r = r0; r < r1; r++) {
                    fn(base + (size_t)r * row_bytes, xs, nt, k, out);
                    for (int t = 0; t < nt; t++) y[(c0 + t0 + t) * ldy + r] = out[t];
                }
            }
        }
    }
    return 0;
}

#undef TOKEN_ROW

int mk_matmul_q8_at_level(int level, int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin,
                          int64_t row_end, const mk_block_q8 *x, int64_t ldx, int64_t n_tokens, float *y,
                          int64_t ldy) {
    return matmul_q8(level, type, w, row_bytes, k, row_begin, row_end, x, ldx, NULL, n_tokens, y, ldy);
}

int mk_matmul_q8_rows_at_level(int level, int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin,
                               int64_t row_end, const mk_block_q8 *x, int64_t ldx, const int32_t *token_rows,
                               int64_t n_tokens, float *y, int64_t ldy) {
    return matmul_q8(level, type, w, row_bytes, k, row_begin, row_end, x, ldx, token_rows, n_tokens, y, ldy);
}

int mk_matmul_q8(int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin, int64_t row_end,
                 const mk_block_q8 *x, int64_t ldx, int64_t n_tokens, float *y, int64_t ldy) {
    return mk_matmul_q8_rows(type, w, row_bytes, k, row_begin, row_end, x, ldx, NULL, n_tokens, y, ldy);
}

int mk_matmul_q8_rows(int type, const void *w, size_t row_bytes, int64_t k, int64_t row_begin, int64_t row_end,
                      const mk_block_q8 *x, int64_t ldx, const int32_t *token_rows, int64_t n_tokens, float *y,
                      int64_t ldy) {
    // Rows of fewer than 16 blocks (k < 512) would leave most of the 16 lanes of a 512-bit group empty; 8-lane
    // AVX2 groups fit them (measured: k = 256 decodes faster there). Q8_0 has a half-group AVX-512 path instead
    // (q8_0_nt), faster still. The choice depends on type and k only, never on the token count, so results stay
    // batch invariant.
    int level = mk_cpu_level();
    const int64_t nb = k / 32;
    if (level >= MK_LEVEL_AVX512 && nb < 16 && nb % 8 == 0 && type != MK_TYPE_Q8_0) level = MK_LEVEL_AVX2;
    return matmul_q8(level, type, w, row_bytes, k, row_begin, row_end, x, ldx, token_rows, n_tokens, y, ldy);
}
