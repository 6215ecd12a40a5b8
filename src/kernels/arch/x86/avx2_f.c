/*
 * avx2_f.c - AVX2 (+ FMA, F16C) dot products of the float types (F32, F16, BF16, activations
 * in the weight's own type) and the activation quantizers of every table entry: Q8_0, Q8_1,
 * Q8_K (src/quant/q8_0.c, q8_1.c, q8_k.c), F16 and BF16 (tensor/types.c).
 *
 * The quantizers produce the reference's bytes exactly, for every input including NaN and
 * Inf (tests/test_vecdot.c compares them):
 *  - max |x| with vmaxps(|x|, acc), which keeps acc when x is NaN - as fmaxf ignores NaN;
 *  - x * id with the same id as the reference (1 / d for Q8_0/Q8_1, 127 / max for Q8_K);
 *  - roundf (halves away from zero) as trunc(v) + sign(v) where |v - trunc(v)| >= 0.5 (the
 *    difference is exact), then NaN -> 0 and the clamp of l4a_f2i_clamp;
 *  - f16 scales through the library's own l4a_f32_to_f16 (one call per block);
 *  - F16 with vcvtps2ph, round to nearest even (the same rounding, overflow to Inf and NaN
 *    payloads as l4a_f32_to_f16); BF16 in integer arithmetic as l4a_f32_to_bf16.
 * Float dot products: F16 and BF16 products are exact in f32, so only the summation order
 * (4 x 8 lanes, then a tree) differs from the reference.
 *
 * Not the tiles of the float types: those call the dot for each pair (weights in F32/F16/BF16
 * are rare in the models we run, and the float matmul of kernels/matmul.c covers prompts).
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c")))
#define DOT_MODE 0
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/vecdot_arch.h"
#include "quant/quant.h"
#include "quant/vecdot_ref.h"

/* ---- float dot products: 4 accumulators of 8 lanes, a scalar tail */

TGT static float dot_f32(int64_t n, const void *w, const void *a) {
    const float *x = w, *y = a;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 8), _mm256_loadu_ps(y + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 16), _mm256_loadu_ps(y + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i + 24), _mm256_loadu_ps(y + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8)
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(x + i), _mm256_loadu_ps(y + i), s0);
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) sum += x[i] * y[i];
    return sum;
}

TGT INLINE __m256 load_f16(const uint16_t *p) {
    return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
}

TGT static float dot_f16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(load_f16(x + i), load_f16(y + i), s0);
        s1 = _mm256_fmadd_ps(load_f16(x + i + 8), load_f16(y + i + 8), s1);
        s2 = _mm256_fmadd_ps(load_f16(x + i + 16), load_f16(y + i + 16), s2);
        s3 = _mm256_fmadd_ps(load_f16(x + i + 24), load_f16(y + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(load_f16(x + i), load_f16(y + i), s0);
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) sum += h2f(x[i]) * h2f(y[i]);
    return sum;
}

/* bf16 -> f32 is a 16-bit shift */
TGT INLINE __m256 load_bf16(const uint16_t *p) {
    const __m256i v = _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p));
    return _mm256_castsi256_ps(_mm256_slli_epi32(v, 16));
}

