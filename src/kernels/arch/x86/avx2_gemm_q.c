/*
 * avx2_gemm_q.c - prompts (batches of 16 tokens and more) of Q4_0 and Q8_0 weights with Q8_0
 * activations on AVX2, one 32-bit lane per weight row.
 *
 * A gemm call first unpacks its (up to) 16 weight rows into a panel in the thread's scratch,
 * interleaved by 4 bytes: register j of a block holds quants 4j..4j+3 of 8 rows, as signed
 * values w (Q4_0: q - 8). Against a token's 4 activations a broadcast to every
 * lane, vpmaddubsw(|w|, sign(a, w)) then vpmaddwd give the 8 rows' sums of those 4 products at
 * once, with no shuffles, and the unpacking is paid once per call instead of once per token.
 *
 * q_body.h's kernels (the avx2 and avxvnni levels' dot and tile) keep 8 float lanes per
 * output: lane j adds fma((float) sum of products 4j..4j+3, d_w d_a) block by block, and the
 * 8 lanes are summed at the end as hsum_ps does, ((l0 + l4) + (l2 + l6)) + ((l1 + l5) +
 * (l3 + l7)). Here lane j of an output is accumulator j's lane for that row, with the same
 * integers and the same float steps: the results are theirs, bit for bit (tests/test_vecdot.c,
 * test_gemm, checks it).
 *
 * Called only when the CPU has AVX2, FMA and F16C (kernels/dispatch.c).
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c")))
#define DOT_MODE 0
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/vecdot_arch.h"
#include "quant/blocks.h"

#include <string.h>

enum { T40, T80 };
#define WB(T) ((T) == T40 ? 18 : 34)    /* bytes of a Q4_0, Q8_0 block */
#define AB 34                           /* bytes of a Q8_0 activation block */

/* The panel: rows 0-7, then rows 8-15 (each half read alone stays in L1 for short rows);
 * per block, w as 8 registers of [8 rows][4 bytes], then the 8 rows' d_w as floats. Rows
 * past nw are zeros. */
#define PD 256
#define PB (256 + 32)        /* a multiple of 32: aligned stores */

/* A group: the tokens' Q8_0 rows as they are (the kernel broadcasts from them). */
static size_t group_bytes(int64_t n) { return (size_t)L4A_GEMM_GROUP * (size_t)(n / 32) * AB; }

static void pack(int64_t n, const void *a, size_t as, int na, void *group) {
    const size_t row = (size_t)(n / 32) * AB;
    for (int t = 0; t < na; t++) memcpy((uint8_t *)group + (size_t)t * row,
                                        (const uint8_t *)a + (size_t)t * as, row);
}

static size_t gemm_scratch(int64_t n) { return 2 * (size_t)(n / 32) * PB + 64; }

/* Rows m0..m0+7 (those below nw; the rest zeros) of every block into the half panel P:
 * each block's 8 rows as bytes w, transposed to 8 registers of 4-byte groups. */
TGT static void unpack_half(const int T, int64_t nb, const uint8_t *w, size_t ws, int m0,
                            int nw, uint8_t *P) {
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
            const uint8_t *b = w + (size_t)(m0 + m) * ws + (size_t)i * WB(T);
            r[m] = T == T40 ? _mm256_sub_epi8(nibbles_lo_hi(b + 2), _mm256_set1_epi8(8))
                            : load32(b + 2);
            d[m] = h2f(ld16(b));
        }
        transpose8x32(r);
#pragma GCC unroll 8
        for (int j = 0; j < 8; j++) _mm256_store_si256((__m256i *)(P + 32 * j), r[j]);
    }
}

/* Lanes J..J+3 (of the 8 per output) of the 8 rows of a half panel against NT tokens (Q8_0
 * rows y[t]) over nb blocks: acc[t][j] for j < 4. */
