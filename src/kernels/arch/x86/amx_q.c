/*
 * amx_q.c - Q4_0 and Q8_0 weights with Q8_0 activations on CPUs with AMX-INT8 (and AVX-512):
 * tile matrix products for prompts, and the decode kernels that give the same bits.
 *
 * Order of the float operations, for every output of every kernel here (the batch invariance
 * of kernels/matmul.c rests on it):
 *
 *     acc = 0;  for b = 0 .. nb - 1:  acc = fma((float) isum_b, d_w,b * d_a,b, acc)
 *
 * where isum_b is the block's exact integer sum of (q_w - k) q_a (k = 8 for Q4_0, 0 for Q8_0)
 * and d_w,b * d_a,b is exact (two f16 values). The order differs from that of avx2_q45.c (two
 * chains, even and odd blocks) and q_body.h (Q8_0: 8 float lanes), whose kernels the avx512
 * level keeps, so this level has its own dot and tile kernels.
 *
 *  - gemm (AMX): a tile product C (16 weight rows x 16 tokens, int32) = A (the 16 rows' 32
 *    quants of block b, signed bytes) x B (the 16 tokens' 32 activation quants of block b,
 *    rearranged by gemm_pack so that B row k holds bytes 4k..4k+3 of every token). C is stored
 *    and scaled into 16 float accumulators (one per weight row, over the 16 tokens). Q8_0 rows
 *    are loaded by the tile unit where they lie in the file; Q4_0 rows are first unpacked to
 *    q - 8 bytes, once per call, in the thread's scratch. Prompts ran 2 to 4 times faster
 *    than on the avx512 level's vpdpbusd tiles (README, Benchmarks).
 *  - dot, tile (AVX-512 VNNI, one token or a few): the per-lane vpdpbusd sums of 4 outputs x 2
 *    blocks are reduced to the blocks' totals with one shuffle-add tree, then scaled in block
 *    order as above.
 *
 * Called only when CPUID reports these features, XCR0 has the tile state and Linux granted
 * the process AMX (kernels/dispatch.c).
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT                                                                                    \
    __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,"      \
                          "amx-tile,amx-int8")))
#define DOT_MODE 1
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/x86/zmm_util.h"
#include "kernels/arch/x86/amx_util.h"
#include "kernels/arch/vecdot_arch.h"

#include <stddef.h>

enum { Q40, Q80 };

#define WSIZE(T) ((T) == Q40 ? 18 : 34)
#define ASIZE 34
#define KOFF(T) ((T) == Q40 ? 8 : 128) /* the weight's offset as vpdpbusd sees it */

/* ---- decode: AVX-512 VNNI */

/* The unsigned quants of weight blocks b and b + 1 at p (element order). */
TGT INLINE __m512i load_w_pair(const int T, const uint8_t *p) {
    if (T == Q80)
        return _mm512_xor_si512(load_pair32(p + 2, WSIZE(T)), _mm512_set1_epi8((char)0x80));
    return nibbles_pair(p + 2, WSIZE(T));
}


/* The exact block totals of 4 outputs from their per-lane sums of blocks b (lanes 0-7) and
 * b + 1 (lanes 8-15): *e = block b's [D0 D1 D2 D3], *o = block b + 1's. */
TGT INLINE void reduce4(__m512i d0, __m512i d1, __m512i d2, __m512i d3, __m128i *e, __m128i *o) {
    const __m512i u = lane_sums4(d0, d1, d2, d3);
    const __m512i v = _mm512_add_epi32(u, _mm512_shuffle_i32x4(u, u, _MM_SHUFFLE(2, 3, 0, 1)));
    *e = _mm512_castsi512_si128(v);
    *o = _mm512_extracti32x4_epi32(v, 2);
}

/* The totals of blocks b, b + 1 (*e, *o) of 4 weight rows u[] with one activation pair q. */
TGT INLINE void pair_totals(const int T, const __m512i *u, __m512i q, __m128i *e, __m128i *o) {
    const __m512i off = _mm512_sub_epi32(
        _mm512_setzero_si512(),
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8((char)KOFF(T)), q));
    reduce4(_mm512_dpbusd_epi32(off, u[0], q), _mm512_dpbusd_epi32(off, u[1], q),
            _mm512_dpbusd_epi32(off, u[2], q), _mm512_dpbusd_epi32(off, u[3], q), e, o);
}

/* 4 floats: x * y[i] */
TGT INLINE __m128 scale4(__m128 dw, float da) { return _mm_mul_ps(dw, _mm_set1_ps(da)); }

