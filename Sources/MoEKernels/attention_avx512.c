// Fused AVX-512 attention of g query heads sharing one key/value head (mk_attention's contract, head_dim a multiple
// of 16): per position the key is read once for its norm and every head's score; the softmax runs on whole vectors
// (vexp.h's exp); the weighted sum of values keeps up to 4 heads x 64 dimensions of output in registers while the
// positions stream past, so each value row is read once per 4 heads and nothing is stored until the end. F16 caches
// take the same path with every row widened as it is loaded (half the bytes from memory, the same float arithmetic on
// the widened values as an F32 cache holding them).
#include "internal.h"
#include "vexp.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512dq,fma")))
#define INL static inline __attribute__((always_inline)) TGT

/// Bytes of row p: element offset + (p % page_size) * hd of its page, `eb` bytes per element.
INL const uint8_t *position_row(const void *const *pages, int64_t page_size, int64_t offset, int64_t hd, int64_t p,
                                const int eb) {
    // Pages of a power-of-two size (the cache's default, 32) take a shift and a mask instead of an integer division
    // per position (4 heads x 32 dims, 300 positions: 4.6 -> 4.4 us).
    int64_t page, slot;
    if ((page_size & (page_size - 1)) == 0) {
        page = p >> __builtin_ctzll((unsigned long long)page_size);
        slot = p & (page_size - 1);
    } else {
        page = p / page_size;
        slot = p % page_size;
    }
    return (const uint8_t *)pages[page] + (offset + slot * hd) * eb;
}

/// Sixteen elements j * 16 .. j * 16 + 15 of a row as floats (F16 rows: `eb` = 2, widened exactly).
INL __m512 load16(const uint8_t *row, int64_t j, const int eb) {
    if (eb == 2) return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(const void *)(row + 32 * j)));
    return _mm512_loadu_ps((const void *)(row + 64 * j));
}

/// Rows fetched ahead of use: the cache lines of one (sequence, head) are spread over pages and mostly come from DRAM
/// (the weights streamed since the last step have evicted them), so the stream starts late without help (measured,
/// 16 x 2 calls of 80 positions from DRAM: 9.0 -> 6.1-8.0 us per call).
#define PREFETCH_ROWS 8

/// Most query heads per key head for scores16 (its partial sums live on the stack: 64 bytes x 16 per head).
#define SCORES16_MAX_HEADS 16

INL void prefetch_row(const void *const *pages, int64_t page_size, int64_t offset, int64_t hd, int64_t p,
                      int64_t n_pos, const int eb) {
    if (p < n_pos) mk_prefetch_bytes(position_row(pages, page_size, offset, hd, p, eb), (size_t)(hd * eb));
}

/// Key row p, asking for the key row PREFETCH_ROWS on (and, for the first positions, the value rows) to be fetched.
INL const uint8_t *key_row(const void *const *pages, int64_t page_size, int64_t k_offset, int64_t v_offset, int64_t hd,
                           int64_t p, int64_t n_pos, const int eb) {
    prefetch_row(pages, page_size, k_offset, hd, p + PREFETCH_ROWS, n_pos, eb);
    if (p < PREFETCH_ROWS) prefetch_row(pages, page_size, v_offset, hd, p, n_pos, eb);
    return position_row(pages, page_size, k_offset, hd, p, eb);
}

/// The key's squares summed per lane (two accumulators, even and odd vectors, then added): the sum of the lanes is
/// its squared norm.
INL __m512 key_squares(const uint8_t *k, int64_t nv, const int eb) {
    __m512 s0 = _mm512_setzero_ps(), s1 = _mm512_setzero_ps();
    int64_t j = 0;
    for (; j + 2 <= nv; j += 2) {
        const __m512 a = load16(k, j, eb), b = load16(k, j + 1, eb);
        s0 = _mm512_fmadd_ps(a, a, s0);
        s1 = _mm512_fmadd_ps(b, b, s1);
    }
    if (j < nv) {
        const __m512 a = load16(k, j, eb);
        s0 = _mm512_fmadd_ps(a, a, s0);
    }
    return _mm512_add_ps(s0, s1);
}

