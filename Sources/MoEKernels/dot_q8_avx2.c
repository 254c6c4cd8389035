// AVX2 integer-activation kernels. A row is processed in groups of 8 activation blocks (256 elements): the weights
// of a group are decoded once into 8 vectors laid out like the packed activations (vector m, lane i = 4 bytes of
// block i), then for every token of the group `_mm256_maddubs_epi16` (u8 x s8 -> s16 pairs) and
// `_mm256_madd_epi16` with ones leave each block's exact int32 sum in its own lane. Scales are applied in float,
// lane = block, and each token's accumulator is reduced once at the end (same operations for every token count).
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx2,fma,f16c")))
#define INL static inline __attribute__((always_inline)) TGT

#define G MK_Q8_LANES_AVX2
#define GB MK_Q8_GROUP_BYTES(G)
/// Offsets in a packed group: q vectors, dx, b0, b1.
#define OFF_DX (32 * G)
#define OFF_B0 (36 * G)
#define OFF_B1 (40 * G)

INL __m256i ld(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }
INL __m128i ld128(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }
INL __m256 ldps(const uint8_t *p) { return _mm256_loadu_ps((const float *)(const void *)p); }

/// IEEE half at p (unaligned) to float with the F16C instruction.
INL float h2f(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

INL float hsum256(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/// In-register 8x8 transpose of dwords: on return r[m] lane i = dword m of the original r[i].
INL void tr8x8(__m256i r[8]) {
    __m256i t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; h++) {
        const __m256i *s = t + 4 * h;
        u[4 * h + 0] = _mm256_unpacklo_epi64(s[0], s[2]);
        u[4 * h + 1] = _mm256_unpackhi_epi64(s[0], s[2]);
        u[4 * h + 2] = _mm256_unpacklo_epi64(s[1], s[3]);
        u[4 * h + 3] = _mm256_unpackhi_epi64(s[1], s[3]);
    }
    for (int m = 0; m < 4; m++) {
        r[m] = _mm256_permute2x128_si256(u[m], u[4 + m], 0x20);
        r[m + 4] = _mm256_permute2x128_si256(u[m], u[4 + m], 0x31);
    }
}

/// Sum of w[m] (unsigned, at most 15) times the token's q vectors, per lane: 8 products fit in int16.
INL __m256i dot_u4(const __m256i w[8], const uint8_t *xq) {
    __m256i p0 = _mm256_add_epi16(_mm256_maddubs_epi16(w[0], ld(xq)), _mm256_maddubs_epi16(w[1], ld(xq + 32)));
    __m256i p1 = _mm256_add_epi16(_mm256_maddubs_epi16(w[2], ld(xq + 64)), _mm256_maddubs_epi16(w[3], ld(xq + 96)));
    __m256i p2 = _mm256_add_epi16(_mm256_maddubs_epi16(w[4], ld(xq + 128)), _mm256_maddubs_epi16(w[5], ld(xq + 160)));
    __m256i p3 = _mm256_add_epi16(_mm256_maddubs_epi16(w[6], ld(xq + 192)), _mm256_maddubs_epi16(w[7], ld(xq + 224)));
    return _mm256_madd_epi16(_mm256_add_epi16(_mm256_add_epi16(p0, p1), _mm256_add_epi16(p2, p3)),
                             _mm256_set1_epi16(1));
}

/// Copies the group's `have` bytes to a zeroed buffer when the row ends inside the group.
INL const uint8_t *group_src(const uint8_t *src, int64_t have, int64_t want, uint8_t *tmp) {
    if (have >= want) return src;
    memset(tmp, 0, (size_t)want);
    memcpy(tmp, src, (size_t)have);
    return tmp;
}

#define ACC_INIT                              \
    __m256 acc[MK_MAX_NT_AVX2];               \
    for (int t = 0; t < NT; t++) acc[t] = _mm256_setzero_ps();
#define ACC_FINISH \
    for (int t = 0; t < NT; t++) out[t] = hsum256(acc[t]);

INL void q8_0_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const int64_t nb = k / 32, ng = (nb + G - 1) / G;
    uint8_t tmp[G * MK_Q8_0_BYTES];
    const __m256i ones = _mm256_set1_epi16(1);
    for (int64_t g = 0; g < ng; g++) {
        const uint8_t *src = group_src(row + g * G * MK_Q8_0_BYTES, (nb - g * G) * MK_Q8_0_BYTES,
                                       G * MK_Q8_0_BYTES, tmp);
        __m256i w[8], a[8];
        mk_tr8x4(src + 2, MK_Q8_0_BYTES, w);
        mk_tr8x4(src + 18, MK_Q8_0_BYTES, w + 4);
        for (int m = 0; m < 8; m++) a[m] = _mm256_sign_epi8(w[m], w[m]);  // |w| (as unsigned: -128 -> 128)
        const __m256 dw = mk_halves8(src, MK_Q8_0_BYTES);
        for (int t = 0; t < NT; t++) {
            const uint8_t *xp = xs[t] + g * GB;
            __m256i s[4];
            for (int h = 0; h < 4; h++) {
                // Each product pair is at most 2 * 128 * 127 in magnitude: widen every one to int32.
                __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(a[2 * h], _mm256_sign_epi8(ld(xp + 64 * h), w[2 * h])), ones);
                __m256i q = _mm256_madd_epi16(
                    _mm256_maddubs_epi16(a[2 * h + 1], _mm256_sign_epi8(ld(xp + 64 * h + 32), w[2 * h + 1])), ones);
                s[h] = _mm256_add_epi32(p, q);
            }
            const __m256i I = _mm256_add_epi32(_mm256_add_epi32(s[0], s[1]), _mm256_add_epi32(s[2], s[3]));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(I), _mm256_mul_ps(dw, ldps(xp + OFF_DX)), acc[t]);
        }
    }
    ACC_FINISH
}