/* The f16 scales of block b of rows w0..w3 as 4 floats. */
TGT INLINE __m128 dw4(const uint8_t *const *w, size_t off) {
    const __m128i h = _mm_setr_epi16((short)ld16(w[0] + off), (short)ld16(w[1] + off),
                                     (short)ld16(w[2] + off), (short)ld16(w[3] + off), 0, 0, 0,
                                     0);
    return _mm_cvtph_ps(h);
}

/* Outputs of 4 weight rows (row r < nw, the others repeat row 0 and are dropped) x NA
 * activation rows, in the order at the top of the file. */
TGT INLINE void dtile(const int T, const int NA, int64_t nb, const uint8_t *w, size_t ws,
                      int nw, const uint8_t *a, size_t as, float *out, size_t os) {
    const uint8_t *wr[4];
    for (int r = 0; r < 4; r++) wr[r] = w + (size_t)(r < nw ? r : 0) * ws;
    __m128 acc[4];
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) acc[c] = _mm_setzero_ps();
    int64_t b = 0;
    for (; b + 8 <= nb; b += 8) {                   /* groups of 8 blocks */
        const size_t wo = (size_t)b * WSIZE(T), ao = (size_t)b * ASIZE;
        /* the rows' scales: s[j] = rows 0-3 of block j (low 128 bits) and j + 4 (high) */
        __m256 d[4], s[4];
        for (int r = 0; r < 4; r++) {
            d[r] = gather8_f16(wr[r] + wo, WSIZE(T), 0);
            prefetch_bytes(wr[r] + wo + 4 * (size_t)ws, 8 * WSIZE(T));
        }
        const __m256 t0 = _mm256_unpacklo_ps(d[0], d[1]), t1 = _mm256_unpackhi_ps(d[0], d[1]);
        const __m256 t2 = _mm256_unpacklo_ps(d[2], d[3]), t3 = _mm256_unpackhi_ps(d[2], d[3]);
        s[0] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(1, 0, 1, 0));
        s[1] = _mm256_shuffle_ps(t0, t2, _MM_SHUFFLE(3, 2, 3, 2));
        s[2] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(1, 0, 1, 0));
        s[3] = _mm256_shuffle_ps(t1, t3, _MM_SHUFFLE(3, 2, 3, 2));
#pragma GCC unroll 4
        for (int p = 0; p < 4; p++) {
            __m512i u[4];
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++) u[r] = load_w_pair(T, wr[r] + wo + 2 * p * WSIZE(T));
            const __m256 se = s[(2 * p) & 3], so = s[(2 * p + 1) & 3];
            const __m128 de = p < 2 ? _mm256_castps256_ps128(se) : _mm256_extractf128_ps(se, 1);
            const __m128 dd = p < 2 ? _mm256_castps256_ps128(so) : _mm256_extractf128_ps(so, 1);
#pragma GCC unroll 4
            for (int c = 0; c < NA; c++) {
                const uint8_t *ac = a + (size_t)c * as + ao + 2 * p * ASIZE;
                __m128i e, o;
                pair_totals(T, u, load_pair32(ac + 2, ASIZE), &e, &o);
                acc[c] = _mm_fmadd_ps(_mm_cvtepi32_ps(e), scale4(de, h2f(ld16(ac))), acc[c]);
                acc[c] = _mm_fmadd_ps(_mm_cvtepi32_ps(o), scale4(dd, h2f(ld16(ac + ASIZE))),
                                      acc[c]);
            }
        }
    }
    for (; b + 2 <= nb; b += 2) {
        const size_t wo = (size_t)b * WSIZE(T), ao = (size_t)b * ASIZE;
        __m512i u[4];
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++) {
            u[r] = load_w_pair(T, wr[r] + wo);
            prefetch_bytes(wr[r] + wo + 4 * (size_t)ws, 2 * WSIZE(T));
        }
        const __m128 de = dw4(wr, wo), dd = dw4(wr, wo + WSIZE(T));
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) {
            const uint8_t *ac = a + (size_t)c * as + ao;
            __m128i e, o;
            pair_totals(T, u, load_pair32(ac + 2, ASIZE), &e, &o);
            acc[c] = _mm_fmadd_ps(_mm_cvtepi32_ps(e), scale4(de, h2f(ld16(ac))), acc[c]);
            acc[c] = _mm_fmadd_ps(_mm_cvtepi32_ps(o), scale4(dd, h2f(ld16(ac + ASIZE))), acc[c]);
        }
    }
    if (b < nb) {                                   /* an odd last block: 256 bits */
        const size_t wo = (size_t)b * WSIZE(T), ao = (size_t)b * ASIZE;
        __m256i u[4];
        for (int r = 0; r < 4; r++)
            u[r] = T == Q80
                       ? _mm256_xor_si256(_mm256_loadu_si256((const __m256i *)(wr[r] + wo + 2)),
                                          _mm256_set1_epi8((char)0x80))
                       : nibbles_lo_hi(wr[r] + wo + 2);
        const __m128 de = dw4(wr, wo);
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) {
            const uint8_t *ac = a + (size_t)c * as + ao;
            const __m256i q = _mm256_loadu_si256((const __m256i *)(ac + 2));
            const __m256i off = _mm256_sub_epi32(
                _mm256_setzero_si256(),
                _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8((char)KOFF(T)), q));
            const __m128i e = _mm_setr_epi32(hsum_epi32(_mm256_dpbusd_epi32(off, u[0], q)),
                                             hsum_epi32(_mm256_dpbusd_epi32(off, u[1], q)),
                                             hsum_epi32(_mm256_dpbusd_epi32(off, u[2], q)),
                                             hsum_epi32(_mm256_dpbusd_epi32(off, u[3], q)));
            acc[c] = _mm_fmadd_ps(_mm_cvtepi32_ps(e), scale4(de, h2f(ld16(ac))), acc[c]);
        }
    }
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) {
        float v[4];
        _mm_storeu_ps(v, acc[c]);
        for (int r = 0; r < nw; r++) out[(size_t)c * os + (size_t)r] = v[r];
    }
}

