/*
 * gemm_k_body.h - prompts (batches of 16 tokens and more) of Q4_K and Q6_K weights with Q8_K
 * activations on AVX2, one 32-bit lane per weight row.
 *
 * Not a standalone header: avx2_gemm_k.c and avx512_gemm_k.c include it once each after
 * defining TGT, DOT_MODE (ymm_util.h) and FILL_FN, the name of the table fill function.
 *
 * The tile kernels of k_body.h hold one weight row's 32 quants per register, so every row and
 * token ends in a horizontal sum. Here a gemm call first unpacks its (up to) 16 weight rows
 * into a panel in the thread's scratch, interleaved by 4 bytes: register k of a super-block
 * holds quants 4k..4k+3 of 8 rows. vpmaddubsw against the token's 4 activations broadcast to
 * every lane, summed in int16, then vpmaddwd by the sub-block's scale, gives the 8 rows'
 * sums at once, lane by lane: no shuffles, and the unpacking is paid once per call instead of
 * once per token. With VNNI (DOT_MODE 1) vpdpbusd sums a sub-block's products in int32 lanes
 * and vpmulld applies its scale: 8 instructions per sub-block and 8 rows where vpmaddubsw
 * took 8 and 7 int16 adds (the same exact integers).
 *
 * The results are those of k_body.h's dot and tile kernels, bit for bit: isum and msum are the
 * same exact integers, and each super-block adds the same float expression,
 *     acc = acc + ((d_a d) isum - (d_a dmin) msum)      (Q6_K: acc + (d_a d) isum),
 * each step rounded once, in the same order (tests/test_vecdot.c, test_gemm, checks it).
 * int16 sums stay in range: Q4_K's u <= 15 and |a| <= 127, 8 pairs per lane sum to at most
 * 8 * 2 * 15 * 127 = 30480; Q6_K's u <= 63, 2 pairs: 2 * 2 * 63 * 127 = 32004.
 *
 * Called only when the CPU has the including file's instruction sets (kernels/dispatch.c).
 */
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/vecdot_arch.h"
#include "quant/blocks.h"
#include "quant/quant.h"

#include <string.h>

enum { K4, K6 };
#define WB(T) ((T) == K4 ? 144 : 210)   /* bytes of a Q4_K, Q6_K block */
#define AB 292                          /* bytes of a Q8_K block */

/* The panel, per super-block: the quants as 64 registers of [16 rows][4 bytes]; then the
 * int16 pairs vpmaddwd multiplies by, per row (Q4_K: (s_j, s_j) for 8 sub-blocks, then
 * (m_j, m_j); Q6_K: (s_k, s_k) for 16, then (s_2q, s_2q+1) for 8), the scales s as int32 for
 * vpmulld with VNNI; then d and dmin of the 16 rows as floats. Rows past nw are zeros. */
#define VNNI (DOT_MODE != 0)
#define PQ 4096
#define PC (32 * 16 * 4)
#define PSB (PQ + PC + 2 * 16 * 4)   /* a multiple of 64: aligned stores */

/* A group: the tokens' Q8_K rows as they are (the kernel broadcasts from them). */
static size_t group_bytes(int64_t n) { return (size_t)L4A_GEMM_GROUP * (size_t)(n / 256) * AB; }

static void pack(int64_t n, const void *a, size_t as, int na, void *group) {
    const size_t row = (size_t)(n / 256) * AB;
    for (int t = 0; t < na; t++) memcpy((uint8_t *)group + (size_t)t * row,
                                        (const uint8_t *)a + (size_t)t * as, row);
}

static size_t gemm_scratch(int64_t n) { return (size_t)(n / 256) * PSB + 64; }

static inline uint32_t pair16(int lo, int hi) {
    return (uint32_t)(uint16_t)lo | (uint32_t)(uint16_t)hi << 16;
}

