/*
 * q8_k.c - Q8_K: the activation format of the K-quant dot products: 256 values as signed
 * bytes with an f32 scale and the sum of each group of 16 quants. Never stored in GGUF files
 * (type id 15 exists there only as a number).
 *
 * Not SIMD, not the block struct (blocks.h).
 *
 * Block layout (292 bytes, l4a_block_q8_k):
 *   d          f32   scale
 *   qs[256]    i8    quants, in element order
 *   bsums[16]  i16   bsums[g] = sum of qs[16g .. 16g+15] (lets a dot with a block that has
 *                    mins, Q2_K/Q4_K/Q5_K, add the min term without a second pass)
 * Value: y[i] = d * q[i].
 *
 * Quantizer (ours): d = max|x| / 127, q = roundf(x / d) in -127..127 (computed as x * (127 /
 * max|x|)). d is not rounded to f16, so the error is <= d / 2 up to float rounding.
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <math.h>

static inline void dequant_block(const l4a_block_q8_k *b, float *y) {
    for (int i = 0; i < L4A_QK_K; i++) y[i] = b->d * (float)b->qs[i];
}

void l4a_q8_k_to_float(const void *x, float *y, int64_t n) {
    const l4a_block_q8_k *b = x;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) dequant_block(&b[i], y + i * L4A_QK_K);
}

float l4a_q8_k_dot_f32(const void *x, const float *y, int64_t n) {
    const l4a_block_q8_k *b = x;
    float tmp[L4A_QK_K], sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        dequant_block(&b[i], tmp);
        sum += l4a_ref_dot(tmp, y + i * L4A_QK_K, L4A_QK_K);
    }
    return sum;
}

void l4a_q8_k_from_float(const float *x, void *y, int64_t n) {
    l4a_block_q8_k *b = y;
    for (int64_t i = 0; i < n / L4A_QK_K; i++, x += L4A_QK_K) {
        float amax = 0.0f;
        for (int j = 0; j < L4A_QK_K; j++) amax = fmaxf(amax, fabsf(x[j]));
        const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
        b[i].d = amax > 0.0f ? amax / 127.0f : 0.0f;
        for (int g = 0; g < L4A_QK_K / 16; g++) {
            int sum = 0;
            for (int l = 0; l < 16; l++) {
                const int q = l4a_f2i_clamp(roundf(x[16 * g + l] * id), -127, 127);
                b[i].qs[16 * g + l] = (int8_t)q;
                sum += q;
            }
            b[i].bsums[g] = (int16_t)sum;
        }
    }
}
