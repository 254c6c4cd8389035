// SwiGLU's activation, y = silu(g) * u = g / (1 + exp(-g)) * u, at every level with the same operations (vexp.h),
// so every level gives the same bits.
#include "internal.h"
#include "vexp.h"

static void silu_mul_scalar(const float *g, const float *u, int64_t n, float *y) {
    for (int64_t i = 0; i < n; i++) {
        const float a = g[i];
        y[i] = a / (1.0f + mk_exp_scalar(-a)) * u[i];
    }
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static void silu_mul_avx2(const float *g, const float *u, int64_t n, float *y) {
    int64_t i = 0;
    const __m256 one = _mm256_set1_ps(1.0f), zero = _mm256_setzero_ps();
    for (; i + 8 <= n; i += 8) {
        const __m256 a = _mm256_loadu_ps(g + i);
        const __m256 e = mk_exp_avx2(_mm256_sub_ps(zero, a));
        _mm256_storeu_ps(y + i, _mm256_mul_ps(_mm256_div_ps(a, _mm256_add_ps(one, e)), _mm256_loadu_ps(u + i)));
    }
    silu_mul_scalar(g + i, u + i, n - i, y + i);
}

__attribute__((target("avx512f"))) static void silu_mul_avx512(const float *g, const float *u, int64_t n, float *y) {
    int64_t i = 0;
    const __m512 one = _mm512_set1_ps(1.0f), zero = _mm512_setzero_ps();
    for (; i + 16 <= n; i += 16) {
        const __m512 a = _mm512_loadu_ps(g + i);
        const __m512 e = mk_exp_avx512(_mm512_sub_ps(zero, a));
        _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_div_ps(a, _mm512_add_ps(one, e)), _mm512_loadu_ps(u + i)));
    }
    silu_mul_scalar(g + i, u + i, n - i, y + i);
}
#endif

void mk_silu_mul_at_level(int level, const float *g, const float *u, int64_t n, float *y) {
    level = mk_clamp_level(level);
#if defined(__x86_64__)
    if (level >= MK_LEVEL_AVX512) {
        silu_mul_avx512(g, u, n, y);
        return;
    }
    if (level >= MK_LEVEL_AVX2) {
        silu_mul_avx2(g, u, n, y);
        return;
    }
#endif
    silu_mul_scalar(g, u, n, y);
}

void mk_silu_mul(const float *g, const float *u, int64_t n, float *y) {
    mk_silu_mul_at_level(mk_cpu_level(), g, u, n, y);
}

float mk_exp_reference(float x) { return mk_exp_scalar(x); }
