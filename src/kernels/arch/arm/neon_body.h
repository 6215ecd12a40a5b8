/*
 * neon_body.h - AArch64 Advanced SIMD dot products of every quantized weight type with its
 * 8-bit activations (formulas in kernels/vecdot.h, layouts in src/quant/q*.c).
 *
 * Not a standalone header: neon.c and neondot.c include it after defining
 *   TGT       the target attribute ("+dotprod" for neondot.c, nothing for neon.c)
 *   USE_SDOT  1: byte products with SDOT (4 products summed per int32 lane in one instruction);
 *             0: SMULL to int16, then pairwise add-accumulate to int32
 *   FILL_FN, ISA_NAME as in the x86 bodies.
 * Weights are unpacked to signed bytes (offsets subtracted in int8: q - 8, q - 16, q - 32,
 * Q3_K's q - 4 are all in -32..31), so every product is signed x signed: no offset terms.
 * 32-element blocks: int32 lanes -> float, one FMA by d_w d_a per block into 4 float lanes.
 * K quants: sub-block sums scaled in int32 (exact), the reference's integers and float term
 * per super-block, so the result is the reference's (up to contraction of that term).
 * Tiles call the dot for each pair (NEON tiles are not tuned yet). neon.c also has the Q8_0,
 * Q8_1 and Q8_K activation quantizers (the 16-bit float ones stay the reference's).
 */
#include "kernels/arch/vecdot_arch.h"
#include "quant/blocks.h"
#include "quant/vecdot_ref.h"
#include "tensor/tensor.h"

#include <arm_neon.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

