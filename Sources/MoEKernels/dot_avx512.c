// AVX-512 dot kernels: each 32-element chunk of a row is decoded into two 16-lane float vectors once, then
// multiplied into every token's two accumulators (same operation order for every token count).
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,fma,f16c")))
#define INL static inline __attribute__((always_inline)) TGT

/// IEEE half at p (unaligned) to float with the F16C instruction (exact, like mk_fp16_to_fp32).
INL float h2f(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/// Accumulates one decoded 32-element chunk (w0: elements 0..15, w1: 16..31) at offset `off` into every token.
#define ACC_CHUNK(w0, w1, off)                                                        \
    for (int t = 0; t < NT; t++) {                                                    \
        a0[t] = _mm512_fmadd_ps((w0), _mm512_loadu_ps(xs[t] + (off)), a0[t]);        \
        a1[t] = _mm512_fmadd_ps((w1), _mm512_loadu_ps(xs[t] + (off) + 16), a1[t]);   \
    }

#define ACC_INIT                       \
    __m512 a0[MK_MAX_NT], a1[MK_MAX_NT]; \
    for (int t = 0; t < NT; t++) {     \
        a0[t] = _mm512_setzero_ps();   \
        a1[t] = _mm512_setzero_ps();   \
    }

#define ACC_FINISH                                                            \
    for (int t = 0; t < NT; t++) out[t] = _mm512_reduce_add_ps(_mm512_add_ps(a0[t], a1[t]));

INL __m512 cvt_i8(__m128i v) { return _mm512_cvtepi32_ps(_mm512_cvtepi8_epi32(v)); }

/// The float rows' kernels take `ahead`: when > 0, each 32 elements read are followed by a prefetch (into L2) of
/// the byte `ahead` past them, a steady trickle that keeps the stream of rows from memory going (see
/// mk_dot_stream_fn). The prefetches change no arithmetic.
INL void f32_nt_ahead(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT,
                      const int64_t ahead) {
    const float *w = (const float *)(const void *)row;
    ACC_INIT
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        if (ahead) _mm_prefetch((const char *)(w + i) + ahead, _MM_HINT_T1);
        __m512 w0 = _mm512_loadu_ps(w + i), w1 = _mm512_loadu_ps(w + i + 16);
        ACC_CHUNK(w0, w1, i)
    }
    ACC_FINISH
    for (int t = 0; t < NT; t++) {
        float s = out[t];
        for (int64_t j = i; j < k; j++) s += w[j] * xs[t][j];
        out[t] = s;
    }
}

INL void f16_nt_ahead(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT,
                      const int64_t ahead) {
    ACC_INIT
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        if (ahead) _mm_prefetch((const char *)(row + 2 * i) + ahead, _MM_HINT_T1);
        __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(row + 2 * i)));
        __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(row + 2 * i + 32)));
        ACC_CHUNK(w0, w1, i)
    }
    ACC_FINISH
    for (int t = 0; t < NT; t++) {
        float s = out[t];
        for (int64_t j = i; j < k; j++) s += h2f(row + 2 * j) * xs[t][j];
        out[t] = s;
    }
}

INL __m512 bf16_16(const uint8_t *p) {
    __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)(const void *)p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
}

INL void bf16_nt_ahead(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT,
                       const int64_t ahead) {
    ACC_INIT
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        if (ahead) _mm_prefetch((const char *)(row + 2 * i) + ahead, _MM_HINT_T1);
        __m512 w0 = bf16_16(row + 2 * i), w1 = bf16_16(row + 2 * i + 32);
        ACC_CHUNK(w0, w1, i)
    }
    ACC_FINISH
    for (int t = 0; t < NT; t++) {
        float s = out[t];
        for (int64_t j = i; j < k; j++) s += mk_load_bf16(row + 2 * j) * xs[t][j];
        out[t] = s;
    }
}

INL void f32_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    f32_nt_ahead(row, xs, k, out, NT, 0);
}
INL void f16_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    f16_nt_ahead(row, xs, k, out, NT, 0);
}
INL void bf16_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    bf16_nt_ahead(row, xs, k, out, NT, 0);
}

INL void q8_0_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    for (int64_t b = 0; b < k / 32; b++) {
        const uint8_t *blk = row + b * MK_Q8_0_BYTES;
        const __m512 d = _mm512_set1_ps(h2f(blk));
        __m512 w0 = _mm512_mul_ps(cvt_i8(_mm_loadu_si128((const __m128i *)(const void *)(blk + 2))), d);
        __m512 w1 = _mm512_mul_ps(cvt_i8(_mm_loadu_si128((const __m128i *)(const void *)(blk + 18))), d);
        ACC_CHUNK(w0, w1, b * 32)
    }
    ACC_FINISH
}

