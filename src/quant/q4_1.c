/*
 * q4_1.c - Q4_1: blocks of 32 weights at 4 bits with an f16 scale and an f16 minimum
 * (5 bits per weight).
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (20 bytes, l4a_block_q4_1), GGUF type 3:
 *   d       f16   scale
 *   m       f16   minimum (added)
 *   qs[16]  u8    element i (0..15) in the low nibble of qs[i], element i + 16 in the high
 * Value: y[i] = d * q[i] + m, q in 0..15 (float multiply, then add: no fused multiply-add).
 *
 * Quantizer (as ggml's reference and gguf.quants): the block's [min, max] in 15 steps,
 * d = (max - min) / 15, q = min(15, trunc((x - min) / d + 0.5)): the nearest level, error
 * <= d / 2 plus the rounding of d and min to f16.
 */
#include "quant/quant.h"
#include "quant/ref.h"

static inline void dequant_block(const l4a_block_q4_1 *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    const float m = l4a_f16_to_f32(b->m);
    for (int i = 0; i < L4A_QK4_1 / 2; i++) {
        y[i] = d * (float)(b->qs[i] & 0x0F) + m;
        y[i + L4A_QK4_1 / 2] = d * (float)(b->qs[i] >> 4) + m;
    }
}

void l4a_q4_1_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q4_1 *b = x;
    for (int64_t i = 0; i < n / L4A_QK4_1; i++) dequant_block(&b[i], y + i * L4A_QK4_1);
}

float l4a_q4_1_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q4_1 *b = x;
    float tmp[L4A_QK4_1], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK4_1; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK4_1, L4A_QK4_1);
    }
    return sum;
}

void l4a_q4_1_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q4_1 *b = y;
    for (int64_t i = 0; i < n / L4A_QK4_1; i++, x += L4A_QK4_1) {
        float min = x[0], max = x[0];
        for (int j = 1; j < L4A_QK4_1; j++) {
            if (x[j] < min) min = x[j];
            if (x[j] > max) max = x[j];
        }
        const float d = (max - min) / 15.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = l4a_f32_to_f16(d);
        b[i].m = l4a_f32_to_f16(min);
        for (int j = 0; j < L4A_QK4_1 / 2; j++) {
            const int q0 = l4a_f2i_clamp((x[j] - min) * id + 0.5f, 0, 15);
            const int q1 = l4a_f2i_clamp((x[j + L4A_QK4_1 / 2] - min) * id + 0.5f, 0, 15);
            b[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}
