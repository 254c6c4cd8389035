// Float to IEEE half conversion of whole rows (the F16 KV cache stores keys and values this way). Every level rounds
// to nearest, ties to even, like mk_fp32_to_fp16, which is the plain reference.
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

__attribute__((target("avx512f"))) static void convert_avx512(const float *x, int64_t n, uint16_t *y) {
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) {
        const __m256i h = _mm512_cvtps_ph(_mm512_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm256_storeu_si256((__m256i *)(void *)(y + i), h);
    }
    for (; i < n; i++) y[i] = mk_fp32_to_fp16(x[i]);
}

__attribute__((target("avx2,f16c"))) static void convert_avx2(const float *x, int64_t n, uint16_t *y) {
    int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m128i h = _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        _mm_storeu_si128((__m128i *)(void *)(y + i), h);
    }
    for (; i < n; i++) y[i] = mk_fp32_to_fp16(x[i]);
}
#endif

void mk_f32_to_f16_at_level(int level, const float *x, int64_t n, uint16_t *y) {
    level = mk_clamp_level(level);
#if defined(__x86_64__)
    if (level >= MK_LEVEL_AVX512) {
        convert_avx512(x, n, y);
        return;
    }
    if (level >= MK_LEVEL_AVX2) {
        convert_avx2(x, n, y);
        return;
    }
#endif
    for (int64_t i = 0; i < n; i++) y[i] = mk_fp32_to_fp16(x[i]);
}

void mk_f32_to_f16(const float *x, int64_t n, uint16_t *y) { mk_f32_to_f16_at_level(mk_cpu_level(), x, n, y); }
