/*
 * blocks.h - the memory layout of every quantized block format llm4all reads or writes, as in
 * GGUF files (ggml's block formats), with a size check on each.
 *
 * Not code: the conversions are in one file per format (q4_0.c ... q8_k.c), declared in
 * quant.h. The layout of each format is described in detail at the top of its file.
 *
 * All multi-byte fields are little-endian (GGUF is a little-endian format); "f16" fields hold
 * IEEE binary16 bits, read with l4a_f16_to_f32. Blocks have no padding: the size of a block is
 * the byte count GGUF uses for a row (GGML_QUANT_SIZES in the gguf Python package), which the
 * _Static_asserts below check. Fields are at most 2-byte aligned except in Q8_K (an activation
 * format, never in a file), so a block may start at any even address.
 */
#ifndef L4A_QUANT_BLOCKS_H
#define L4A_QUANT_BLOCKS_H

#include <stdint.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "llm4all's block formats assume a little-endian machine (as GGUF files are)"
#endif

/* Elements per block. */
#define L4A_QK4_0 32
#define L4A_QK4_1 32
#define L4A_QK5_0 32
#define L4A_QK5_1 32
#define L4A_QK8_0 32
#define L4A_QK8_1 32
#define L4A_QK_K 256                    /* the "K" super-block */
#define L4A_K_SCALE_SIZE 12             /* packed 6-bit scales and mins of Q4_K and Q5_K */

/* ---- 32-element blocks: y = d * q (symmetric) or y = d * q + m (with a minimum) */

typedef struct {
    uint16_t d;                         /* f16 scale */
    uint8_t qs[L4A_QK4_0 / 2];          /* 4-bit quants: element i low nibble, i+16 high */
} l4a_block_q4_0;
_Static_assert(sizeof(l4a_block_q4_0) == 2 + 16, "Q4_0 block is 18 bytes");

typedef struct {
    uint16_t d;                         /* f16 scale */
    uint16_t m;                         /* f16 minimum (offset added) */
    uint8_t qs[L4A_QK4_1 / 2];
} l4a_block_q4_1;
_Static_assert(sizeof(l4a_block_q4_1) == 2 + 2 + 16, "Q4_1 block is 20 bytes");

typedef struct {
    uint16_t d;                         /* f16 scale */
    uint8_t qh[4];                      /* bit i (little-endian u32) = bit 4 of element i */
    uint8_t qs[L4A_QK5_0 / 2];          /* low 4 bits: element i low nibble, i+16 high */
} l4a_block_q5_0;
_Static_assert(sizeof(l4a_block_q5_0) == 2 + 4 + 16, "Q5_0 block is 22 bytes");

typedef struct {
    uint16_t d;                         /* f16 scale */
    uint16_t m;                         /* f16 minimum */
    uint8_t qh[4];
    uint8_t qs[L4A_QK5_1 / 2];
} l4a_block_q5_1;
_Static_assert(sizeof(l4a_block_q5_1) == 2 + 2 + 4 + 16, "Q5_1 block is 24 bytes");

typedef struct {
    uint16_t d;                         /* f16 scale */
    int8_t qs[L4A_QK8_0];
} l4a_block_q8_0;
_Static_assert(sizeof(l4a_block_q8_0) == 2 + 32, "Q8_0 block is 34 bytes");

/* Activation format (never stored in files by llm4all): Q8_0 plus s = d * sum(qs), which
 * lets a dot with a Q4_1/Q5_1 block add its minimum term in one multiply. Both halves are f16,
 * as in current ggml (36 bytes); the gguf Python package still lists an older 40-byte layout
 * with f32 d and s, which no GGUF file uses. */
typedef struct {
    uint16_t d;                         /* f16 scale */
    uint16_t s;                         /* f16: d * sum(qs) */
    int8_t qs[L4A_QK8_1];
} l4a_block_q8_1;
_Static_assert(sizeof(l4a_block_q8_1) == 2 + 2 + 32, "Q8_1 block is 36 bytes");

/* ---- 256-element super-blocks ("K quants"): sub-blocks of 16 or 32 elements, each with its
 * own small integer scale (and minimum), themselves scaled by an f16 d (and dmin). */

typedef struct {
    uint8_t scales[L4A_QK_K / 16];      /* 16 sub-blocks: low nibble scale, high nibble min */
    uint8_t qs[L4A_QK_K / 4];           /* 2-bit quants */
    uint16_t d;                         /* f16 scale of the scales */
    uint16_t dmin;                      /* f16 scale of the mins */
} l4a_block_q2_k;
_Static_assert(sizeof(l4a_block_q2_k) == 16 + 64 + 2 + 2, "Q2_K block is 84 bytes");

typedef struct {
    uint8_t hmask[L4A_QK_K / 8];        /* bit 2 of each quant (set: no -4 offset) */
    uint8_t qs[L4A_QK_K / 4];           /* low 2 bits of each quant */
    uint8_t scales[12];                 /* 16 signed 6-bit scales, packed */
    uint16_t d;                         /* f16 */
} l4a_block_q3_k;
_Static_assert(sizeof(l4a_block_q3_k) == 32 + 64 + 12 + 2, "Q3_K block is 110 bytes");

typedef struct {
    uint16_t d;                         /* f16 scale of the scales */
    uint16_t dmin;                      /* f16 scale of the mins */
    uint8_t scales[L4A_K_SCALE_SIZE];   /* 8 sub-blocks: 6-bit scale and 6-bit min, packed */
    uint8_t qs[L4A_QK_K / 2];           /* 4-bit quants */
} l4a_block_q4_k;
_Static_assert(sizeof(l4a_block_q4_k) == 2 + 2 + 12 + 128, "Q4_K block is 144 bytes");

typedef struct {
    uint16_t d;
    uint16_t dmin;
    uint8_t scales[L4A_K_SCALE_SIZE];   /* as Q4_K */
    uint8_t qh[L4A_QK_K / 8];           /* bit 4 of each quant */
    uint8_t qs[L4A_QK_K / 2];           /* low 4 bits of each quant */
} l4a_block_q5_k;
_Static_assert(sizeof(l4a_block_q5_k) == 2 + 2 + 12 + 32 + 128, "Q5_K block is 176 bytes");

typedef struct {
    uint8_t ql[L4A_QK_K / 2];           /* low 4 bits of each quant */
    uint8_t qh[L4A_QK_K / 4];           /* high 2 bits of each quant */
    int8_t scales[L4A_QK_K / 16];       /* 16 sub-blocks: signed 8-bit scales */
    uint16_t d;                         /* f16 */
} l4a_block_q6_k;
_Static_assert(sizeof(l4a_block_q6_k) == 128 + 64 + 16 + 2, "Q6_K block is 210 bytes");

/* Activation format of the K-quant dot products: f32 scale, int8 quants, and the sum of each
 * group of 16 quants (so a dot with a block that has mins needs no second pass). */
typedef struct {
    float d;
    int8_t qs[L4A_QK_K];
    int16_t bsums[L4A_QK_K / 16];
} l4a_block_q8_k;
_Static_assert(sizeof(l4a_block_q8_k) == 4 + 256 + 32, "Q8_K block is 292 bytes");

#endif