/* ---- prompts: AMX */

/* A group: for each block, B (8 rows of 64 bytes: bytes 4k..4k+3 of tokens 0..15), then
 * the 16 tokens' d_a as floats after all the blocks. Missing tokens are zeros. */
static size_t group_bytes(int64_t n) { return (size_t)(n / 32) * (512 + 64); }

TGT static void gemm_pack(int64_t n, const void *a, size_t as, int na, void *group) {
    const int64_t nb = n / 32;
    uint8_t *g = group;
    float *da = (float *)(g + (size_t)nb * 512);
    const __mmask16 m = (__mmask16)((1u << na) - 1);
    int idx_[16];
    for (int t = 0; t < 16; t++) idx_[t] = t < na ? (int)((size_t)t * as) : 0;
    const __m512i idx = _mm512_loadu_si512(idx_);
    const uint8_t *base = a;
    for (int64_t b = 0; b < nb; b++) {
        const uint8_t *p = base + (size_t)b * ASIZE;
        for (int k = 0; k < 8; k++)
            _mm512_storeu_si512(g + (size_t)b * 512 + 64 * k,
                                _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, idx,
                                                            p + 2 + 4 * k, 1));
        const __m512i h = _mm512_mask_i32gather_epi32(_mm512_setzero_si512(), m, idx, p, 1);
        _mm512_storeu_ps(da + 16 * b, _mm512_cvtph_ps(_mm512_cvtepi32_epi16(h)));
    }
}

/* Scratch: the tile configuration, two C tiles, the Q4_0 rows as bytes, the rows' d_w. */
#define SCR_CFG 0
#define SCR_C 64                    /* 2 x 1 KiB */
#define SCR_ROWS (64 + 2048)

static size_t gemm_scratch(int64_t n) {
    return SCR_ROWS + 16 * (size_t)n + 16 * sizeof(float) * (size_t)(n / 32) + 64;
}

/* The float steps of block b: acc[m] += C[m] * (d_w[m] d_a) for the 16 rows m. */
TGT INLINE void scale_block(__m512 *acc, const int32_t *c, const float *dw, int64_t nb,
                            const float *da) {
    const __m512 dav = _mm512_loadu_ps(da);
#pragma GCC unroll 16
    for (int m = 0; m < 16; m++) {
        const __m512 s = _mm512_mul_ps(_mm512_set1_ps(dw[(size_t)m * nb]), dav);
        acc[m] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(_mm512_loadu_si512(c + 16 * m)), s, acc[m]);
    }
}

