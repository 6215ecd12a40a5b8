/*
 * avx512_q.c - AVX-512 (F, BW, VL, DQ, VNNI) dot products of the 32-element block formats.
 *
 * Rows are processed in groups of 8 blocks on 512-bit registers, two blocks per register:
 *  - the quants of blocks b and b+1 side by side (each block's 16 bytes loaded into two
 *    128-bit lanes, the second shifted by 4: element order), Q5's fifth bits added under an
 *    opmask made of the two 32-bit qh words;
 *  - the 8 f16 scales (and minimums) of a group gathered into one vector with two vpermt2w
 *    over the group's bytes and converted at once, instead of one conversion per block; each
 *    pair's scale vector [s_b x 8, s_b+1 x 8] is then one vpermps;
 *  - vpdpbusd multiplies and sums the bytes; the offset k sum a (Q4_0: 8, Q5_0: 16, Q8_0 with
 *    its sign bit flipped: 128) is computed once per activation pair and is the dot's start.
 * The blocks after the last whole group run the 256-bit code of q_body.h (included below,
 * which also provides the kernels used when a row has fewer than 8 blocks).
 * Tiles: up to 4 weight rows x 4 activation rows share each unpacked group (the activation
 * groups do not all fit in registers; the compiler keeps some on the stack, read back as
 * cheap L1 loads, which beats unpacking the weights twice). Error: per-lane float accumulation as in q_body.h, within the bound of
 * tests/test_vecdot.c.
 *
 * Called only when CPUID reports these features and the OS saves the AVX-512 state.
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define DOT_MODE 1
#define TILE_W 4
#define TILE_A 4
#define FILL_FN fill_ymm
#define FILL_LINKAGE static
#define ISA_NAME "avx512"
#include "kernels/arch/x86/q_body.h"

#include "kernels/arch/x86/zmm_util.h"

typedef struct act_grp {
    __m512i q[4], off[4];   /* pairs of blocks: quants, -k sum a */
    __m256 d, s;            /* the 8 blocks' d_a (and s_a) */
} act_grp;

TGT INLINE void load_act_grp(const int T, const uint8_t *a, act_grp *g) {
    const int as = ASIZE(T), k = quant_offset(T), qoff = HAS_MIN(T) ? 4 : 2;
#pragma GCC unroll 4
    for (int p = 0; p < 4; p++) {
        g->q[p] = load_pair32(a + 2 * p * as + qoff, as);
        g->off[p] = k ? _mm512_sub_epi32(_mm512_setzero_si512(),
                                         _mm512_dpbusd_epi32(_mm512_setzero_si512(),
                                                             _mm512_set1_epi8((char)k), g->q[p]))
                      : _mm512_setzero_si512();
    }
    g->d = gather8_f16(a, as, 0);
    g->s = HAS_MIN(T) ? gather8_f16(a, as, 2) : _mm256_setzero_ps();
}

/* Quants of the weight pair p of a group as unsigned bytes (as q_body.h's load_w). */
TGT INLINE __m512i load_w_pair(const int T, const uint8_t *w, int p) {
    const int ws = WSIZE(T);
    const uint8_t *b = w + 2 * p * ws;
    switch (T) {
    case T40: return nibbles_pair(b + 2, ws);
    case T41: return nibbles_pair(b + 4, ws);
    case T50:
    case T51: {
        const int qh = T == T50 ? 2 : 4;
        const __m512i u = nibbles_pair(b + qh + 4, ws);
        const __mmask64 hb = (__mmask64)ld32(b + qh) | ((__mmask64)ld32(b + ws + qh) << 32);
        return _mm512_mask_add_epi8(u, hb, u, _mm512_set1_epi8(0x10));
    }
    default: return _mm512_xor_si512(load_pair32(b + 2, ws), _mm512_set1_epi8((char)0x80));
    }
}

