/*
 * ymm_util.h - small 256-bit helpers shared by the x86 kernel bodies (q_body.h, k_body.h).
 *
 * Not a standalone header: the including .c file first defines
 *   TGT        the target attribute of its ISA (e.g. __attribute__((target("avx2,fma,f16c"))))
 *   DOT_MODE   how bytes are multiplied: 0 AVX2 (vpmaddubsw, then vpmaddwd with ones),
 *              1 AVX-512 VL + VNNI (EVEX vpdpbusd), 2 AVX-VNNI (VEX vpdpbusd)
 * and every helper carries TGT so that it inlines into that file's kernels.
 */
#ifndef L4A_X86_YMM_UTIL_H
#define L4A_X86_YMM_UTIL_H

#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#define INLINE static inline __attribute__((always_inline))

/* f16 bits -> float (F16C). */
TGT INLINE float h2f(uint16_t h) {
    return _mm_cvtss_f32(_mm_cvtph_ps(_mm_cvtsi32_si128(h)));
}

/* Ask for the N bytes at p in L1, one prefetch per 64 bytes. The weight tiles call it for
 * the block the next tile of weight rows will read, one tile's time ahead: the weights stream
 * from memory once per token, and the hardware prefetcher alone kept decode at 0.6 of the
 * read bandwidth (qwen2.5-1.5b Q4_K_M, -t 1: 6.5 -> 10.6 tok/s with it); attention
 * (avx2_attn.c) for a cache row further on. A prefetch never faults, so an address past the
 * last row is harmless. */
TGT INLINE void prefetch_bytes(const void *p, const int N) {
#pragma GCC unroll 8
    for (int l = 0; l < N; l += 64) _mm_prefetch((const char *)p + l, _MM_HINT_T0);
}

/* Unaligned little-endian loads without undefined behaviour. */
TGT INLINE uint16_t ld16(const void *p) {
    uint16_t v;
    memcpy(&v, p, 2);
    return v;
}
TGT INLINE uint32_t ld32(const void *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}
TGT INLINE float ldf(const void *p) {
    float v;
    memcpy(&v, p, 4);
    return v;
}

/* 32 bytes at p, unaligned. */
TGT INLINE __m256i load32(const void *p) { return _mm256_loadu_si256((const __m256i *)p); }

/* The 4 bytes at p broadcast to every 32-bit lane (the gemm kernels: a token's 4 activations
 * against 8 weight rows side by side). */
TGT INLINE __m256i bcast4(const uint8_t *p) { return _mm256_set1_epi32((int)ld32(p)); }

/* Sum of the 8 floats of v: (v0+v4 + v2+v6) + (v1+v5 + v3+v7). */
TGT INLINE float hsum_ps(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
}

/* Sum of the 8 int32 of v (exact: callers keep it in range). */
TGT INLINE int hsum_epi32(__m256i v) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(1, 0, 3, 2)));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(s);
}

/* The 16 nibbles of qs[0..15] as 32 bytes: low nibbles (elements 0..15), then high nibbles
 * (elements 16..31) - the element order of the 32-element formats. The 16 bytes are loaded
 * into both halves and the upper half shifted by 4 (a 32-bit shift: the mask removes what
 * crosses bytes). */
TGT INLINE __m256i nibbles_lo_hi(const uint8_t *qs) {
    const __m256i x = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)qs));
    const __m256i sh = _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4);
    return _mm256_and_si256(_mm256_srlv_epi32(x, sh), _mm256_set1_epi8(0x0F));
}

/* Byte i = 0xFF where bit i of bits is set, else 0 (i = 0..31). */
TGT INLINE __m256i bits_to_bytes(uint32_t bits) {
#if DOT_MODE == 1
    return _mm256_movm_epi8((__mmask32)bits);
#else
    const __m256i shuf = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                          2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
    const __m256i sel = _mm256_set1_epi64x(0x8040201008040201LL);
    const __m256i v = _mm256_shuffle_epi8(_mm256_set1_epi32((int)bits), shuf);
    return _mm256_cmpeq_epi8(_mm256_and_si256(v, sel), sel);
#endif
}