INL void q4_0_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const int64_t nb = k / 32, ng = (nb + G - 1) / G;
    uint8_t tmp[G * MK_Q4_0_BYTES];
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t g = 0; g < ng; g++) {
        const uint8_t *src = group_src(row + g * G * MK_Q4_0_BYTES, (nb - g * G) * MK_Q4_0_BYTES,
                                       G * MK_Q4_0_BYTES, tmp);
        __m256i w[8];
        mk_tr8x4(src + 2, MK_Q4_0_BYTES, w);
        for (int m = 0; m < 4; m++) {
            w[m + 4] = _mm256_and_si256(_mm256_srli_epi16(w[m], 4), m4);
            w[m] = _mm256_and_si256(w[m], m4);
        }
        const __m256 dw = mk_halves8(src, MK_Q4_0_BYTES);
        for (int t = 0; t < NT; t++) {
            const uint8_t *xp = xs[t] + g * GB;
            const __m256i I = _mm256_add_epi32(dot_u4(w, xp), ld(xp + OFF_B0));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(I), _mm256_mul_ps(dw, ldps(xp + OFF_DX)), acc[t]);
        }
    }
    ACC_FINISH
}

INL void q4_k_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    for (int64_t g = 0; g < k / 256; g++) {
        const uint8_t *blk = row + g * MK_Q4_K_BYTES;
        uint64_t sc, mn;
        mk_q4k_unpack_scales(blk + 4, &sc, &mn);
        const __m256 dsc = _mm256_mul_ps(_mm256_set1_ps(h2f(blk)),
                                         _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)sc))));
        const __m256 dmm = _mm256_mul_ps(_mm256_set1_ps(h2f(blk + 2)),
                                         _mm256_cvtepi32_ps(_mm256_cvtepu8_epi32(_mm_cvtsi64_si128((long long)mn))));
        __m256i w[8];
        for (int c = 0; c < 4; c++) {
            const __m256i q = ld(blk + 16 + 32 * c);
            w[2 * c] = _mm256_and_si256(q, m4);
            w[2 * c + 1] = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
        }
        tr8x8(w);
        for (int t = 0; t < NT; t++) {
            const uint8_t *xp = xs[t] + g * GB;
            const __m256 v = _mm256_fnmadd_ps(dmm, ldps(xp + OFF_B0), _mm256_mul_ps(_mm256_cvtepi32_ps(dot_u4(w, xp)), dsc));
            acc[t] = _mm256_fmadd_ps(v, ldps(xp + OFF_DX), acc[t]);
        }
    }
    ACC_FINISH
}

