/*
 * neon.c - AArch64 Advanced SIMD dot products of every weight type (kernels in neon_body.h):
 * byte products with SMULL and pairwise add-accumulate, float types with FMA. Advanced SIMD
 * is part of every AArch64 CPU, so this level is always available there.
 */
#if defined(__aarch64__)

#define TGT
#define USE_SDOT 0
#define FILL_FN l4a_vecdot_fill_neon
#define ISA_NAME "neon"
#include "kernels/arch/arm/neon_body.h"

#endif
