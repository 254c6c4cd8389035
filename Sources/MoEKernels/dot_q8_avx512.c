// AVX-512 + VNNI integer-activation kernels. A row is processed in groups of 16 activation blocks (512 elements):
// the weights of a group are decoded once into 8 vectors laid out like the packed activations (vector m, lane i =
// 4 bytes of block i), then for every token of the group `_mm512_dpbusd_epi32` (u8 x s8 summed into int32) leaves
// each block's exact sum in its own lane. Scales are applied in float, lane = block, and each token's accumulator is
// reduced once at the end (same operations for every token count). Q8_0 weights are made unsigned by flipping
// their sign bit (w + 128); the packed activations carry -128 * (s0 + s1) to take the offset back out.
// mk_q8_decode_avx512 stores the same decoded weights for the register-blocked many-token kernels (gemm_q8_avx512.c).
#include "internal.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,fma,f16c")))
#define INL static inline __attribute__((always_inline)) TGT

#define G MK_Q8_LANES_AVX512
#define GB MK_Q8_GROUP_BYTES(G)
/// Offsets in a packed group: q vectors, dx, b0, b1.
#define OFF_DX (32 * G)
#define OFF_B0 (36 * G)
#define OFF_B1 (40 * G)

INL __m512i ld(const uint8_t *p) { return _mm512_loadu_si512((const void *)p); }
INL __m256i ld256(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }
INL __m128i ld128(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }
INL __m512 ldps(const uint8_t *p) { return _mm512_loadu_ps((const void *)p); }

INL float h2f(const uint8_t *p) {
    uint16_t h;
    memcpy(&h, p, 2);
    return _cvtsh_ss(h);
}

/// Two 256-bit rows (a: lanes 0..7, b: lanes 8..15) in one register.
INL __m512i pair(__m256i a, __m256i b) { return _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1); }

/// 16 rows of 16 bytes at p + stride * i: v[m] lane i = dword m of row i (m < 4).
INL void tr16x4(const uint8_t *p, int64_t stride, __m512i v[4]) {
    __m512i z[4];
    for (int a = 0; a < 4; a++) {
        const __m256i lo = _mm256_inserti128_si256(_mm256_castsi128_si256(ld128(p + stride * a)),
                                                   ld128(p + stride * (a + 4)), 1);
        const __m256i hi = _mm256_inserti128_si256(_mm256_castsi128_si256(ld128(p + stride * (a + 8))),
                                                   ld128(p + stride * (a + 12)), 1);
        z[a] = pair(lo, hi);
    }
    const __m512i t0 = _mm512_unpacklo_epi32(z[0], z[1]), t1 = _mm512_unpackhi_epi32(z[0], z[1]);
    const __m512i t2 = _mm512_unpacklo_epi32(z[2], z[3]), t3 = _mm512_unpackhi_epi32(z[2], z[3]);
    v[0] = _mm512_unpacklo_epi64(t0, t2);
    v[1] = _mm512_unpackhi_epi64(t0, t2);
    v[2] = _mm512_unpacklo_epi64(t1, t3);
    v[3] = _mm512_unpackhi_epi64(t1, t3);
}

/// In-register transpose of two 8x8 dword matrices (r[i] = [row i of A | row i of B]): on return r[m] lanes 0..7 =
/// dword m of A's rows 0..7, lanes 8..15 = dword m of B's rows.
INL void tr8x8x2(__m512i r[8]) {
    __m512i t[8], u[8];
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; h++) {
        const __m512i *s = t + 4 * h;
        u[4 * h + 0] = _mm512_unpacklo_epi64(s[0], s[2]);
        u[4 * h + 1] = _mm512_unpackhi_epi64(s[0], s[2]);
        u[4 * h + 2] = _mm512_unpacklo_epi64(s[1], s[3]);
        u[4 * h + 3] = _mm512_unpackhi_epi64(s[1], s[3]);
    }
    const __m512i lo = _mm512_setr_epi64(0, 1, 8, 9, 4, 5, 12, 13), hi = _mm512_setr_epi64(2, 3, 10, 11, 6, 7, 14, 15);
    for (int m = 0; m < 4; m++) {
        r[m] = _mm512_permutex2var_epi64(u[m], lo, u[4 + m]);
        r[m + 4] = _mm512_permutex2var_epi64(u[m], hi, u[4 + m]);
    }
}