/* A sub-block scale in the panel: a pair for vpmaddwd, an int32 for vpmulld (VNNI). */
static inline uint32_t scale32(int s) { return VNNI ? (uint32_t)s : pair16(s, s); }

/* Row m's super-block b: its quants as bytes in element order into q, its scales and d
 * into the panel P. */
TGT static void unpack_row(const int T, const uint8_t *b, int m, uint8_t *q, uint8_t *P) {
    uint32_t *pc = (uint32_t *)(P + PQ);
    float *pd = (float *)(P + PQ + PC);
    if (T == K4) {
        q4k_quants(b, q);
        for (int j = 0; j < 8; j++) {
            uint8_t s, mn;
            l4a_k_get_scale_min(b + 4, j, &s, &mn);
            pc[16 * j + m] = scale32(s);
            pc[128 + 16 * j + m] = pair16(mn, mn);
        }
        pd[m] = h2f(ld16(b));
        pd[16 + m] = h2f(ld16(b + 2));
    } else {
        q6k_quants(b, q, 0);
        const int8_t *sc = (const int8_t *)(b + 192);
        for (int k = 0; k < 16; k++) pc[16 * k + m] = scale32(sc[k]);
        for (int j = 0; j < 8; j++) pc[256 + 16 * j + m] = pair16(sc[2 * j], sc[2 * j + 1]);
        pd[m] = h2f(ld16(b + 208));
        pd[16 + m] = 0.0f;
    }
}

/* Each super-block of the nw rows into the panel: 8 rows' quants at a time, transposed to
 * 4-byte groups side by side. */
TGT static void unpack_panel(const int T, int64_t nsb, const uint8_t *w, size_t ws, int nw,
                             uint8_t *panel) {
    if (nw < 16) memset(panel, 0, (size_t)nsb * PSB);
    _Alignas(32) uint8_t q[8][256];
    for (int64_t i = 0; i < nsb; i++) {
        uint8_t *P = panel + (size_t)i * PSB;
        for (int h = 0; h * 8 < nw; h++) {
            for (int m = 0; m < 8; m++) {
                if (8 * h + m < nw)
                    unpack_row(T, w + (size_t)(8 * h + m) * ws + (size_t)i * WB(T), 8 * h + m,
                               q[m], P);
                else
                    memset(q[m], 0, sizeof q[m]);
            }
            for (int g = 0; g < 8; g++) {
                __m256i r[8];
#pragma GCC unroll 8
                for (int m = 0; m < 8; m++) r[m] = _mm256_load_si256((const __m256i *)(q[m] + 32 * g));
                transpose8x32(r);
#pragma GCC unroll 8
                for (int k = 0; k < 8; k++)
                    _mm256_store_si256((__m256i *)(P + 64 * (8 * g + k) + 32 * h), r[k]);
            }
        }
    }
}

/* One sub-block of rows 8h..8h+7 (h < NH) against NT tokens: is[h][t] += s * (sum of the
 * products of the NR panel registers at Pj, 64 bytes apart, with the activations at
 * y[t] + off, 4 per register), s the rows' scales at S. AVX2 sums G registers per int16 lane
 * (Q4_K 8, Q6_K 2: the bounds at the top), then vpmaddwd by s; VNNI sums the even and odd
 * registers in two int32 chains, then vpmulld by s. */
