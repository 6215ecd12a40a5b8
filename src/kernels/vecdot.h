/*
 * vecdot.h - dot products of quantized weight rows with activation rows quantized to 8 bits
 * (or to a 16-bit float format), per weight type and per instruction set, picked at run time.
 *
 * Decode reads every weight once per token, so the matmul is a stream of weight rows each
 * dotted with the same activation row: the dot product must run faster than memory delivers
 * the weights. The activation row is therefore quantized once per matmul to the weight type's
 * "activation type" and the dot products run on integers (the arithmetic ggml's CPU backend
 * uses; formats and field order are those of src/quant/blocks.h):
 *
 *   weight                     activation   per block
 *   Q4_0 Q5_0 Q8_0             Q8_0         (d_w d_a) * sum q_w q_a
 *   Q4_1 Q5_1                  Q8_1         (d_w d_a) * sum q_w q_a + m_w s_a
 *   Q2_K Q3_K Q4_K Q5_K Q6_K   Q8_K         (d_a d_w) * sum_j sc_j sum q_w q_a
 *                                           - (d_a dmin) * sum_j m_j bsum_j   (mins types)
 *   F16                        F16          products exact in f32, summed in f32
 *   BF16                       BF16         as F16
 *   F32                        F32          f32 products
 *
 * The integer parts are exact; only the float sum over blocks is reassociated by the SIMD
 * versions (tests/test_vecdot.c states the bound). Each table entry has a plain C reference
 * (src/quant/vecdot_ref.c, ISA "ref") and, where the CPU has them, AVX2, AVX-512 and NEON
 * versions (src/kernels/arch/). L4A_ISA=ref|avx2|avxvnni|avx512|amx|neon|neondot in the
 * environment caps the choice (tests, benchmarks); a level the CPU lacks falls back to the
 * best it has.
 *
 * Activation quantizers: every ISA's quantize_act writes the bytes of the reference
 * quantizers of src/quant (q8_0.c, q8_1.c, q8_k.c: q = roundf(x * id), halves away from zero).
 * ggml's x86 code rounds halves to even and scales by 127 / max|x| (the grid actround.c
 * reproduces), so a few activations per row may differ from llama.cpp's by one step.
 *
 * Not the matmul (kernels/matmul.c splits rows across threads and calls these), not the
 * float reference kernels (quant.h's dot_f32).
 */
#ifndef L4A_KERNELS_VECDOT_H
#define L4A_KERNELS_VECDOT_H

#include <stddef.h>
#include <stdint.h>

/* sum over n elements of w (one row of the weight type) times a (n activations already in
 * the entry's act_type). n is a multiple of the entry's block size. */
typedef float (*l4a_vec_dot_fn)(int64_t n, const void *w, const void *a);

/* Quantize n floats (a multiple of the block size) to the activation type. */
typedef void (*l4a_quantize_act_fn)(const float *x, void *y, int64_t n);

/* An nw x na tile of dot products for prompt processing (a matrix-matrix product): weight
 * rows w + r * w_stride (bytes, r < nw) and activation rows a + c * a_stride (bytes, c < na),
 * out[c * out_stride + r] = dot(w_r, a_c) - the layout of out (T,OC) when c is the token and
 * r the output channel. 1 <= nw <= L4A_VECDOT_TILE, 1 <= na <= L4A_VECDOT_TILE_NA. Each
 * weight block is unpacked once for several activation rows (and each activation block read
 * once for several weight rows), as far as registers allow. Every out entry is bit-identical
 * to dot(w_r, a_c) of the same entry: the kernels compute each output by the same float
 * operations whatever the tile's shape (the matmul's batch invariance rests on it). */
#define L4A_VECDOT_TILE 4
#define L4A_VECDOT_TILE_NA 8
typedef void (*l4a_vec_dot_tile_fn)(int64_t n, const void *w, size_t w_stride, int nw,
                                    const void *a, size_t a_stride, int na, float *out,
                                    size_t out_stride);