/// Sixteen IEEE halves at p + stride * i as floats (scalar inserts: cheaper than a gather on Zen 4).
INL __m512 halves16(const uint8_t *p, int stride) {
    __m128i lo = _mm_setzero_si128(), hi = _mm_setzero_si128();
    uint16_t v;
#define HALF(i)                                \
    memcpy(&v, p + stride * (i), 2);           \
    lo = _mm_insert_epi16(lo, v, i);           \
    memcpy(&v, p + stride * ((i) + 8), 2);     \
    hi = _mm_insert_epi16(hi, v, i);
    HALF(0) HALF(1) HALF(2) HALF(3) HALF(4) HALF(5) HALF(6) HALF(7)
#undef HALF
    return _mm512_cvtph_ps(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1));
}

/// [a x 8 | b x 8].
INL __m512 two(float a, float b) { return _mm512_insertf32x8(_mm512_set1_ps(a), _mm256_set1_ps(b), 1); }

/// Copies the group's `have` bytes to a zeroed buffer when the row ends inside the group.
INL const uint8_t *group_src(const uint8_t *src, int64_t have, int64_t want, uint8_t *tmp) {
    if (have >= want) return src;
    memset(tmp, 0, (size_t)want);
    memcpy(tmp, src, (size_t)have);
    return tmp;
}

/// Exact per-block sums of the 8 weight vectors against a token's packed q vectors: elements 0..15 of each block
/// start from *a, 16..31 from *b (two dependency chains).
INL void dot8(const __m512i w[8], const uint8_t *xq, __m512i *a, __m512i *b) {
    __m512i s = *a, t = *b;
    s = _mm512_dpbusd_epi32(s, w[0], ld(xq));
    t = _mm512_dpbusd_epi32(t, w[4], ld(xq + 256));
    s = _mm512_dpbusd_epi32(s, w[1], ld(xq + 64));
    t = _mm512_dpbusd_epi32(t, w[5], ld(xq + 320));
    s = _mm512_dpbusd_epi32(s, w[2], ld(xq + 128));
    t = _mm512_dpbusd_epi32(t, w[6], ld(xq + 384));
    s = _mm512_dpbusd_epi32(s, w[3], ld(xq + 192));
    t = _mm512_dpbusd_epi32(t, w[7], ld(xq + 448));
    *a = s;
    *b = t;
}

#define ACC_INIT                         \
    __m512 acc[MK_MAX_NT];               \
    for (int t = 0; t < NT; t++) acc[t] = _mm512_setzero_ps();
#define ACC_FINISH \
    for (int t = 0; t < NT; t++) out[t] = _mm512_reduce_add_ps(acc[t]);

// MARK: - Weight decoding (shared by the per-row kernels and mk_q8_decode_avx512)

/// A full group of 16 Q8_0 blocks: weights + 128 as unsigned bytes, and the block scales.
INL void dec_q8_0(const uint8_t *src, __m512i w[8], __m512 *dw) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    tr16x4(src + 2, MK_Q8_0_BYTES, w);
    tr16x4(src + 18, MK_Q8_0_BYTES, w + 4);
    for (int m = 0; m < 8; m++) w[m] = _mm512_xor_si512(w[m], flip);
    *dw = halves16(src, MK_Q8_0_BYTES);
}

/// A full group of 16 Q4_0 blocks: the nibbles (0..15), and the block scales.
INL void dec_q4_0(const uint8_t *src, __m512i w[8], __m512 *dw) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    tr16x4(src + 2, MK_Q4_0_BYTES, w);
    for (int m = 0; m < 4; m++) {
        w[m + 4] = _mm512_and_si512(_mm512_srli_epi16(w[m], 4), m4);
        w[m] = _mm512_and_si512(w[m], m4);
    }
    *dw = halves16(src, MK_Q4_0_BYTES);
}

/// Two Q4_K super-blocks: the nibbles, d * scale and dmin * min per block.
INL void dec_q4_k(const uint8_t *b0, const uint8_t *b1, __m512i w[8], __m512 *dsc, __m512 *dmm) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    uint64_t s0, m0, s1, m1;
    mk_q4k_unpack_scales(b0 + 4, &s0, &m0);
    mk_q4k_unpack_scales(b1 + 4, &s1, &m1);
    *dsc = _mm512_mul_ps(two(h2f(b0), h2f(b1)),
                         _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_set_epi64x((long long)s1, (long long)s0))));
    *dmm = _mm512_mul_ps(two(h2f(b0 + 2), h2f(b1 + 2)),
                         _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_set_epi64x((long long)m1, (long long)m0))));
    for (int c = 0; c < 4; c++) {
        const __m512i q = pair(ld256(b0 + 16 + 32 * c), ld256(b1 + 16 + 32 * c));
        w[2 * c] = _mm512_and_si512(q, m4);
        w[2 * c + 1] = _mm512_and_si512(_mm512_srli_epi16(q, 4), m4);
    }
    tr8x8x2(w);
}

