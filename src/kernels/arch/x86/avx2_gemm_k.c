/*
 * avx2_gemm_k.c - the Q4_K and Q6_K gemm on AVX2 (gemm_k_body.h: vpmaddubsw, int16 sums,
 * vpmaddwd by the scales). Called only when the CPU has AVX2, FMA and F16C
 * (kernels/dispatch.c).
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c")))
#define DOT_MODE 0
#define FILL_FN l4a_vecdot_fill_avx2_gemm_k
#include "kernels/arch/x86/gemm_k_body.h"

#endif
