/*
 * avx2_gemm_q.c - prompts (batches of 16 tokens and more) of Q4_0, Q5_0 and Q8_0 weights with
 * Q8_0 activations on AVX2, one 32-bit lane per weight row.
 *
 * A gemm call first unpacks its (up to) 16 weight rows into a panel in the thread's scratch,
 * interleaved by 4 bytes: register j of a block holds quants 4j..4j+3 of 8 rows. Against a
 * token's 4 activations broadcast to every lane, vpmaddubsw gives the 8 rows' pair sums of
 * those 4 products at once, with no shuffles, and the unpacking is paid once per call
 * instead of once per token. Each type follows the order of its level's dot, so the results
 * are the dot's, bit for bit (tests/test_vecdot.c, test_gemm, checks it):
 *
 *  - Q4_0, Q5_0 (avx2_q45.c's order: one FMA of the block's exact total per block, the even
 *    blocks in one chain and the odd ones in another, added at the end): the panel
 *    holds the unsigned quants q; the 8 registers' vpmaddubsw sums add up in int16 (Q4_0: 16
 *    products of q <= 15 and |a| <= 127, at most 30480; Q5_0, q <= 31: two halves of 8
 *    products), vpmaddwd makes the rows' totals of q a, and k sum a (k = 8, 16; sum a from the
 *    group) is subtracted before the conversion and the FMA.
 *  - Q8_0 (q_body.h's order: 8 float lanes per output, lane j adding fma((float) sum of
 *    products 4j..4j+3, d_w d_a) block by block, summed at the end as hsum_ps does,
 *    ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7))): the panel holds the signed w, and
 *    lane j of an output is accumulator j's lane for that row, through vpmaddubsw(|w|,
 *    sign(a, w)) and vpmaddwd: the same integers and the same float steps. With AVX-512
 *    VNNI (the avx512 level's gemm_q8_0_vnni) one vpdpbusd(|w|, sign(a, w)) replaces the
 *    two: no pair reaches the int16 bound (|a| <= 127), so the sums are the same.
 *
 * Called only when the CPU has AVX2, FMA and F16C (kernels/dispatch.c); gemm_q8_0_vnni only
 * when it has AVX-512 F, VL and VNNI as well.
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c")))
#define DOT_MODE 0
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/vecdot_arch.h"
#include "quant/blocks.h"
#include "quant/x4.h"

#include <string.h>

enum { T40, T50, T80 };
#define WB(T) ((T) == T40 ? 18 : (T) == T50 ? 22 : 34)  /* bytes of a weight block */
#define KOFF(T) ((T) == T40 ? 8 : 16)                    /* Q4_0, Q5_0: the quants' offset */
#define AB 34                           /* bytes of a Q8_0 activation block */

/* The panel: rows 0-7, then rows 8-15 (each half read alone stays in L1 for short rows);
 * per block, the quants as 8 registers of [8 rows][4 bytes], then the 8 rows' d_w as floats.
 * Rows past nw are zeros. */
#define PD 256
#define PB (256 + 32)        /* a multiple of 32: aligned stores */

/* A group: per token and block, GB bytes: d_a as a float, the sum of the 32 quants as an
 * int32 (for the offsets of Q4_0 and Q5_0), then the 32 quants. */
#define GB 40
static size_t group_bytes(int64_t n) { return (size_t)L4A_GEMM_GROUP * (size_t)(n / 32) * GB; }

TGT static void pack(int64_t n, const void *a, size_t as, int na, void *group) {
    const int64_t nb = n / 32;
    for (int t = 0; t < na; t++) {
        const uint8_t *x = (const uint8_t *)a + (size_t)t * as;
        uint8_t *g = (uint8_t *)group + (size_t)t * (size_t)nb * GB;
        for (int64_t i = 0; i < nb; i++, x += AB, g += GB) {
            const __m256i q = load32(x + 2);
            const __m256i s = _mm256_madd_epi16(_mm256_maddubs_epi16(_mm256_set1_epi8(1), q),
                                                _mm256_set1_epi16(1));
            const float d = h2f(ld16(x));
            const int32_t k = hsum_epi32(s);
            memcpy(g, &d, 4);
            memcpy(g + 4, &k, 4);
            _mm256_storeu_si256((__m256i *)(g + 8), q);
        }
    }
}

static size_t gemm_scratch(int64_t n) { return 2 * (size_t)(n / 32) * PB + 64; }

/* Rows m0..m0+7 (those below nw; the rest zeros) of every block into the half panel P:
 * each block's 8 rows as bytes (Q4_0, Q5_0: the unsigned q, Q8_0: w), transposed to 8
 * registers of 4-byte groups. X4: Q4_0 rows in the x4 layout (quant/x4.h), groups of 4 rows
 * 4 ws bytes apart. */
