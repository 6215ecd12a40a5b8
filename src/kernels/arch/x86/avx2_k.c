/*
 * avx2_k.c - AVX2 (+ FMA, F16C) dot products of the K quants: the kernels are in k_body.h;
 * vpmaddwd + vpaddd apply the sub-block scales. Called only when the CPU has AVX2, FMA and
 * F16C (kernels/dispatch.c).
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c")))
#define DOT_MODE 0
#define FILL_FN l4a_vecdot_fill_avx2_k
#define ISA_NAME "avx2"
#include "kernels/arch/x86/k_body.h"

#endif