/// The 8 rows (32 six-bit values each, 0..63) of the 4 activation blocks of half n of a Q6_K super-block.
INL void q6k_rows(const uint8_t *ql, const uint8_t *qh, __m256i *r) {
    const __m256i m4 = _mm256_set1_epi8(0x0F), m30 = _mm256_set1_epi8(0x30);
    const __m256i l0 = ld(ql), l1 = ld(ql + 32), h = ld(qh);
    r[0] = _mm256_or_si256(_mm256_and_si256(l0, m4), _mm256_and_si256(_mm256_slli_epi16(h, 4), m30));
    r[1] = _mm256_or_si256(_mm256_and_si256(l1, m4), _mm256_and_si256(_mm256_slli_epi16(h, 2), m30));
    r[2] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l0, 4), m4), _mm256_and_si256(h, m30));
    r[3] = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(l1, 4), m4), _mm256_and_si256(_mm256_srli_epi16(h, 2), m30));
}

INL void q6_k_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const __m256i ones = _mm256_set1_epi16(1);
    const __m128i split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    for (int64_t g = 0; g < k / 256; g++) {
        const uint8_t *blk = row + g * MK_Q6_K_BYTES;
        const __m128i s = _mm_shuffle_epi8(ld128(blk + 192), split);
        const __m256i sca = _mm256_cvtepi8_epi32(s), scb = _mm256_cvtepi8_epi32(_mm_unpackhi_epi64(s, s));
        const __m256 d = _mm256_set1_ps(h2f(blk + 208));
        __m256i w[8];
        q6k_rows(blk, blk + 128, w);
        q6k_rows(blk + 64, blk + 160, w + 4);
        tr8x8(w);
        for (int t = 0; t < NT; t++) {
            const uint8_t *xp = xs[t] + g * GB;
            // Products of 6-bit and 8-bit values: two pairs fit in int16.
            __m256i p[4];
            for (int h = 0; h < 4; h++) {
                p[h] = _mm256_madd_epi16(_mm256_add_epi16(_mm256_maddubs_epi16(w[2 * h], ld(xp + 64 * h)),
                                                          _mm256_maddubs_epi16(w[2 * h + 1], ld(xp + 64 * h + 32))),
                                         ones);
            }
            const __m256i A = _mm256_add_epi32(_mm256_add_epi32(p[0], p[1]), ld(xp + OFF_B0));
            const __m256i B = _mm256_add_epi32(_mm256_add_epi32(p[2], p[3]), ld(xp + OFF_B1));
            const __m256i T = _mm256_add_epi32(_mm256_mullo_epi32(sca, A), _mm256_mullo_epi32(scb, B));
            acc[t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(T), _mm256_mul_ps(d, ldps(xp + OFF_DX)), acc[t]);
        }
    }
    ACC_FINISH
}