// MARK: - Per-row kernels (every token against one row; the weights are decoded in registers)

INL void q8_0_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const int64_t nb = k / 32, ng = (nb + G - 1) / G;
    uint8_t tmp[G * MK_Q8_0_BYTES];
    for (int64_t g = 0; g < ng; g++) {
        const uint8_t *src = group_src(row + g * G * MK_Q8_0_BYTES, (nb - g * G) * MK_Q8_0_BYTES,
                                       G * MK_Q8_0_BYTES, tmp);
        __m512i w[8];
        __m512 dw;
        dec_q8_0(src, w, &dw);
        for (int t = 0; t < NT; t++) {
            const uint8_t *xp = xs[t] + g * GB;
            __m512i a = ld(xp + OFF_B0), b = _mm512_setzero_si512();
            dot8(w, xp, &a, &b);
            const __m512 f = _mm512_cvtepi32_ps(_mm512_add_epi32(a, b));
            acc[t] = _mm512_fmadd_ps(f, _mm512_mul_ps(dw, ldps(xp + OFF_DX)), acc[t]);
        }
    }
    ACC_FINISH
}

INL void q4_0_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const int64_t nb = k / 32, ng = (nb + G - 1) / G;
    uint8_t tmp[G * MK_Q4_0_BYTES];
    for (int64_t g = 0; g < ng; g++) {
        const uint8_t *src = group_src(row + g * G * MK_Q4_0_BYTES, (nb - g * G) * MK_Q4_0_BYTES,
                                       G * MK_Q4_0_BYTES, tmp);
        __m512i w[8];
        __m512 dw;
        dec_q4_0(src, w, &dw);
        for (int t = 0; t < NT; t++) {
            const uint8_t *xp = xs[t] + g * GB;
            __m512i a = ld(xp + OFF_B0), b = _mm512_setzero_si512();
            dot8(w, xp, &a, &b);
            const __m512 f = _mm512_cvtepi32_ps(_mm512_add_epi32(a, b));
            acc[t] = _mm512_fmadd_ps(f, _mm512_mul_ps(dw, ldps(xp + OFF_DX)), acc[t]);
        }
    }
    ACC_FINISH
}

INL void q4_k_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const int64_t nsb = k / 256, ng = (nsb + 1) / 2;
    uint8_t tmp[2 * MK_Q4_K_BYTES];
    for (int64_t g = 0; g < ng; g++) {
        const uint8_t *b0 = group_src(row + g * 2 * MK_Q4_K_BYTES, (nsb - 2 * g) * MK_Q4_K_BYTES,
                                      2 * MK_Q4_K_BYTES, tmp);
        __m512i w[8];
        __m512 dsc, dmm;
        dec_q4_k(b0, b0 + MK_Q4_K_BYTES, w, &dsc, &dmm);
        for (int t = 0; t < NT; t++) {
            const uint8_t *xp = xs[t] + g * GB;
            __m512i a = _mm512_setzero_si512(), b = _mm512_setzero_si512();
            dot8(w, xp, &a, &b);
            const __m512 f = _mm512_cvtepi32_ps(_mm512_add_epi32(a, b));
            const __m512 v = _mm512_fnmadd_ps(dmm, ldps(xp + OFF_B0), _mm512_mul_ps(f, dsc));
            acc[t] = _mm512_fmadd_ps(v, ldps(xp + OFF_DX), acc[t]);
        }
    }
    ACC_FINISH
}

/// The rows (32 six-bit values each, 0..63) of the 4 activation blocks of half n of two Q6_K super-blocks.
INL void q6k_rows(const uint8_t *b0, const uint8_t *b1, int n, __m512i *r) {
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    const __m512i l0 = pair(ld256(b0 + 64 * n), ld256(b1 + 64 * n));
    const __m512i l1 = pair(ld256(b0 + 64 * n + 32), ld256(b1 + 64 * n + 32));
    const __m512i h = pair(ld256(b0 + 128 + 32 * n), ld256(b1 + 128 + 32 * n));
    r[0] = _mm512_or_si512(_mm512_and_si512(l0, m4), _mm512_and_si512(_mm512_slli_epi16(h, 4), m30));
    r[1] = _mm512_or_si512(_mm512_and_si512(l1, m4), _mm512_and_si512(_mm512_slli_epi16(h, 2), m30));
    r[2] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l0, 4), m4), _mm512_and_si512(h, m30));
    r[3] = _mm512_or_si512(_mm512_and_si512(_mm512_srli_epi16(l1, 4), m4),
                           _mm512_and_si512(_mm512_srli_epi16(h, 2), m30));
}

