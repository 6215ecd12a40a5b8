/*
 * q4_0.c - Q4_0: blocks of 32 weights at 4 bits with one f16 scale (4.5 bits per weight).
 *
 * Not SIMD (later kernels must agree with these), not the block struct (blocks.h).
 *
 * Block layout (18 bytes, l4a_block_q4_0), GGUF type 2:
 *   d       f16   scale
 *   qs[16]  u8    quant of element i (0..15) in the low nibble of qs[i],
 *                 quant of element i + 16 in its high nibble
 * Value: y[i] = d * (q[i] - 8), q in 0..15, so a block spans d * [-8, 7].
 *
 * Quantizer (the one ggml's reference and gguf.quants use, so our bytes match theirs): the
 * element of largest magnitude, `max` with its sign, takes the end of the range with 8 steps:
 * d = max / -8, q = min(15, trunc(x / d + 8.5)) - computed as x * (1/d) in float.
 * Every element but the extreme one lands on its nearest level: error <= |d| / 2 (plus the
 * rounding of d to f16).
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <math.h>

static inline void dequant_block(const l4a_block_q4_0 *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    for (int i = 0; i < L4A_QK4_0 / 2; i++) {
        y[i] = d * (float)((b->qs[i] & 0x0F) - 8);
        y[i + L4A_QK4_0 / 2] = d * (float)((b->qs[i] >> 4) - 8);
    }
}

void l4a_q4_0_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q4_0 *b = x;
    for (int64_t i = 0; i < n / L4A_QK4_0; i++) dequant_block(&b[i], y + i * L4A_QK4_0);
}

float l4a_q4_0_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q4_0 *b = x;
    float tmp[L4A_QK4_0], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK4_0; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK4_0, L4A_QK4_0);
    }
    return sum;
}

void l4a_q4_0_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q4_0 *b = y;
    for (int64_t i = 0; i < n / L4A_QK4_0; i++, x += L4A_QK4_0) {
        float amax = 0.0f, max = 0.0f;      /* first element of largest |x|, signed */
        for (int j = 0; j < L4A_QK4_0; j++) {
            if (fabsf(x[j]) > amax) {
                amax = fabsf(x[j]);
                max = x[j];
            }
        }
        const float d = max / -8.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = l4a_f32_to_f16(d);
        for (int j = 0; j < L4A_QK4_0 / 2; j++) {
            const int q0 = l4a_f2i_clamp(x[j] * id + 8.5f, 0, 15);
            const int q1 = l4a_f2i_clamp(x[j + L4A_QK4_0 / 2] * id + 8.5f, 0, 15);
            b[i].qs[j] = (uint8_t)(q0 | (q1 << 4));
        }
    }
}