/* A Q5_0/Q5_1 block's 32 unsigned quants (0..31) in element order: the nibbles at qs and,
 * as bit 4, bit i of the 32-bit qh for element i (q_body.h, avx2_gemm_q.c). */
TGT INLINE __m256i q5_quants(const uint8_t *qs, const uint8_t *qh) {
    return _mm256_or_si256(nibbles_lo_hi(qs),
                           _mm256_and_si256(bits_to_bytes(ld32(qh)), _mm256_set1_epi8(0x10)));
}

/* acc + sum of 4 adjacent products u8 u[i] * s8 s[i] per int32 lane. In AVX2 mode the pairs
 * go through int16 (vpmaddubsw saturates above 32767): callers keep 2 * max u * 127 below
 * that (u <= 128). */
TGT INLINE __m256i dot_us(__m256i acc, __m256i u, __m256i s) {
#if DOT_MODE == 1
    return _mm256_dpbusd_epi32(acc, u, s);
#elif DOT_MODE == 2
    return _mm256_dpbusd_avx_epi32(acc, u, s);
#else
    const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
    return _mm256_add_epi32(acc, p);
#endif
}

/* acc + sum of 2 adjacent products int16 p[i] * s[i] per int32 lane (exact).
 * Without VNNI the sum is an add, and GCC reassociates chains of integer adds: with a tile's
 * 4 rows unrolled it computed all 32 products of a super-block first and summed them after,
 * spilling them to the stack (tile_q4_k had some 600 spill stores). The empty asm makes each
 * partial sum opaque, so the chain stays in order and in registers: in cache, Q4_K decode
 * (4x1) ran 1.10x and 4x2 1.18x faster (bench/kernel_ab, same process). */
TGT INLINE __m256i madd_acc(__m256i acc, __m256i p, __m256i s) {
#if DOT_MODE == 1
    return _mm256_dpwssd_epi32(acc, p, s);
#elif DOT_MODE == 2
    return _mm256_dpwssd_avx_epi32(acc, p, s);
#else
    __m256i r = _mm256_add_epi32(acc, _mm256_madd_epi16(p, s));
    __asm__("" : "+x"(r));
    return r;
#endif
}

/* r[k] = [r0[k], r1[k], ..., r7[k]]: the 8 x 8 transpose of 32-bit elements (the gemm panels
 * of avx2_gemm_q.c and gemm_k_body.h: 8 rows' 4-byte groups side by side). */
TGT INLINE void transpose8x32(__m256i r[8]) {
    __m256i t[8], u[8];
#pragma GCC unroll 4
    for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
    }
#pragma GCC unroll 2
    for (int i = 0; i < 2; i++) {   /* rows 4i..4i+3: columns 0|4, 1|5, 2|6, 3|7 */
        u[4 * i] = _mm256_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 1] = _mm256_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
        u[4 * i + 2] = _mm256_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
        u[4 * i + 3] = _mm256_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
    }
#pragma GCC unroll 4
    for (int k = 0; k < 4; k++) {
        r[k] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x20);
        r[4 + k] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x31);
    }
}

/* The gemm kernels: the next 16 weight rows after the call's (the matmul's next tile, most of
 * the time) into L2 while this call computes, row_bytes each from w + 16 ws on. A prefetch
 * never faults, so past the tensor's end it only wastes a slot. */
TGT INLINE void prefetch_next_tile(const uint8_t *w, size_t ws, size_t row_bytes) {
    for (int m = 16; m < 32; m++)
        for (size_t o = 0; o < row_bytes; o += 64) _mm_prefetch((const char *)(w + (size_t)m * ws + o), _MM_HINT_T1);
}

/* A Q4_K super-block's 256 quants (its qs at b + 16; layout in src/quant/q4_k.c) as bytes
 * 0..15 in element order (the gemm panels of amx_k.c and gemm_k_body.h). */
TGT INLINE void q4k_quants(const uint8_t *b, uint8_t *q) {
    const __m256i low4 = _mm256_set1_epi8(0x0F);
    for (int p = 0; p < 4; p++) {       /* elements 64p + l (low nibbles), 64p + 32 + l (high) */
        const __m256i x = _mm256_loadu_si256((const __m256i *)(b + 16 + 32 * p));
        _mm256_storeu_si256((__m256i *)(q + 64 * p), _mm256_and_si256(x, low4));
        _mm256_storeu_si256((__m256i *)(q + 64 * p + 32),
                            _mm256_and_si256(_mm256_srli_epi16(x, 4), low4));
    }
}