/// Two Q6_K super-blocks: the six-bit values (0..63), the two sub-block scales of each block (int32) and d.
INL void dec_q6_k(const uint8_t *b0, const uint8_t *b1, __m512i w[8], __m512i *sca, __m512i *scb, __m512 *d) {
    const __m128i split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    const __m128i s0 = _mm_shuffle_epi8(ld128(b0 + 192), split), s1 = _mm_shuffle_epi8(ld128(b1 + 192), split);
    *sca = _mm512_cvtepi8_epi32(_mm_unpacklo_epi64(s0, s1));
    *scb = _mm512_cvtepi8_epi32(_mm_unpackhi_epi64(s0, s1));
    *d = two(h2f(b0 + 208), h2f(b1 + 208));
    q6k_rows(b0, b1, 0, w);
    q6k_rows(b0, b1, 1, w + 4);
    tr8x8x2(w);
}

INL void q6_k_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const int64_t nsb = k / 256, ng = (nsb + 1) / 2;
    uint8_t tmp[2 * MK_Q6_K_BYTES];
    for (int64_t g = 0; g < ng; g++) {
        const uint8_t *b0 = group_src(row + g * 2 * MK_Q6_K_BYTES, (nsb - 2 * g) * MK_Q6_K_BYTES,
                                      2 * MK_Q6_K_BYTES, tmp);
        __m512i w[8], sca, scb;
        __m512 d;
        dec_q6_k(b0, b0 + MK_Q6_K_BYTES, w, &sca, &scb, &d);
        for (int t = 0; t < NT; t++) {
            const uint8_t *xp = xs[t] + g * GB;
            __m512i a = ld(xp + OFF_B0), b = ld(xp + OFF_B1);
            dot8(w, xp, &a, &b);
            const __m512i T = _mm512_add_epi32(_mm512_mullo_epi32(sca, a), _mm512_mullo_epi32(scb, b));
            acc[t] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(T), _mm512_mul_ps(d, ldps(xp + OFF_DX)), acc[t]);
        }
    }
    ACC_FINISH
}

/// Decodes a whole row for the blocked kernels (layout at mk_q8_decode_avx512 in internal.h).
static TGT void decode_row(int type, const uint8_t *row, int64_t k, uint8_t *out) {
    const int64_t gd = mk_q8_decoded_group_bytes(type);
    __m512i w[8];
    if (type == MK_TYPE_Q8_0 || type == MK_TYPE_Q4_0) {
        const int64_t nb = k / 32, ng = (nb + G - 1) / G, bytes = type == MK_TYPE_Q8_0 ? MK_Q8_0_BYTES : MK_Q4_0_BYTES;
        uint8_t tmp[G * MK_Q8_0_BYTES];
        for (int64_t g = 0; g < ng; g++) {
            const uint8_t *src = group_src(row + g * G * bytes, (nb - g * G) * bytes, G * bytes, tmp);
            __m512 dw;
            if (type == MK_TYPE_Q8_0) dec_q8_0(src, w, &dw);
            else dec_q4_0(src, w, &dw);
            uint8_t *o = out + g * gd;
            for (int m = 0; m < 8; m++) _mm512_store_si512((void *)(o + 64 * m), w[m]);
            _mm512_store_ps((void *)(o + 512), dw);
        }
    } else {
        const int64_t nsb = k / 256, ng = (nsb + 1) / 2, bytes = type == MK_TYPE_Q4_K ? MK_Q4_K_BYTES : MK_Q6_K_BYTES;
        uint8_t tmp[2 * MK_Q6_K_BYTES];
        for (int64_t g = 0; g < ng; g++) {
            const uint8_t *b0 = group_src(row + g * 2 * bytes, (nsb - 2 * g) * bytes, 2 * bytes, tmp);
            uint8_t *o = out + g * gd;
            if (type == MK_TYPE_Q4_K) {
                __m512 dsc, dmm;
                dec_q4_k(b0, b0 + bytes, w, &dsc, &dmm);
                _mm512_store_ps((void *)(o + 512), dsc);
                _mm512_store_ps((void *)(o + 576), dmm);
            } else {
                __m512i sca, scb;
                __m512 d;
                dec_q6_k(b0, b0 + bytes, w, &sca, &scb, &d);
                _mm512_store_si512((void *)(o + 512), sca);
                _mm512_store_si512((void *)(o + 576), scb);
                _mm512_store_ps((void *)(o + 640), d);
            }
            for (int m = 0; m < 8; m++) _mm512_store_si512((void *)(o + 64 * m), w[m]);
        }
    }
}