TGT INLINE void sub_block(const int NH, const int NT, const int NR, const int G,
                          const uint8_t *Pj, const uint8_t *const *y, size_t off,
                          const uint8_t *S, __m256i is[2][2]) {
    __m256i p[2][2][2];     /* [chain or group][h][t] */
#pragma GCC unroll 8
    for (int r = 0; r < NR; r++) {
        __m256i a[2];
#pragma GCC unroll 2
        for (int t = 0; t < NT; t++) a[t] = bcast4(y[t] + off + 4 * r);
#pragma GCC unroll 2
        for (int h = 0; h < NH; h++) {
            const __m256i w = load32(Pj + 64 * r + 32 * h);
#pragma GCC unroll 2
            for (int t = 0; t < NT; t++) {
                __m256i *acc = &p[VNNI ? r % 2 : r / G][h][t];
                if (VNNI) {
                    *acc = dot_us(r >= 2 ? *acc : _mm256_setzero_si256(), w, a[t]);
                } else {
                    const __m256i m = _mm256_maddubs_epi16(w, a[t]);
                    *acc = r % G ? _mm256_add_epi16(*acc, m) : m;
                }
            }
        }
    }
#pragma GCC unroll 2
    for (int h = 0; h < NH; h++) {
        const __m256i s = load32(S + 32 * h);
#pragma GCC unroll 2
        for (int t = 0; t < NT; t++) {
            __m256i u;
            if (VNNI) {
                u = _mm256_mullo_epi32(_mm256_add_epi32(p[0][h][t], p[1][h][t]), s);
            } else {
                u = _mm256_madd_epi16(p[0][h][t], s);
                if (NR > G) u = _mm256_add_epi32(u, _mm256_madd_epi16(p[1][h][t], s));
            }
            is[h][t] = _mm256_add_epi32(is[h][t], u);
        }
    }
}

/* Accumulates rows 8h..8h+7 (h < NH) of super-block P's sub-block sums against the Q8_K
 * blocks y[t] of NT tokens: is[h][t] += sum_j s_j (sum of its products), ms[h][t] = the
 * mins' or offset's sum. Each panel register is loaded once for the NT tokens. */
TGT INLINE void sb_sums(const int T, const int NH, const int NT, const uint8_t *P,
                        const uint8_t *const *y, __m256i is[2][2], __m256i ms[2][2]) {
    const uint8_t *C = P + PQ;
    if (T == K4) {
#pragma GCC unroll 1
        for (int j = 0; j < 8; j++)     /* sub-blocks of 32: 8 registers */
            sub_block(NH, NT, 8, 8, P + 512 * j, y, 4 + 32 * (size_t)j, C + 64 * j, is);
    } else {
#pragma GCC unroll 1
        for (int k = 0; k < 16; k++)    /* sub-blocks of 16: 4 registers */
            sub_block(NH, NT, 4, 2, P + 256 * k, y, 4 + 16 * (size_t)k, C + 64 * k, is);
    }
    const uint8_t *M = C + (T == K4 ? 512 : 1024);   /* mins / offset pairs */
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++)
#pragma GCC unroll 2
        for (int t = 0; t < NT; t++) {
            const __m256i b = bcast4(y[t] + 260 + 4 * j);
#pragma GCC unroll 2
            for (int h = 0; h < NH; h++) {
                const __m256i m = _mm256_madd_epi16(load32(M + 64 * j + 32 * h), b);
                ms[h][t] = j ? _mm256_add_epi32(ms[h][t], m) : m;
            }
        }
}

/* Rows 0..8 NH - 1 of the panel against NT tokens (their Q8_K rows y[t]) over nsb
 * super-blocks: acc[h][t]. */