/// Scores of heads h0 .. h0 + HN - 1 against key k (nv vectors), times inv * scale.
INL void head_scores(const float *q, const uint8_t *k, int64_t nv, int64_t hd, int64_t h0, int64_t n_pos,
                     int64_t p, float inv_scale, float *scores, const int HN, const int eb) {
    __m512 acc[4];
    for (int h = 0; h < HN; h++) acc[h] = _mm512_setzero_ps();
    for (int64_t j = 0; j < nv; j++) {
        const __m512 kv = load16(k, j, eb);
        for (int h = 0; h < HN; h++) acc[h] = _mm512_fmadd_ps(_mm512_loadu_ps(q + (h0 + h) * hd + 16 * j), kv, acc[h]);
    }
    for (int h = 0; h < HN; h++) scores[(h0 + h) * n_pos + p] = _mm512_reduce_add_ps(acc[h]) * inv_scale;
}

/// The sums of 16 vectors (one per position) as one vector, lane p = the sum of v[p], each formed by the same tree of
/// additions as _mm512_reduce_add_ps (lane i + lane i + 8, then + 4, + 2, + 1), so the bits are those of 16 separate
/// reductions at a third of the instructions.
INL __m512 reduce16(const __m512 v[16]) {
    __m512 w[8], z[4], s[2];
    for (int m = 0; m < 8; m++) {
        w[m] = _mm512_add_ps(_mm512_shuffle_f32x4(v[2 * m], v[2 * m + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_f32x4(v[2 * m], v[2 * m + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    }
    for (int n = 0; n < 4; n++) {  // 128-bit lane c: position 4n + c, lanes i + (i + 4) of its 8 sums
        z[n] = _mm512_add_ps(_mm512_shuffle_f32x4(w[2 * n], w[2 * n + 1], _MM_SHUFFLE(2, 0, 2, 0)),
                             _mm512_shuffle_f32x4(w[2 * n], w[2 * n + 1], _MM_SHUFFLE(3, 1, 3, 1)));
    }
    for (int r = 0; r < 2; r++) {  // 128-bit lane c: positions 8r + c and 8r + 4 + c, two sums each
        s[r] = _mm512_add_ps(_mm512_shuffle_ps(z[2 * r], z[2 * r + 1], _MM_SHUFFLE(1, 0, 1, 0)),
                             _mm512_shuffle_ps(z[2 * r], z[2 * r + 1], _MM_SHUFFLE(3, 2, 3, 2)));
    }
    // Lane 4c + j: position 4j + c.
    const __m512 t = _mm512_add_ps(_mm512_shuffle_ps(s[0], s[1], _MM_SHUFFLE(2, 0, 2, 0)),
                                   _mm512_shuffle_ps(s[0], s[1], _MM_SHUFFLE(3, 1, 3, 1)));
    return _mm512_permutexvar_ps(_mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15), t);
}

/// Scores of 16 positions from p0 for every head: the per-position arithmetic of the loop in `attend` (key norm
/// from two alternating accumulators, each head's dot product in one), with the 16 x (g + 1) reductions done 16 at a
/// time by reduce16.
INL void scores16(const float *q, int64_t g, int64_t hd, const void *const *pages, int64_t page_size,
                  int64_t k_offset, int64_t v_offset, int64_t n_pos, int64_t p0, float k_norm_eps, float scale,
                  float *scores, __m512 *partial, const int eb) {
    const int64_t nv = hd / 16;
    __m512 norms[16];
    for (int i = 0; i < 16; i++) {
        const int64_t p = p0 + i;
        const uint8_t *k = key_row(pages, page_size, k_offset, v_offset, hd, p, n_pos, eb);
        norms[i] = key_squares(k, nv, eb);
        for (int64_t h0 = 0; h0 < g; h0 += 4) {  // each key vector loaded once per 4 heads, as in head_scores
            const int64_t hn = g - h0 < 4 ? g - h0 : 4;
            __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
            for (int64_t j = 0; j < nv; j++) {
                const __m512 kv = load16(k, j, eb);
                for (int64_t h = 0; h < hn; h++) {
                    acc[h] = _mm512_fmadd_ps(_mm512_loadu_ps(q + (h0 + h) * hd + 16 * j), kv, acc[h]);
                }
            }
            for (int64_t h = 0; h < hn; h++) partial[(h0 + h) * 16 + i] = acc[h];
        }
    }
    const __m512 ss = reduce16(norms);
    const __m512 inv_scale = _mm512_mul_ps(
        _mm512_div_ps(_mm512_set1_ps(1.0f),
                      _mm512_sqrt_ps(_mm512_add_ps(_mm512_div_ps(ss, _mm512_set1_ps((float)hd)),
                                                   _mm512_set1_ps(k_norm_eps)))),
        _mm512_set1_ps(scale));
    for (int64_t h = 0; h < g; h++) {
        _mm512_storeu_ps(scores + h * n_pos + p0, _mm512_mul_ps(reduce16(partial + h * 16), inv_scale));
    }
}

/// out[h0 + h][16 c0 .. 16 (c0 + CN)) = sum over p of probabilities[h0 + h][p] * v_p, h < HN.
INL void weighted_values(const void *const *pages, int64_t page_size, int64_t v_offset, int64_t hd, int64_t n_pos,
                         const float *probabilities, int64_t h0, int64_t c0, float *out, const int HN, const int CN,
                         const int eb) {
    __m512 acc[4][4];
    for (int h = 0; h < HN; h++)
        for (int c = 0; c < CN; c++) acc[h][c] = _mm512_setzero_ps();
    for (int64_t p = 0; p < n_pos; p++) {
        const uint8_t *v = position_row(pages, page_size, v_offset, hd, p, eb);
        if (h0 == 0 && c0 == 0) prefetch_row(pages, page_size, v_offset, hd, p + PREFETCH_ROWS, n_pos, eb);
        __m512 vv[4];
        for (int c = 0; c < CN; c++) vv[c] = load16(v, c0 + c, eb);
        for (int h = 0; h < HN; h++) {
            const __m512 s = _mm512_set1_ps(probabilities[(h0 + h) * n_pos + p]);
            for (int c = 0; c < CN; c++) acc[h][c] = _mm512_fmadd_ps(s, vv[c], acc[h][c]);
        }
    }
    for (int h = 0; h < HN; h++)
        for (int c = 0; c < CN; c++) _mm512_storeu_ps(out + (h0 + h) * hd + 16 * (c0 + c), acc[h][c]);
}

#define CN_CASES(HN)                                                                                              \
    switch (cn) {                                                                                                 \
    case 1: weighted_values(pages, page_size, v_offset, hd, n_pos, scores, h0, c0, out, HN, 1, eb); break;       \
    case 2: weighted_values(pages, page_size, v_offset, hd, n_pos, scores, h0, c0, out, HN, 2, eb); break;       \
    case 3: weighted_values(pages, page_size, v_offset, hd, n_pos, scores, h0, c0, out, HN, 3, eb); break;       \
    default: weighted_values(pages, page_size, v_offset, hd, n_pos, scores, h0, c0, out, HN, 4, eb); break;      \
    }

/// Softmax of n scores in place.
TGT static void softmax(float *s, int64_t n) {
    __m512 mx = _mm512_set1_ps(-INFINITY);
    int64_t i = 0;
    for (; i + 16 <= n; i += 16) mx = _mm512_max_ps(mx, _mm512_loadu_ps(s + i));
    const __mmask16 tail = (__mmask16)((1u << (n - i)) - 1);
    mx = _mm512_mask_max_ps(mx, tail, mx, _mm512_maskz_loadu_ps(tail, s + i));
    const __m512 m = _mm512_set1_ps(_mm512_reduce_max_ps(mx));
    __m512 sum = _mm512_setzero_ps();
    for (i = 0; i + 16 <= n; i += 16) {
        const __m512 e = mk_exp_avx512(_mm512_sub_ps(_mm512_loadu_ps(s + i), m));
        _mm512_storeu_ps(s + i, e);
        sum = _mm512_add_ps(sum, e);
    }
    if (tail) {
        const __m512 e = mk_exp_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(tail, s + i), m));
        _mm512_mask_storeu_ps(s + i, tail, e);
        sum = _mm512_mask_add_ps(sum, tail, sum, e);
    }
    const __m512 inv = _mm512_set1_ps(1.0f / _mm512_reduce_add_ps(sum));
    for (i = 0; i + 16 <= n; i += 16) _mm512_storeu_ps(s + i, _mm512_mul_ps(_mm512_loadu_ps(s + i), inv));
    if (tail) _mm512_mask_storeu_ps(s + i, tail, _mm512_mul_ps(_mm512_maskz_loadu_ps(tail, s + i), inv));
}

/// The fused attention over rows of `eb` bytes per element (4: F32, 2: F16).
INL void attend(const float *q, int64_t g, int64_t hd, const void *const *pages, int64_t page_size, int64_t k_offset,
                int64_t v_offset, int64_t n_pos, float k_norm_eps, float scale, float *scores, float *out,
                const int eb) {
    const int64_t nv = hd / 16;
    // Whole blocks of 16 positions take scores16 when the heads' partial sums fit its stack buffer.
    int64_t p = 0;
    if (g <= SCORES16_MAX_HEADS) {
        __m512 partial[SCORES16_MAX_HEADS * 16];
        for (; p + 16 <= n_pos; p += 16) {
            scores16(q, g, hd, pages, page_size, k_offset, v_offset, n_pos, p, k_norm_eps, scale, scores, partial,
                     eb);
        }
    }
    for (; p < n_pos; p++) {
        const uint8_t *k = key_row(pages, page_size, k_offset, v_offset, hd, p, n_pos, eb);
        const float ss = _mm512_reduce_add_ps(key_squares(k, nv, eb));
        const float inv_scale = 1.0f / sqrtf(ss / (float)hd + k_norm_eps) * scale;
        int64_t h0 = 0;
        for (; h0 + 4 <= g; h0 += 4) head_scores(q, k, nv, hd, h0, n_pos, p, inv_scale, scores, 4, eb);
        switch (g - h0) {
        case 3: head_scores(q, k, nv, hd, h0, n_pos, p, inv_scale, scores, 3, eb); break;
        case 2: head_scores(q, k, nv, hd, h0, n_pos, p, inv_scale, scores, 2, eb); break;
        case 1: head_scores(q, k, nv, hd, h0, n_pos, p, inv_scale, scores, 1, eb); break;
        default: break;
        }
    }
    for (int64_t h = 0; h < g; h++) softmax(scores + h * n_pos, n_pos);
    for (int64_t h0 = 0; h0 < g; h0 += 4) {
        const int64_t hn = g - h0 < 4 ? g - h0 : 4;
        for (int64_t c0 = 0; c0 < nv; c0 += 4) {
            const int64_t cn = nv - c0 < 4 ? nv - c0 : 4;
            switch (hn) {
            case 1: CN_CASES(1) break;
            case 2: CN_CASES(2) break;
            case 3: CN_CASES(3) break;
            default: CN_CASES(4) break;
            }
        }
    }
}

TGT int mk_attention_avx512(int kv_type, const float *q, int64_t g, int64_t hd, const void *const *pages,
                            int64_t page_size, int64_t k_offset, int64_t v_offset, int64_t n_pos, float k_norm_eps,
                            float scale, float *scores, float *out) {
    if (hd <= 0 || hd % 16 != 0 || g <= 0) return -1;
    if (kv_type == MK_TYPE_F32) {
        attend(q, g, hd, pages, page_size, k_offset, v_offset, n_pos, k_norm_eps, scale, scores, out, 4);
    } else if (kv_type == MK_TYPE_F16) {
        attend(q, g, hd, pages, page_size, k_offset, v_offset, n_pos, k_norm_eps, scale, scores, out, 2);
    } else {
        return -1;
    }
    return 0;
}

#else
int mk_attention_avx512(int kv_type, const float *q, int64_t g, int64_t hd, const void *const *pages,
                        int64_t page_size, int64_t k_offset, int64_t v_offset, int64_t n_pos, float k_norm_eps,
                        float scale, float *scores, float *out) {
    (void)kv_type; (void)q; (void)g; (void)hd; (void)pages; (void)page_size; (void)k_offset; (void)v_offset;
    (void)n_pos;
    (void)k_norm_eps; (void)scale; (void)scores; (void)out;
    return -1;
}
#endif