TGT INLINE uint16_t ld16(const void *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}
TGT INLINE uint32_t ld32(const void *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
TGT INLINE float h2f(uint16_t h) {
    return vgetq_lane_f32(vcvt_f32_f16(vreinterpret_f16_u16(vdup_n_u16(h))), 0);
}

/* acc + products of 16 signed bytes, summed into 4 int32 lanes */
TGT INLINE int32x4_t dot16(int32x4_t acc, int8x16_t a, int8x16_t b) {
#if USE_SDOT
    return vdotq_s32(acc, a, b);
#else
    acc = vpadalq_s16(acc, vmull_s8(vget_low_s8(a), vget_low_s8(b)));
    return vpadalq_s16(acc, vmull_high_s8(a, b));
#endif
}

/* byte i = 0x10 where bit i of bits is set (i = 0..15 of the low / high half) */
TGT INLINE int8x16_t bit4_bytes(uint32_t bits, int half) {
    static const uint8_t sel[16] = {1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128};
    const uint16_t b16 = (uint16_t)(bits >> (16 * half));
    const uint8x16_t v = vcombine_u8(vdup_n_u8((uint8_t)b16), vdup_n_u8((uint8_t)(b16 >> 8)));
    return vreinterpretq_s8_u8(vandq_u8(vtstq_u8(v, vld1q_u8(sel)), vdupq_n_u8(0x10)));
}

/* ---- 32-element blocks */

enum { T40, T41, T50, T51, T80 };

/* The 32 signed weights of a block (offsets removed for Q4_0/Q5_0) */
TGT INLINE void unpack32(const int T, const uint8_t *p, int8x16_t *w0, int8x16_t *w1) {
    if (T == T80) {
        *w0 = vld1q_s8((const int8_t *)(p + 2));
        *w1 = vld1q_s8((const int8_t *)(p + 18));
        return;
    }
    const int qs_off = T == T40 ? 2 : T == T41 ? 4 : T == T50 ? 6 : 8;
    const uint8x16_t q = vld1q_u8(p + qs_off);
    int8x16_t lo = vreinterpretq_s8_u8(vandq_u8(q, vdupq_n_u8(0x0F)));
    int8x16_t hi = vreinterpretq_s8_u8(vshrq_n_u8(q, 4));
    if (T == T50 || T == T51) {
        const uint32_t qh = ld32(p + (T == T50 ? 2 : 4));
        lo = vorrq_s8(lo, bit4_bytes(qh, 0));
        hi = vorrq_s8(hi, bit4_bytes(qh, 1));
    }
    if (T == T40 || T == T50) {
        const int8x16_t k = vdupq_n_s8(T == T40 ? 8 : 16);
        lo = vsubq_s8(lo, k);
        hi = vsubq_s8(hi, k);
    }
    *w0 = lo;
    *w1 = hi;
}

TGT INLINE float dot32(const int T, int64_t n, const uint8_t *w, const uint8_t *a) {
    const int wsize = T == T40 ? 18 : T == T41 ? 20 : T == T50 ? 22 : T == T51 ? 24 : 34;
    const int has_min = T == T41 || T == T51, asize = has_min ? 36 : 34;
    float32x4_t acc0 = vdupq_n_f32(0), acc1 = vdupq_n_f32(0);
    float msum = 0;
    const int64_t nb = n / 32;
    for (int64_t i = 0; i < nb; i++) {
        const uint8_t *wb = w + i * wsize, *ab = a + i * asize;
        int8x16_t w0, w1;
        unpack32(T, wb, &w0, &w1);
        const int8_t *aq = (const int8_t *)(ab + (has_min ? 4 : 2));
        const int32x4_t is = dot16(dot16(vdupq_n_s32(0), w0, vld1q_s8(aq)), w1, vld1q_s8(aq + 16));
        const float d = h2f(ld16(wb)) * h2f(ld16(ab));
        if (i & 1) acc1 = vfmaq_n_f32(acc1, vcvtq_f32_s32(is), d);
        else acc0 = vfmaq_n_f32(acc0, vcvtq_f32_s32(is), d);
        if (has_min) msum += h2f(ld16(wb + 2)) * h2f(ld16(ab + 2));
    }
    return vaddvq_f32(vaddq_f32(acc0, acc1)) + msum;
}

/* ---- K quants: each returns the reference's float term of one super-block */

typedef l4a_block_q8_k q8k;

/* sum over 16 bytes of w times a, as a vector of 4 int32 */
#define D16(wv, ap) dot16(vdupq_n_s32(0), (wv), vld1q_s8(ap))

TGT INLINE float sb_q2_k(const uint8_t *b, const q8k *y) {
    int32x4_t is = vdupq_n_s32(0);
    int msum = 0;
    for (int j = 0; j < 16; j++) msum += (b[j] >> 4) * y->bsums[j];
    for (int h = 0; h < 2; h++) {
        const uint8x16_t q0 = vld1q_u8(b + 16 + 32 * h), q1 = vld1q_u8(b + 32 + 32 * h);
        for (int s = 0; s < 4; s++) {
            const int k = 4 * h + s;        /* sub-blocks 2k (q0 bytes), 2k+1 (q1) */
            const int8x16_t shift = vdupq_n_s8((int8_t)(-2 * s));
            const int8x16_t u0 = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q0, shift), vdupq_n_u8(3)));
            const int8x16_t u1 = vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q1, shift), vdupq_n_u8(3)));
            is = vmlaq_n_s32(is, D16(u0, y->qs + 32 * k), b[2 * k] & 0x0F);
            is = vmlaq_n_s32(is, D16(u1, y->qs + 32 * k + 16), b[2 * k + 1] & 0x0F);
        }
    }
    const int isum = vaddvq_s32(is);
    return (y->d * h2f(ld16(b + 80))) * (float)isum - (y->d * h2f(ld16(b + 82))) * (float)msum;
}

