/*
 * q4_k.c - Q4_K: super-blocks of 256 weights in 8 sub-blocks of 32, 4-bit quants, each
 * sub-block with a 6-bit scale and a 6-bit min under two f16 super-scales (4.5 bits per
 * weight). Also the 6-bit scale/min packing shared with Q5_K.
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (144 bytes, l4a_block_q4_k), GGUF type 12:
 *   d           f16   scale of the sub-block scales
 *   dmin        f16   scale of the sub-block mins
 *   scales[12]  u8    sc[j], m[j] for j = 0..7, 6 bits each:
 *                     j < 4:  sc[j] = scales[j] & 63,  m[j] = scales[j + 4] & 63
 *                     j >= 4: sc[j] = (scales[j + 4] & 15) | (scales[j - 4] >> 6) << 4
 *                             m[j]  = (scales[j + 4] >> 4) | (scales[j] >> 6) << 4
 *   qs[128]     u8    element 64c + l (c = 0..3, l = 0..31) in the low nibble of qs[32c + l],
 *                     element 64c + 32 + l in its high nibble
 * Value, element i of sub-block j: y = (d * sc[j]) * q - (dmin * m[j]), q in 0..15, each
 * product rounded to float in that order (as gguf.quants computes it).
 *
 * Quantizer (ours; simple and with a worst-case bound, not ggml's iterative search): per
 * sub-block, the levels must reach down to lo = min(0, min x) (mins are subtracted and
 * unsigned) and up to hi = max x:
 *   dmin = smallest f16 >= max_j(-lo_j) / 63,  m_j = ceil(-lo_j / dmin)   -> offset >= -lo_j
 *   s_j  = (hi_j + dmin m_j) / 15,  d = smallest f16 >= max_j s_j / 63,  sc_j = ceil(s_j / d)
 * so each sub-block's step d sc_j is in [s_j, s_j + d] and its 16 levels cover [lo_j, hi_j];
 * every element then takes its nearest level: error <= (d sc_j) / 2. Inputs beyond what f16
 * super-scales can hold (|x| above ~6e7) are clamped.
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <string.h>

void l4a_k_get_scale_min(const uint8_t *scales, int j, uint8_t *sc, uint8_t *m) {
    if (j < 4) {
        *sc = scales[j] & 63;
        *m = scales[j + 4] & 63;
    } else {
        *sc = (uint8_t)((scales[j + 4] & 0x0F) | ((scales[j - 4] >> 6) << 4));
        *m = (uint8_t)((scales[j + 4] >> 4) | ((scales[j] >> 6) << 4));
    }
}

void l4a_k_set_scale_min(uint8_t *scales, int j, uint8_t sc, uint8_t m) {
    if (j < 4) {
        scales[j] = (uint8_t)((scales[j] & 0xC0) | (sc & 63));
        scales[j + 4] = (uint8_t)((scales[j + 4] & 0xC0) | (m & 63));
    } else {
        scales[j + 4] = (uint8_t)((sc & 0x0F) | ((m & 0x0F) << 4));
        scales[j - 4] = (uint8_t)((scales[j - 4] & 0x3F) | ((sc >> 4) << 6));
        scales[j] = (uint8_t)((scales[j] & 0x3F) | ((m >> 4) << 6));
    }
}

static inline void dequant_block(const l4a_block_q4_k *b, float *y) {
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
            y0[l] = d0 * (float)(q[l] & 0x0F) - o0;
            y1[l] = d1 * (float)(q[l] >> 4) - o1;
        }
    }
}

void l4a_q4_k_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q4_k *b = x;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) dequant_block(&b[i], y + i * L4A_QK_K);
}

float l4a_q4_k_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q4_k *b = x;
    float tmp[L4A_QK_K], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK_K, L4A_QK_K);
    }
    return sum;
}

void l4a_q4_k_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q4_k *b = y;
    for (int64_t i = 0; i < n / L4A_QK_K; i++, x += L4A_QK_K) {
        uint8_t sc[8], m[8], q[L4A_QK_K];
        float step[8], off[8];
        l4a_k_plan_asym(x, 8, 32, 63, 15, sc, m, step, off, &b[i].d, &b[i].dmin);
        for (int j = 0; j < 8; j++) l4a_k_quantize_asym(x + 32 * j, 32, step[j], off[j], 15,
                                                        q + 32 * j);
        memset(b[i].scales, 0, sizeof b[i].scales);
        for (int j = 0; j < 8; j++) l4a_k_set_scale_min(b[i].scales, j, sc[j], m[j]);
        for (int c = 0; c < 4; c++)
            for (int l = 0; l < 32; l++)
                b[i].qs[32 * c + l] = (uint8_t)(q[64 * c + l] | (q[64 * c + 32 + l] << 4));
    }
}