void mk_q8_decode_avx512(int type, const uint8_t *row, int64_t k, uint8_t *out) { decode_row(type, row, k, out); }

/// Packs one token's nb blocks (layout in internal.h; b0 and b1 as described at mk_q8_pack_avx512).
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
        __m512i a[4], b[4], c[4];
        tr16x4(p, sizeof(mk_block_q8), a);
        tr16x4(p + 16, sizeof(mk_block_q8), b);
        tr16x4(p + 24, sizeof(mk_block_q8), c);
        const __m512i q[8] = {a[2], a[3], b[0], b[1], b[2], b[3], c[2], c[3]};
        for (int m = 0; m < 8; m++) _mm512_storeu_si512((void *)(o + 64 * m), q[m]);
        _mm512_storeu_si512((void *)(o + OFF_DX), a[0]);
        const __m512i s0 = _mm512_srai_epi32(_mm512_slli_epi32(a[1], 16), 16), s1 = _mm512_srai_epi32(a[1], 16);
        const __m512i s = _mm512_add_epi32(s0, s1), zero = _mm512_setzero_si512();
        __m512i b0 = zero, b1 = zero;
        switch (type) {
        case MK_TYPE_Q8_0: b0 = _mm512_sub_epi32(zero, _mm512_slli_epi32(s, 7)); break;
        case MK_TYPE_Q4_0: b0 = _mm512_sub_epi32(zero, _mm512_slli_epi32(s, 3)); break;
        case MK_TYPE_Q4_K: b0 = _mm512_castps_si512(_mm512_cvtepi32_ps(s)); break;
        case MK_TYPE_Q6_K:
            b0 = _mm512_sub_epi32(zero, _mm512_slli_epi32(s0, 5));
            b1 = _mm512_sub_epi32(zero, _mm512_slli_epi32(s1, 5));
            break;
        default: break;
        }
        _mm512_storeu_si512((void *)(o + OFF_B0), b0);
        _mm512_storeu_si512((void *)(o + OFF_B1), b1);
    }
}

void mk_q8_pack_avx512(int type, const mk_block_q8 *x, int64_t nb, uint8_t *out) { pack(type, x, nb, out); }

#define DISPATCH_NT(NAME)                                                                                  \
    static TGT void NAME##_dot(const uint8_t *row, const uint8_t *const *xs, int nt, int64_t k, float *out) { \
        switch (nt) {                                                                                      \
        case 1: NAME##_nt(row, xs, k, out, 1); break;                                                      \
        case 2: NAME##_nt(row, xs, k, out, 2); break;                                                      \
        case 3: NAME##_nt(row, xs, k, out, 3); break;                                                      \
        case 4: NAME##_nt(row, xs, k, out, 4); break;                                                      \
        case 5: NAME##_nt(row, xs, k, out, 5); break;                                                      \
        case 6: NAME##_nt(row, xs, k, out, 6); break;                                                      \
        case 7: NAME##_nt(row, xs, k, out, 7); break;                                                      \
        default: NAME##_nt(row, xs, k, out, 8); break;                                                     \
        }                                                                                                  \
    }

DISPATCH_NT(q8_0)
DISPATCH_NT(q4_0)
DISPATCH_NT(q4_k)
DISPATCH_NT(q6_k)

mk_q8_dot_fn mk_q8_dot_avx512(int type) {
    switch (type) {
    case MK_TYPE_Q8_0: return q8_0_dot;
    case MK_TYPE_Q4_0: return q4_0_dot;
    case MK_TYPE_Q4_K: return q4_k_dot;
    case MK_TYPE_Q6_K: return q6_k_dot;
    default: return NULL;
    }
}

#else
mk_q8_dot_fn mk_q8_dot_avx512(int type) {
    (void)type;
    return NULL;
}
void mk_q8_pack_avx512(int type, const mk_block_q8 *x, int64_t nb, uint8_t *out) {
    (void)type; (void)x; (void)nb; (void)out;
}
void mk_q8_decode_avx512(int type, const uint8_t *row, int64_t k, uint8_t *out) {
    (void)type; (void)row; (void)k; (void)out;
}
#endif
