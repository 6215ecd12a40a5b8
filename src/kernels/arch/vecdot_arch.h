/*
 * vecdot_arch.h - how the per-ISA kernel files hand their functions to the dispatcher
 * (kernels/dispatch.c). Internal to src/kernels.
 *
 * Each ISA file defines one fill function that overwrites the entries of a table (indexed by
 * weight type id, L4A_TYPE_COUNT entries, pre-filled with the next lower level) for the types
 * it has kernels for. A fill function is only called when the CPU runs that ISA, and only
 * exists in builds for that architecture.
 */
#ifndef L4A_KERNELS_ARCH_VECDOT_ARCH_H
#define L4A_KERNELS_ARCH_VECDOT_ARCH_H

#include "kernels/vecdot.h"
#include "tensor/tensor.h"

#if defined(__x86_64__) || defined(_M_X64)
#define L4A_ARCH_X86 1
/* AVX2 + FMA + F16C */
void l4a_vecdot_fill_avx2_q(l4a_vecdot *t);     /* arch/x86/avx2_q.c: 32-element blocks */
void l4a_vecdot_fill_avx2_q45(l4a_vecdot *t);    /* arch/x86/avx2_q45.c: Q4_0..Q5_1 by block */
void l4a_vecdot_fill_avx512_q45(l4a_vecdot *t);  /* avx2_q45.c: Q4_0 x4 decode with VNNI */
void l4a_vecdot_fill_avx2_k(l4a_vecdot *t);     /* arch/x86/avx2_k.c: K quants */
void l4a_vecdot_fill_avx2_f(l4a_vecdot *t);     /* arch/x86/avx2_f.c: floats, quantizers */
/* prompts (gemm entries) in the orders of avx2_q45.c (Q4_0, Q5_0), avx2_q.c (Q8_0) and
 * k_body.h (Q4_K, Q6_K) */
void l4a_vecdot_fill_avx2_gemm_q(l4a_vecdot *t);    /* arch/x86/avx2_gemm_q.c */
void l4a_vecdot_fill_avx512_gemm_q8(l4a_vecdot *t); /* avx2_gemm_q.c: Q8_0 with VNNI */
void l4a_vecdot_fill_avx2_gemm_k(l4a_vecdot *t);    /* arch/x86/avx2_gemm_k.c */
void l4a_vecdot_fill_avx512_gemm_k(l4a_vecdot *t);  /* avx512_gemm_k.c: Q4_K, Q6_K with VNNI */
/* AVX-VNNI (256-bit, VEX) on top of AVX2 (Q4_0..Q5_1 keep avx2_q45.c's kernels) */
void l4a_vecdot_fill_avxvnni_q(l4a_vecdot *t);
void l4a_vecdot_fill_avxvnni_k(l4a_vecdot *t);
/* AVX-512 F/BW/VL/DQ/VNNI; bf16: whether AVX512_BF16 may be used */
void l4a_vecdot_fill_avx512_k(l4a_vecdot *t);
void l4a_vecdot_fill_avx512_f(l4a_vecdot *t, int bf16);
/* AVX-512 + AMX-INT8: Q4_0, Q8_0 (amx_q.c) and Q4_K (amx_k.c) in the orders of those files,
 * with AMX products for large batches; Q4_K's dot and tile kernels in that order come from
 * avx512_k.c (fill_avx512_k_sums, called by fill_amx_k) */
void l4a_vecdot_fill_amx_q(l4a_vecdot *t);
void l4a_vecdot_fill_amx_k(l4a_vecdot *t);
void l4a_vecdot_fill_avx512_k_sums(l4a_vecdot *t);
#endif

/* A type's large-batch entries (the same level's dot and tile kernels follow the same order). */
static inline void l4a_vecdot_set_gemm(l4a_vecdot *e, l4a_gemm_fn gemm, l4a_gemm_pack_fn pack,
                                       l4a_gemm_size_fn group_bytes,
                                       l4a_gemm_size_fn scratch_bytes) {
    e->gemm = gemm;
    e->gemm_x4 = NULL;      /* another order than the gemm replaced: set again if the same */
    e->gemm_pack = pack;
    e->gemm_group_bytes = group_bytes;
    e->gemm_scratch_bytes = scratch_bytes;
}

#if defined(__aarch64__)
#define L4A_ARCH_ARM 1
void l4a_vecdot_fill_neon(l4a_vecdot *t);      /* arch/arm/neon.c: Advanced SIMD */
void l4a_vecdot_fill_neondot(l4a_vecdot *t);   /* arch/arm/neondot.c: + SDOT */
#endif

#endif
