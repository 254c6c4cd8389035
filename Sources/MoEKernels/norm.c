// RMS norm, y = x / sqrt(mean(x^2) + eps) * w, at every level with the same operations, so every level gives the
// same bits: the sum of squares runs in double over 8 interleaved accumulators (lane i takes elements i, i + 8, ...,
// by fused multiply-adds), combined as ((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7)). One serial double sum
// was a 4-cycle dependency per element (0.4 ms of a 16-sequence decode step of the bench model).
#include "internal.h"

#include <math.h>

static inline double combine8(const double a[8]) {
    return ((a[0] + a[4]) + (a[2] + a[6])) + ((a[1] + a[5]) + (a[3] + a[7]));
}

/// Elements [from, n) into the accumulators, lane = index % 8.
static inline void tail8(const float *x, int64_t from, int64_t n, double a[8]) {
    for (int64_t i = from; i < n; i++) a[i % 8] = fma((double)x[i], (double)x[i], a[i % 8]);
}

static void scale_row(const float *x, const float *w, int64_t n, double ss, float eps, float *y) {
    const float scale = (float)(1.0 / sqrt(ss / (double)n + (double)eps));
    for (int64_t i = 0; i < n; i++) y[i] = x[i] * scale * w[i];
}

static void rmsnorm_scalar(const float *x, const float *w, int64_t n, float eps, float *y) {
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    tail8(x, 0, n, a);
    scale_row(x, w, n, combine8(a), eps, y);
}

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx2,fma"))) static void rmsnorm_avx2(const float *x, const float *w, int64_t n, float eps,
                                                              float *y) {
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256d a = _mm256_cvtps_pd(_mm_loadu_ps(x + i)), b = _mm256_cvtps_pd(_mm_loadu_ps(x + i + 4));
        lo = _mm256_fmadd_pd(a, a, lo);
        hi = _mm256_fmadd_pd(b, b, hi);
    }
    double acc[8];
    _mm256_storeu_pd(acc, lo);
    _mm256_storeu_pd(acc + 4, hi);
    tail8(x, i, n, acc);
    scale_row(x, w, n, combine8(acc), eps, y);
}

__attribute__((target("avx512f"))) static void rmsnorm_avx512(const float *x, const float *w, int64_t n, float eps,
                                                               float *y) {
    __m512d s = _mm512_setzero_pd();
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m512d a = _mm512_cvtps_pd(_mm256_loadu_ps(x + i));
        s = _mm512_fmadd_pd(a, a, s);
    }
    double acc[8];
    _mm512_storeu_pd(acc, s);
    tail8(x, i, n, acc);
    scale_row(x, w, n, combine8(acc), eps, y);
}
#endif

void mk_rmsnorm_at_level(int level, const float *x, const float *w, int64_t n, float eps, float *y) {
    level = mk_clamp_level(level);
#if defined(__x86_64__)
    if (level >= MK_LEVEL_AVX512) {
        rmsnorm_avx512(x, w, n, eps, y);
        return;
    }
    if (level >= MK_LEVEL_AVX2) {
        rmsnorm_avx2(x, w, n, eps, y);
        return;
    }
#endif
    rmsnorm_scalar(x, w, n, eps, y);
}

void mk_rmsnorm(const float *x, const float *w, int64_t n, float eps, float *y) {
    mk_rmsnorm_at_level(mk_cpu_level(), x, w, n, eps, y);
}