TGT INLINE void q3_scales(const uint8_t *p, int8_t *sc) {
    const uint32_t u0 = ld32(p), u1 = ld32(p + 4), u2 = ld32(p + 8);
    const uint32_t v[4] = {(u0 & 0x0F0F0F0Fu) | ((u2 & 0x03030303u) << 4),
                           (u1 & 0x0F0F0F0Fu) | (((u2 >> 2) & 0x03030303u) << 4),
                           ((u0 >> 4) & 0x0F0F0F0Fu) | (((u2 >> 4) & 0x03030303u) << 4),
                           ((u1 >> 4) & 0x0F0F0F0Fu) | (((u2 >> 6) & 0x03030303u) << 4)};
    uint8_t raw[16];
    memcpy(raw, v, 16);
    for (int k = 0; k < 16; k++) sc[k] = (int8_t)(raw[k] - 32);
}

TGT INLINE float sb_q3_k(const uint8_t *b, const q8k *y) {
    int8_t sc[16];
    q3_scales(b + 96, sc);
    int32x4_t is = vdupq_n_s32(0);
    const uint8x16_t hm0 = vld1q_u8(b), hm1 = vld1q_u8(b + 16);
    for (int h = 0; h < 2; h++) {
        const uint8x16_t q0 = vld1q_u8(b + 32 + 32 * h), q1 = vld1q_u8(b + 48 + 32 * h);
        for (int s = 0; s < 4; s++) {
            const int k = 4 * h + s;
            const int8x16_t shift = vdupq_n_s8((int8_t)(-2 * s));
            const uint8x16_t bit = vdupq_n_u8((uint8_t)(1u << k));
            /* q = low2 - 4 where the hmask bit is clear */
            const uint8x16_t neg0 = vbicq_u8(vdupq_n_u8(4), vtstq_u8(hm0, bit));
            const uint8x16_t neg1 = vbicq_u8(vdupq_n_u8(4), vtstq_u8(hm1, bit));
            const int8x16_t w0 = vsubq_s8(
                vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q0, shift), vdupq_n_u8(3))),
                vreinterpretq_s8_u8(neg0));
            const int8x16_t w1 = vsubq_s8(
                vreinterpretq_s8_u8(vandq_u8(vshlq_u8(q1, shift), vdupq_n_u8(3))),
                vreinterpretq_s8_u8(neg1));
            is = vmlaq_n_s32(is, D16(w0, y->qs + 32 * k), sc[2 * k]);
            is = vmlaq_n_s32(is, D16(w1, y->qs + 32 * k + 16), sc[2 * k + 1]);
        }
    }
    return (y->d * h2f(ld16(b + 108))) * (float)vaddvq_s32(is);
}

