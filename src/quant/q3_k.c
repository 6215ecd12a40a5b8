/*
 * q3_k.c - Q3_K: super-blocks of 256 weights in 16 sub-blocks of 16, 3-bit signed quants,
 * each sub-block with a signed 6-bit scale under one f16 super-scale (3.4375 bits per weight).
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (110 bytes, l4a_block_q3_k), GGUF type 11:
 *   hmask[32]   u8    bit 2 of the (offset) quant of element 32b + l is bit b of hmask[l]
 *   qs[64]      u8    low 2 bits of the quant of element 128h + 32s + l (h = 0..1, s = 0..3,
 *                     l = 0..31) in bits 2s..2s+1 of qs[32h + l]
 *   scales[12]  u8    16 6-bit values v[k], scale k = v[k] - 32:
 *                     low 4 bits:  k < 8: scales[k] & 15,   k >= 8: scales[k - 8] >> 4
 *                     high 2 bits: bits 2(k/4)..2(k/4)+1 of scales[8 + k % 4]
 *   d           f16   super-scale
 * Value, element i in sub-block k = i / 16: y = (d * (v[k] - 32)) * q with
 * q = low2 - (hbit ? 0 : 4), in -4..3 (the mask bit set means "no -4").
 *
 * Quantizer: ours (kquant.c): symmetric, positive scales (0..31 of the signed range), step of
 * sub-block k in [s_k, s_k + d] with s_k = max|x| / 3.5, every element within half a step.
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <string.h>

/* The signed scale of sub-block k (-32..31). */
static inline int get_scale(const uint8_t *scales, int k) {
    const int low = k < 8 ? scales[k] & 0x0F : scales[k - 8] >> 4;
    const int high = (scales[8 + k % 4] >> (2 * (k / 4))) & 3;
    return (low | (high << 4)) - 32;
}

static inline void set_scale(uint8_t *scales, int k, int scale) {
    const int v = scale + 32;           /* 0..63 */
    if (k < 8) scales[k] = (uint8_t)((scales[k] & 0xF0) | (v & 0x0F));
    else scales[k - 8] = (uint8_t)((scales[k - 8] & 0x0F) | ((v & 0x0F) << 4));
    const int sh = 2 * (k / 4);
    scales[8 + k % 4] = (uint8_t)((scales[8 + k % 4] & ~(3 << sh)) | ((v >> 4) << sh));
}

static inline void dequant_block(const l4a_block_q3_k *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    for (int h = 0; h < 2; h++) {
        for (int s = 0; s < 4; s++) {
            /* elements 128h + 32s + l: sub-blocks k (l < 16) and k + 1; mask bit 4h + s */
            const int k = 8 * h + 2 * s, bit = 4 * h + s;
            const float d0 = d * (float)get_scale(b->scales, k);
            const float d1 = d * (float)get_scale(b->scales, k + 1);
            const uint8_t *q = b->qs + 32 * h;
            float *out = y + 128 * h + 32 * s;
            for (int l = 0; l < 32; l++) {
                const int low = (q[l] >> (2 * s)) & 3;
                const int neg = ((b->hmask[l] >> bit) & 1) ? 0 : 4;
                out[l] = (l < 16 ? d0 : d1) * (float)(low - neg);
            }
        }
    }
}

void l4a_q3_k_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q3_k *b = x;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) dequant_block(&b[i], y + i * L4A_QK_K);
}

float l4a_q3_k_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q3_k *b = x;
    float tmp[L4A_QK_K], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK_K, L4A_QK_K);
    }
    return sum;
}

void l4a_q3_k_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q3_k *b = y;
    for (int64_t i = 0; i < n / L4A_QK_K; i++, x += L4A_QK_K) {
        uint8_t sc[16];
        float step[16];
        int8_t q[L4A_QK_K];
        l4a_k_plan_sym(x, 16, 16, 31, 3, sc, step, &b[i].d);
        memset(b[i].scales, 0, sizeof b[i].scales);
        for (int k = 0; k < 16; k++) {
            l4a_k_quantize_sym(x + 16 * k, 16, step[k], 3, q + 16 * k);
            set_scale(b[i].scales, k, sc[k]);
        }
        memset(b[i].qs, 0, sizeof b[i].qs);
        memset(b[i].hmask, 0, sizeof b[i].hmask);
        for (int e = 0; e < L4A_QK_K; e++) {
            const int u = q[e] + 4;     /* 0..7: bit 2 set exactly when q >= 0 */
            const int h = e / 128, s = (e / 32) % 4, l = e % 32;
            b[i].qs[32 * h + l] |= (uint8_t)((u & 3) << (2 * s));
            b[i].hmask[l] |= (uint8_t)((u >> 2) << (e / 32));
        }
    }
}
