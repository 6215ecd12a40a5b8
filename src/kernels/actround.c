/*
 * actround.c - rounding of activations to the format a weight type's integer dot product
 * reads, as ggml (llama.cpp's CPU backend) does before every matmul with a quantized weight.
 *
 * ggml does not multiply quantized weights with float activations: it first quantizes each
 * activation row to 8-bit blocks ("vec_dot_type"), then takes integer dot products. The
 * result equals the float dot product of the dequantized weight with the dequantized
 * activation (up to float summation order), so rounding x to that grid and then running our
 * float product reproduces ggml's numbers; and it is the arithmetic an int8 SIMD kernel
 * will use, so the reference and the fast path agree. Formats (ggml-quants.c, x86 paths):
 *
 *  Q8_0 / Q8_1 (weights Q4_0, Q5_0, Q8_0 / Q4_1, Q5_1): blocks of 32, d = max|x| / 127 stored
 *    as f16, q = round-half-even(x * 127 / max|x|), x' = q * f16(d). (Q8_1 also stores
 *    f16(d * sum q) for the weight's minimum term; we use sum x', which differs by at most
 *    one f16 rounding of that sum.)
 *  Q8_K (weights Q2_K .. Q6_K): blocks of 256, with m the value of largest magnitude,
 *    s = -127 / m, q = min(127, round-half-even(s * x)), x' = q / s (an f32 scale).
 *  F16, BF16 weights: x' = x rounded to the same 16-bit format.
 *  F32 weights: x' = x.
 */
#include "kernels/kernels.h"

#include <math.h>
#include <string.h>

l4a_act_rounding l4a_act_rounding_of(uint32_t weight_type) {
    switch (weight_type) {
    case L4A_TYPE_Q4_0: case L4A_TYPE_Q4_1: case L4A_TYPE_Q5_0: case L4A_TYPE_Q5_1:
    case L4A_TYPE_Q8_0: case L4A_TYPE_Q8_1:
        return L4A_ACT_ROUND_Q8_0;
    case L4A_TYPE_Q2_K: case L4A_TYPE_Q3_K: case L4A_TYPE_Q4_K: case L4A_TYPE_Q5_K:
    case L4A_TYPE_Q6_K: case L4A_TYPE_Q8_K:
        return L4A_ACT_ROUND_Q8_K;
    case L4A_TYPE_F16: return L4A_ACT_ROUND_F16;
    case L4A_TYPE_BF16: return L4A_ACT_ROUND_BF16;
    default: return L4A_ACT_ROUND_NONE;
    }
}

int64_t l4a_act_rounding_block(l4a_act_rounding r) {
    return r == L4A_ACT_ROUND_Q8_0 ? 32 : r == L4A_ACT_ROUND_Q8_K ? 256 : 1;
}

static void round_q8_0(float *y, const float *x, int64_t n) {
    for (int64_t b = 0; b < n; b += 32) {
        float amax = 0.0f;
        for (int j = 0; j < 32; j++) amax = fmaxf(amax, fabsf(x[b + j]));
        const float d = l4a_f16_to_f32(l4a_f32_to_f16(amax / 127.0f));
        const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
        for (int j = 0; j < 32; j++) y[b + j] = nearbyintf(x[b + j] * id) * d;
    }
}

static void round_q8_k(float *y, const float *x, int64_t n) {
    for (int64_t b = 0; b < n; b += 256) {
        float amax = 0.0f, m = 0.0f;
        for (int j = 0; j < 256; j++)
            if (fabsf(x[b + j]) > amax) {
                amax = fabsf(x[b + j]);
                m = x[b + j];
            }
        if (amax == 0.0f) {
            memset(y + b, 0, 256 * sizeof(float));
            continue;
        }
        const float s = -127.0f / m, d = 1.0f / s;
        for (int j = 0; j < 256; j++) y[b + j] = fminf(127.0f, nearbyintf(s * x[b + j])) * d;
    }
}

void l4a_act_round(float *y, const float *x, int64_t n, l4a_act_rounding r) {
    switch (r) {
    case L4A_ACT_ROUND_Q8_0: round_q8_0(y, x, n); break;
    case L4A_ACT_ROUND_Q8_K: round_q8_k(y, x, n); break;
    case L4A_ACT_ROUND_F16:
        for (int64_t i = 0; i < n; i++) y[i] = l4a_f16_to_f32(l4a_f32_to_f16(x[i]));
        break;
    case L4A_ACT_ROUND_BF16:
        for (int64_t i = 0; i < n; i++) y[i] = l4a_bf16_to_f32(l4a_f32_to_bf16(x[i]));
        break;
    case L4A_ACT_ROUND_NONE:
        if (y != x) memcpy(y, x, (size_t)n * sizeof(float));
        break;
    }
}
