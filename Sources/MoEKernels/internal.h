// Shared declarations of the kernel target (not public).
#ifndef MOE_KERNELS_INTERNAL_H
#define MOE_KERNELS_INTERNAL_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "MoEKernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define MK_INL_AVX2 static inline __attribute__((always_inline, target("avx2,f16c")))

/// 8 rows of 16 bytes at p + stride * i: v[m] lane i = dword m of row i (m < 4). The block transpose of the AVX2
/// kernels' 8-lane groups and of the AVX-512 kernels' half groups.
MK_INL_AVX2 void mk_tr8x4(const uint8_t *p, int64_t stride, __m256i v[4]) {
    __m256i z[4];
    for (int a = 0; a < 4; a++) {
        z[a] = _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(const void *)(p + stride * a))),
                                       _mm_loadu_si128((const __m128i *)(const void *)(p + stride * (a + 4))), 1);
    }
    const __m256i t0 = _mm256_unpacklo_epi32(z[0], z[1]), t1 = _mm256_unpackhi_epi32(z[0], z[1]);
    const __m256i t2 = _mm256_unpacklo_epi32(z[2], z[3]), t3 = _mm256_unpackhi_epi32(z[2], z[3]);
    v[0] = _mm256_unpacklo_epi64(t0, t2);
    v[1] = _mm256_unpackhi_epi64(t0, t2);
    v[2] = _mm256_unpacklo_epi64(t1, t3);
    v[3] = _mm256_unpackhi_epi64(t1, t3);
}

/// Eight IEEE halves at p + stride * i as floats.
MK_INL_AVX2 __m256 mk_halves8(const uint8_t *p, int64_t stride) {
    __m128i h = _mm_setzero_si128();
    uint16_t v;
#define MK_HALF(i)                   \
    memcpy(&v, p + stride * (i), 2); \
    h = _mm_insert_epi16(h, v, i);
    MK_HALF(0) MK_HALF(1) MK_HALF(2) MK_HALF(3) MK_HALF(4) MK_HALF(5) MK_HALF(6) MK_HALF(7)
#undef MK_HALF
    return _mm256_cvtph_ps(h);
}
#endif

/// A per-thread buffer that grows and never shrinks, 64-byte aligned (declare it `static _Thread_local`).
typedef struct {
    uint8_t *p;
    size_t capacity;
} mk_scratch;

/// At least `bytes` of `s`, contents unspecified; NULL when out of memory.
static inline void *mk_scratch_reserve(mk_scratch *s, size_t bytes) {
    if (bytes > s->capacity) {
        free(s->p);
        s->p = (uint8_t *)aligned_alloc(64, ((bytes + 63) / 64) * 64);
        s->capacity = s->p ? bytes : 0;
    }
    return s->p;
}

/// Asks for the `bytes` at `p` to be brought into L1 (reads about to come).
static inline void mk_prefetch_bytes(const void *p, size_t bytes) {
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch((const char *)p + o, 0, 3);
}

/// Asks for the `bytes` at `p` to be brought into L2 (reads a few kilobytes on).
static inline void mk_prefetch_l2_bytes(const void *p, size_t bytes) {
    for (size_t o = 0; o < bytes; o += 64) __builtin_prefetch((const char *)p + o, 0, 2);
}

/// Asks for the next `count` lines from `*next` (stopping at `end`) to be brought into L2, and moves `*next` on:
/// a prefetch spread over the blocks of a computation.
static inline void mk_prefetch_lines(const uint8_t **next, const uint8_t *end, int64_t count) {
    for (int64_t i = 0; i < count && *next < end; i++, *next += 64) __builtin_prefetch(*next, 0, 2);
}

