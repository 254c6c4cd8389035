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
INL __m128i ld128(const uint8_t *p) { return _mm_loadu_si128((const __m128i *)(const void *)p); }
INL __m512 ldps(const uint8_t *p) { return _mm512_loadu_ps((const void *)p); }
INL __m256i ld256(const uint8_t *p) { return _mm256_loadu_si256((const __m256i *)(const void *)p); }

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

/// dot8 for the first 8 lanes (blocks) of a group.
INL void dot8_half(const __m256i w[8], const uint8_t *xq, __m256i *a, __m256i *b) {
    __m256i s = *a, t = *b;
    s = _mm256_dpbusd_epi32(s, w[0], ld256(xq));
    t = _mm256_dpbusd_epi32(t, w[4], ld256(xq + 256));
    s = _mm256_dpbusd_epi32(s, w[1], ld256(xq + 64));
    t = _mm256_dpbusd_epi32(t, w[5], ld256(xq + 320));
    s = _mm256_dpbusd_epi32(s, w[2], ld256(xq + 128));
    t = _mm256_dpbusd_epi32(t, w[6], ld256(xq + 384));
    s = _mm256_dpbusd_epi32(s, w[3], ld256(xq + 192));
    t = _mm256_dpbusd_epi32(t, w[7], ld256(xq + 448));
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

/// The first 8 blocks of a Q8_0 group (lanes 0..7 of dec_q8_0).
INL void dec_q8_0_half(const uint8_t *src, __m256i w[8], __m256 *dw) {
    const __m256i flip = _mm256_set1_epi8((char)0x80);
    mk_tr8x4(src + 2, MK_Q8_0_BYTES, w);
    mk_tr8x4(src + 18, MK_Q8_0_BYTES, w + 4);
    for (int m = 0; m < 8; m++) w[m] = _mm256_xor_si256(w[m], flip);
    *dw = mk_halves8(src, MK_Q8_0_BYTES);
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

/// Two Q4_K super-blocks: the nibbles, d * scale and dmin * min per block. Block j = 2c + h of a super-block is the
/// nibble h of its 32 bytes c; vector m takes dword m of every chunk c (both nibbles, lanes 2c and 2c + 1) with one
/// two-source dword permute of the chunks' first (m < 4) or second (m >= 4) 16 bytes, then a per-lane shift by 0 or 4.
/// With `x16` the odd lanes (high nibbles) skip the shift and keep 16 * nibble: their integer sums come out exactly 16
/// times larger (|16 * sum| <= 16 * 32 * 15 * 127 < 2^24, so converting it to float is exact too) and their d * scale
/// is divided by 16 (exact: a power of two, far from the subnormals), so (16 * f) * (dsc / 16) is the same real
/// number as f * dsc and rounds to the same float.
INL void dec_q4_k_x(const uint8_t *b0, const uint8_t *b1, __m512i w[8], __m512 *dsc, __m512 *dmm, const int x16) {
    const __m512i m4 = _mm512_set1_epi8(0x0F);
    // Scales and mins of both super-blocks: per 128-bit lane (one super-block), bytes 0..7 the scales, 8..15 the
    // mins (what mk_q4k_scale_min gives).
    // Bytes 0..15 of each super-block (d, dmin, the 12 packed bytes) in one 128-bit lane each.
    const __m256i qq = _mm256_inserti128_si256(_mm256_castsi128_si256(ld128(b0)), ld128(b1), 1);
    const __m256i ia = _mm256_setr_epi8(4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15,
                                        4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
    const __m256i ib = _mm256_setr_epi8(-1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1, 8, 9, 10, 11,
                                        -1, -1, -1, -1, 4, 5, 6, 7, -1, -1, -1, -1, 8, 9, 10, 11);
    const __m256i A = _mm256_shuffle_epi8(qq, ia), B = _mm256_shuffle_epi8(qq, ib);
    const __m256i k1 = _mm256_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0, 0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0);
    const __m256i k2 = _mm256_setr_epi32(0, 0, 0, 0x0f0f0f0f, 0, 0, 0, 0x0f0f0f0f);
    const __m256i k3 = _mm256_setr_epi32(0, 0x30303030, 0, 0x30303030, 0, 0x30303030, 0, 0x30303030);
    const __m256i sm = _mm256_or_si256(
        _mm256_or_si256(_mm256_and_si256(A, k1), _mm256_and_si256(_mm256_srli_epi16(A, 4), k2)),
        _mm256_and_si256(_mm256_srli_epi16(B, 2), k3));
    // [scales sb0 | scales sb1 | mins sb0 | mins sb1]
    const __m256i smp = _mm256_permute4x64_epi64(sm, 0xD8);
    const __m512i sci = _mm512_cvtepu8_epi32(_mm256_castsi256_si128(smp));
    const __m512i mni = _mm512_cvtepu8_epi32(_mm256_extracti128_si256(smp, 1));
    // Lanes 0, 1, 8, 9: d0, dmin0, d1, dmin1 as floats (exact conversions; the other lanes are not used).
    const __m512 dd = _mm512_cvtph_ps(qq);
    const __m512i pd = _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 8, 8, 8, 8, 8, 8, 8, 8);
    const __m512i pm = _mm512_setr_epi32(1, 1, 1, 1, 1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 9, 9);
    *dsc = _mm512_mul_ps(_mm512_permutexvar_ps(pd, dd), _mm512_cvtepi32_ps(sci));
    if (x16) *dsc = _mm512_mul_ps(*dsc, _mm512_setr_ps(1, 0.0625f, 1, 0.0625f, 1, 0.0625f, 1, 0.0625f,
                                                       1, 0.0625f, 1, 0.0625f, 1, 0.0625f, 1, 0.0625f));
    *dmm = _mm512_mul_ps(_mm512_permutexvar_ps(pm, dd), _mm512_cvtepi32_ps(mni));
    // X[s]: per 128-bit lane c, bytes 0..15 of chunk c of super-block s; Y[s]: bytes 16..31.
    const __m512i lo = _mm512_setr_epi64(0, 1, 4, 5, 8, 9, 12, 13), hi = _mm512_setr_epi64(2, 3, 6, 7, 10, 11, 14, 15);
    const __m512i a0 = ld(b0 + 16), a1 = ld(b0 + 80), c0 = ld(b1 + 16), c1 = ld(b1 + 80);
    const __m512i X0 = _mm512_permutex2var_epi64(a0, lo, a1), Y0 = _mm512_permutex2var_epi64(a0, hi, a1);
    const __m512i X1 = _mm512_permutex2var_epi64(c0, lo, c1), Y1 = _mm512_permutex2var_epi64(c0, hi, c1);
    const __m512i sh = _mm512_setr_epi32(0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4, 0, 4);
    const __m512i mhl = _mm512_setr_epi32(0x0F0F0F0F, (int)0xF0F0F0F0, 0x0F0F0F0F, (int)0xF0F0F0F0, 0x0F0F0F0F,
                                          (int)0xF0F0F0F0, 0x0F0F0F0F, (int)0xF0F0F0F0, 0x0F0F0F0F, (int)0xF0F0F0F0,
                                          0x0F0F0F0F, (int)0xF0F0F0F0, 0x0F0F0F0F, (int)0xF0F0F0F0, 0x0F0F0F0F,
                                          (int)0xF0F0F0F0);
    for (int m = 0; m < 4; m++) {
        const __m512i idx = _mm512_add_epi32(_mm512_setr_epi32(0, 0, 4, 4, 8, 8, 12, 12, 16, 16, 20, 20, 24, 24, 28, 28),
                                             _mm512_set1_epi32(m));
        const __m512i u = _mm512_permutex2var_epi32(X0, idx, X1), v = _mm512_permutex2var_epi32(Y0, idx, Y1);
        if (x16) {
            w[m] = _mm512_and_si512(u, mhl);
            w[m + 4] = _mm512_and_si512(v, mhl);
        } else {
            w[m] = _mm512_and_si512(_mm512_srlv_epi32(u, sh), m4);
            w[m + 4] = _mm512_and_si512(_mm512_srlv_epi32(v, sh), m4);
        }
    }
}

INL void dec_q4_k(const uint8_t *b0, const uint8_t *b1, __m512i w[8], __m512 *dsc, __m512 *dmm) {
    dec_q4_k_x(b0, b1, w, dsc, dmm, 0);
}

// MARK: - Per-row kernels (every token against one row; the weights are decoded in registers)

/// A row whose last group has at most 8 blocks ends with a half group in 256-bit registers (lanes 0..7; the padded
/// lanes 8..15 of a full group would add exactly +0 to the accumulators): rows of 256 values do half the work and
/// copy nothing. Same bits as the full-group path.
INL void q8_0_nt(const uint8_t *row, const uint8_t *const *xs, int64_t k, float *out, const int NT) {
    ACC_INIT
    const int64_t nb = k / 32, ng = (nb + G - 1) / G;
    uint8_t tmp[G * MK_Q8_0_BYTES];
    for (int64_t g = 0; g < ng; g++) {
        if (nb - g * G <= G / 2) {
            const uint8_t *src = group_src(row + g * G * MK_Q8_0_BYTES, (nb - g * G) * MK_Q8_0_BYTES,
                                           G / 2 * MK_Q8_0_BYTES, tmp);
            __m256i w[8];
            __m256 dw;
            dec_q8_0_half(src, w, &dw);
            for (int t = 0; t < NT; t++) {
                const uint8_t *xp = xs[t] + g * GB;
                __m256i a = ld256(xp + OFF_B0), b = _mm256_setzero_si256();
                dot8_half(w, xp, &a, &b);
                const __m256 f = _mm256_cvtepi32_ps(_mm256_add_epi32(a, b));
                const __m256 scale = _mm256_mul_ps(dw, _mm256_loadu_ps((const float *)(const void *)(xp + OFF_DX)));
                acc[t] = _mm512_fmadd_ps(_mm512_zextps256_ps512(f), _mm512_zextps256_ps512(scale), acc[t]);
            }
            break;
        }
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
        dec_q4_k_x(b0, b0 + MK_Q4_K_BYTES, w, &dsc, &dmm, 1);
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

/// Two Q6_K super-blocks: the six-bit values (0..63), the two sub-block scales of each block (int32) and d.
INL void dec_q6_k(const uint8_t *b0, const uint8_t *b1, __m512i w[8], __m512i *sca, __m512i *scb, __m512 *d) {
    const __m128i split = _mm_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    const __m128i s0 = _mm_shuffle_epi8(ld128(b0 + 192), split), s1 = _mm_shuffle_epi8(ld128(b1 + 192), split);
    *sca = _mm512_cvtepi8_epi32(_mm_unpacklo_epi64(s0, s1));
    *scb = _mm512_cvtepi8_epi32(_mm_unpackhi_epi64(s0, s1));
    *d = two(h2f(b0 + 208), h2f(b1 + 208));
    // Block j = 4n + p of a super-block: low bits from nibble p >> 1 of ql bytes 64n + 32 (p & 1) .. + 31, high bits
    // from bits 2p, 2p + 1 of qh bytes 32n .. 32n + 31. Vector m takes dword m of each of those 32-byte rows with
    // two-source dword permutes (ql: the rows' first (m < 4) or second 16 bytes of both super-blocks; qh: all of it),
    // then per-lane shifts.
    const __m512i lo = _mm512_setr_epi64(0, 1, 4, 5, 8, 9, 12, 13), hi = _mm512_setr_epi64(2, 3, 6, 7, 10, 11, 14, 15);
    const __m512i a0 = ld(b0), a1 = ld(b0 + 64), c0 = ld(b1), c1 = ld(b1 + 64);
    const __m512i X0 = _mm512_permutex2var_epi64(a0, lo, a1), Y0 = _mm512_permutex2var_epi64(a0, hi, a1);
    const __m512i X1 = _mm512_permutex2var_epi64(c0, lo, c1), Y1 = _mm512_permutex2var_epi64(c0, hi, c1);
    const __m512i H0 = ld(b0 + 128), H1 = ld(b1 + 128);
    const __m512i sl = _mm512_setr_epi32(0, 0, 4, 4, 0, 0, 4, 4, 0, 0, 4, 4, 0, 0, 4, 4);
    const __m512i sh = _mm512_setr_epi32(4, 2, 0, 30, 4, 2, 0, 30, 4, 2, 0, 30, 4, 2, 0, 30);
    const __m512i m4 = _mm512_set1_epi8(0x0F), m30 = _mm512_set1_epi8(0x30);
    // X lane 4c + m (c = 2n + (p & 1)): dword m of ql row c.
    const __m512i il = _mm512_setr_epi32(0, 4, 0, 4, 8, 12, 8, 12, 16, 20, 16, 20, 24, 28, 24, 28);
    const __m512i ih = _mm512_setr_epi32(0, 0, 0, 0, 8, 8, 8, 8, 16, 16, 16, 16, 24, 24, 24, 24);
    for (int m = 0; m < 8; m++) {
        const __m512i ql = m < 4 ? _mm512_permutex2var_epi32(X0, _mm512_add_epi32(il, _mm512_set1_epi32(m)), X1)
                                 : _mm512_permutex2var_epi32(Y0, _mm512_add_epi32(il, _mm512_set1_epi32(m - 4)), Y1);
        const __m512i qh = _mm512_permutex2var_epi32(H0, _mm512_add_epi32(ih, _mm512_set1_epi32(m)), H1);
        w[m] = _mm512_or_si512(_mm512_and_si512(_mm512_srlv_epi32(ql, sl), m4),
                               _mm512_and_si512(_mm512_rolv_epi32(qh, sh), m30));
    }
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

/// Rows of one token count: the per-row kernel with the count fixed, its constants hoisted out of the row loop; the
/// row STREAM_PREFETCH_BYTES on is prefetched.
INL void rows_loop(void (*nt_fn)(const uint8_t *, const uint8_t *const *, int64_t, float *, const int),
                   const uint8_t *base, size_t row_bytes, int64_t nr, const uint8_t *const *xs, int64_t k, float *y,
                   int64_t ldy, const int NT) {
    float out[MK_MAX_NT];
    const int64_t ahead = (STREAM_PREFETCH_BYTES + (int64_t)row_bytes - 1) / (int64_t)row_bytes;
    for (int64_t r = 0; r < nr; r++) {
        if (r + ahead < nr) mk_prefetch_l2_bytes(base + (size_t)(r + ahead) * row_bytes, row_bytes);
        nt_fn(base + (size_t)r * row_bytes, xs, k, out, NT);
        for (int t = 0; t < NT; t++) y[t * ldy + r] = out[t];
    }
}

#define ROWS_NT(NAME)                                                                                       \
    static TGT void NAME##_rows(const uint8_t *base, size_t row_bytes, int64_t nr, const uint8_t *const *xs, int nt, \
                                int64_t k, float *y, int64_t ldy) {                                                 \
        switch (nt) {                                                                                      \
        case 1: rows_loop(NAME##_nt, base, row_bytes, nr, xs, k, y, ldy, 1); break;                        \
        case 2: rows_loop(NAME##_nt, base, row_bytes, nr, xs, k, y, ldy, 2); break;                        \
        case 3: rows_loop(NAME##_nt, base, row_bytes, nr, xs, k, y, ldy, 3); break;                        \
        case 4: rows_loop(NAME##_nt, base, row_bytes, nr, xs, k, y, ldy, 4); break;                        \
        case 5: rows_loop(NAME##_nt, base, row_bytes, nr, xs, k, y, ldy, 5); break;                        \
        case 6: rows_loop(NAME##_nt, base, row_bytes, nr, xs, k, y, ldy, 6); break;                        \
        case 7: rows_loop(NAME##_nt, base, row_bytes, nr, xs, k, y, ldy, 7); break;                        \
        default: rows_loop(NAME##_nt, base, row_bytes, nr, xs, k, y, ldy, 8); break;                       \
        }                                                                                                  \
    }

DISPATCH_NT(q8_0)
DISPATCH_NT(q4_0)
DISPATCH_NT(q4_k)
DISPATCH_NT(q6_k)
ROWS_NT(q8_0)
ROWS_NT(q4_0)
ROWS_NT(q4_k)
ROWS_NT(q6_k)

mk_q8_rows_fn mk_q8_rows_avx512(int type) {
    switch (type) {
    case MK_TYPE_Q8_0: return q8_0_rows;
    case MK_TYPE_Q4_0: return q4_0_rows;
    case MK_TYPE_Q4_K: return q4_k_rows;
    case MK_TYPE_Q6_K: return q6_k_rows;
    default: return NULL;
    }
}

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
mk_q8_rows_fn mk_q8_rows_avx512(int type) {
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
