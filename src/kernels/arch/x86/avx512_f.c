/*
 * avx512_f.c - AVX-512 dot products of BF16 on 512-bit registers (a 16-bit shift, or
 * vdpbf16ps where the CPU has AVX512_BF16). The activation quantizers stay AVX2's (avx2_f.c):
 * they run once per matmul, not per weight. F32 keeps the AVX2 kernel too: its rows are only
 * 16-byte aligned (malloc, GGUF offsets), so every 64-byte load would split a cache line;
 * bench/kernels measured a 512-bit version slower than AVX2 from L2 (43 against 57 GB/s).
 * F16 keeps AVX2's tiles: on a Zen 4 VM (session 18) the 512-bit F16 dot this file had ran
 * 34 GB/s in cache against their 50, and 4 x 4 tiles at 34 against 50 GFLOP/s from memory;
 * vdpbf16ps runs 70 GB/s against AVX2's 33.
 *
 * vdpbf16ps adds the two products of each lane pair in turn with round-to-nearest-even, but
 * treats denormal inputs as zero and flushes denormal results: for values below ~1e-38 it may
 * differ from the reference by more than the summation bound (weights and activations of
 * real models are far above that). Tails shorter than 32 elements (16 for the shift) run as
 * scalar code.
 */
#if defined(__x86_64__) || defined(_M_X64)

#include "kernels/arch/vecdot_arch.h"
#include "quant/vecdot_ref.h"
#include "tensor/tensor.h"

#include <immintrin.h>
#include <string.h>

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq")))
#define TGT_BF16                                                                               \
    __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

static inline float bf2f(uint16_t h) {
    const uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, 4);
    return f;
}

TGT static inline __m512 load_bf16(const uint16_t *p) {
    const __m512i v = _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p));
    return _mm512_castsi512_ps(_mm512_slli_epi32(v, 16));
}

TGT static float dot_bf16(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    __m512 s0 = _mm512_setzero_ps(), s1 = s0;
    int64_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm512_fmadd_ps(load_bf16(x + i), load_bf16(y + i), s0);
        s1 = _mm512_fmadd_ps(load_bf16(x + i + 16), load_bf16(y + i + 16), s1);
    }
    for (; i + 16 <= n; i += 16) s0 = _mm512_fmadd_ps(load_bf16(x + i), load_bf16(y + i), s0);
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    for (; i < n; i++) sum += bf2f(x[i]) * bf2f(y[i]);
    return sum;
}

/* vdpbf16ps: 32 bf16 pairs per instruction into 16 f32 lanes */
TGT_BF16 static float dot_bf16_dp(int64_t n, const void *w, const void *a) {
    const uint16_t *x = w, *y = a;
    __m512 s0 = _mm512_setzero_ps(), s1 = s0;
    int64_t i = 0;
    for (; i + 64 <= n; i += 64) {
        s0 = _mm512_dpbf16_ps(s0, (__m512bh)_mm512_loadu_si512(x + i),
                              (__m512bh)_mm512_loadu_si512(y + i));
        s1 = _mm512_dpbf16_ps(s1, (__m512bh)_mm512_loadu_si512(x + i + 32),
                              (__m512bh)_mm512_loadu_si512(y + i + 32));
    }
    for (; i + 32 <= n; i += 32)
        s0 = _mm512_dpbf16_ps(s0, (__m512bh)_mm512_loadu_si512(x + i),
                              (__m512bh)_mm512_loadu_si512(y + i));
    float sum = _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
    for (; i < n; i++) sum += bf2f(x[i]) * bf2f(y[i]);
    return sum;
}

TGT static L4A_VECDOT_TILE_FROM_DOT(tile_bf16, dot_bf16)
TGT_BF16 static L4A_VECDOT_TILE_FROM_DOT(tile_bf16_dp, dot_bf16_dp)

void l4a_vecdot_fill_avx512_f(l4a_vecdot *t, int bf16) {
    t[L4A_TYPE_BF16].dot = bf16 ? dot_bf16_dp : dot_bf16;
    t[L4A_TYPE_BF16].dot_tile = bf16 ? tile_bf16_dp : tile_bf16;
    t[L4A_TYPE_BF16].isa = bf16 ? "avx512bf16" : "avx512";
}

#endif