/* Large batches (AMX or AVX2 kernels, where the ISA has them): the activation rows of up to
 * L4A_GEMM_GROUP tokens (already quantized to act_type) rearranged once per matmul into a
 * group of gemm_group_bytes(n) bytes, which gemm multiplies by up to 16 weight rows at once.
 * gemm computes out[c * out_stride + r] for r < nw, c < na (na tokens in ceil(na / 16)
 * consecutive groups), every entry bit-identical to dot(w_r, a_c): the same float operations
 * per output. scratch holds gemm_scratch_bytes(n) bytes (per thread). */
#define L4A_GEMM_GROUP 16
typedef size_t (*l4a_gemm_size_fn)(int64_t n);
typedef void (*l4a_gemm_pack_fn)(int64_t n, const void *a, size_t a_stride, int na, void *group);
typedef void (*l4a_gemm_fn)(int64_t n, const void *w, size_t w_stride, int nw,
                            const void *groups, int na, float *out, size_t out_stride,
                            void *scratch);

/* Decode on weights repacked four rows at a time (quant/x4.h): out[r] = dot(row r, a) for the
 * 4 rows of one x4 group w, bit-identical to dot on the unpacked rows. */
typedef void (*l4a_vec_dot_x4_fn)(int64_t n, const void *w, const void *a, float *out);

typedef struct l4a_vecdot {
    uint32_t weight_type;               /* l4a_type */
    uint32_t act_type;                  /* L4A_TYPE_Q8_0 / Q8_1 / Q8_K / F16 / BF16 / F32 */
    int64_t block;                      /* n must be a multiple of this (32, 256 or 1) */
    l4a_vec_dot_fn dot;
    l4a_vec_dot_tile_fn dot_tile;
    l4a_vec_dot_x4_fn dot_x4;           /* NULL where the type has no x4 kernel at this ISA */
    l4a_quantize_act_fn quantize_act;
    l4a_gemm_fn gemm;                   /* NULL where the ISA has none */
    l4a_gemm_fn gemm_x4;                /* the gemm on weights in the x4 layout (w the first
                                           row's group, w_stride the rows' bytes, nw a
                                           multiple of 4), or NULL: the matmul unpacks them */
    l4a_gemm_pack_fn gemm_pack;
    l4a_gemm_size_fn gemm_group_bytes, gemm_scratch_bytes;
    const char *isa;                    /* "ref", "avx2", "avx512", "amx", "neon", ... */
} l4a_vecdot;

/* Instruction-set levels, lowest first. */
typedef enum l4a_isa {
    L4A_ISA_REF = 0,
    L4A_ISA_AVX2,       /* AVX2 + FMA + F16C */
    L4A_ISA_AVXVNNI,    /* AVX2 + AVX-VNNI (256-bit vpdpbusd, VEX) */
    L4A_ISA_AVX512,     /* AVX-512 F/BW/VL/DQ/VNNI (+ BF16 when present) */
    L4A_ISA_AMX,        /* AVX-512 + AMX-INT8 tiles for large batches (Q4_0, Q8_0) */
    L4A_ISA_NEON,       /* AArch64 Advanced SIMD */
    L4A_ISA_NEONDOT,    /* AArch64 Advanced SIMD + SDOT (Armv8.2 dotprod) */
    L4A_ISA_COUNT
} l4a_isa;

/* Best entry for this CPU (or as capped by L4A_ISA), NULL when the weight type has no dot
 * product. The choice is made once; thread-safe. */
const l4a_vecdot *l4a_vecdot_get(uint32_t weight_type);
/* The plain C reference entry (NULL as above). */
const l4a_vecdot *l4a_vecdot_get_ref(uint32_t weight_type);
/* The entry of one ISA level, or NULL when this build or CPU cannot run it. Types without a
 * kernel at that level get the next lower level's (its isa field says which). */
const l4a_vecdot *l4a_vecdot_get_isa(uint32_t weight_type, l4a_isa isa);
/* The level l4a_vecdot_get uses, and its name. */
l4a_isa l4a_vecdot_isa_level(void);
const char *l4a_vecdot_isa(void);
const char *l4a_isa_name(l4a_isa isa);
/* Whether this CPU and build can run a level. */
int l4a_isa_available(l4a_isa isa);

/* Bytes of n activations of the entry's act_type (for sizing buffers). */
size_t l4a_vecdot_act_size(const l4a_vecdot *v, int64_t n);

#endif