/// How far ahead the per-row loops ask for weight rows, into L2. Rows of one weight matrix are streamed from DRAM
/// once per step, from 4 KiB pages of the mapped file, at whose boundaries the hardware prefetcher stops. Measured
/// on 2 cores (rows of 1024, 1 token, DRAM, 6 interleaved rounds; medians), integer kernels: Q4_K 24.9 -> 30.7
/// GB/s (512 rows in 2 tasks), Q6_K 27.8 -> 32.2 (2048 rows in 4), Q8_0 26.5 -> 31.2 (2 KB ahead lost, 12 KB
/// gained less, L1 prefetches 4 rows ahead gained nothing for Q8_0); float kernels (bench F32 file, 6 interleaved
/// rounds): decode median 60.6 -> 63.9 tokens/s, faster in 5 of 6.
#define STREAM_PREFETCH_BYTES 6144

/// Most tokens processed together against one weight row (the weight block is decoded once for all of them):
/// 8 at AVX-512 (16 accumulators of 32 registers), 4 elsewhere.
#define MK_MAX_NT 8
#define MK_MAX_NT_AVX2 4

/// out[t] = dot(row, xs[t]) for t < nt (nt <= MK_MAX_NT), k elements. Each out[t] is computed with the same
/// sequence of operations whatever nt is.
typedef void (*mk_dot_fn)(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out);

/// out0[t] = dot(row0, xs[t]) and out1[t] = dot(row1, xs[t]): the same values, bit for bit, as two mk_dot_fn calls.
typedef void (*mk_dot2_fn)(const uint8_t *row0, const uint8_t *row1, const float *const *xs, int nt, int64_t k,
                           float *out0, float *out1);

int mk_clamp_level(int level);

/// Per-level dot kernels for a type; NULL when the type is not supported.
mk_dot_fn mk_dot_scalar(int type);
mk_dot_fn mk_dot_avx2(int type);
mk_dot_fn mk_dot_avx512(int type);
/// The two-row kernel of `type` at AVX-512, or NULL (F32 only).
mk_dot2_fn mk_dot2_avx512(int type);

/// mk_dot_fn that also asks, as it goes, for the bytes `ahead` past each part of the row it reads (into L2): rows
/// streamed from memory get a steady trickle of prefetches instead of a burst per row. Same results as mk_dot_fn.
typedef void (*mk_dot_stream_fn)(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out,
                                 int64_t ahead);
/// The streaming kernel of `type` at AVX-512, or NULL.
mk_dot_stream_fn mk_dot_stream_avx512(int type);

/// f32 helpers at a level, used by attention: dot product and y += a * x.
float mk_dot_f32_level(int level, const float *a, const float *b, int64_t n);
void mk_axpy_f32_level(int level, float a, const float *x, float *y, int64_t n);
float mk_dot_f32_avx2(const float *a, const float *b, int64_t n);
void mk_axpy_f32_avx2(float a, const float *x, float *y, int64_t n);
float mk_dot_f32_avx512(const float *a, const float *b, int64_t n);
void mk_axpy_f32_avx512(float a, const float *x, float *y, int64_t n);

/// Fused attention (attention_avx512.c) for head_dim a multiple of 16; -1 (nothing done) otherwise.
int mk_attention_avx512(int kv_type, const float *q, int64_t g, int64_t hd, const void *const *pages,
                        int64_t page_size, int64_t k_offset, int64_t v_offset, int64_t n_pos, float k_norm_eps,
                        float scale, float *scores, float *out);

// MARK: - Integer-activation (q8) kernels: quant_q8.c, dot_q8_avx2.c, dot_q8_avx512.c

/// Blocks per packed group (one int32 lane per 32-element block): 8 at AVX2, 16 at AVX-512 + VNNI.
#define MK_Q8_LANES_AVX2 8
#define MK_Q8_LANES_AVX512 16

/// Packed activations of one token for the SIMD levels, per group of G blocks (the last one zero-padded):
///   q[8][G][4]: vector m (64 bytes at AVX-512, 32 at AVX2), lane i = bytes 4m..4m+3 of block i of the group, so
///               the integer dot products of 8 vectors against weights packed the same way leave block i's exact
///               sum in lane i (vectors 0..3 cover elements 0..15 of each block, vectors 4..7 elements 16..31);
///   dx[G]:      the blocks' scales (float);
///   b0[G], b1[G]: per-type terms (int32, or float bits for Q4_K), see mk_q8_pack_avx2 / mk_q8_pack_avx512.
#define MK_Q8_GROUP_BYTES(G) (44 * (G))

