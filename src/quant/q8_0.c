/*
 * q8_0.c - Q8_0: blocks of 32 weights as signed bytes with one f16 scale (8.5 bits per
 * weight). Used for embeddings and output layers of small models, and as the activation format
 * of the 32-element dot products.
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (34 bytes, l4a_block_q8_0), GGUF type 8:
 *   d       f16   scale
 *   qs[32]  i8    quants, in element order
 * Value: y[i] = q[i] * d.
 *
 * Quantizer (as ggml's reference and gguf.quants): d = max|x| / 127, q = round(x / d) with
 * halves away from zero (roundf), computed as x * (1/d) in float. Error <= d / 2 plus the
 * rounding of d to f16 (at most 127 * |d - f16(d)| <= 127 * 2^-11 * d).
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <math.h>

static inline void dequant_block(const l4a_block_q8_0 *b, float *y) {
    const float d = l4a_f16_to_f32(b->d);
    for (int i = 0; i < L4A_QK8_0; i++) y[i] = (float)b->qs[i] * d;
}

void l4a_q8_0_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q8_0 *b = x;
    for (int64_t i = 0; i < n / L4A_QK8_0; i++) dequant_block(&b[i], y + i * L4A_QK8_0);
}

float l4a_q8_0_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q8_0 *b = x;
    float tmp[L4A_QK8_0], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK8_0; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK8_0, L4A_QK8_0);
    }
    return sum;
}

void l4a_q8_0_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q8_0 *b = y;
    for (int64_t i = 0; i < n / L4A_QK8_0; i++, x += L4A_QK8_0) {
        float amax = 0.0f;
        for (int j = 0; j < L4A_QK8_0; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        b[i].d = l4a_f32_to_f16(d);
        for (int j = 0; j < L4A_QK8_0; j++) {
            /* |x * id| <= 127 up to rounding, so the clamp only guards NaN and Inf */
            b[i].qs[j] = (int8_t)l4a_f2i_clamp(roundf(x[j] * id), -127, 127);
        }
    }
}
