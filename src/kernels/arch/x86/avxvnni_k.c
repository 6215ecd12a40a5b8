/*
 * avxvnni_k.c - AVX-VNNI dot products of the K quants (kernels in k_body.h): the VEX
 * vpdpwssd applies the sub-block scales and accumulates in one instruction. Called only when
 * CPUID reports AVX-VNNI.
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c,avxvnni")))
#define DOT_MODE 2
#define FILL_FN l4a_vecdot_fill_avxvnni_k
#define ISA_NAME "avxvnni"
#include "kernels/arch/x86/k_body.h"

#endif
