/*
 * amx_k.c - Q4_K weights with Q8_K activations on CPUs with AMX-INT8: the tile products of
 * prompts, in the "sums order" that the amx level's Q4_K dot and tile kernels also follow
 * (avx512_k.c, SUMS = 1):
 *
 *     acc = 0;  for each super-block:  acc = acc + ((d_a d) isum - (d_a dmin) msum)
 *
 * isum = sum_j sc_j sum_l q_jl a_jl and msum = sum_j m_j bsum_j are exact integers; each
 * product and the difference round once (no FMA), in that order.
 *
 * Per super-block and 16 weight rows x 16 tokens: the 8 sub-blocks' int32 products C_j
 * (AMX: A = the rows' 32 quants of sub-block j as bytes, B = the tokens' 32 activations
 * rearranged by pack), then isum = sum_j sc_j C_j (vpmulld), msum by vpdpwssd of the mins
 * with the tokens' sub-block sums (packed as int16 pairs), then the float steps above on 16
 * tokens at once.
 *
 * Called only when CPUID reports AVX-512 and AMX-INT8 and Linux granted AMX (dispatch.c).
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT                                                                                    \
    __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,"      \
                          "amx-tile,amx-int8")))
#define DOT_MODE 1
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/vecdot_arch.h"
#include "kernels/arch/x86/amx_util.h"
#include "quant/blocks.h"
#include "quant/quant.h"

#include <stddef.h>

enum { K4, K6 };
#define WB(T) ((T) == K4 ? 144 : 210)   /* bytes of a Q4_K, Q6_K block */
#define AB 292                          /* bytes of a Q8_K block */
/* A group's super-block: 8 x 512 bytes of B, 16 d_a, 4 x 16 int16 pairs of sub-block sums */
#define GSB (8 * 512 + 64 + 256)

static size_t group_bytes(int64_t n) { return (size_t)(n / 256) * GSB; }

TGT static void pack(int64_t n, const void *a, size_t as, int na, void *group) {
    const int64_t nsb = n / 256;
    const __mmask16 m = (__mmask16)((1u << na) - 1);
    int idx_[16];
    for (int t = 0; t < 16; t++) idx_[t] = t < na ? (int)((size_t)t * as) : 0;
    const __m512i idx = _mm512_loadu_si512(idx_), z = _mm512_setzero_si512();
    for (int64_t i = 0; i < nsb; i++) {
        const uint8_t *p = (const uint8_t *)a + (size_t)i * AB;
        uint8_t *g = (uint8_t *)group + (size_t)i * GSB;
        for (int j = 0; j < 8; j++)
            for (int k = 0; k < 8; k++)
                _mm512_storeu_si512(
                    g + 512 * j + 64 * k,
                    _mm512_mask_i32gather_epi32(z, m, idx, p + 4 + 32 * j + 4 * k, 1));
        _mm512_storeu_si512(g + 4096, _mm512_mask_i32gather_epi32(z, m, idx, p, 1));   /* d_a */
        const __m512i ones = _mm512_set1_epi16(1);
        for (int q = 0; q < 4; q++) {   /* (bsum_2q, bsum_2q+1), each the sum of two bsums */
            const __m512i x = _mm512_mask_i32gather_epi32(z, m, idx, p + 260 + 8 * q, 1);
            const __m512i y = _mm512_mask_i32gather_epi32(z, m, idx, p + 264 + 8 * q, 1);
            const __m512i lo = _mm512_madd_epi16(x, ones), hi = _mm512_madd_epi16(y, ones);
            _mm512_storeu_si512(g + 4160 + 64 * q,
                                _mm512_or_si512(_mm512_and_si512(lo, _mm512_set1_epi32(0xFFFF)),
                                                _mm512_slli_epi32(hi, 16)));
        }
    }
}

/* Scratch: configuration, 16 C tiles, the rows' quants as bytes, their scales and mins. */
#define SCR_C 64
#define SCR_ROWS (64 + 16 * 1024)

static size_t gemm_scratch(int64_t n) {
    return SCR_ROWS + 16 * (size_t)n + 16 * (size_t)(n / 256) * (16 * 4 + 4 * 4 + 2 * 4) + 64;
}

/* Row m's super-block b as bytes (Q4_K: q; Q6_K: q - 32) in element order at q, its
 * scales as int32 at sc (8 or 16), Q4_K's mins as int16 pairs at mp, d and dmin at dd. */
TGT INLINE void unpack_sb(const int T, const uint8_t *b, uint8_t *q, int32_t *sc, int32_t *mp,
                          float *dd) {
    if (T == K6) {
        for (int k = 0; k < 16; k++) sc[k] = (int8_t)b[192 + k];
        dd[0] = h2f(ld16(b + 208));
        dd[1] = 0.0f;
        q6k_quants(b, q, 32);
        return;
    }
    dd[0] = h2f(ld16(b));
    dd[1] = h2f(ld16(b + 2));
    uint8_t s[8], mn[8];
    for (int j = 0; j < 8; j++) {
        l4a_k_get_scale_min(b + 4, j, &s[j], &mn[j]);
        sc[j] = s[j];
    }
    for (int j = 0; j < 4; j++)
        mp[j] = (int32_t)((uint32_t)mn[2 * j] | ((uint32_t)mn[2 * j + 1] << 16));
    q4k_quants(b, q);
}

