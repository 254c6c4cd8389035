// Element-wise operations and attention.
#include "internal.h"

#include <math.h>

float mk_dot_f32_level(int level, const float *a, const float *b, int64_t n) {
    if (level >= MK_LEVEL_AVX512) return mk_dot_f32_avx512(a, b, n);
    if (level >= MK_LEVEL_AVX2) return mk_dot_f32_avx2(a, b, n);
    float s = 0;
    for (int64_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

void mk_axpy_f32_level(int level, float a, const float *x, float *y, int64_t n) {
    if (level >= MK_LEVEL_AVX512) {
        mk_axpy_f32_avx512(a, x, y, n);
    } else if (level >= MK_LEVEL_AVX2) {
        mk_axpy_f32_avx2(a, x, y, n);
    } else {
        for (int64_t i = 0; i < n; i++) y[i] += a * x[i];
    }
}

/// The angle of pair i at `pos` and its cosine and sine (shared by the direct and the table form, so both give the
/// same bits).
static inline void rope_angle(int64_t i, int64_t n_rot, int64_t pos, double base, double *c, double *s) {
    const double theta = (double)pos * pow(base, -2.0 * (double)i / (double)n_rot);
    *c = cos(theta);
    *s = sin(theta);
}

/// Rotates the pair (v[i], v[i + half]) by the angle with cosine c and sine s.
static inline void rope_rotate(float *v, int64_t i, int64_t half, double c, double s) {
    const double x0 = v[i], x1 = v[i + half];
    v[i] = (float)(x0 * c - x1 * s);
    v[i + half] = (float)(x0 * s + x1 * c);
}

void mk_rope_cos_sin(int64_t n_rot, int64_t pos, double base, double *cs) {
    for (int64_t i = 0; i < n_rot / 2; i++) rope_angle(i, n_rot, pos, base, &cs[2 * i], &cs[2 * i + 1]);
}

void mk_rope_neox_cs(float *x, int64_t n_heads, int64_t head_dim, int64_t n_rot, const double *cs) {
    const int64_t half = n_rot / 2;
    for (int64_t h = 0; h < n_heads; h++) {
        for (int64_t i = 0; i < half; i++) rope_rotate(x + h * head_dim, i, half, cs[2 * i], cs[2 * i + 1]);
    }
}

void mk_rope_neox(float *x, int64_t n_heads, int64_t head_dim, int64_t n_rot, int64_t pos, double base) {
    const int64_t half = n_rot / 2;
    for (int64_t i = 0; i < half; i++) {
        double c, s;
        rope_angle(i, n_rot, pos, base, &c, &s);
        for (int64_t h = 0; h < n_heads; h++) rope_rotate(x + h * head_dim, i, half, c, s);
    }
}

/// Per-thread scratch for one cached row widened to floats.
static _Thread_local mk_scratch row_scratch;

/// Row p of the cache as floats: the row itself for F32, else widened into `tmp`.
static const float *cached_row(int kv_type, const void *const *pages, int64_t page_size, int64_t offset, int64_t hd,
                               int64_t p, float *tmp) {
    const int64_t element = offset + (p % page_size) * hd;
    if (kv_type == MK_TYPE_F32) return (const float *)pages[p / page_size] + element;
    const uint8_t *h = (const uint8_t *)pages[p / page_size] + 2 * element;
    for (int64_t i = 0; i < hd; i++) tmp[i] = mk_load_half(h + 2 * i);
    return tmp;
}

int mk_attention(int level, int kv_type, const float *q, int64_t g, int64_t head_dim, const void *const *pages,
                 int64_t page_size, int64_t k_offset, int64_t v_offset, int64_t n_pos, float k_norm_eps,
                 float scale, float *scores, float *out) {
    if (kv_type != MK_TYPE_F32 && kv_type != MK_TYPE_F16) return -1;
    level = mk_clamp_level(level);
    if (level >= MK_LEVEL_AVX512 && n_pos > 0 &&
        mk_attention_avx512(kv_type, q, g, head_dim, pages, page_size, k_offset, v_offset, n_pos, k_norm_eps,
                            scale, scores, out) == 0) {
        return 0;
    }
    float *tmp = NULL;
    if (kv_type == MK_TYPE_F16 && !(tmp = mk_scratch_reserve(&row_scratch, (size_t)head_dim * sizeof(float)))) {
        return -1;
    }
    for (int64_t p = 0; p < n_pos; p++) {
        const float *k = cached_row(kv_type, pages, page_size, k_offset, head_dim, p, tmp);
        const float ss = mk_dot_f32_level(level, k, k, head_dim);
        const float inv = 1.0f / sqrtf(ss / (float)head_dim + k_norm_eps);
        for (int64_t h = 0; h < g; h++) {
            scores[h * n_pos + p] = mk_dot_f32_level(level, q + h * head_dim, k, head_dim) * inv * scale;
        }
    }
    for (int64_t h = 0; h < g; h++) {
        float *s = scores + h * n_pos;
        float mx = -INFINITY;
        for (int64_t p = 0; p < n_pos; p++) mx = s[p] > mx ? s[p] : mx;
        float sum = 0;
        for (int64_t p = 0; p < n_pos; p++) {
            s[p] = expf(s[p] - mx);
            sum += s[p];
        }
        const float inv = 1.0f / sum;
        for (int64_t p = 0; p < n_pos; p++) s[p] *= inv;
        memset(out + h * head_dim, 0, (size_t)head_dim * sizeof(float));
    }
    for (int64_t p = 0; p < n_pos; p++) {
        const float *v = cached_row(kv_type, pages, page_size, v_offset, head_dim, p, tmp);
        for (int64_t h = 0; h < g; h++) {
            mk_axpy_f32_level(level, scores[h * n_pos + p], v, out + h * head_dim, head_dim);
        }
    }
    return 0;
}