/* Q4_K (qh NULL) and Q5_K */
TGT INLINE float sb_q45_k(const uint8_t *b, const uint8_t *qs, const uint8_t *qh, const q8k *y) {
    const uint32_t u0 = ld32(b + 4), u1 = ld32(b + 8), u2 = ld32(b + 12);
    const uint32_t scw[2] = {u0 & 0x3F3F3F3Fu,
                             (u2 & 0x0F0F0F0Fu) | (((u0 >> 6) & 0x03030303u) << 4)};
    const uint32_t mw[2] = {u1 & 0x3F3F3F3Fu,
                            ((u2 >> 4) & 0x0F0F0F0Fu) | (((u1 >> 6) & 0x03030303u) << 4)};
    uint8_t sc[8], m[8];
    memcpy(sc, scw, 8);
    memcpy(m, mw, 8);
    int msum = 0;
    for (int j = 0; j < 8; j++) msum += m[j] * (y->bsums[2 * j] + y->bsums[2 * j + 1]);
    int32x4_t is = vdupq_n_s32(0);
    uint8x16_t h0 = qh ? vld1q_u8(qh) : vdupq_n_u8(0), h1 = qh ? vld1q_u8(qh + 16) : h0;
    for (int p = 0; p < 4; p++) {           /* sub-blocks 2p (low nibbles), 2p+1 (high) */
        const uint8x16_t q0 = vld1q_u8(qs + 32 * p), q1 = vld1q_u8(qs + 32 * p + 16);
        uint8x16_t a0 = vandq_u8(q0, vdupq_n_u8(0x0F)), a1 = vandq_u8(q1, vdupq_n_u8(0x0F));
        uint8x16_t b0 = vshrq_n_u8(q0, 4), b1 = vshrq_n_u8(q1, 4);
        if (qh) {
            const uint8x16_t bit4 = vdupq_n_u8(0x10);
            a0 = vorrq_u8(a0, vandq_u8(vshlq_n_u8(h0, 4), bit4));
            a1 = vorrq_u8(a1, vandq_u8(vshlq_n_u8(h1, 4), bit4));
            b0 = vorrq_u8(b0, vandq_u8(vshlq_n_u8(h0, 3), bit4));
            b1 = vorrq_u8(b1, vandq_u8(vshlq_n_u8(h1, 3), bit4));
            h0 = vshrq_n_u8(h0, 2);
            h1 = vshrq_n_u8(h1, 2);
        }
        const int8_t *a = y->qs + 64 * p;
        const int32x4_t s0 = dot16(D16(vreinterpretq_s8_u8(a0), a), vreinterpretq_s8_u8(a1),
                                   vld1q_s8(a + 16));
        const int32x4_t s1 = dot16(D16(vreinterpretq_s8_u8(b0), a + 32), vreinterpretq_s8_u8(b1),
                                   vld1q_s8(a + 48));
        is = vmlaq_n_s32(is, s0, sc[2 * p]);
        is = vmlaq_n_s32(is, s1, sc[2 * p + 1]);
    }
    const float d = h2f(ld16(b)), dmin = h2f(ld16(b + 2));
    return (y->d * d) * (float)vaddvq_s32(is) - (y->d * dmin) * (float)msum;
}

TGT INLINE float sb_q6_k(const uint8_t *b, const q8k *y) {
    const int8_t *sc = (const int8_t *)(b + 192);
    int32x4_t is = vdupq_n_s32(0);
    for (int h = 0; h < 2; h++) {
        for (int half = 0; half < 2; half++) {      /* l = 16 half .. 16 half + 15 */
            const uint8x16_t qh = vld1q_u8(b + 128 + 32 * h + 16 * half);
            const uint8x16_t l0 = vld1q_u8(b + 64 * h + 16 * half);
            const uint8x16_t l1 = vld1q_u8(b + 64 * h + 32 + 16 * half);
            for (int s = 0; s < 4; s++) {
                const uint8x16_t l = (s & 1) ? l1 : l0;
                const uint8x16_t low = (s >> 1) ? vshrq_n_u8(l, 4) : vandq_u8(l, vdupq_n_u8(0x0F));
                const uint8x16_t high =
                    vandq_u8(vshlq_u8(qh, vdupq_n_s8((int8_t)(4 - 2 * s))), vdupq_n_u8(0x30));
                const int8x16_t w = vsubq_s8(vreinterpretq_s8_u8(vorrq_u8(low, high)),
                                             vdupq_n_s8(32));
                const int e = 128 * h + 32 * s + 16 * half;     /* sub-block e / 16 */
                is = vmlaq_n_s32(is, D16(w, y->qs + e), sc[e / 16]);
            }
        }
    }
    return (y->d * h2f(ld16(b + 208))) * (float)vaddvq_s32(is);
}

enum { K2, K3, K4, K5, K6 };

TGT INLINE float dot_k(const int T, int64_t n, const uint8_t *w, const uint8_t *a) {
    const int wsize = T == K2 ? 84 : T == K3 ? 110 : T == K4 ? 144 : T == K5 ? 176 : 210;
    float sum = 0;
    for (int64_t i = 0; i < n / 256; i++) {
        const uint8_t *b = w + i * wsize;
        const q8k *y = (const q8k *)a + i;
        switch (T) {
        case K2: sum += sb_q2_k(b, y); break;
        case K3: sum += sb_q3_k(b, y); break;
        case K4: sum += sb_q45_k(b, b + 16, NULL, y); break;
        case K5: sum += sb_q45_k(b, b + 48, b + 16, y); break;
        default: sum += sb_q6_k(b, y); break;
        }
    }
    return sum;
}

