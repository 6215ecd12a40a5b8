/*
 * avx2_q.c - AVX2 (+ FMA, F16C) dot products of the 32-element block formats: the kernels are
 * in q_body.h; this file picks the instruction set. vpmaddubsw/vpmaddwd multiply the bytes.
 * Only the Q8_0 entries stay in use: kernels/dispatch.c replaces Q4_0 .. Q5_1 by avx2_q45.c's,
 * which sum block by block (faster here).
 * Called only when the CPU has AVX2, FMA and F16C (kernels/dispatch.c).
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c")))
#define DOT_MODE 0
#define TILE_W 2            /* 16 ymm registers: 2 x 2 accumulators and their operands */
#define TILE_A 2
#define FILL_FN l4a_vecdot_fill_avx2_q
#define ISA_NAME "avx2"
#include "kernels/arch/x86/q_body.h"

#endif
