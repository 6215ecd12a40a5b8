/*
 * avxvnni_q.c - AVX-VNNI dot products of the 32-element block formats (kernels in q_body.h):
 * 256-bit VEX vpdpbusd multiplies and sums four byte pairs in one instruction, on CPUs with
 * AVX-VNNI (Alder Lake and later, Sapphire Rapids). Called only when CPUID reports it.
 * Only the Q8_0 entries stay in use: kernels/dispatch.c puts avx2_q45.c's Q4_0 .. Q5_1 back,
 * the order of the Q4_0 and Q5_0 gemm this level copies from avx2.
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c,avxvnni")))
#define DOT_MODE 2
#define TILE_W 2
#define TILE_A 2
#define FILL_FN l4a_vecdot_fill_avxvnni_q
#define ISA_NAME "avxvnni"
#include "kernels/arch/x86/q_body.h"

#endif
