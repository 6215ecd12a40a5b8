/*
 * quant.h - reference (plain C) conversions of every element type llm4all knows: rows of n
 * elements to float (to_float, "dequantize"), from float (from_float, "quantize"), and the dot
 * product of a row with n floats (dot_f32).
 *
 * Not the dispatch table: l4a_type_traits_of (tensor/types.c) maps a GGUF type id to these
 * functions. Not SIMD: per-ISA versions come later with the same signatures, and are tested
 * against these. Block layouts are in blocks.h; each format's file describes its own.
 *
 * Contract shared by all of them: n is a multiple of the type's block size (callers check
 * with l4a_row_size, which is where input is validated); x, y do not overlap.
 *  - to_float is exact: bit for bit what the gguf Python package (gguf.quants.dequantize)
 *    computes. Every product in these formats is exact in float (an f16 scale, 11 significant
 *    bits, times small integers: at most 11 + 12 bits), so only the final addition of a
 *    minimum rounds, and grouping the products differently or fusing the multiply-add
 *    (FMA) gives the same bits. SIMD versions can therefore be exact too.
 *  - dot_f32 returns sum_i to_float(x)[i] * y[i], accumulated in float (not bit-reproducible
 *    across implementations: only within a rounding bound, see tests/test_quant.c).
 *  - from_float: for Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 and F16/BF16 the same bytes as
 *    gguf.quants.quantize (itself bit-exact with ggml's reference quantizers), so files we
 *    write match theirs. For the K types our own simple quantizer (min/max scales, every
 *    element on its nearest level; see each file), with a worst-case error bound per element.
 */
#ifndef L4A_QUANT_H
#define L4A_QUANT_H

#include "quant/blocks.h"
#include "tensor/tensor.h"

#include <stdint.h>
#include <string.h>

/* ---- plain types (plain.c) */
void l4a_f32_to_float(const void *x, float *y, int64_t n);
void l4a_f32_from_float(const float *x, void *y, int64_t n);
float l4a_f32_dot_f32(const void *x, const float *y, int64_t n);
void l4a_f16_to_float(const void *x, float *y, int64_t n);
void l4a_f16_from_float(const float *x, void *y, int64_t n);     /* round to nearest even */
float l4a_f16_dot_f32(const void *x, const float *y, int64_t n);
void l4a_bf16_to_float(const void *x, float *y, int64_t n);
void l4a_bf16_from_float(const float *x, void *y, int64_t n);   /* round to nearest even */
float l4a_bf16_dot_f32(const void *x, const float *y, int64_t n);

/* ---- 32-element blocks */
void l4a_q4_0_to_float(const void *x, float *y, int64_t n);
void l4a_q4_0_from_float(const float *x, void *y, int64_t n);
float l4a_q4_0_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q4_1_to_float(const void *x, float *y, int64_t n);
void l4a_q4_1_from_float(const float *x, void *y, int64_t n);
float l4a_q4_1_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q5_0_to_float(const void *x, float *y, int64_t n);
void l4a_q5_0_from_float(const float *x, void *y, int64_t n);
float l4a_q5_0_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q5_1_to_float(const void *x, float *y, int64_t n);
void l4a_q5_1_from_float(const float *x, void *y, int64_t n);
float l4a_q5_1_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q8_0_to_float(const void *x, float *y, int64_t n);
void l4a_q8_0_from_float(const float *x, void *y, int64_t n);
float l4a_q8_0_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q8_1_to_float(const void *x, float *y, int64_t n);
void l4a_q8_1_from_float(const float *x, void *y, int64_t n);
float l4a_q8_1_dot_f32(const void *x, const float *y, int64_t n);

/* ---- 256-element super-blocks */
void l4a_q2_k_to_float(const void *x, float *y, int64_t n);
void l4a_q2_k_from_float(const float *x, void *y, int64_t n);
float l4a_q2_k_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q3_k_to_float(const void *x, float *y, int64_t n);
void l4a_q3_k_from_float(const float *x, void *y, int64_t n);
float l4a_q3_k_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q4_k_to_float(const void *x, float *y, int64_t n);
void l4a_q4_k_from_float(const float *x, void *y, int64_t n);
float l4a_q4_k_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q5_k_to_float(const void *x, float *y, int64_t n);
void l4a_q5_k_from_float(const float *x, void *y, int64_t n);
float l4a_q5_k_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q6_k_to_float(const void *x, float *y, int64_t n);
void l4a_q6_k_from_float(const float *x, void *y, int64_t n);
float l4a_q6_k_dot_f32(const void *x, const float *y, int64_t n);

void l4a_q8_k_to_float(const void *x, float *y, int64_t n);
void l4a_q8_k_from_float(const float *x, void *y, int64_t n);
float l4a_q8_k_dot_f32(const void *x, const float *y, int64_t n);

/* The 6-bit scale and min of sub-block j (0..7) of a Q4_K/Q5_K block (packing in q4_k.c). */
void l4a_k_get_scale_min(const uint8_t *scales, int j, uint8_t *sc, uint8_t *m);
void l4a_k_set_scale_min(uint8_t *scales, int j, uint8_t sc, uint8_t m);
/* All 8 at once: the 12 packed bytes at p to the scales (byte j of *sc) and the mins (byte j of
 * *m), four bytes per 32-bit operation (the kernels and quant/x4.c decode them this way). */
static inline void l4a_k_scales_unpack(const uint8_t *p, uint64_t *sc, uint64_t *m) {
    uint32_t u0, u1, u2;
    memcpy(&u0, p, 4);
    memcpy(&u1, p + 4, 4);
    memcpy(&u2, p + 8, 4);
    const uint32_t sc_hi = (u2 & 0x0F0F0F0Fu) | ((u0 >> 6) & 0x03030303u) << 4;
    const uint32_t m_hi = ((u2 >> 4) & 0x0F0F0F0Fu) | ((u1 >> 6) & 0x03030303u) << 4;
    *sc = (u0 & 0x3F3F3F3Fu) | (uint64_t)sc_hi << 32;
    *m = (u1 & 0x3F3F3F3Fu) | (uint64_t)m_hi << 32;
}

/* Dequantize a row of n elements of `type` through its traits. The type must have a
 * to_float and n be a multiple of its block size: callers validate tensors when loading them;
 * a violation here is a bug (L4A_ASSERT). */
void l4a_dequant_row(uint32_t type, const void *x, float *y, int64_t n);

#endif