TGT INLINE void unpack_half(const int T, const int X4, int64_t nb, const uint8_t *w, size_t ws,
                            int m0, int nw, uint8_t *P) {
    for (int64_t i = 0; i < nb; i++, P += PB) {
        __m256i r[8];
        float *d = (float *)(P + PD);
#pragma GCC unroll 8
        for (int m = 0; m < 8; m++) {
            if (m0 + m >= nw) {
                r[m] = _mm256_setzero_si256();
                d[m] = 0.0f;
                continue;
            }
            if (X4) {
                size_t od, oq;
                const uint8_t *g = w + (size_t)((m0 + m) & ~3) * ws;
                l4a_x4_q4_0_at(nb, i, (m0 + m) & 3, &od, &oq);
                r[m] = nibbles_lo_hi(g + oq);
                d[m] = h2f(ld16(g + od));
                continue;
            }
            const uint8_t *b = w + (size_t)(m0 + m) * ws + (size_t)i * WB(T);
            if (T == T40) r[m] = nibbles_lo_hi(b + 2);
            else if (T == T50) r[m] = q5_quants(b + 6, b + 2);
            else r[m] = load32(b + 2);
            d[m] = h2f(ld16(b));
        }
        transpose8x32(r);
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) _mm256_store_si256((__m256i *)(P + 32 * j), r[j]);
    }
}

/* ---- Q4_0, Q5_0 */

/* Block i of NH half panels (8 rows each, hs bytes apart) against NT tokens (group rows
 * y[t]), into acc[h][t]. Q5_0's q <= 31 allows 8 products per int16 lane (8 * 31 * 127 =
 * 31496), so its 8 registers go to int32 in two halves. */
TGT INLINE void qb_block(const int T, const int NH, const int NT, const uint8_t *panel,
                         size_t hs, int64_t i, const uint8_t *const *y, __m256 acc[2][4]) {
    const __m256i ones = _mm256_set1_epi16(1);
    const uint8_t *P = panel + (size_t)i * PB;
    const size_t g = (size_t)i * GB;
    __m256i s[2][4], s32[2][4];
#pragma GCC unroll 8
    for (int j = 0; j < 8; j++) {
        __m256i av[4];
#pragma GCC unroll 4
        for (int t = 0; t < NT; t++) av[t] = bcast4(y[t] + g + 8 + 4 * j);
#pragma GCC unroll 2
        for (int h = 0; h < NH; h++) {
            const __m256i wv = _mm256_load_si256((const __m256i *)(P + h * hs + 32 * j));
#pragma GCC unroll 4
            for (int t = 0; t < NT; t++) {
                const __m256i p = _mm256_maddubs_epi16(wv, av[t]);
                s[h][t] = (T == T50 ? j % 4 : j) ? _mm256_add_epi16(s[h][t], p) : p;
                if (T == T50 && j == 3) s32[h][t] = _mm256_madd_epi16(s[h][t], ones);
            }
        }
    }
#pragma GCC unroll 2
    for (int h = 0; h < NH; h++) {
        const __m256 dw = _mm256_load_ps((const float *)(P + h * hs + PD));
#pragma GCC unroll 4
        for (int t = 0; t < NT; t++) {
            __m256i is = _mm256_madd_epi16(s[h][t], ones);
            if (T == T50) is = _mm256_add_epi32(is, s32[h][t]);
            is = _mm256_sub_epi32(is, _mm256_set1_epi32(KOFF(T) * (int)ld32(y[t] + g + 4)));
            acc[h][t] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(is),
                                        _mm256_mul_ps(dw, _mm256_set1_ps(ldf(y[t] + g))),
                                        acc[h][t]);
        }
    }
}

/* Tokens c.. (NT of them) against the NH half panels over nb blocks, in avx2_q45.c's order
 * (the even blocks into acc, the odd ones into odd, added at the end): the outputs, rows
 * masked to nw. */
TGT INLINE void qb_tokens(const int T, const int NH, const int NT, const uint8_t *panel,
                          size_t hs, int64_t nb, const uint8_t *groups, int c, int nw,
                          float *out, size_t os) {
    const size_t row = (size_t)nb * GB;
    const uint8_t *y[4];
#pragma GCC unroll 4
    for (int t = 0; t < NT; t++) y[t] = groups + (size_t)(c + t) * row;
    __m256 acc[2][4], odd[2][4];
#pragma GCC unroll 2
    for (int h = 0; h < NH; h++)
#pragma GCC unroll 4
        for (int t = 0; t < NT; t++) acc[h][t] = odd[h][t] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + 1 < nb; i += 2) {
        qb_block(T, NH, NT, panel, hs, i, y, acc);
        qb_block(T, NH, NT, panel, hs, i + 1, y, odd);
    }
    if (i < nb) qb_block(T, NH, NT, panel, hs, i, y, acc);