/// out[t] = dot(row, activations of token t) for t < nt (nt <= MK_MAX_NT). xs[t]: the token's packed groups at the
/// SIMD levels, its mk_block_q8 array at the scalar level. Each out[t] is computed with the same sequence of
/// floating-point operations whatever nt is.
typedef void (*mk_q8_dot_fn)(const uint8_t *row, const uint8_t *const *xs, int nt, int64_t k, float *out);

mk_q8_dot_fn mk_q8_dot_avx2(int type);
mk_q8_dot_fn mk_q8_dot_avx512(int type);

/// The same per-row kernel over nr consecutive rows (row r at base + r * row_bytes): y[t * ldy + r] = what the
/// mk_q8_dot_fn of the type gives for row r and token t (the loop runs inside, sparing a call per row).
typedef void (*mk_q8_rows_fn)(const uint8_t *base, size_t row_bytes, int64_t nr, const uint8_t *const *xs, int nt,
                              int64_t k, float *y, int64_t ldy);

/// The rows kernel for a type at AVX-512 + VNNI; NULL when the type has none.
mk_q8_rows_fn mk_q8_rows_avx512(int type);

/// Packs one token's nb blocks for the level's kernels of `type` (nb > 0; out 64-byte aligned, ceil(nb / G) groups).
/// b0 and b1 hold what the kernel adds to its integer sums: Q4_0 -8 * (s0 + s1); Q6_K -32 * s0 and -32 * s1;
/// Q8_0 -128 * (s0 + s1) at AVX-512 (whose kernel offsets the weights to unsigned) and 0 at AVX2 (sign trick);
/// for Q4_K, b0 is the float s0 + s1 that multiplies the mins.
void mk_q8_pack_avx2(int type, const mk_block_q8 *x, int64_t nb, uint8_t *out);
void mk_q8_pack_avx512(int type, const mk_block_q8 *x, int64_t nb, uint8_t *out);

/// Many-token AVX-512 path: a tile of weight rows is decoded once into the layout the per-row kernels build in
/// registers, then register-blocked kernels run every packed token against it. Per group of 16 blocks and per row:
/// the 8 weight vectors (512 bytes, as the packed activations' q vectors), then 16-lane vectors: Q8_0 and Q4_0 the
/// block scales (float); Q4_K d * scale and dmin * min (float); Q6_K the sub-block scales a and b (int32) and d.
static inline int64_t mk_q8_decoded_group_bytes(int type) {
    return type == MK_TYPE_Q6_K ? 704 : type == MK_TYPE_Q4_K ? 640 : 576;
}

/// Decodes one row of k elements (out 64-byte aligned, ceil(k / 512) groups).
void mk_q8_decode_avx512(int type, const uint8_t *row, int64_t k, uint8_t *out);

/// y[t * ldy + r] for r < nr, t < nt: rows decoded at wd (row r at wd + r * ng * decoded group bytes), tokens packed
/// at xp + t * xstride (mk_q8_pack_avx512), ng groups. Each output is bit-identical to what the per-row kernel of
/// mk_q8_dot_avx512 gives for it.
typedef void (*mk_q8_gemm_fn)(const uint8_t *wd, int64_t nr, const uint8_t *xp, int64_t xstride, int64_t nt,
                              int64_t ng, float *y, int64_t ldy, const uint8_t *pf, int64_t pf_bytes);

/// The blocked kernel for a type; NULL when the type has none (or the build has no AVX-512 code).
mk_q8_gemm_fn mk_q8_gemm_avx512(int type);

static inline float mk_load_half(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return mk_fp16_to_fp32(h);
}

/// Block sizes in elements and bytes.
#define MK_QK8_0 32
#define MK_Q8_0_BYTES 34
#define MK_QK4_0 32
#define MK_Q4_0_BYTES 18
#define MK_QK_K 256
#define MK_Q4_K_BYTES 144
#define MK_Q6_K_BYTES 210

