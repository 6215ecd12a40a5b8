/*
 * q5_k.c - Q5_K: super-blocks of 256 weights in 8 sub-blocks of 32, 5-bit quants, each
 * sub-block with a 6-bit scale and a 6-bit min under two f16 super-scales (5.5 bits per
 * weight).
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (176 bytes, l4a_block_q5_k), GGUF type 13:
 *   d           f16   scale of the sub-block scales
 *   dmin        f16   scale of the sub-block mins
 *   scales[12]  u8    sc[j], m[j], 6 bits each, packed as in Q4_K (l4a_k_get_scale_min)
 *   qh[32]      u8    bit 4 of the quant of element 32b + l is bit b of qh[l] (b = 0..7)
 *   qs[128]     u8    low 4 bits, as Q4_K: element 64c + l (l < 32) in the low nibble of
 *                     qs[32c + l], element 64c + 32 + l in its high nibble
 * Value, element of sub-block j: y = (d * sc[j]) * q - (dmin * m[j]), q in 0..31.
 *
 * Quantizer: ours, as Q4_K's (kquant.c) with 32 levels: each sub-block's step is in
 * [s_j, s_j + d] with s_j = (hi_j + dmin m_j) / 31, and every element is within half a step.
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <string.h>

static inline void dequant_block(const l4a_block_q5_k *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    const float dmin = l4a_f16_to_f32(b->dmin);
    for (int c = 0; c < 4; c++) {               /* sub-blocks 2c (low nibbles), 2c+1 (high) */
        uint8_t sc0, m0, sc1, m1;
        l4a_k_get_scale_min(b->scales, 2 * c, &sc0, &m0);
        l4a_k_get_scale_min(b->scales, 2 * c + 1, &sc1, &m1);
        const float d0 = d * (float)sc0, o0 = dmin * (float)m0;
        const float d1 = d * (float)sc1, o1 = dmin * (float)m1;
        const uint8_t *q = b->qs + 32 * c;
        float *y0 = y + 64 * c, *y1 = y + 64 * c + 32;
        for (int l = 0; l < 32; l++) {
            const int h0 = (b->qh[l] >> (2 * c)) & 1;      /* element 64c + l: bit 2c */
            const int h1 = (b->qh[l] >> (2 * c + 1)) & 1;  /* element 64c + 32 + l */
            y0[l] = d0 * (float)((q[l] & 0x0F) | (h0 << 4)) - o0;
            y1[l] = d1 * (float)((q[l] >> 4) | (h1 << 4)) - o1;
        }
    }
}

void l4a_q5_k_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q5_k *b = x;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) dequant_block(&b[i], y + i * L4A_QK_K);
}

float l4a_q5_k_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q5_k *b = x;
    float tmp[L4A_QK_K], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK_K, L4A_QK_K);
    }
    return sum;
}

void l4a_q5_k_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q5_k *b = y;
    for (int64_t i = 0; i < n / L4A_QK_K; i++, x += L4A_QK_K) {
        uint8_t sc[8], m[8], q[L4A_QK_K];
        float step[8], off[8];
        l4a_k_plan_asym(x, 8, 32, 63, 31, sc, m, step, off, &b[i].d, &b[i].dmin);
        for (int j = 0; j < 8; j++) l4a_k_quantize_asym(x + 32 * j, 32, step[j], off[j], 31,
                                                        q + 32 * j);
        memset(b[i].scales, 0, sizeof b[i].scales);
        for (int j = 0; j < 8; j++) l4a_k_set_scale_min(b[i].scales, j, sc[j], m[j]);
        memset(b[i].qh, 0, sizeof b[i].qh);
        for (int c = 0; c < 4; c++) {
            for (int l = 0; l < 32; l++) {
                const int q0 = q[64 * c + l], q1 = q[64 * c + 32 + l];
                b[i].qs[32 * c + l] = (uint8_t)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
                b[i].qh[l] |= (uint8_t)(((q0 >> 4) << (2 * c)) | ((q1 >> 4) << (2 * c + 1)));
            }
        }
    }
}