TGT INLINE void lanes4(const int NT, const uint8_t *panel, int64_t nb, const uint8_t *const *y,
                       int J, __m256 acc[2][4]) {
    const __m256i ones = _mm256_set1_epi16(1);
#pragma GCC unroll 2
    for (int t = 0; t < NT; t++)
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) acc[t][j] = _mm256_setzero_ps();
    for (int64_t i = 0; i < nb; i++) {
        const uint8_t *P = panel + (size_t)i * PB;
        const __m256 dw = _mm256_loadu_ps((const float *)(P + PD));
        __m256 dd[2];
#pragma GCC unroll 2
        for (int t = 0; t < NT; t++)
            dd[t] = _mm256_mul_ps(dw, _mm256_set1_ps(h2f(ld16(y[t] + (size_t)i * AB))));
#pragma GCC unroll 4
        for (int j = 0; j < 4; j++) {
            const __m256i w = load32(P + 32 * (J + j)), u = _mm256_abs_epi8(w);
#pragma GCC unroll 2
            for (int t = 0; t < NT; t++) {
                const __m256i s = _mm256_sign_epi8(bcast4(y[t] + (size_t)i * AB + 2 + 4 * (J + j)), w);
                const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), ones);
                acc[t][j] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(p), dd[t], acc[t][j]);
            }
        }
    }
}

/* The 8 rows of a half panel against NT tokens: hsum_ps's order over each output's 8 lanes,
 * ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)). */
TGT INLINE void rows8(const int NT, const uint8_t *panel, int64_t nb, const uint8_t *const *y,
                      __m256 *res) {
    __m256 lo[2][4], hi[2][4];
    lanes4(NT, panel, nb, y, 0, lo);
    lanes4(NT, panel, nb, y, 4, hi);
#pragma GCC unroll 2
    for (int t = 0; t < NT; t++)
        res[t] = _mm256_add_ps(
            _mm256_add_ps(_mm256_add_ps(lo[t][0], hi[t][0]), _mm256_add_ps(lo[t][2], hi[t][2])),
            _mm256_add_ps(_mm256_add_ps(lo[t][1], hi[t][1]), _mm256_add_ps(lo[t][3], hi[t][3])));
}

TGT INLINE void gemm(const int T, int64_t n, const void *w, size_t ws, int nw,
                     const void *groups, int na, float *out, size_t os, void *scratch) {
    const int64_t nb = n / 32;
    uint8_t *panel = (uint8_t *)(((uintptr_t)scratch + 63) & ~(uintptr_t)63);
    for (int h = 0; h * 8 < nw; h++)
        unpack_half(T, nb, w, ws, 8 * h, nw, panel + (size_t)h * (size_t)nb * PB);
    prefetch_next_tile((const uint8_t *)w, ws, (size_t)nb * WB(T));
    const size_t row = (size_t)nb * AB;
    const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (int h = 0; h * 8 < nw; h++) {
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(nw - 8 * h), lane);
        const uint8_t *half = panel + (size_t)h * (size_t)nb * PB;
        int c = 0;
        for (; c + 2 <= na; c += 2) {
            const uint8_t *y[2] = {(const uint8_t *)groups + (size_t)c * row,
                                   (const uint8_t *)groups + (size_t)(c + 1) * row};
            __m256 r[2];
            rows8(2, half, nb, y, r);
            _mm256_maskstore_ps(out + (size_t)c * os + 8 * h, mask, r[0]);
            _mm256_maskstore_ps(out + (size_t)(c + 1) * os + 8 * h, mask, r[1]);
        }
        if (c < na) {
            const uint8_t *y[1] = {(const uint8_t *)groups + (size_t)c * row};
            __m256 r[1];
            rows8(1, half, nb, y, r);
            _mm256_maskstore_ps(out + (size_t)c * os + 8 * h, mask, r[0]);
        }
    }
}

DEFINE_GEMM(q4_0, T40)
DEFINE_GEMM(q8_0, T80)

void l4a_vecdot_fill_avx2_gemm_q(l4a_vecdot *t) {
    l4a_vecdot_set_gemm(&t[L4A_TYPE_Q4_0], gemm_q4_0, pack, group_bytes, gemm_scratch);
    l4a_vecdot_set_gemm(&t[L4A_TYPE_Q8_0], gemm_q8_0, pack, group_bytes, gemm_scratch);
}

#endif
