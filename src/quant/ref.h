/*
 * ref.h - small inline helpers shared by the reference kernels of src/quant. Internal to that
 * folder; not part of quant.h's contract.
 */
#ifndef L4A_QUANT_REF_H
#define L4A_QUANT_REF_H

#include "tensor/tensor.h"

#include <stdint.h>
#include <string.h>

/* sum_i a[i] * b[i] for n a multiple of 8, in eight float partial sums.
 * A single running sum cannot be vectorized without -ffast-math (the compiler may not reorder
 * float additions); eight independent lanes can, and give the same error bound as a running
 * sum of n/8 terms per lane. */
static inline float l4a_ref_dot(const float *restrict a, const float *restrict b, int n) {
    float acc[8] = {0};
    for (int i = 0; i < n; i += 8)
        for (int j = 0; j < 8; j++) acc[j] += a[i + j] * b[i + j];
    return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

/* Bits of the smallest f16 value >= v, for finite v >= 0; saturates at 65504 (0x7bff).
 * Quantizers round scales up with it, so that the stored scale still covers the block. */
static inline uint16_t l4a_f16_ceil(float v) {
    uint16_t h = l4a_f32_to_f16(v);
    if (h >= 0x7c00) return 0x7bff;
    if (l4a_f16_to_f32(h) < v) h++;     /* positive f16 bits are ordered like their values */
    return h >= 0x7c00 ? 0x7bff : h;
}

/* v converted to int (truncating toward zero) and clamped to [lo, hi], lo <= 0 <= hi; NaN
 * gives 0. Quantizers use it instead of a bare cast, which is undefined for NaN and for
 * values out of range (a NaN or Inf weight must not be undefined behaviour). */
static inline int l4a_f2i_clamp(float v, int lo, int hi) {
    if (v >= (float)hi) return hi;
    if (v <= (float)lo) return lo;
    if (v != v) return 0;
    return (int)v;
}

/* The high bits of a Q5_0/Q5_1 block, a little-endian u32 stored as 4 bytes. */
static inline uint32_t l4a_load_u32le(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);       /* blocks.h checks the machine is little-endian */
    return v;
}

/* ---- scale plans of our K-type quantizers (kquant.c)
 * x holds nsub sub-blocks of len elements (nsub <= 16); integer sub-scales (and mins) are in
 * [0, smax]. Outputs per sub-block j: the integers sc[j] (and m[j]), and step[j] = d * sc[j]
 * (and off[j] = dmin * m[j]) computed as the dequantizer computes them; and the f16 bits of
 * the super-scale d (and dmin). */

/* Levels step[j] * q - off[j], q in 0..qmax (Q2_K, Q4_K, Q5_K). */
void l4a_k_plan_asym(const float *x, int nsub, int len, int smax, int qmax, uint8_t *sc,
                     uint8_t *m, float *step, float *off, uint16_t *d_bits,
                     uint16_t *dmin_bits);
/* Levels step[j] * q, q in -(qmax+1)..qmax (Q3_K, Q6_K). */
void l4a_k_plan_sym(const float *x, int nsub, int len, int smax, int qmax, uint8_t *sc,
                    float *step, uint16_t *d_bits);
/* Each element's nearest level given a plan. */
void l4a_k_quantize_asym(const float *x, int len, float step, float off, int qmax, uint8_t *q);
void l4a_k_quantize_sym(const float *x, int len, float step, int qmax, int8_t *q);

#endif
