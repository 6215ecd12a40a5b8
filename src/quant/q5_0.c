/*
 * q5_0.c - Q5_0: blocks of 32 weights at 5 bits with one f16 scale (5.5 bits per weight).
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (22 bytes, l4a_block_q5_0), GGUF type 6:
 *   d       f16   scale
 *   qh[4]   u8    a little-endian u32 whose bit i is bit 4 of the quant of element i
 *   qs[16]  u8    low 4 bits: element i (0..15) in the low nibble of qs[i], i + 16 in the high
 * Value: y[i] = d * (q[i] - 16), q in 0..31.
 *
 * Quantizer (as ggml's reference and gguf.quants): the element of largest magnitude, `max`
 * with its sign, gets q = 0: d = max / -16, q = min(31, trunc(x / d + 16.5)).
 * Error <= |d| / 2 plus the rounding of d to f16.
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <math.h>
#include <string.h>

static inline void dequant_block(const l4a_block_q5_0 *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    const uint32_t qh = l4a_load_u32le(b->qh);
    for (int i = 0; i < L4A_QK5_0 / 2; i++) {
        const int j = i + L4A_QK5_0 / 2;
        const int q0 = (b->qs[i] & 0x0F) | (int)(((qh >> i) & 1) << 4);
        const int q1 = (b->qs[i] >> 4) | (int)(((qh >> j) & 1) << 4);
        y[i] = d * (float)(q0 - 16);
        y[j] = d * (float)(q1 - 16);
    }
}

void l4a_q5_0_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q5_0 *b = x;
    for (int64_t i = 0; i < n / L4A_QK5_0; i++) dequant_block(&b[i], y + i * L4A_QK5_0);
}

float l4a_q5_0_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q5_0 *b = x;
    float tmp[L4A_QK5_0], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK5_0; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK5_0, L4A_QK5_0);
    }
    return sum;
}

void l4a_q5_0_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q5_0 *b = y;
    for (int64_t i = 0; i < n / L4A_QK5_0; i++, x += L4A_QK5_0) {
        float amax = 0.0f, max = 0.0f;
        for (int j = 0; j < L4A_QK5_0; j++) {
            if (fabsf(x[j]) > amax) {
                amax = fabsf(x[j]);
                max = x[j];
            }
        }
        const float d = max / -16.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = l4a_f32_to_f16(d);
        uint32_t qh = 0;
        for (int j = 0; j < L4A_QK5_0 / 2; j++) {
            const int k = j + L4A_QK5_0 / 2;
            const int q0 = l4a_f2i_clamp(x[j] * id + 16.5f, 0, 31);
            const int q1 = l4a_f2i_clamp(x[k] * id + 16.5f, 0, 31);
            b[i].qs[j] = (uint8_t)((q0 & 0x0F) | ((q1 & 0x0F) << 4));
            qh |= (uint32_t)(q0 >> 4) << j;
            qh |= (uint32_t)(q1 >> 4) << k;
        }
        memcpy(b[i].qh, &qh, 4);
    }
}