TGT static void gemm(const int T, int64_t n, const void *w, size_t ws, int nw,
                     const void *groups, int na, float *out, size_t os, void *scratch) {
    const int64_t nb = n / 32;
    uint8_t *scr = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    int32_t *cbuf = (int32_t *)(scr + SCR_C);
    uint8_t *rows = scr + SCR_ROWS;
    float *dw = (float *)(rows + 16 * (size_t)n);
    const uint8_t *wp = w;
    /* the rows' scales (0 past nw) and, for Q4_0, their quants as q - 8 bytes */
    for (int m = 0; m < 16; m++) {
        const uint8_t *row = wp + (size_t)m * ws;
        for (int64_t b = 0; b < nb; b++) {
            const uint8_t *blk = row + (size_t)b * WSIZE(T);
            dw[(size_t)m * nb + b] = m < nw ? h2f(ld16(blk)) : 0.0f;
            if (T != Q40) continue;
            __m256i q = _mm256_setzero_si256();
            if (m < nw) {
                const __m128i x = _mm_loadu_si128((const __m128i *)(blk + 2));
                const __m128i lo = _mm_and_si128(x, _mm_set1_epi8(0x0F));
                const __m128i hi = _mm_and_si128(_mm_srli_epi16(x, 4), _mm_set1_epi8(0x0F));
                q = _mm256_sub_epi8(_mm256_inserti128_si256(_mm256_castsi128_si256(lo), hi, 1),
                                    _mm256_set1_epi8(8));
            }
            _mm256_storeu_si256((__m256i *)(rows + (size_t)m * n + b * 32), q);
        }
    }
    const uint8_t *abase = T == Q40 ? rows : wp + 2;
    const size_t astride = T == Q40 ? (size_t)n : ws, ablk = T == Q40 ? 32 : WSIZE(T);
    const int arows = T == Q40 ? 16 : nw;   /* Q8_0: only the rows there are */

    /* tmm0, tmm1: C; tmm2, tmm3: A; tmm4, tmm5: B */
    const uint8_t ar = (uint8_t)arows, trows[6] = {ar, ar, ar, ar, 8, 8};
    const uint16_t tcols[6] = {64, 64, 32, 32, 64, 64};
    amx_configure((amx_cfg *)(scr + SCR_CFG), 6, trows, tcols);
    memset(cbuf, 0, 2048);

    const size_t gbytes = group_bytes(n);
    for (int g0 = 0; g0 < na; g0 += 16) {
        const uint8_t *grp = (const uint8_t *)groups + (size_t)(g0 / 16) * gbytes;
        const float *da = (const float *)(grp + (size_t)nb * 512);
        __m512 acc[16];
#pragma GCC unroll 16
        for (int m = 0; m < 16; m++) acc[m] = _mm512_setzero_ps();
        int64_t b = 0;
        for (; b + 2 <= nb; b += 2) {
            _tile_zero(0);
            _tile_zero(1);
            _tile_loadd(2, abase + (size_t)b * ablk, astride);
            _tile_loadd(4, grp + (size_t)b * 512, 64);
            _tile_loadd(3, abase + (size_t)(b + 1) * ablk, astride);
            _tile_loadd(5, grp + (size_t)(b + 1) * 512, 64);
            _tile_dpbssd(0, 2, 4);
            _tile_dpbssd(1, 3, 5);
            _tile_stored(0, cbuf, 64);
            _tile_stored(1, cbuf + 256, 64);
            scale_block(acc, cbuf, dw + b, nb, da + 16 * b);
            scale_block(acc, cbuf + 256, dw + b + 1, nb, da + 16 * (b + 1));
        }
        if (b < nb) {
            _tile_zero(0);
            _tile_loadd(2, abase + (size_t)b * ablk, astride);
            _tile_loadd(4, grp + (size_t)b * 512, 64);
            _tile_dpbssd(0, 2, 4);
            _tile_stored(0, cbuf, 64);
            scale_block(acc, cbuf, dw + b, nb, da + 16 * b);
        }
        amx_store_outputs(acc, g0, na, nw, out, os);
    }
    _tile_release();
}

/* ---- the table */

#define DEFINE_TYPE(name, T)                                                                   \
    DEFINE_DTILE_ENTRIES(name, T)                                                              \
    TGT static void gemm_##name(int64_t n, const void *w, size_t ws, int nw,                   \
                                const void *groups, int na, float *out, size_t os,             \
                                void *scratch) {                                               \
        gemm(T, n, w, ws, nw, groups, na, out, os, scratch);                                   \
    }

DEFINE_TYPE(q4_0, Q40)
DEFINE_TYPE(q8_0, Q80)

void l4a_vecdot_fill_amx_q(l4a_vecdot *t) {
    t[L4A_TYPE_Q4_0].dot = dot_q4_0;
    t[L4A_TYPE_Q4_0].dot_tile = tile_q4_0;
    t[L4A_TYPE_Q4_0].dot_x4 = NULL;     /* avx2_q45.c's sums in that file's order, not this */
    amx_set_gemm(&t[L4A_TYPE_Q4_0], gemm_q4_0, gemm_pack, group_bytes, gemm_scratch);
    t[L4A_TYPE_Q8_0].dot = dot_q8_0;
    t[L4A_TYPE_Q8_0].dot_tile = tile_q8_0;
    amx_set_gemm(&t[L4A_TYPE_Q8_0], gemm_q8_0, gemm_pack, group_bytes, gemm_scratch);
}

#endif