/// Q4_K: 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes.
static inline void mk_q4k_scale_min(int j, const uint8_t *q, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = q[j] & 63;
        *m = q[j + 4] & 63;
    } else {
        *sc = (uint8_t)((q[j + 4] & 0xF) | ((q[j - 4] >> 6) << 4));
        *m = (uint8_t)((q[j + 4] >> 4) | ((q[j] >> 6) << 4));
    }
}

/// Q4_K scales and mins of the 8 sub-blocks (6 bits each) from the 12 packed bytes, as 8 bytes each
/// (byte j of *scales and *mins = what mk_q4k_scale_min gives for sub-block j; little-endian hosts).
static inline void mk_q4k_unpack_scales(const uint8_t *s, uint64_t *scales, uint64_t *mins) {
    uint32_t u[4];
    memcpy(u, s, 12);
    const uint32_t k1 = 0x3f3f3f3f, k2 = 0x0f0f0f0f, k3 = 0x03030303;
    u[3] = ((u[2] >> 4) & k2) | (((u[1] >> 6) & k3) << 4);
    const uint32_t m03 = u[1] & k1;
    u[1] = (u[2] & k2) | (((u[0] >> 6) & k3) << 4);
    u[2] = m03;
    u[0] &= k1;
    *scales = (uint64_t)u[0] | ((uint64_t)u[1] << 32);
    *mins = (uint64_t)u[2] | ((uint64_t)u[3] << 32);
}

/// Scalar block decoders (also the dequantisation routines of the C side).
static inline void mk_decode_q8_0(const uint8_t *b, float *y) {
    const float d = mk_load_half(b);
    const int8_t *q = (const int8_t *)(b + 2);
    for (int i = 0; i < 32; i++) y[i] = (float)q[i] * d;
}

static inline void mk_decode_q4_0(const uint8_t *b, float *y) {
    const float d = mk_load_half(b);
    const uint8_t *q = b + 2;
    for (int j = 0; j < 16; j++) {
        y[j] = (float)((int)(q[j] & 0xF) - 8) * d;
        y[j + 16] = (float)((int)(q[j] >> 4) - 8) * d;
    }
}

static inline void mk_decode_q4_k(const uint8_t *b, float *y) {
    const float d = mk_load_half(b);
    const float dmin = mk_load_half(b + 2);
    const uint8_t *scales = b + 4;
    const uint8_t *q = b + 16;
    for (int c = 0; c < 4; c++) {
        uint8_t sc, m;
        mk_q4k_scale_min(2 * c, scales, &sc, &m);
        const float d1 = d * (float)sc, m1 = dmin * (float)m;
        mk_q4k_scale_min(2 * c + 1, scales, &sc, &m);
        const float d2 = d * (float)sc, m2 = dmin * (float)m;
        for (int l = 0; l < 32; l++) y[l] = d1 * (float)(q[l] & 0xF) - m1;
        for (int l = 0; l < 32; l++) y[32 + l] = d2 * (float)(q[l] >> 4) - m2;
        y += 64;
        q += 32;
    }
}

static inline void mk_decode_q6_k(const uint8_t *b, float *y) {
    const uint8_t *ql = b;
    const uint8_t *qh = b + 128;
    const int8_t *sc = (const int8_t *)(b + 192);
    const float d = mk_load_half(b + 208);
    for (int n = 0; n < 2; n++) {
        for (int l = 0; l < 32; l++) {
            int is = l / 16;
            int q1 = (int)((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
            int q2 = (int)((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
            int q3 = (int)((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
            int q4 = (int)((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
            y[l] = d * (float)sc[is + 0] * (float)q1;
            y[l + 32] = d * (float)sc[is + 2] * (float)q2;
            y[l + 64] = d * (float)sc[is + 4] * (float)q3;
            y[l + 96] = d * (float)sc[is + 6] * (float)q4;
        }
        y += 128;
        ql += 64;
        qh += 32;
        sc += 8;
    }
}

static inline float mk_load_bf16(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

#endif