/// Packs one token's nb blocks (layout in internal.h; b0 and b1 as described at mk_q8_pack_avx2).
static TGT void pack(int type, const mk_block_q8 *x, int64_t nb, uint8_t *out) {
    mk_block_q8 tmp[G];
    for (int64_t g = 0; g < (nb + G - 1) / G; g++) {
        const mk_block_q8 *src = x + g * G;
        if (nb - g * G < G) {
            memset(tmp, 0, sizeof tmp);
            memcpy(tmp, src, (size_t)(nb - g * G) * sizeof(mk_block_q8));
            src = tmp;
        }
        const uint8_t *p = (const uint8_t *)(const void *)src;
        uint8_t *o = out + g * GB;
        // Bytes 0..15 of each block: d, the sums, q dwords 0 and 1; 16..31: q dwords 2..5; 24..39: q dwords 4..7.
        __m256i a[4], b[4], c[4];
        mk_tr8x4(p, sizeof(mk_block_q8), a);
        mk_tr8x4(p + 16, sizeof(mk_block_q8), b);
        mk_tr8x4(p + 24, sizeof(mk_block_q8), c);
        const __m256i q[8] = {a[2], a[3], b[0], b[1], b[2], b[3], c[2], c[3]};
        for (int m = 0; m < 8; m++) _mm256_storeu_si256((__m256i *)(void *)(o + 32 * m), q[m]);
        _mm256_storeu_si256((__m256i *)(void *)(o + OFF_DX), a[0]);
        const __m256i s0 = _mm256_srai_epi32(_mm256_slli_epi32(a[1], 16), 16), s1 = _mm256_srai_epi32(a[1], 16);
        const __m256i s = _mm256_add_epi32(s0, s1), zero = _mm256_setzero_si256();
        __m256i b0 = zero, b1 = zero;
        switch (type) {
        case MK_TYPE_Q8_0: break;  // the sign trick needs no offset
        case MK_TYPE_Q4_0: b0 = _mm256_sub_epi32(zero, _mm256_slli_epi32(s, 3)); break;
        case MK_TYPE_Q4_K: b0 = _mm256_castps_si256(_mm256_cvtepi32_ps(s)); break;
        case MK_TYPE_Q6_K:
            b0 = _mm256_sub_epi32(zero, _mm256_slli_epi32(s0, 5));
            b1 = _mm256_sub_epi32(zero, _mm256_slli_epi32(s1, 5));
            break;
        default: break;
        }
        _mm256_storeu_si256((__m256i *)(void *)(o + OFF_B0), b0);
        _mm256_storeu_si256((__m256i *)(void *)(o + OFF_B1), b1);
    }
}

void mk_q8_pack_avx2(int type, const mk_block_q8 *x, int64_t nb, uint8_t *out) { pack(type, x, nb, out); }

#define DISPATCH_NT(NAME)                                                                                  \
    static TGT void NAME##_dot(const uint8_t *row, const uint8_t *const *xs, int nt, int64_t k, float *out) { \
        switch (nt) {                                                                                      \
        case 1: NAME##_nt(row, xs, k, out, 1); break;                                                      \
        case 2: NAME##_nt(row, xs, k, out, 2); break;                                                      \
        case 3: NAME##_nt(row, xs, k, out, 3); break;                                                      \
        default: NAME##_nt(row, xs, k, out, 4); break;                                                     \
        }                                                                                                  \
    }

DISPATCH_NT(q8_0)
DISPATCH_NT(q4_0)
DISPATCH_NT(q4_k)
DISPATCH_NT(q6_k)

mk_q8_dot_fn mk_q8_dot_avx2(int type) {
    switch (type) {
    case MK_TYPE_Q8_0: return q8_0_dot;
    case MK_TYPE_Q4_0: return q4_0_dot;
    case MK_TYPE_Q4_K: return q4_k_dot;
    case MK_TYPE_Q6_K: return q6_k_dot;
    default: return NULL;
    }
}

#else
mk_q8_dot_fn mk_q8_dot_avx2(int type) {
    (void)type;
    return NULL;
}
void mk_q8_pack_avx2(int type, const mk_block_q8 *x, int64_t nb, uint8_t *out) {
    (void)type; (void)x; (void)nb; (void)out;
}
#endif
