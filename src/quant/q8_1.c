/*
 * q8_1.c - Q8_1: Q8_0 plus the block sum, an activation format (never in GGUF files).
 *
 * Not SIMD, not the block struct (blocks.h). Dot products of Q4_1/Q5_1 weights with Q8_1
 * activations use s: sum_i (d_w q_w[i] + m) * d_a q_a[i] = d_w d_a sum q_w q_a + m * s.
 *
 * Block layout (36 bytes, l4a_block_q8_1), GGUF type id 9 (as in current ggml; the gguf
 * Python package's size table still says 40, an older layout with f32 d and s):
 *   d       f16   scale
 *   s       f16   d * sum(q), with d before rounding to f16
 *   qs[32]  i8    quants
 * Value: y[i] = q[i] * d.
 *
 * Quantizer: as Q8_0 (d = max|x| / 127, q = roundf(x / d)), error <= d / 2 plus the rounding
 * of d to f16.
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <math.h>

static inline void dequant_block(const l4a_block_q8_1 *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    for (int i = 0; i < L4A_QK8_1; i++) y[i] = (float)b->qs[i] * d;
}

void l4a_q8_1_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q8_1 *b = x;
    for (int64_t i = 0; i < n / L4A_QK8_1; i++) dequant_block(&b[i], y + i * L4A_QK8_1);
}

float l4a_q8_1_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q8_1 *b = x;
    float tmp[L4A_QK8_1], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK8_1; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK8_1, L4A_QK8_1);
    }
    return sum;
}

void l4a_q8_1_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q8_1 *b = y;
    for (int64_t i = 0; i < n / L4A_QK8_1; i++, x += L4A_QK8_1) {
        float amax = 0.0f;
        for (int j = 0; j < L4A_QK8_1; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        int sum = 0;
        for (int j = 0; j < L4A_QK8_1; j++) {
            const int qi = l4a_f2i_clamp(roundf(x[j] * id), -127, 127);
            b[i].qs[j] = (int8_t)qi;
            sum += qi;
        }
        b[i].d = l4a_f32_to_f16(d);
        b[i].s = l4a_f32_to_f16(d * (float)sum);
    }
}
