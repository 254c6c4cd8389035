// AVX2 + FMA dot kernels: each 32-element chunk of a row is decoded into four 8-lane float vectors once, then
// multiplied into every token's two accumulators (vectors 0,2 → a0; 1,3 → a1; same order for every token count).
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma,f16c")))
#define INL static inline __attribute__((always_inline)) TGT

/// IEEE half at p (unaligned) to float with the F16C instruction (exact, like mk_fp16_to_fp32).
INL float h2f(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

#define ACC_CHUNK(w0, w1, w2, w3, off)                                               \
    for (int t = 0; t < NT; t++) {                                                   \
        const float *xp = xs[t] + (off);                                             \
        a0[t] = _mm256_fmadd_ps((w0), _mm256_loadu_ps(xp), a0[t]);                   \
        a1[t] = _mm256_fmadd_ps((w1), _mm256_loadu_ps(xp + 8), a1[t]);               \
        a0[t] = _mm256_fmadd_ps((w2), _mm256_loadu_ps(xp + 16), a0[t]);              \
        a1[t] = _mm256_fmadd_ps((w3), _mm256_loadu_ps(xp + 24), a1[t]);              \
    }

#define ACC_INIT                         \
    __m256 a0[MK_MAX_NT_AVX2], a1[MK_MAX_NT_AVX2]; \
    for (int t = 0; t < NT; t++) {       \
        a0[t] = _mm256_setzero_ps();     \
        a1[t] = _mm256_setzero_ps();     \
    }

#define ACC_FINISH \
    for (int t = 0; t < NT; t++) out[t] = hsum256(_mm256_add_ps(a0[t], a1[t]));

INL float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// Eight signed bytes (low half of v when hi == 0, else the high half) as floats.
INL __m256 cvt_i8_lo(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(v)); }
INL __m256 cvt_i8_hi(__m128i v) { return _mm256_cvtepi32_ps(_mm256_cvtepi8_epi32(_mm_unpackhi_epi64(v, v))); }

INL void f32_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    const float *w = (const float *)(const void *)row;
    ACC_INIT
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        __m256 w0 = _mm256_loadu_ps(w + i), w1 = _mm256_loadu_ps(w + i + 8);
        __m256 w2 = _mm256_loadu_ps(w + i + 16), w3 = _mm256_loadu_ps(w + i + 24);
        ACC_CHUNK(w0, w1, w2, w3, i)
    }
    ACC_FINISH
    for (int t = 0; t < NT; t++) {
        float s = out[t];
        for (int64_t j = i; j < k; j++) s += w[j] * xs[t][j];
        out[t] = s;
    }
}

INL __m256 f16_8(const uint8_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(const void *)p)); }

INL void f16_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        const uint8_t *p = row + 2 * i;
        __m256 w0 = f16_8(p), w1 = f16_8(p + 16), w2 = f16_8(p + 32), w3 = f16_8(p + 48);
        ACC_CHUNK(w0, w1, w2, w3, i)
    }
    ACC_FINISH
    for (int t = 0; t < NT; t++) {
        float s = out[t];
        for (int64_t j = i; j < k; j++) s += h2f(row + 2 * j) * xs[t][j];
        out[t] = s;
    }
}

INL __m256 bf16_8(const uint8_t *p) {
    __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)(const void *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

INL void bf16_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    int64_t i = 0;
    for (; i + 32 <= k; i += 32) {
        const uint8_t *p = row + 2 * i;
        __m256 w0 = bf16_8(p), w1 = bf16_8(p + 16), w2 = bf16_8(p + 32), w3 = bf16_8(p + 48);
        ACC_CHUNK(w0, w1, w2, w3, i)
    }
    ACC_FINISH
    for (int t = 0; t < NT; t++) {
        float s = out[t];
        for (int64_t j = i; j < k; j++) s += mk_load_bf16(row + 2 * j) * xs[t][j];
        out[t] = s;
    }
}

/// 32 signed bytes in two registers times a scale, as four float vectors.
#define DECODE32(qa, qb, d)                              \
    __m256 w0 = _mm256_mul_ps(cvt_i8_lo(qa), d);         \
    __m256 w1 = _mm256_mul_ps(cvt_i8_hi(qa), d);         \
    __m256 w2 = _mm256_mul_ps(cvt_i8_lo(qb), d);         \
    __m256 w3 = _mm256_mul_ps(cvt_i8_hi(qb), d);

INL void q8_0_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    for (int64_t b = 0; b < k / 32; b++) {
        const uint8_t *blk = row + b * MK_Q8_0_BYTES;
        const __m256 d = _mm256_set1_ps(h2f(blk));
        __m128i qa = _mm_loadu_si128((const __m128i *)(const void *)(blk + 2));
        __m128i qb = _mm_loadu_si128((const __m128i *)(const void *)(blk + 18));
        DECODE32(qa, qb, d)
        ACC_CHUNK(w0, w1, w2, w3, b * 32)
    }
    ACC_FINISH
}

