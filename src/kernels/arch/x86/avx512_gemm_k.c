/*
 * avx512_gemm_k.c - the Q4_K and Q6_K gemm of the avx512 level (gemm_k_body.h on 256-bit
 * registers, EVEX vpdpbusd for the sub-block sums, vpmulld for their scales). Called only
 * when the CPU has AVX-512 F, VL and VNNI (kernels/dispatch.c).
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512bw,avx512dq,avx512vnni")))
#define DOT_MODE 1
#define FILL_FN l4a_vecdot_fill_avx512_gemm_k
#include "kernels/arch/x86/gemm_k_body.h"

#endif