#pragma GCC unroll 2
    for (int h = 0; h < NH; h++)
#pragma GCC unroll 4
        for (int t = 0; t < NT; t++) acc[h][t] = _mm256_add_ps(acc[h][t], odd[h][t]);
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
#pragma GCC unroll 2
    for (int h = 0; h < NH; h++) {
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(nw - 8 * h), lane);
#pragma GCC unroll 4
        for (int t = 0; t < NT; t++)
            _mm256_maskstore_ps(out + (size_t)(c + t) * os + 8 * h, mask, acc[h][t]);
    }
}

/* Up to 16 rows: both halves for 2 tokens at a time (each panel register serves 2 tokens,
 * each broadcast 2 halves); up to 8 rows: one half for 4 tokens at a time. */
TGT INLINE void qb_all(const int T, const uint8_t *panel, size_t hs, int64_t nb,
                       const uint8_t *groups, int na, int nw, float *out, size_t os) {
    int c = 0;
    if (nw > 8) {
        for (; c + 2 <= na; c += 2) qb_tokens(T, 2, 2, panel, hs, nb, groups, c, nw, out, os);
        if (c < na) qb_tokens(T, 2, 1, panel, hs, nb, groups, c, nw, out, os);
        return;
    }
    for (; c + 4 <= na; c += 4) qb_tokens(T, 1, 4, panel, hs, nb, groups, c, nw, out, os);
    switch (na - c) {
    case 3: qb_tokens(T, 1, 3, panel, hs, nb, groups, c, nw, out, os); break;
    case 2: qb_tokens(T, 1, 2, panel, hs, nb, groups, c, nw, out, os); break;
    case 1: qb_tokens(T, 1, 1, panel, hs, nb, groups, c, nw, out, os); break;
    default: break;
    }
}

/* ---- Q8_0 */

#define TGTV __attribute__((target("avx2,fma,f16c,avx512f,avx512vl,avx512vnni")))

/* The exact sums of 4 products |w| * sign(a, w) per 32-bit lane. */
#define Q8_SUMS_AVX2(u, s) _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1))
#define Q8_SUMS_VNNI(u, s) _mm256_dpbusd_epi32(_mm256_setzero_si256(), u, s)

/* The Q8_0 gemm of one target (TGT_, the entry gemm_<name>) with its sums of 4 products:
 *  lanes4: lanes J..J+3 (of the 8 per output) of the 8 rows of a half panel against NT
 *          tokens (group rows y[t]) over nb blocks: acc[t][j] for j < 4;
 *  rows8:  the 8 rows of a half panel against NT tokens, hsum_ps's order over each output's
 *          8 lanes, ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). */
