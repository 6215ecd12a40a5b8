/*
 * q2_k.c - Q2_K: super-blocks of 256 weights in 16 sub-blocks of 16, 2-bit quants, each
 * sub-block with a 4-bit scale and a 4-bit min under two f16 super-scales (2.625 bits per
 * weight).
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (84 bytes, l4a_block_q2_k), GGUF type 10:
 *   scales[16]  u8    sub-block j: scale in the low nibble of scales[j], min in the high
 *   qs[64]      u8    quant of element 128h + 32s + l (h = 0..1, s = 0..3, l = 0..31) in
 *                     bits 2s..2s+1 of qs[32h + l]
 *   d           f16   scale of the scales
 *   dmin        f16   scale of the mins
 * Value, element i in sub-block j = i / 16: y = (d * sc[j]) * q - (dmin * m[j]), q in 0..3.
 *
 * Quantizer: ours (kquant.c): min/max ranges with scales rounded up; each sub-block's step is
 * in [s_j, s_j + d] with s_j = (hi_j + dmin m_j) / 3, every element within half a step.
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <string.h>

static inline void dequant_block(const l4a_block_q2_k *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    const float dmin = l4a_f16_to_f32(b->dmin);
    for (int h = 0; h < 2; h++) {
        for (int s = 0; s < 4; s++) {
            /* elements 128h + 32s + l: sub-blocks j (l < 16) and j + 1 */
            const int j = 8 * h + 2 * s;
            const float d0 = d * (float)(b->scales[j] & 0x0F);
            const float o0 = dmin * (float)(b->scales[j] >> 4);
            const float d1 = d * (float)(b->scales[j + 1] & 0x0F);
            const float o1 = dmin * (float)(b->scales[j + 1] >> 4);
            const uint8_t *q = b->qs + 32 * h;
            float *out = y + 128 * h + 32 * s;
            for (int l = 0; l < 16; l++) out[l] = d0 * (float)((q[l] >> (2 * s)) & 3) - o0;
            for (int l = 16; l < 32; l++) out[l] = d1 * (float)((q[l] >> (2 * s)) & 3) - o1;
        }
    }
}

void l4a_q2_k_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q2_k *b = x;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) dequant_block(&b[i], y + i * L4A_QK_K);
}

float l4a_q2_k_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q2_k *b = x;
    float tmp[L4A_QK_K], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK_K, L4A_QK_K);
    }
    return sum;
}

void l4a_q2_k_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q2_k *b = y;
    for (int64_t i = 0; i < n / L4A_QK_K; i++, x += L4A_QK_K) {
        uint8_t sc[16], m[16], q[L4A_QK_K];
        float step[16], off[16];
        l4a_k_plan_asym(x, 16, 16, 15, 3, sc, m, step, off, &b[i].d, &b[i].dmin);
        for (int j = 0; j < 16; j++) {
            l4a_k_quantize_asym(x + 16 * j, 16, step[j], off[j], 3, q + 16 * j);
            b[i].scales[j] = (uint8_t)(sc[j] | (m[j] << 4));
        }
        memset(b[i].qs, 0, sizeof b[i].qs);
        for (int e = 0; e < L4A_QK_K; e++) {
            const int h = e / 128, s = (e / 32) % 4, l = e % 32;
            b[i].qs[32 * h + l] |= (uint8_t)(q[e] << (2 * s));
        }
    }
}