TGT INLINE void rows(const int T, const int NH, const int NT, const uint8_t *panel, int64_t nsb,
                     const uint8_t *const *y0, __m256 acc[2][2]) {
#pragma GCC unroll 2
    for (int h = 0; h < NH; h++)
#pragma GCC unroll 2
        for (int t = 0; t < NT; t++) acc[h][t] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nsb; i++) {
        const uint8_t *P = panel + (size_t)i * PSB;
        const uint8_t *y[2];
        __m256i is[2][2], ms[2][2];
#pragma GCC unroll 2
        for (int t = 0; t < NT; t++) {
            y[t] = y0[t] + (size_t)i * AB;
#pragma GCC unroll 2
            for (int h = 0; h < NH; h++) is[h][t] = _mm256_setzero_si256();
        }
        sb_sums(T, NH, NT, P, y, is, ms);
        const float *pd = (const float *)(P + PQ + PC);
#pragma GCC unroll 2
        for (int t = 0; t < NT; t++) {
            const __m256 da = _mm256_set1_ps(ldf(y[t]));
#pragma GCC unroll 2
            for (int h = 0; h < NH; h++) {
                __m256 f;
                if (T == K4) {
                    f = _mm256_mul_ps(_mm256_mul_ps(da, _mm256_loadu_ps(pd + 8 * h)),
                                      _mm256_cvtepi32_ps(is[h][t]));
                    f = _mm256_sub_ps(f, _mm256_mul_ps(
                                             _mm256_mul_ps(da, _mm256_loadu_ps(pd + 16 + 8 * h)),
                                             _mm256_cvtepi32_ps(ms[h][t])));
                } else {                    /* the -32 offset: isum -= 32 sum_k s_k bsum_k */
                    f = _mm256_mul_ps(_mm256_mul_ps(da, _mm256_loadu_ps(pd + 8 * h)),
                                      _mm256_cvtepi32_ps(_mm256_sub_epi32(
                                          is[h][t], _mm256_slli_epi32(ms[h][t], 5))));
                }
                acc[h][t] = _mm256_add_ps(acc[h][t], f);
            }
        }
    }
}

/* Tokens c.. (NT of them) against the panel's rows (NH halves), stored masked to nw. */
TGT INLINE void tokens(const int T, const int NH, const int NT, const uint8_t *panel,
                       int64_t nsb, const uint8_t *groups, int c, float *out, size_t os,
                       const __m256i *mask) {
    const size_t row = (size_t)nsb * AB;
    const uint8_t *y[2];
#pragma GCC unroll 2
    for (int t = 0; t < NT; t++) y[t] = groups + (size_t)(c + t) * row;
    __m256 acc[2][2];
    rows(T, NH, NT, panel, nsb, y, acc);
#pragma GCC unroll 2
    for (int t = 0; t < NT; t++)
#pragma GCC unroll 2
        for (int h = 0; h < NH; h++)
            _mm256_maskstore_ps(out + (size_t)(c + t) * os + 8 * h, mask[h], acc[h][t]);
}

/* Two tokens at a time: each panel register (from L2 for long rows) serves both. */
TGT INLINE void gemm(const int T, int64_t n, const void *w, size_t ws, int nw,
                     const void *groups, int na, float *out, size_t os, void *scratch) {
    const int64_t nsb = n / 256;
    uint8_t *panel = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    unpack_panel(T, nsb, w, ws, nw, panel);
    prefetch_next_tile((const uint8_t *)w, ws, (size_t)nsb * WB(T));
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i mask[2] = {_mm256_cmpgt_epi32(_mm256_set1_epi32(nw), lane),
                             _mm256_cmpgt_epi32(_mm256_set1_epi32(nw - 8), lane)};
    const uint8_t *g = groups;
    int c = 0;
    if (nw > 8) {
        for (; c + 2 <= na; c += 2) tokens(T, 2, 2, panel, nsb, g, c, out, os, mask);
        if (c < na) tokens(T, 2, 1, panel, nsb, g, c, out, os, mask);
    } else {
        for (; c + 2 <= na; c += 2) tokens(T, 1, 2, panel, nsb, g, c, out, os, mask);
        if (c < na) tokens(T, 1, 1, panel, nsb, g, c, out, os, mask);
    }
}

DEFINE_GEMM(q4_k, K4)
DEFINE_GEMM(q6_k, K6)

void FILL_FN(l4a_vecdot *t) {
    l4a_vecdot_set_gemm(&t[L4A_TYPE_Q4_K], gemm_q4_k, pack, group_bytes, gemm_scratch);
    l4a_vecdot_set_gemm(&t[L4A_TYPE_Q6_K], gemm_q6_k, pack, group_bytes, gemm_scratch);
}