#define DEFINE_Q8_GEMM(name, TGT_, SUMS)                                                       \
    TGT_ INLINE void lanes4_##name(const int NT, const uint8_t *panel, int64_t nb,             \
                                   const uint8_t *const *y, int J, __m256 acc[2][4]) {         \
        _Pragma("GCC unroll 4")                                                                \
        for (int t = 0; t < NT; t++)                                                           \
            _Pragma("GCC unroll 4")                                                            \
            for (int j = 0; j < 4; j++) acc[t][j] = _mm256_setzero_ps();                       \
        for (int64_t i = 0; i < nb; i++) {                                                     \
            const uint8_t *P = panel + (size_t)i * PB;                                         \
            const __m256 dw = _mm256_loadu_ps((const float *)(P + PD));                        \
            __m256 dd[2];                                                                      \
            _Pragma("GCC unroll 4")                                                            \
            for (int t = 0; t < NT; t++)                                                       \
                dd[t] = _mm256_mul_ps(dw, _mm256_set1_ps(ldf(y[t] + (size_t)i * GB)));         \
            _Pragma("GCC unroll 4")                                                            \
            for (int j = 0; j < 4; j++) {                                                      \
                const __m256i w = load32(P + 32 * (J + j)), u = _mm256_abs_epi8(w);            \
                _Pragma("GCC unroll 4")                                                        \
                for (int t = 0; t < NT; t++) {                                                 \
                    const __m256i s =                                                          \
                        _mm256_sign_epi8(bcast4(y[t] + (size_t)i * GB + 8 + 4 * (J + j)), w);  \
                    const __m256i p = SUMS(u, s);                                              \
                    acc[t][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), dd[t], acc[t][j]);      \
                }                                                                              \
            }                                                                                  \
        }                                                                                      \
    }                                                                                          \
    TGT_ INLINE void rows8_##name(const int NT, const uint8_t *panel, int64_t nb,              \
                                  const uint8_t *const *y, __m256 *res) {                      \
        __m256 lo[2][4], hi[2][4];                                                             \
        lanes4_##name(NT, panel, nb, y, 0, lo);                                                \
        lanes4_##name(NT, panel, nb, y, 4, hi);                                                \
        _Pragma("GCC unroll 4")                                                                \
        for (int t = 0; t < NT; t++)                                                           \
            res[t] = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(lo[t][0], hi[t][0]),            \
                                                 _mm256_add_ps(lo[t][2], hi[t][2])),           \
                                   _mm256_add_ps(_mm256_add_ps(lo[t][1], hi[t][1]),            \
                                                 _mm256_add_ps(lo[t][3], hi[t][3])));          \
    }                                                                                          \
    TGT_ static void gemm_##name(int64_t n, const void *w, size_t ws, int nw,                  \
                                 const void *groups, int na, float *out, size_t os,            \
                                 void *scratch) {                                              \
        const int64_t nb = n / 32;                                                             \
        uint8_t *panel = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);              \
        const size_t hs = (size_t)nb * PB, row = (size_t)nb * GB;                              \
        for (int h = 0; h * 8 < nw; h++)                                                       \
            unpack_half(T80, 0, nb, w, ws, 8 * h, nw, panel + (size_t)h * hs);                 \
        prefetch_next_tile((const uint8_t *)w, ws, (size_t)nb * WB(T80));                      \
        const uint8_t *g = groups;                                                             \
        const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);                        \
        for (int h = 0; h * 8 < nw; h++) {                                                     \
            const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(nw - 8 * h), lane);      \
            const uint8_t *half = panel + (size_t)h * hs;                                      \
            int c = 0;                                                                         \
            for (; c + 2 <= na; c += 2) {                                                      \
                const uint8_t *y[2] = {g + (size_t)c * row, g + (size_t)(c + 1) * row};        \
                __m256 r[2];                                                                   \
                rows8_##name(2, half, nb, y, r);                                               \
                _mm256_maskstore_ps(out + (size_t)c * os + 8 * h, mask, r[0]);                 \
                _mm256_maskstore_ps(out + (size_t)(c + 1) * os + 8 * h, mask, r[1]);           \
            }                                                                                  \
            if (c < na) {                                                                      \
                const uint8_t *y[1] = {g + (size_t)c * row};                                   \
                __m256 r[1];                                                                   \
                rows8_##name(1, half, nb, y, r);                                               \
                _mm256_maskstore_ps(out + (size_t)c * os + 8 * h, mask, r[0]);                 \
            }                                                                                  \
        }                                                                                      \
    }

DEFINE_Q8_GEMM(q8_0, TGT, Q8_SUMS_AVX2)
DEFINE_Q8_GEMM(q8_0_vnni, TGTV, Q8_SUMS_VNNI)

/* X4: Q4_0 weights in the x4 layout; the panel, and so the results, are those of the file's
 * rows. */
TGT INLINE void gemm_any(const int T, const int X4, int64_t n, const void *w, size_t ws, int nw,
                         const void *groups, int na, float *out, size_t os, void *scratch) {
    const int64_t nb = n / 32;
    uint8_t *panel = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    const size_t hs = (size_t)nb * PB;
    for (int h = 0; h * 8 < nw; h++)
        unpack_half(T, X4, nb, w, ws, 8 * h, nw, panel + (size_t)h * hs);
    prefetch_next_tile((const uint8_t *)w, ws, (size_t)nb * WB(T));
    qb_all(T, panel, hs, nb, groups, na, nw, out, os);
}

TGT INLINE void gemm(const int T, int64_t n, const void *w, size_t ws, int nw,
                     const void *groups, int na, float *out, size_t os, void *scratch) {
    gemm_any(T, 0, n, w, ws, nw, groups, na, out, os, scratch);
}

DEFINE_GEMM(q4_0, T40)
DEFINE_GEMM(q5_0, T50)

TGT static void gemm_q4_0_x4(int64_t n, const void *w, size_t ws, int nw, const void *groups,
                             int na, float *out, size_t os, void *scratch) {
    gemm_any(T40, 1, n, w, ws, nw, groups, na, out, os, scratch);
}

void l4a_vecdot_fill_avx2_gemm_q(l4a_vecdot *t) {
    l4a_vecdot_set_gemm(&t[L4A_TYPE_Q4_0], gemm_q4_0, pack, group_bytes, gemm_scratch);
    t[L4A_TYPE_Q4_0].gemm_x4 = gemm_q4_0_x4;
    l4a_vecdot_set_gemm(&t[L4A_TYPE_Q5_0], gemm_q5_0, pack, group_bytes, gemm_scratch);
    l4a_vecdot_set_gemm(&t[L4A_TYPE_Q8_0], gemm_q8_0, pack, group_bytes, gemm_scratch);
}

void l4a_vecdot_fill_avx512_gemm_q8(l4a_vecdot *t) {
    l4a_vecdot_set_gemm(&t[L4A_TYPE_Q8_0], gemm_q8_0_vnni, pack, group_bytes, gemm_scratch);
}

#endif