/* A Q6_K super-block's 256 quants (layout in src/quant/q6_k.c) as bytes u - bias in element
 * order, u in 0..63 (amx_k.c: bias 32, the signed value; gemm_k_body.h: 0). */
TGT INLINE void q6k_quants(const uint8_t *b, uint8_t *q, int bias) {
    const __m256i low4 = _mm256_set1_epi8(0x0F), hi2 = _mm256_set1_epi8(0x30);
    const __m256i bv = _mm256_set1_epi8((char)bias);
    for (int h = 0; h < 2; h++) {       /* element 128h + 32s + l */
        const __m256i ql0 = _mm256_loadu_si256((const __m256i *)(b + 64 * h));
        const __m256i ql1 = _mm256_loadu_si256((const __m256i *)(b + 64 * h + 32));
        const __m256i qh = _mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h));
        for (int s = 0; s < 4; s++) {
            const __m256i l = (s & 1) ? ql1 : ql0;
            const __m256i low = _mm256_and_si256(s >> 1 ? _mm256_srli_epi16(l, 4) : l, low4);
            const __m256i hb = s == 0   ? _mm256_slli_epi16(qh, 4)
                               : s == 1 ? _mm256_slli_epi16(qh, 2)
                               : s == 2 ? qh
                                        : _mm256_srli_epi16(qh, 2);
            const __m256i v = _mm256_or_si256(low, _mm256_and_si256(hb, hi2));
            _mm256_storeu_si256((__m256i *)(q + 128 * h + 32 * s), _mm256_sub_epi8(v, bv));
        }
    }
}

/* The gemm entry gemm_<name> of a kernel file whose generic TGT INLINE gemm(T, ...) takes
 * the type as its first argument (amx_k.c, avx2_gemm_q.c, gemm_k_body.h). */
#define DEFINE_GEMM(name, T)                                                                   \
    TGT static void gemm_##name(int64_t n, const void *w, size_t ws, int nw,                   \
                                const void *groups, int na, float *out, size_t os,             \
                                void *scratch) {                                               \
        gemm(T, n, w, ws, nw, groups, na, out, os, scratch);                                   \
    }

/* The dot and dot_tile entries dot_<name>, tile_<name> of a kernel file whose generic
 * TGT INLINE dtile(T, NA, nb, w, ws, nw, a, as, out, os) computes up to 4 weight rows x NA
 * (a constant, 1..4) activation rows (amx_q.c, avx2_q45.c): a tile of any na goes in chunks
 * of 4 activation rows, and the dot is a tile of one row and one token. */
#define DEFINE_DTILE_ENTRIES(name, T)                                                          \
    TGT static float dot_##name(int64_t n, const void *w, const void *a) {                     \
        float out;                                                                             \
        dtile(T, 1, n / 32, w, 0, 1, a, 0, &out, 0);                                           \
        return out;                                                                            \
    }                                                                                          \
    TGT static void tile_##name(int64_t n, const void *w, size_t ws, int nw, const void *a,    \
                                size_t as, int na, float *out, size_t os) {                    \
        for (int c0 = 0; c0 < na; c0 += 4) {                                                   \
            const uint8_t *ap = (const uint8_t *)a + (size_t)c0 * as;                          \
            float *o = out + (size_t)c0 * os;                                                  \
            switch (na - c0 < 4 ? na - c0 : 4) {                                               \
            case 1: dtile(T, 1, n / 32, w, ws, nw, ap, as, o, os); break;                      \
            case 2: dtile(T, 2, n / 32, w, ws, nw, ap, as, o, os); break;                      \
            case 3: dtile(T, 3, n / 32, w, ws, nw, ap, as, o, os); break;                      \
            default: dtile(T, 4, n / 32, w, ws, nw, ap, as, o, os); break;                     \
            }                                                                                  \
        }                                                                                      \
    }

#endif
