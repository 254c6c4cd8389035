// CPU feature detection and half-precision conversion.
#include "MoEKernels.h"
#include "internal.h"

#include <string.h>

static int detect_level(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("fma")) {
        return MK_LEVEL_AVX512;
    }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) {
        return MK_LEVEL_AVX2;
    }
#endif
    return MK_LEVEL_SCALAR;
}

int mk_cpu_level(void) {
    static volatile int cached = -1;
    int level = cached;
    if (level < 0) {
        level = detect_level();
        cached = level;
    }
    return level;
}

int mk_clamp_level(int level) {
    int best = mk_cpu_level();
    if (level > best) return best;
    if (level < MK_LEVEL_SCALAR) return MK_LEVEL_SCALAR;
    return level;
}

float mk_fp16_to_fp32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000u) << 16;
    uint32_t exp = (h >> 10) & 0x1fu;
    uint32_t mant = h & 0x3ffu;
    uint32_t bits;
    if (exp == 0) {
        if (mant == 0) {
            bits = sign;
        } else {
            // Subnormal: normalise.
            int e = -1;
            do {
                e++;
                mant <<= 1;
            } while ((mant & 0x400u) == 0);
            mant &= 0x3ffu;
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | (mant << 13);
        }
    } else if (exp == 0x1f) {
        bits = sign | 0x7f800000u | (mant << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (mant << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint16_t mk_fp32_to_fp16(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    uint32_t absx = x & 0x7fffffffu;
    if (absx >= 0x7f800000u) {  // Inf or NaN
        return sign | 0x7c00u | (absx > 0x7f800000u ? 0x200u : 0);
    }
    if (absx >= 0x477ff000u) {  // rounds to >= 65520: overflow to infinity
        return sign | 0x7c00u;
    }
    int32_t exp = (int32_t)(absx >> 23) - 127 + 15;
    uint32_t mant = absx & 0x7fffffu;
    if (exp <= 0) {
        // Subnormal half (or zero).
        if (exp < -10) return sign;
        mant |= 0x800000u;
        uint32_t shift = (uint32_t)(14 - exp);
        uint32_t half = mant >> shift;
        uint32_t rem = mant & ((1u << shift) - 1);
        uint32_t mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1u))) half++;
        return sign | (uint16_t)half;
    }
    uint32_t half = ((uint32_t)exp << 10) | (mant >> 13);
    uint32_t rem = mant & 0x1fffu;
    if (rem > 0x1000u || (rem == 0x1000u && (half & 1u))) half++;  // may carry into the exponent: still correct
    return sign | (uint16_t)half;
}