/* NW x NA over the first 8 * ng blocks: acc lanes, minimum terms in accm. */
TGT INLINE void zgroups(const int T, const int NW, const int NA, int64_t ng, const uint8_t *w,
                        size_t ws, const uint8_t *a, size_t as, float *out, size_t os) {
    /* One accumulator set whatever the tile shape, so that every output is the same float
     * computation in a 1 x 1 call as in a 4 x 2 one (the matmul's batch invariance). Two sets
     * (even and odd pairs) would hide the FMA latency of the 1 x 1 case better, but a 4 x 2
     * tile has no registers left for them. */
    const int U = 1;
    __m512 acc[2][4][4];
    __m256 accm[4][4];
#pragma GCC unroll 4
    for (int r = 0; r < NW; r++)
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) {
            acc[0][r][c] = acc[1][r][c] = _mm512_setzero_ps();
            accm[r][c] = _mm256_setzero_ps();
        }
    const __m512i pair_idx[4] = {
        _mm512_setr_epi32(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
        _mm512_setr_epi32(2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3),
        _mm512_setr_epi32(4, 4, 4, 4, 4, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5),
        _mm512_setr_epi32(6, 6, 6, 6, 6, 6, 6, 6, 7, 7, 7, 7, 7, 7, 7, 7)};
    for (int64_t g = 0; g < ng; g++) {
        act_grp ag[4];
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) load_act_grp(T, a + (size_t)c * as + g * 8 * ASIZE(T), &ag[c]);
#pragma GCC unroll 4
        for (int r = 0; r < NW; r++) {
            const uint8_t *wg = w + (size_t)r * ws + g * 8 * WSIZE(T);
            prefetch_bytes(wg + (size_t)NW * ws, 8 * WSIZE(T));
            const __m256 dw = gather8_f16(wg, WSIZE(T), 0);
            __m512 sd[4];
#pragma GCC unroll 4
            for (int c = 0; c < NA; c++) {
                sd[c] = _mm512_castps256_ps512(_mm256_mul_ps(dw, ag[c].d));
                if (HAS_MIN(T))
                    accm[r][c] = _mm256_fmadd_ps(gather8_f16(wg, WSIZE(T), 2), ag[c].s, accm[r][c]);
            }
#pragma GCC unroll 4
            for (int p = 0; p < 4; p++) {
                const __m512i u = load_w_pair(T, wg, p);
#pragma GCC unroll 4
                for (int c = 0; c < NA; c++) {
                    const __m512i is = _mm512_dpbusd_epi32(ag[c].off[p], u, ag[c].q[p]);
                    const __m512 sc = _mm512_permutexvar_ps(pair_idx[p], sd[c]);
                    __m512 *dst = &acc[U == 2 ? (p & 1) : 0][r][c];
                    *dst = _mm512_fmadd_ps(_mm512_cvtepi32_ps(is), sc, *dst);
                }
            }
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < NW; r++)
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) {
            const __m512 s = U == 2 ? _mm512_add_ps(acc[0][r][c], acc[1][r][c]) : acc[0][r][c];
            out[(size_t)c * os + (size_t)r] =
                _mm512_reduce_add_ps(s) + (HAS_MIN(T) ? hsum_ps(accm[r][c]) : 0.0f);
        }
}

/* NW x NA: whole groups on 512 bits, the remaining blocks with the 256-bit kernel. */
TGT INLINE void ztile(const int T, const int NW, const int NA, int64_t nb, const uint8_t *w,
                      size_t ws, const uint8_t *a, size_t as, float *out, size_t os) {
    const int64_t ng = nb / 8, rest = nb % 8;
    if (ng == 0) {
        tile(T, NW, NA, UNROLL(NW, NA), nb, w, ws, a, as, out, os);
        return;
    }
    zgroups(T, NW, NA, ng, w, ws, a, as, out, os);
    if (rest) {
        float tail[4 * 4];
        tile(T, NW, NA, 1, rest, w + ng * 8 * WSIZE(T), ws, a + ng * 8 * ASIZE(T), as, tail, 4);
#pragma GCC unroll 4
        for (int r = 0; r < NW; r++)
#pragma GCC unroll 4
            for (int c = 0; c < NA; c++) out[(size_t)c * os + (size_t)r] += tail[c * 4 + r];
    }
}

#ifndef ZTILE_A
#define ZTILE_A 4
#endif
#define ZCASE(W_, A_)                                                                          \
    case (W_) * 8 + (A_):                                                                      \
        ztile(T, W_, A_, nb, wp, ws, ap + (size_t)c0 * as, as, out + (size_t)c0 * os, os);     \
        break;

TGT INLINE void ztile_any(const int T, int64_t n, const void *w, size_t ws, int nw,
                          const void *a, size_t as, int na, float *out, size_t os) {
    const uint8_t *wp = w, *ap = a;
    const int64_t nb = n / 32;
    for (int c0 = 0; c0 < na; c0 += ZTILE_A) {
        const int ta = na - c0 < ZTILE_A ? na - c0 : ZTILE_A;
        switch (nw * 8 + ta) {
            ZCASE(1, 1) ZCASE(1, 2) ZCASE(1, 3) ZCASE(1, 4)
            ZCASE(2, 1) ZCASE(2, 2) ZCASE(2, 3) ZCASE(2, 4)
            ZCASE(3, 1) ZCASE(3, 2) ZCASE(3, 3) ZCASE(3, 4)
            ZCASE(4, 1) ZCASE(4, 2) ZCASE(4, 3) ZCASE(4, 4)
        default: break;
        }
    }
}

#define DEFINE_ZTYPE(name, T)                                                                  \
    TGT static float zdot_##name(int64_t n, const void *w, const void *a) {                    \
        float out;                                                                             \
        ztile(T, 1, 1, n / 32, w, 0, a, 0, &out, 0);                                           \
        return out;                                                                            \
    }                                                                                          \
    TGT static void ztile_##name(int64_t n, const void *w, size_t ws, int nw, const void *a,   \
                                 size_t as, int na, float *out, size_t os) {                   \
        ztile_any(T, n, w, ws, nw, a, as, na, out, os);                                        \
    }

DEFINE_ZTYPE(q4_0, T40)
DEFINE_ZTYPE(q4_1, T41)
DEFINE_ZTYPE(q5_0, T50)
DEFINE_ZTYPE(q5_1, T51)
DEFINE_ZTYPE(q8_0, T80)

void l4a_vecdot_fill_avx512_q(l4a_vecdot *t) {
    fill_ymm(t);
#define ZSET(W, name)                                                                          \
    t[L4A_TYPE_##W].dot = zdot_##name;                                                         \
    t[L4A_TYPE_##W].dot_tile = ztile_##name;
    ZSET(Q4_0, q4_0)
    ZSET(Q4_1, q4_1)
    ZSET(Q5_0, q5_0)
    ZSET(Q5_1, q5_1)
    ZSET(Q8_0, q8_0)
#undef ZSET
}

#endif