INL void q4_0_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const __m128i mask = _mm_set1_epi8(0x0F);
    const __m128i eight = _mm_set1_epi8(8);
    for (int64_t b = 0; b < k / 32; b++) {
        const uint8_t *blk = row + b * MK_Q4_0_BYTES;
        const __m512 d = _mm512_set1_ps(h2f(blk));
        __m128i q = _mm_loadu_si128((const __m128i *)(const void *)(blk + 2));
        __m128i lo = _mm_sub_epi8(_mm_and_si128(q, mask), eight);
        __m128i hi = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), mask), eight);
        __m512 w0 = _mm512_mul_ps(cvt_i8(lo), d);
        __m512 w1 = _mm512_mul_ps(cvt_i8(hi), d);
        ACC_CHUNK(w0, w1, b * 32)
    }
    ACC_FINISH
}

INL void q4_k_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const __m128i mask = _mm_set1_epi8(0x0F);
    for (int64_t b = 0; b < k / 256; b++) {
        const uint8_t *blk = row + b * MK_Q4_K_BYTES;
        const float d = h2f(blk), dmin = h2f(blk + 2);
        const uint8_t *scales = blk + 4;
        const uint8_t *q = blk + 16;
        for (int c = 0; c < 4; c++) {
            uint8_t sc, m;
            mk_q4k_scale_min(2 * c, scales, &sc, &m);
            const __m512 d1 = _mm512_set1_ps(d * (float)sc), m1 = _mm512_set1_ps(dmin * (float)m);
            mk_q4k_scale_min(2 * c + 1, scales, &sc, &m);
            const __m512 d2 = _mm512_set1_ps(d * (float)sc), m2 = _mm512_set1_ps(dmin * (float)m);
            __m128i qa = _mm_loadu_si128((const __m128i *)(const void *)(q + 32 * c));
            __m128i qb = _mm_loadu_si128((const __m128i *)(const void *)(q + 32 * c + 16));
            __m512 w0 = _mm512_sub_ps(_mm512_mul_ps(d1, cvt_i8(_mm_and_si128(qa, mask))), m1);
            __m512 w1 = _mm512_sub_ps(_mm512_mul_ps(d1, cvt_i8(_mm_and_si128(qb, mask))), m1);
            ACC_CHUNK(w0, w1, b * 256 + 64 * c)
            __m512 w2 = _mm512_sub_ps(_mm512_mul_ps(d2, cvt_i8(_mm_and_si128(_mm_srli_epi16(qa, 4), mask))), m2);
            __m512 w3 = _mm512_sub_ps(_mm512_mul_ps(d2, cvt_i8(_mm_and_si128(_mm_srli_epi16(qb, 4), mask))), m2);
            ACC_CHUNK(w2, w3, b * 256 + 64 * c + 32)
        }
    }
    ACC_FINISH
}

/// Q6_K: 16 six-bit values (offset -32) from 16 low-nibble bytes and 16 high-bit bytes.
INL __m128i q6_16(__m128i l, __m128i h, int lshift, int hshift) {
    const __m128i m4 = _mm_set1_epi8(0x0F), m2 = _mm_set1_epi8(0x03);
    __m128i lo = lshift ? _mm_and_si128(_mm_srli_epi16(l, 4), m4) : _mm_and_si128(l, m4);
    __m128i hi = _mm_and_si128(_mm_srl_epi16(h, _mm_cvtsi32_si128(hshift)), m2);
    return _mm_sub_epi8(_mm_or_si128(lo, _mm_slli_epi16(hi, 4)), _mm_set1_epi8(32));
}

