/*
 * q6_k.c - Q6_K: super-blocks of 256 weights in 16 sub-blocks of 16, 6-bit signed quants,
 * each sub-block with a signed 8-bit scale under one f16 super-scale (6.5625 bits per weight).
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (210 bytes, l4a_block_q6_k), GGUF type 14:
 *   ql[128]     u8    low 4 bits of the quant of element 128h + 64t + l (h, t = 0..1,
 *                     l = 0..63) in the low (t = 0) or high (t = 1) nibble of ql[64h + l]
 *   qh[64]      u8    high 2 bits of the quant of element 128h + 32s + l (s = 0..3,
 *                     l = 0..31) in bits 2s..2s+1 of qh[32h + l]
 *   scales[16]  i8    scale of sub-block k (elements 16k .. 16k+15)
 *   d           f16   super-scale
 * Value: y = (d * scales[k]) * (q - 32), q in 0..63.
 *
 * Quantizer: ours (kquant.c): symmetric, positive scales (1..127), step of sub-block k in
 * [s_k, s_k + d] with s_k = max|x| / 31.5, every element within half a step.
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <string.h>

static inline void dequant_block(const l4a_block_q6_k *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    for (int h = 0; h < 2; h++) {
        const uint8_t *ql = b->ql + 64 * h, *qh = b->qh + 32 * h;
        const int8_t *sc = b->scales + 8 * h;
        float *out = y + 128 * h;
        /* element 32s + l of this half: sub-block 2s + l / 16 */
        for (int s = 0; s < 4; s++) {
            const float d0 = d * (float)sc[2 * s], d1 = d * (float)sc[2 * s + 1];
            for (int l = 0; l < 32; l++) {
                const int low = (ql[32 * (s & 1) + l] >> (4 * (s >> 1))) & 0x0F;
                const int high = (qh[l] >> (2 * s)) & 3;
                out[32 * s + l] = (l < 16 ? d0 : d1) * (float)((low | (high << 4)) - 32);
            }
        }
    }
}

void l4a_q6_k_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q6_k *b = x;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) dequant_block(&b[i], y + i * L4A_QK_K);
}

float l4a_q6_k_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q6_k *b = x;
    float tmp[L4A_QK_K], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK_K, L4A_QK_K);
    }
    return sum;
}

void l4a_q6_k_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q6_k *b = y;
    for (int64_t i = 0; i < n / L4A_QK_K; i++, x += L4A_QK_K) {
        uint8_t sc[16];
        float step[16];
        int8_t q[L4A_QK_K];
        l4a_k_plan_sym(x, 16, 16, 127, 31, sc, step, &b[i].d);
        for (int k = 0; k < 16; k++) {
            l4a_k_quantize_sym(x + 16 * k, 16, step[k], 31, q + 16 * k);
            b[i].scales[k] = (int8_t)sc[k];
        }
        memset(b[i].ql, 0, sizeof b[i].ql);
        memset(b[i].qh, 0, sizeof b[i].qh);
        for (int e = 0; e < L4A_QK_K; e++) {
            const int u = q[e] + 32;    /* 0..63 */
            const int h = e / 128, r = e % 128;
            /* low 4 bits: nibble r / 64 of ql[64h + r % 64];
             * high 2 bits: bits 2 (r / 32) of qh[32h + r % 32] */
            b[i].ql[64 * h + r % 64] |= (uint8_t)((u & 0x0F) << (4 * (r / 64)));
            b[i].qh[32 * h + r % 32] |= (uint8_t)((u >> 4) << (2 * (r / 32)));
        }
    }
}