TGT INLINE float bf2f(uint16_t h) {
    const uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

TGT static float dot_bf16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(load_bf16(x + i), load_bf16(y + i), s0);
        s1 = _mm256_fmadd_ps(load_bf16(x + i + 8), load_bf16(y + i + 8), s1);
        s2 = _mm256_fmadd_ps(load_bf16(x + i + 16), load_bf16(y + i + 16), s2);
        s3 = _mm256_fmadd_ps(load_bf16(x + i + 24), load_bf16(y + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(load_bf16(x + i), load_bf16(y + i), s0);
    float sum = hsum_ps(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) sum += bf2f(x[i]) * bf2f(y[i]);
    return sum;
}

TGT static L4A_VECDOT_TILE_FROM_DOT(tile_f32, dot_f32)
TGT static L4A_VECDOT_TILE_FROM_DOT(tile_f16, dot_f16)
TGT static L4A_VECDOT_TILE_FROM_DOT(tile_bf16, dot_bf16)

/* ---- quantizers */

/* max |x[i]| over n (a multiple of 8) floats; NaN elements are ignored, as fmaxf does */
TGT INLINE float amax8(const float *x, int n) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    __m256 m = _mm256_setzero_ps();
    for (int j = 0; j < n; j += 8) m = _mm256_max_ps(_mm256_andnot_ps(sign, _mm256_loadu_ps(x + j)), m);
    __m128 s = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    s = _mm_max_ps(s, _mm_movehl_ps(s, s));
    s = _mm_max_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* roundf(v), NaN -> 0, clamped to [-127, 127], as int32 lanes */
TGT INLINE __m256i round_clamp127(__m256 v) {
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 t = _mm256_round_ps(v, _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC);
    const __m256 frac = _mm256_andnot_ps(sign, _mm256_sub_ps(v, t));
    const __m256 one = _mm256_or_ps(_mm256_and_ps(v, sign), _mm256_set1_ps(1.0f));
    const __m256 up = _mm256_and_ps(_mm256_cmp_ps(frac, _mm256_set1_ps(0.5f), _CMP_GE_OQ), one);
    __m256 r = _mm256_add_ps(t, up);
    r = _mm256_and_ps(r, _mm256_cmp_ps(r, r, _CMP_ORD_Q));         /* NaN -> +0 */
    r = _mm256_min_ps(_mm256_max_ps(r, _mm256_set1_ps(-127.0f)), _mm256_set1_ps(127.0f));
    return _mm256_cvtps_epi32(r);
}

/* 32 quants of x * id into q; returns their sum */
TGT INLINE int quantize32(const float *x, float id, int8_t *q) {
    const __m256 vid = _mm256_set1_ps(id);
    const __m256i i0 = round_clamp127(_mm256_mul_ps(_mm256_loadu_ps(x), vid));
    const __m256i i1 = round_clamp127(_mm256_mul_ps(_mm256_loadu_ps(x + 8), vid));
    const __m256i i2 = round_clamp127(_mm256_mul_ps(_mm256_loadu_ps(x + 16), vid));
    const __m256i i3 = round_clamp127(_mm256_mul_ps(_mm256_loadu_ps(x + 24), vid));
    /* packs work within 128-bit halves; the permute restores element order */
    const __m256i p = _mm256_packs_epi16(_mm256_packs_epi32(i0, i1), _mm256_packs_epi32(i2, i3));
    const __m256i o = _mm256_permutevar8x32_epi32(p, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
    _mm256_storeu_si256((__m256i *)q, o);
    return hsum_epi32(_mm256_add_epi32(_mm256_add_epi32(i0, i1), _mm256_add_epi32(i2, i3)));
}

TGT static void quantize_q8_0(const float *x, void *y, int64_t n) {
    l4a_block_q8_0 *b = y;
    for (int64_t i = 0; i < n / L4A_QK8_0; i++, x += L4A_QK8_0) {
        const float d = amax8(x, L4A_QK8_0) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = l4a_f32_to_f16(d);
        quantize32(x, id, b[i].qs);
    }
}

TGT static void quantize_q8_1(const float *x, void *y, int64_t n) {
    l4a_block_q8_1 *b = y;
    for (int64_t i = 0; i < n / L4A_QK8_1; i++, x += L4A_QK8_1) {
        const float d = amax8(x, L4A_QK8_1) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const int sum = quantize32(x, id, b[i].qs);
        b[i].d = l4a_f32_to_f16(d);
        b[i].s = l4a_f32_to_f16(d * (float)sum);
    }
}

TGT static void quantize_q8_k(const float *x, void *y, int64_t n) {
    l4a_block_q8_k *b = y;
    for (int64_t i = 0; i < n / L4A_QK_K; i++, x += L4A_QK_K) {
        const float amax = amax8(x, L4A_QK_K);
        const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
        b[i].d = amax > 0.0f ? amax / 127.0f : 0.0f;
        for (int g = 0; g < L4A_QK_K / 16; g += 2) {
            int8_t q[32];
            quantize32(x + 16 * g, id, q);
            memcpy(b[i].qs + 16 * g, q, 32);
            /* the two groups of 16: sum pairs of bytes, then of int16 */
            const __m256i s = _mm256_madd_epi16(
                _mm256_maddubs_epi16(_mm256_set1_epi8(1), _mm256_loadu_si256((const __m256i *)q)),
                _mm256_set1_epi16(1));
            __m128i lo = _mm256_castsi256_si128(s), hi = _mm256_extracti128_si256(s, 1);
            lo = _mm_hadd_epi32(lo, hi);                    /* [l01 l23 h01 h23] */
            lo = _mm_hadd_epi32(lo, lo);                    /* [l h l h] */
            b[i].bsums[g] = (int16_t)_mm_cvtsi128_si32(lo);
            b[i].bsums[g + 1] = (int16_t)_mm_extract_epi32(lo, 1);
        }
    }
}

TGT static void quantize_f16(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    int64_t i = 0;
    for (; i + 8 <= n; i += 8)
        _mm_storeu_si128((__m128i *)(h + i),
                         _mm256_cvtps_ph(_mm256_loadu_ps(x + i), _MM_FROUND_TO_NEAREST_INT));
    for (; i < n; i++) h[i] = l4a_f32_to_f16(x[i]);
}

/* bf16 round to nearest even on the low 16 bits; NaN: quiet, sign and top payload kept */
TGT static void quantize_bf16(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    int64_t i = 0;
    const __m256i abs_mask = _mm256_set1_epi32(0x7fffffff), inf = _mm256_set1_epi32(0x7f800000);
    for (; i + 8 <= n; i += 8) {
        const __m256i v = _mm256_loadu_si256((const __m256i *)(x + i));
        const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(v, 16), _mm256_set1_epi32(1));
        const __m256i r = _mm256_srli_epi32(
            _mm256_add_epi32(_mm256_add_epi32(v, _mm256_set1_epi32(0x7fff)), lsb), 16);
        const __m256i q = _mm256_or_si256(_mm256_srli_epi32(v, 16), _mm256_set1_epi32(0x40));
        const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(v, abs_mask), inf);
        const __m256i o = _mm256_blendv_epi8(r, q, nan);    /* 16-bit results in 32-bit lanes */
        const __m128i packed = _mm_packus_epi32(_mm256_castsi256_si128(o),
                                                _mm256_extracti128_si256(o, 1));
        _mm_storeu_si128((__m128i *)(h + i), packed);
    }
    for (; i < n; i++) h[i] = l4a_f32_to_bf16(x[i]);
}

void l4a_vecdot_fill_avx2_f(l4a_vecdot *t) {
    t[L4A_TYPE_F32].dot = dot_f32;
    t[L4A_TYPE_F32].dot_tile = tile_f32;
    t[L4A_TYPE_F32].isa = "avx2";
    t[L4A_TYPE_F16].dot = dot_f16;
    t[L4A_TYPE_F16].dot_tile = tile_f16;
    t[L4A_TYPE_F16].quantize_act = quantize_f16;
    t[L4A_TYPE_F16].isa = "avx2";
    t[L4A_TYPE_BF16].dot = dot_bf16;
    t[L4A_TYPE_BF16].dot_tile = tile_bf16;
    t[L4A_TYPE_BF16].quantize_act = quantize_bf16;
    t[L4A_TYPE_BF16].isa = "avx2";
    for (int type = 0; type < L4A_TYPE_COUNT; type++) {
        if (!t[type].dot) continue;
        switch (t[type].act_type) {
        case L4A_TYPE_Q8_0: t[type].quantize_act = quantize_q8_0; break;
        case L4A_TYPE_Q8_1: t[type].quantize_act = quantize_q8_1; break;
        case L4A_TYPE_Q8_K: t[type].quantize_act = quantize_q8_k; break;
        default: break;
        }
    }
}

#endif