INL void q6_k_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    for (int64_t b = 0; b < k / 256; b++) {
        const uint8_t *blk = row + b * MK_Q6_K_BYTES;
        const float d = h2f(blk + 208);
        for (int n = 0; n < 2; n++) {
            const uint8_t *ql = blk + 64 * n;
            const uint8_t *qh = blk + 128 + 32 * n;
            const int8_t *sc = (const int8_t *)(blk + 192) + 8 * n;
            const int64_t base = b * 256 + 128 * n;
            __m128i l0 = _mm_loadu_si128((const __m128i *)(const void *)ql);
            __m128i l1 = _mm_loadu_si128((const __m128i *)(const void *)(ql + 16));
            __m128i l2 = _mm_loadu_si128((const __m128i *)(const void *)(ql + 32));
            __m128i l3 = _mm_loadu_si128((const __m128i *)(const void *)(ql + 48));
            __m128i h0 = _mm_loadu_si128((const __m128i *)(const void *)qh);
            __m128i h1 = _mm_loadu_si128((const __m128i *)(const void *)(qh + 16));
            for (int part = 0; part < 4; part++) {
                // part 0: low nibbles of ql[0..32], bits 0-1; 1: low of ql[32..64], bits 2-3;
                // 2: high of ql[0..32], bits 4-5; 3: high of ql[32..64], bits 6-7.
                __m128i la = (part & 1) ? l2 : l0, lb = (part & 1) ? l3 : l1;
                int ls = part >> 1, hs = 2 * part;
                __m512 s0 = _mm512_set1_ps(d * (float)sc[2 * part]);
                __m512 s1 = _mm512_set1_ps(d * (float)sc[2 * part + 1]);
                __m512 w0 = _mm512_mul_ps(s0, cvt_i8(q6_16(la, h0, ls, hs)));
                __m512 w1 = _mm512_mul_ps(s1, cvt_i8(q6_16(lb, h1, ls, hs)));
                ACC_CHUNK(w0, w1, base + 32 * part)
            }
        }
    }
    ACC_FINISH
}

#define DISPATCH_NT(NAME)                                                                           \
    static TGT void NAME##_dot(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out) { \
        switch (nt) {                                                                               \
        case 1: NAME##_nt(row, xs, k, out, 1); break;                                               \
        case 2: NAME##_nt(row, xs, k, out, 2); break;                                               \
        case 3: NAME##_nt(row, xs, k, out, 3); break;                                               \
        case 4: NAME##_nt(row, xs, k, out, 4); break;                                               \
        case 5: NAME##_nt(row, xs, k, out, 5); break;                                               \
        case 6: NAME##_nt(row, xs, k, out, 6); break;                                               \
        case 7: NAME##_nt(row, xs, k, out, 7); break;                                               \
        default: NAME##_nt(row, xs, k, out, 8); break;                                              \
        }                                                                                           \
    }

DISPATCH_NT(f32)
DISPATCH_NT(f16)
DISPATCH_NT(bf16)
DISPATCH_NT(q8_0)
DISPATCH_NT(q4_0)
DISPATCH_NT(q4_k)
DISPATCH_NT(q6_k)

/// Two F32 rows against NT <= 4 tokens at once: per 32 elements 4 weight and 2 NT token loads feed 4 NT FMAs
/// (one row: 2 + 2 NT loads for 2 NT), which pays once several tokens make the product compute-bound. Each
/// (row, token) output goes through exactly f32_nt's operations, so results match the one-row kernel bit for bit.
INL void f32_nt2(const uint8_t *row0, const uint8_t *row1, const float *const *xs, int64_t k, float *out0,
                 float *out1, const int NT) {
    const float *u = (const float *)(const void *)row0, *v = (const float *)(const void *)row1;
    __m512 a0[4], a1[4], b0[4], b1[4];
    for (int t = 0; t < NT; t++) {
        a0[t] = _mm512_setzero_ps();
        a1[t] = _mm512_setzero_ps();
        b0[t] = _mm512_setzero_ps();
        b1[t] = _mm512_setzero_ps();
    }
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        __m512 u0 = _mm512_loadu_ps(u + i), u1 = _mm512_loadu_ps(u + i + 16);
        __m512 v0 = _mm512_loadu_ps(v + i), v1 = _mm512_loadu_ps(v + i + 16);
        for (int t = 0; t < NT; t++) {
            __m512 x0 = _mm512_loadu_ps(xs[t] + i), x1 = _mm512_loadu_ps(xs[t] + i + 16);
            a0[t] = _mm512_fmadd_ps(u0, x0, a0[t]);
            a1[t] = _mm512_fmadd_ps(u1, x1, a1[t]);
            b0[t] = _mm512_fmadd_ps(v0, x0, b0[t]);
            b1[t] = _mm512_fmadd_ps(v1, x1, b1[t]);
        }
    }
    for (int t = 0; t < NT; t++) {
        float s = _mm512_reduce_add_ps(_mm512_add_ps(a0[t], a1[t]));
        float r = _mm512_reduce_add_ps(_mm512_add_ps(b0[t], b1[t]));
        for (int64_t j = i; j < k; j++) s += u[j] * xs[t][j];
        for (int64_t j = i; j < k; j++) r += v[j] * xs[t][j];
        out0[t] = s;
        out1[t] = r;
    }
}