INL void q4_0_nt(const uint8_t *row, const float *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const __m128i mask = _mm_set1_epi8(0x0F), eight = _mm_set1_epi8(8);
    for (int64_t b = 0; b < k / 32; b++) {
        const uint8_t *blk = row + b * MK_Q4_0_BYTES;
        const __m256 d = _mm256_set1_ps(h2f(blk));
        __m128i q = _mm_loadu_si128((const __m128i *)(const void *)(blk + 2));
        __m128i qa = _mm_sub_epi8(_mm_and_si128(q, mask), eight);
        __m128i qb = _mm_sub_epi8(_mm_and_si128(_mm_srli_epi16(q, 4), mask), eight);
        DECODE32(qa, qb, d)
        ACC_CHUNK(w0, w1, w2, w3, b * 32)
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
            __m128i qa = _mm_loadu_si128((const __m128i *)(const void *)(q + 32 * c));
            __m128i qb = _mm_loadu_si128((const __m128i *)(const void *)(q + 32 * c + 16));
            for (int half = 0; half < 2; half++) {
                uint8_t sc, m;
                mk_q4k_scale_min(2 * c + half, scales, &sc, &m);
                const __m256 dv = _mm256_set1_ps(d * (float)sc), mv = _mm256_set1_ps(dmin * (float)m);
                __m128i na = half ? _mm_and_si128(_mm_srli_epi16(qa, 4), mask) : _mm_and_si128(qa, mask);
                __m128i nb = half ? _mm_and_si128(_mm_srli_epi16(qb, 4), mask) : _mm_and_si128(qb, mask);
                __m256 w0 = _mm256_sub_ps(_mm256_mul_ps(dv, cvt_i8_lo(na)), mv);
                __m256 w1 = _mm256_sub_ps(_mm256_mul_ps(dv, cvt_i8_hi(na)), mv);
                __m256 w2 = _mm256_sub_ps(_mm256_mul_ps(dv, cvt_i8_lo(nb)), mv);
                __m256 w3 = _mm256_sub_ps(_mm256_mul_ps(dv, cvt_i8_hi(nb)), mv);
                ACC_CHUNK(w0, w1, w2, w3, b * 256 + 64 * c + 32 * half)
            }
        }
    }
    ACC_FINISH
}

INL __m128i q6_16(__m128i l, __m128i h, int high_nibble, int hshift) {
    const __m128i m4 = _mm_set1_epi8(0x0F), m2 = _mm_set1_epi8(0x03);
    __m128i lo = high_nibble ? _mm_and_si128(_mm_srli_epi16(l, 4), m4) : _mm_and_si128(l, m4);
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
            __m128i h0 = _mm_loadu_si128((const __m128i *)(const void *)qh);
            __m128i h1 = _mm_loadu_si128((const __m128i *)(const void *)(qh + 16));
            for (int part = 0; part < 4; part++) {
                const uint8_t *lp = ql + 32 * (part & 1);
                __m128i la = _mm_loadu_si128((const __m128i *)(const void *)lp);
                __m128i lb = _mm_loadu_si128((const __m128i *)(const void *)(lp + 16));
                __m128i qa = q6_16(la, h0, part >> 1, 2 * part);
                __m128i qb = q6_16(lb, h1, part >> 1, 2 * part);
                const __m256 s0 = _mm256_set1_ps(d * (float)sc[2 * part]);
                const __m256 s1 = _mm256_set1_ps(d * (float)sc[2 * part + 1]);
                __m256 w0 = _mm256_mul_ps(s0, cvt_i8_lo(qa));
                __m256 w1 = _mm256_mul_ps(s0, cvt_i8_hi(qa));
                __m256 w2 = _mm256_mul_ps(s1, cvt_i8_lo(qb));
                __m256 w3 = _mm256_mul_ps(s1, cvt_i8_hi(qb));
                ACC_CHUNK(w0, w1, w2, w3, base + 32 * part)
            }
        }
    }
    ACC_FINISH
}

#define DISPATCH_NT(NAME)                                                                                     \
    static TGT void NAME##_dot(const uint8_t *row, const float *const *xs, int nt, int64_t k, float *out) { \
        switch (nt) {                                                                                         \
        case 1: NAME##_nt(row, xs, k, out, 1); break;                                                         \
        case 2: NAME##_nt(row, xs, k, out, 2); break;                                                         \
        case 3: NAME##_nt(row, xs, k, out, 3); break;                                                         \
        default: NAME##_nt(row, xs, k, out, 4); break;                                                        \
        }                                                                                                     \
    }

DISPATCH_NT(f32)
DISPATCH_NT(f16)
DISPATCH_NT(bf16)
DISPATCH_NT(q8_0)
DISPATCH_NT(q4_0)
DISPATCH_NT(q4_k)
DISPATCH_NT(q6_k)

mk_dot_fn mk_dot_avx2(int type) {
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

TGT static float dot_f32_256(const float *a, const float *b, int64_t n) {
    const float *xs[1] = {b};
    float out[1];
    f32_nt((const uint8_t *)(const void *)a, xs, n, out, 1);
    return out[0];
}

TGT static void axpy_256(float a, const float *x, float *y, int64_t n) {
    const __m256 av = _mm256_set1_ps(a);
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm256_storeu_ps(y + i, _mm256_fmadd_ps(av, _mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i)));
    }
    for (; i < n; i++) y[i] += a * x[i];
}

float mk_dot_f32_avx2(const float *a, const float *b, int64_t n) { return dot_f32_256(a, b, n); }
void mk_axpy_f32_avx2(float a, const float *x, float *y, int64_t n) { axpy_256(a, x, y, n); }

#else
mk_dot_fn mk_dot_avx2(int type) {
    (void)type;
    return NULL;
}
float mk_dot_f32_avx2(const float *a, const float *b, int64_t n) {
    (void)a; (void)b; (void)n;
    return 0;
}
void mk_axpy_f32_avx2(float a, const float *x, float *y, int64_t n) {
    (void)a; (void)x; (void)y; (void)n;
}
#endif