#define DEFINE(name, body)                                                                     \
    TGT static float dot_##name(int64_t n, const void *w, const void *a) { return body; }      \
    TGT static L4A_VECDOT_TILE_FROM_DOT(tile_##name, dot_##name)

DEFINE(q4_0, dot32(T40, n, w, a))
DEFINE(q4_1, dot32(T41, n, w, a))
DEFINE(q5_0, dot32(T50, n, w, a))
DEFINE(q5_1, dot32(T51, n, w, a))
DEFINE(q8_0, dot32(T80, n, w, a))
DEFINE(q2_k, dot_k(K2, n, w, a))
DEFINE(q3_k, dot_k(K3, n, w, a))
DEFINE(q4_k, dot_k(K4, n, w, a))
DEFINE(q5_k, dot_k(K5, n, w, a))
DEFINE(q6_k, dot_k(K6, n, w, a))

#if !USE_SDOT
/* ---- float types (no byte products: only in neon.c) */

TGT INLINE float32x4_t ld_f16(const uint16_t *p) {
    return vcvt_f32_f16(vreinterpret_f16_u16(vld1_u16(p)));
}
TGT INLINE float32x4_t ld_bf16(const uint16_t *p) {
    return vreinterpretq_f32_u32(vshll_n_u16(vld1_u16(p), 16));
}
TGT INLINE float bf2f(uint16_t h) {
    const uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

#define FLOAT_DOT(name, T, LOAD, SCALAR)                                                       \
    TGT static float dot_##name(int64_t n, const void *w, const void *a) {                     \
        const T *x = w, *y = a;                                                                \
        float32x4_t s0 = vdupq_n_f32(0), s1 = s0, s2 = s0, s3 = s0;                            \
        int64_t i = 0;                                                                         \
        for (; i + 16 <= n; i += 16) {                                                         \
            s0 = vfmaq_f32(s0, LOAD(x + i), LOAD(y + i));                                      \
            s1 = vfmaq_f32(s1, LOAD(x + i + 4), LOAD(y + i + 4));                              \
            s2 = vfmaq_f32(s2, LOAD(x + i + 8), LOAD(y + i + 8));                              \
            s3 = vfmaq_f32(s3, LOAD(x + i + 12), LOAD(y + i + 12));                            \
        }                                                                                      \
        for (; i + 4 <= n; i += 4) s0 = vfmaq_f32(s0, LOAD(x + i), LOAD(y + i));               \
        float sum = vaddvq_f32(vaddq_f32(vaddq_f32(s0, s1), vaddq_f32(s2, s3)));               \
        for (; i < n; i++) sum += SCALAR(x[i]) * SCALAR(y[i]);                                 \
        return sum;                                                                            \
    }                                                                                          \
    TGT static L4A_VECDOT_TILE_FROM_DOT(tile_##name, dot_##name)

#define ID(v) (v)
FLOAT_DOT(f32, float, vld1q_f32, ID)
FLOAT_DOT(f16, uint16_t, ld_f16, h2f)
FLOAT_DOT(bf16, uint16_t, ld_bf16, bf2f)

/* ---- activation quantizers, byte for byte the reference's (src/quant/q8_*.c):
 * FMAXNM ignores NaN as fmaxf does; FRINTA rounds halves away from zero as roundf; FCVTZS
 * turns NaN into 0 and saturates, then the clamp to [-127, 127] of l4a_f2i_clamp. */

TGT INLINE float amax_n(const float *x, int n) {
    float32x4_t m = vdupq_n_f32(0);
    for (int j = 0; j < n; j += 4) m = vmaxnmq_f32(m, vabsq_f32(vld1q_f32(x + j)));
    return vmaxnmvq_f32(m);
}

/* 16 quants of x * id; returns their sum */
TGT INLINE int quantize16(const float *x, float id, int8_t *q) {
    int32x4_t v[4];
    for (int k = 0; k < 4; k++) {
        const int32x4_t r = vcvtq_s32_f32(vrndaq_f32(vmulq_n_f32(vld1q_f32(x + 4 * k), id)));
        v[k] = vmaxq_s32(vminq_s32(r, vdupq_n_s32(127)), vdupq_n_s32(-127));
    }
    const int16x8_t lo = vcombine_s16(vmovn_s32(v[0]), vmovn_s32(v[1]));
    const int16x8_t hi = vcombine_s16(vmovn_s32(v[2]), vmovn_s32(v[3]));
    vst1q_s8(q, vcombine_s8(vmovn_s16(lo), vmovn_s16(hi)));
    return vaddvq_s32(vaddq_s32(vaddq_s32(v[0], v[1]), vaddq_s32(v[2], v[3])));
}

TGT static void quantize_q8_0(const float *x, void *y, int64_t n) {
    l4a_block_q8_0 *b = y;
    for (int64_t i = 0; i < n / 32; i++, x += 32) {
        const float d = amax_n(x, 32) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = l4a_f32_to_f16(d);
        quantize16(x, id, b[i].qs);
        quantize16(x + 16, id, b[i].qs + 16);
    }
}

TGT static void quantize_q8_1(const float *x, void *y, int64_t n) {
    l4a_block_q8_1 *b = y;
    for (int64_t i = 0; i < n / 32; i++, x += 32) {
        const float d = amax_n(x, 32) / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        const int sum = quantize16(x, id, b[i].qs) + quantize16(x + 16, id, b[i].qs + 16);
        b[i].d = l4a_f32_to_f16(d);
        b[i].s = l4a_f32_to_f16(d * (float)sum);
    }
}

TGT static void quantize_q8_k(const float *x, void *y, int64_t n) {
    l4a_block_q8_k *b = y;
    for (int64_t i = 0; i < n / 256; i++, x += 256) {
        const float amax = amax_n(x, 256);
        const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
        b[i].d = amax > 0.0f ? amax / 127.0f : 0.0f;
        for (int g = 0; g < 16; g++)
            b[i].bsums[g] = (int16_t)quantize16(x + 16 * g, id, b[i].qs + 16 * g);
    }
}
#endif

void FILL_FN(l4a_vecdot *t) {
#define SET(W, name)                                                                           \
    t[L4A_TYPE_##W].dot = dot_##name;                                                          \
    t[L4A_TYPE_##W].dot_tile = tile_##name;                                                    \
    t[L4A_TYPE_##W].isa = ISA_NAME;
    SET(Q4_0, q4_0)
    SET(Q4_1, q4_1)
    SET(Q5_0, q5_0)
    SET(Q5_1, q5_1)
    SET(Q8_0, q8_0)
    SET(Q2_K, q2_k)
    SET(Q3_K, q3_k)
    SET(Q4_K, q4_k)
    SET(Q5_K, q5_k)
    SET(Q6_K, q6_k)
#if !USE_SDOT
    SET(F32, f32)
    SET(F16, f16)
    SET(BF16, bf16)
    for (int type = 0; type < L4A_TYPE_COUNT; type++) {
        if (!t[type].dot) continue;
        switch (t[type].act_type) {
        case L4A_TYPE_Q8_0: t[type].quantize_act = quantize_q8_0; break;
        case L4A_TYPE_Q8_1: t[type].quantize_act = quantize_q8_1; break;
        case L4A_TYPE_Q8_K: t[type].quantize_act = quantize_q8_k; break;
        default: break;
        }
    }
#endif
#undef SET
}