/// Two rows against nt <= MK_MAX_NT tokens, four tokens at a time.
TGT static void f32_dot2(const uint8_t *row0, const uint8_t *row1, const float *const *xs, int nt, int64_t k,
                         float *out0, float *out1) {
    for (int s = 0; s < nt; s += 4) {
        switch (nt - s) {
        case 1: f32_nt2(row0, row1, xs + s, k, out0 + s, out1 + s, 1); break;
        case 2: f32_nt2(row0, row1, xs + s, k, out0 + s, out1 + s, 2); break;
        case 3: f32_nt2(row0, row1, xs + s, k, out0 + s, out1 + s, 3); break;
        default: f32_nt2(row0, row1, xs + s, k, out0 + s, out1 + s, 4); break;
        }
    }
}

mk_dot2_fn mk_dot2_avx512(int type) { return type == MK_TYPE_F32 ? f32_dot2 : NULL; }

#define DISPATCH_STREAM(NAME)                                                                                 \
    static TGT void NAME##_dot_stream(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out, \
                                      int64_t ahead) {                                                          \
        switch (nt) {                                                                                           \
        case 1: NAME##_nt_ahead(row, xs, k, out, 1, ahead); break;                                              \
        case 2: NAME##_nt_ahead(row, xs, k, out, 2, ahead); break;                                              \
        case 3: NAME##_nt_ahead(row, xs, k, out, 3, ahead); break;                                              \
        case 4: NAME##_nt_ahead(row, xs, k, out, 4, ahead); break;                                              \
        case 5: NAME##_nt_ahead(row, xs, k, out, 5, ahead); break;                                              \
        case 6: NAME##_nt_ahead(row, xs, k, out, 6, ahead); break;                                              \
        case 7: NAME##_nt_ahead(row, xs, k, out, 7, ahead); break;                                              \
        default: NAME##_nt_ahead(row, xs, k, out, 8, ahead); break;                                             \
        }                                                                                                       \
    }

DISPATCH_STREAM(f32)
DISPATCH_STREAM(f16)
DISPATCH_STREAM(bf16)

mk_dot_stream_fn mk_dot_stream_avx512(int type) {
    switch (type) {
    case MK_TYPE_F32: return f32_dot_stream;
    case MK_TYPE_F16: return f16_dot_stream;
    case MK_TYPE_BF16: return bf16_dot_stream;
    default: return NULL;
    }
}

mk_dot_fn mk_dot_avx512(int type) {
    switch (type) {
    case MK_TYPE_F32: return f32_dot;
    case MK_TYPE_F16: return f16_dot;
    case MK_TYPE_BF16: return bf16_dot;
    case MK_TYPE_Q8_0: return q8_0_dot;
    case MK_TYPE_Q4_0: return q4_0_dot;
    case MK_TYPE_Q4_K: return q4_k_dot;
    case MK_TYPE_Q6_K: return q6_k_dot;
    default: return NULL;
    }
}

TGT static float dot_f32_512(const float *a, const float *b, int64_t n) {
    const float *xs[1] = {b};
    float out[1];
    f32_nt((const uint8_t *)(const void *)a, xs, n, out, 1);
    return out[0];
}

TGT static void axpy_512(float a, const float *x, float *y, int64_t n) {
    const __m512 av = _mm512_set1_ps(a);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        _mm512_storeu_ps(y + i, _mm512_fmadd_ps(av, _mm512_loadu_ps(x + i), _mm512_loadu_ps(y + i)));
    }
    for (; i < n; i++) y[i] += a * x[i];
}

float mk_dot_f32_avx512(const float *a, const float *b, int64_t n) { return dot_f32_512(a, b, n); }
void mk_axpy_f32_avx512(float a, const float *x, float *y, int64_t n) { axpy_512(a, x, y, n); }

#else
mk_dot_fn mk_dot_avx512(int type) {
    (void)type;
    return NULL;
}
mk_dot2_fn mk_dot2_avx512(int type) {
    (void)type;
    return NULL;
}
mk_dot_stream_fn mk_dot_stream_avx512(int type) {
    (void)type;
    return NULL;
}
float mk_dot_f32_avx512(const float *a, const float *b, int64_t n) {
    (void)a; (void)b; (void)n;
    return 0;
}
void mk_axpy_f32_avx512(float a, const float *x, float *y, int64_t n) {
    (void)a; (void)x; (void)y; (void)n;
}
#endif
