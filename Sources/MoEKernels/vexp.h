// exp(x) for float vectors with the same operations at every level (scalar, AVX2, AVX-512), so each level gives the
// same bits: range reduction x = n ln2 + r (n the nearest integer of x log2(e), ties to even; ln2 in two parts), a
// minimax polynomial 1 + r + r^2 P(r) (Cephes' expf coefficients, Horner's rule with fused multiply-adds), then a multiply by 2^n built from its
// exponent bits. Inputs are clamped to [-87, 88] (exp(-87) ~ 1.6e-38 is still normal, exp(88) ~ 1.7e38 finite);
// NaN becomes the upper bound, so callers whose result also depends on x itself (silu) still return NaN.
// Relative error below 1.5e-7 against the exact value (tested against double-precision exp).
#ifndef MOE_KERNELS_VEXP_H
#define MOE_KERNELS_VEXP_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#define MK_EXP_LO (-87.0f)
#define MK_EXP_HI 88.0f
#define MK_LOG2E 1.44269504088896341f
#define MK_LN2_HI 0.693359375f
#define MK_LN2_LO (-2.12194440e-4f)
/// Minimax coefficients of (exp(r) - 1 - r) / r^2 on [-ln2/2, ln2/2] (Cephes expf).
#define MK_EXP_P0 1.9875691500e-4f
#define MK_EXP_P1 1.3981999507e-3f
#define MK_EXP_P2 8.3334519073e-3f
#define MK_EXP_P3 4.1665795894e-2f
#define MK_EXP_P4 1.6666665459e-1f
#define MK_EXP_P5 5.0000001201e-1f

static inline float mk_exp_scalar(float x) {
    x = x < MK_EXP_HI ? x : MK_EXP_HI;  // (minps semantics: NaN -> HI)
    x = x > MK_EXP_LO ? x : MK_EXP_LO;
    const float t = x * MK_LOG2E;
    const float n = rintf(t);
    float r = fmaf(n, -MK_LN2_HI, x);
    r = fmaf(n, -MK_LN2_LO, r);
    float p = fmaf(MK_EXP_P0, r, MK_EXP_P1);
    p = fmaf(p, r, MK_EXP_P2);
    p = fmaf(p, r, MK_EXP_P3);
    p = fmaf(p, r, MK_EXP_P4);
    p = fmaf(p, r, MK_EXP_P5);
    p = fmaf(p, r * r, r);
    p = p + 1.0f;
    const uint32_t bits = (uint32_t)((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return p * scale;
}

#if defined(__x86_64__)
#include <immintrin.h>

static inline __attribute__((always_inline, target("avx2,fma"))) __m256 mk_exp_avx2(__m256 x) {
    x = _mm256_min_ps(x, _mm256_set1_ps(MK_EXP_HI));
    x = _mm256_max_ps(x, _mm256_set1_ps(MK_EXP_LO));
    const __m256 t = _mm256_mul_ps(x, _mm256_set1_ps(MK_LOG2E));
    const __m256 n = _mm256_round_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fmadd_ps(n, _mm256_set1_ps(-MK_LN2_HI), x);
    r = _mm256_fmadd_ps(n, _mm256_set1_ps(-MK_LN2_LO), r);
    __m256 p = _mm256_fmadd_ps(_mm256_set1_ps(MK_EXP_P0), r, _mm256_set1_ps(MK_EXP_P1));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(MK_EXP_P2));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(MK_EXP_P3));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(MK_EXP_P4));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(MK_EXP_P5));
    p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
    p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvttps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(p, _mm256_castsi256_ps(e));
}

static inline __attribute__((always_inline, target("avx512f"))) __m512 mk_exp_avx512(__m512 x) {
    x = _mm512_min_ps(x, _mm512_set1_ps(MK_EXP_HI));
    x = _mm512_max_ps(x, _mm512_set1_ps(MK_EXP_LO));
    const __m512 t = _mm512_mul_ps(x, _mm512_set1_ps(MK_LOG2E));
    const __m512 n = _mm512_roundscale_ps(t, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-MK_LN2_HI), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(-MK_LN2_LO), r);
    __m512 p = _mm512_fmadd_ps(_mm512_set1_ps(MK_EXP_P0), r, _mm512_set1_ps(MK_EXP_P1));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MK_EXP_P2));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MK_EXP_P3));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MK_EXP_P4));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(MK_EXP_P5));
    p = _mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r);
    p = _mm512_add_ps(p, _mm512_set1_ps(1.0f));
    const __m512i e = _mm512_slli_epi32(_mm512_add_epi32(_mm512_cvttps_epi32(n), _mm512_set1_epi32(127)), 23);
    return _mm512_mul_ps(p, _mm512_castsi512_ps(e));
}
#endif

#endif