/* Tile numbers are immediates: C tiles 0-3, A tiles 4-5, B tiles 6-7. */
#define SUB(jt, ja, jb, j)                                                                     \
    do {                                                                                       \
        _tile_zero(jt);                                                                        \
        _tile_loadd(ja, arow + (256 / NSUB) * (j), (size_t)n);                                 \
        _tile_loadd(jb, grp + (4096 / NSUB) * (j), 64);                                        \
        _tile_dpbssd(jt, ja, jb);                                                              \
    } while (0)

TGT INLINE void gemm(const int T, int64_t n, const void *w, size_t ws, int nw,
                     const void *groups, int na, float *out, size_t os, void *scratch) {
    const int64_t nsb = n / 256;
    const int NSUB = T == K4 ? 8 : 16;      /* sub-blocks of 32 or 16 elements */
    uint8_t *scr = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    int32_t *cbuf = (int32_t *)(scr + SCR_C);
    uint8_t *rows = scr + SCR_ROWS;
    int32_t *sc = (int32_t *)(rows + 16 * (size_t)n);       /* [16][nsb][NSUB] */
    int32_t *mp = sc + 16 * (size_t)nsb * NSUB;               /* [16][nsb][4] int16 pairs */
    float *dd = (float *)(mp + 16 * (size_t)nsb * 4);         /* [16][nsb][2]: d, dmin */
    for (int m = 0; m < 16; m++)
        for (int64_t i = 0; i < nsb; i++) {
            const size_t k = (size_t)m * nsb + (size_t)i;
            uint8_t *q = rows + (size_t)m * n + (size_t)i * 256;
            if (m < nw) {
                unpack_sb(T, (const uint8_t *)w + (size_t)m * ws + (size_t)i * WB(T), q,
                          sc + NSUB * k, mp + 4 * k, dd + 2 * k);
                continue;
            }
            memset(q, 0, 256);
            memset(sc + NSUB * k, 0, sizeof(int32_t) * NSUB);
            memset(mp + 4 * k, 0, 16);
            dd[2 * k] = dd[2 * k + 1] = 0.0f;
        }

    /* K = 32 (Q4_K) or 16 (Q6_K) per product: C tiles 0-3, A tiles 4-5, B tiles 6-7 */
    const uint8_t kb = (uint8_t)(256 / NSUB), trows[8] = {16, 16, 16, 16, 16, 16, kb / 4, kb / 4};
    const uint16_t tcols[8] = {64, 64, 64, 64, kb, kb, 64, 64};
    amx_configure((amx_cfg *)scr, 8, trows, tcols);

    const size_t gb = group_bytes(n);
    for (int g0 = 0; g0 < na; g0 += 16) {
        const uint8_t *grp0 = (const uint8_t *)groups + (size_t)(g0 / 16) * gb;
        __m512 acc[16];
#pragma GCC unroll 16
        for (int m = 0; m < 16; m++) acc[m] = _mm512_setzero_ps();
        for (int64_t i = 0; i < nsb; i++) {
            const uint8_t *grp = grp0 + (size_t)i * GSB, *arow = rows + (size_t)i * 256;
            for (int j = 0; j < NSUB; j += 4) {   /* 4 C tiles at a time */
                SUB(0, 4, 6, j);
                SUB(1, 5, 7, j + 1);
                SUB(2, 4, 6, j + 2);
                SUB(3, 5, 7, j + 3);
                _tile_stored(0, cbuf + 256 * j, 64);
                _tile_stored(1, cbuf + 256 * (j + 1), 64);
                _tile_stored(2, cbuf + 256 * (j + 2), 64);
                _tile_stored(3, cbuf + 256 * (j + 3), 64);
            }
            const __m512 da = _mm512_loadu_ps((const float *)(grp + 4096));
            const __m512i *bsp = (const __m512i *)(grp + 4160);
#pragma GCC unroll 2
            for (int m = 0; m < 16; m++) {
                const size_t k = (size_t)m * nsb + (size_t)i;
                __m512i is = _mm512_setzero_si512(), ms = _mm512_setzero_si512();
#pragma GCC unroll 16
                for (int j = 0; j < NSUB; j++)
                    is = _mm512_add_epi32(is, _mm512_mullo_epi32(
                                                  _mm512_loadu_si512(cbuf + 256 * j + 16 * m),
                                                  _mm512_set1_epi32(sc[NSUB * k + (size_t)j])));
                if (T == K4)
#pragma GCC unroll 4
                    for (int q = 0; q < 4; q++)
                        ms = _mm512_dpwssd_epi32(ms, _mm512_loadu_si512(bsp + q),
                                                 _mm512_set1_epi32(mp[4 * k + (size_t)q]));
                const __m512 t1 = _mm512_mul_ps(_mm512_mul_ps(da, _mm512_set1_ps(dd[2 * k])),
                                                _mm512_cvtepi32_ps(is));
                const __m512 t2 = _mm512_mul_ps(_mm512_mul_ps(da, _mm512_set1_ps(dd[2 * k + 1])),
                                                _mm512_cvtepi32_ps(ms));
                acc[m] = _mm512_add_ps(acc[m], _mm512_sub_ps(t1, t2));
            }
        }
        amx_store_outputs(acc, g0, na, nw, out, os);
    }
    _tile_release();
}

DEFINE_GEMM(q4_k, K4)
DEFINE_GEMM(q6_k, K6)

void l4a_vecdot_fill_amx_k(l4a_vecdot *t) {
    l4a_vecdot_fill_avx512_k_sums(t);
    amx_set_gemm(&t[L4A_TYPE_Q4_K], gemm_q4_k, pack, group_bytes, gemm_scratch);
    amx_set_gemm(&t[L4A_TYPE_Q6_K], gemm_q6_k, pack, group_bytes, gemm_scratch);
}

#endif
