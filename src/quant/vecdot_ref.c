/*
 * vecdot_ref.c - reference dot products of 32-element-block weights with 8-bit activations
 * (Q4_0, Q5_0, Q8_0 with Q8_0; Q4_1, Q5_1 with Q8_1), and of the float types with
 * activations of their own type (F16, BF16, F32). Contracts in vecdot_ref.h; bit layouts in
 * each format's file (q4_0.c ...).
 *
 * Not SIMD: written to be read, and to define the numbers the SIMD kernels must reproduce up
 * to float summation order. Per block of 32:
 *   Q4_0:  (d_w d_a) * sum (q_w - 8) q_a          |integer sum| <= 32 * 8 * 127
 *   Q5_0:  (d_w d_a) * sum (q_w - 16) q_a                        <= 32 * 16 * 127
 *   Q8_0:  (d_w d_a) * sum q_w q_a                               <= 32 * 128 * 127
 *   Q4_1:  (d_w d_a) * sum q_w q_a + m_w s_a     (Q8_1's s_a = d_a * sum q_a)
 *   Q5_1:  as Q4_1 with 5-bit q_w
 * d_w d_a is a product of two f16 values, exact in f32; the integer sums are below 2^24, so
 * (float)isum is exact; the block's term is rounded once (twice with a minimum).
 */
#include "quant/vecdot_ref.h"
#include "quant/quant.h"
#include "quant/ref.h"

static inline float fp16(uint16_t h) { return l4a_f16_to_f32(h); }

/* ---- Q4_0 x Q8_0 */

float l4a_vec_dot_q4_0_q8_0_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q4_0 *x = w;
    const l4a_block_q8_0 *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK4_0; i++) {
        int isum = 0;
        for (int j = 0; j < L4A_QK4_0 / 2; j++) {
            isum += ((x[i].qs[j] & 0x0F) - 8) * y[i].qs[j];
            isum += ((x[i].qs[j] >> 4) - 8) * y[i].qs[j + L4A_QK4_0 / 2];
        }
        sum += (fp16(x[i].d) * fp16(y[i].d)) * (float)isum;
    }
    return sum;
}

/* ---- Q4_1 x Q8_1 */

float l4a_vec_dot_q4_1_q8_1_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q4_1 *x = w;
    const l4a_block_q8_1 *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK4_1; i++) {
        int isum = 0;
        for (int j = 0; j < L4A_QK4_1 / 2; j++) {
            isum += (x[i].qs[j] & 0x0F) * y[i].qs[j];
            isum += (x[i].qs[j] >> 4) * y[i].qs[j + L4A_QK4_1 / 2];
        }
        sum += (fp16(x[i].d) * fp16(y[i].d)) * (float)isum + fp16(x[i].m) * fp16(y[i].s);
    }
    return sum;
}

/* ---- Q5_0 x Q8_0: the fifth bit of element j is bit j of qh (little-endian u32) */

float l4a_vec_dot_q5_0_q8_0_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q5_0 *x = w;
    const l4a_block_q8_0 *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK5_0; i++) {
        const uint32_t qh = l4a_load_u32le(x[i].qh);
        int isum = 0;
        for (int j = 0; j < L4A_QK5_0 / 2; j++) {
            const int k = j + L4A_QK5_0 / 2;
            const int q0 = (x[i].qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4);
            const int q1 = (x[i].qs[j] >> 4) | (int)(((qh >> k) & 1) << 4);
            isum += (q0 - 16) * y[i].qs[j] + (q1 - 16) * y[i].qs[k];
        }
        sum += (fp16(x[i].d) * fp16(y[i].d)) * (float)isum;
    }
    return sum;
}

/* ---- Q5_1 x Q8_1 */

float l4a_vec_dot_q5_1_q8_1_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q5_1 *x = w;
    const l4a_block_q8_1 *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK5_1; i++) {
        const uint32_t qh = l4a_load_u32le(x[i].qh);
        int isum = 0;
        for (int j = 0; j < L4A_QK5_1 / 2; j++) {
            const int k = j + L4A_QK5_1 / 2;
            const int q0 = (x[i].qs[j] & 0x0F) | (int)(((qh >> j) & 1) << 4);
            const int q1 = (x[i].qs[j] >> 4) | (int)(((qh >> k) & 1) << 4);
            isum += q0 * y[i].qs[j] + q1 * y[i].qs[k];
        }
        sum += (fp16(x[i].d) * fp16(y[i].d)) * (float)isum + fp16(x[i].m) * fp16(y[i].s);
    }
    return sum;
}

/* ---- Q8_0 x Q8_0 */

float l4a_vec_dot_q8_0_q8_0_ref(int64_t n, const void *w, const void *a) {
    const l4a_block_q8_0 *x = w;
    const l4a_block_q8_0 *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n / L4A_QK8_0; i++) {
        int isum = 0;
        for (int j = 0; j < L4A_QK8_0; j++) isum += x[i].qs[j] * y[i].qs[j];
        sum += (fp16(x[i].d) * fp16(y[i].d)) * (float)isum;
    }
    return sum;
}

/* ---- float types: each product is exact in f32 for F16 (11 x 11 significant bits) and BF16
 * (8 x 8); F32 products round. Summed in element order. */

float l4a_vec_dot_f16_f16_ref(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += fp16(x[i]) * fp16(y[i]);
    return sum;
}

float l4a_vec_dot_bf16_bf16_ref(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += l4a_bf16_to_f32(x[i]) * l4a_bf16_to_f32(y[i]);
    return sum;
}

float l4a_vec_dot_f32_f32_ref(int64_t n, const void *w, const void *a) {
    const float *x = w, *y = a;
    float sum = 0.0f;
    for (int64_t i = 0; i < n; i++) sum += x[i] * y[i];
    return sum;
}

L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q4_0_q8_0_ref, l4a_vec_dot_q4_0_q8_0_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q4_1_q8_1_ref, l4a_vec_dot_q4_1_q8_1_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q5_0_q8_0_ref, l4a_vec_dot_q5_0_q8_0_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q5_1_q8_1_ref, l4a_vec_dot_q5_1_q8_1_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_q8_0_q8_0_ref, l4a_vec_dot_q8_0_q8_0_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_f16_f16_ref, l4a_vec_dot_f16_f16_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_bf16_bf16_ref, l4a_vec_dot_bf16_bf16_ref)
L4A_VECDOT_TILE_FROM_DOT(l4a_vec_tile_f32_f32_ref, l4a_vec_dot_f32_f32_ref)
