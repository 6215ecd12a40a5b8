/*
 * q_body.h - x86 kernels of the 32-element block formats: Q4_0, Q5_0, Q8_0 weights with Q8_0
 * activations, Q4_1, Q5_1 with Q8_1 (formula table in kernels/vecdot.h; layouts in
 * src/quant/q4_0.c ... q8_1.c). One block of 32 is one 256-bit register.
 *
 * Not a standalone header: avx2_q.c and avxvnni_q.c include it once each after
 * defining TGT and DOT_MODE (see ymm_util.h) and
 *   TILE_W, TILE_A  the largest sub-tile kept in registers (16 ymm registers): bigger tiles
 *                   are cut into these
 *   FILL_FN         the name of the table fill function, ISA_NAME its "isa" string
 *   FILL_LINKAGE    (optional) "static" when the including file wraps the fill function.
 *
 * Per block and per (weight row r, activation row c): the integer products in 8 int32 lanes
 * (exact), converted to float and accumulated with one FMA by the block's scale d_w d_a into
 * lane accumulators acc[r][c]; the lanes are summed at the end. The offsets of Q4_0 (8), Q5_0
 * (16) and of Q8_0 in VNNI mode (128: the signed weight is made unsigned by flipping its top
 * bit) are subtracted through the activation side: sum (q - k) a = sum q a - k sum a, and
 * k sum a is computed once per activation block, not per weight row. AVX2 mode multiplies
 * signed Q8_0 weights by their absolute value against the activations with the weights' signs
 * (vpsignb); every pair sum stays below 2 * 128 * 127 < 32767, so vpmaddubsw never saturates
 * (activations are in -127..127, as our quantizers make them).
 */
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/vecdot_arch.h"
#include "quant/blocks.h"

enum { T40, T41, T50, T51, T80 };   /* Q4_0, Q4_1, Q5_0, Q5_1, Q8_0 */

#define HAS_MIN(T) ((T) == T41 || (T) == T51)
/* bytes per weight block and per activation block (Q8_1 for types with a minimum) */
#define WSIZE(T) ((T) == T40 ? 18 : (T) == T41 ? 20 : (T) == T50 ? 22 : (T) == T51 ? 24 : 34)
#define ASIZE(T) (HAS_MIN(T) ? 36 : 34)

typedef struct act_blk {
    __m256i q;      /* 32 activation quants */
    __m256i off;    /* -k sum a per lane group (VNNI) or k a pairs as int16 (AVX2) */
    __m256 d;       /* d_a in every lane */
    __m256 s;       /* s_a in lane 0 (Q8_1) */
} act_blk;

typedef struct w_blk {
    __m256i u;      /* unsigned quants (or |w| for Q8_0 in AVX2 mode) */
    __m256i w;      /* Q8_0, AVX2 mode: the signed weights */
    __m256 d, m;    /* d_w, m_w in every lane */
} w_blk;

/* the offset k of the weight's quants as the dot product sees them (0: none) */
TGT INLINE int quant_offset(const int T) {
    if (T == T40) return 8;
    if (T == T50) return 16;
    if (T == T80) return DOT_MODE ? 128 : 0;
    return 0;
}

TGT INLINE act_blk load_act(const int T, const uint8_t *p) {
    act_blk b;
    b.q = _mm256_loadu_si256((const __m256i *)(p + (HAS_MIN(T) ? 4 : 2)));
    b.d = _mm256_set1_ps(h2f(ld16(p)));
    b.s = HAS_MIN(T) ? _mm256_setr_ps(h2f(ld16(p + 2)), 0, 0, 0, 0, 0, 0, 0)
                     : _mm256_setzero_ps();
    const int k = quant_offset(T);
    if (k == 0) {
        b.off = _mm256_setzero_si256();
    } else {
        const __m256i kk = _mm256_set1_epi8((char)k);
#if DOT_MODE
        b.off = _mm256_sub_epi32(_mm256_setzero_si256(),
                                 dot_us(_mm256_setzero_si256(), kk, b.q));
#else
        b.off = _mm256_maddubs_epi16(kk, b.q);
#endif
    }
    return b;
}

TGT INLINE w_blk load_w(const int T, const uint8_t *p) {
    w_blk b;
    b.d = _mm256_set1_ps(h2f(ld16(p)));
    b.m = HAS_MIN(T) ? _mm256_set1_ps(h2f(ld16(p + 2))) : _mm256_setzero_ps();
    b.w = _mm256_setzero_si256();
    switch (T) {
    case T40: b.u = nibbles_lo_hi(p + 2); break;
    case T41: b.u = nibbles_lo_hi(p + 4); break;
    case T50: b.u = q5_quants(p + 6, p + 2); break;
    case T51: b.u = q5_quants(p + 8, p + 4); break;
    default: {
        const __m256i w = _mm256_loadu_si256((const __m256i *)(p + 2));
#if DOT_MODE
        b.u = _mm256_xor_si256(w, _mm256_set1_epi8((char)0x80));
#else
        b.u = _mm256_abs_epi8(w);
        b.w = w;
#endif
    }
    }
    return b;
}

/* The block's integer dot product in 8 int32 lanes. */
TGT INLINE __m256i block_isum(const int T, const w_blk *w, const act_blk *a) {
#if DOT_MODE
    return dot_us(a->off, w->u, a->q);
#else
    const __m256i ones = _mm256_set1_epi16(1);
    if (T == T80)
        return _mm256_madd_epi16(_mm256_maddubs_epi16(w->u, _mm256_sign_epi8(a->q, w->w)), ones);
    __m256i p = _mm256_maddubs_epi16(w->u, a->q);
    if (quant_offset(T)) p = _mm256_sub_epi16(p, a->off);
    return _mm256_madd_epi16(p, ones);
#endif
}

/* Block i of NW weight rows times NA activation rows into acc. */
TGT INLINE void tile_block(const int T, const int NW, const int NA, __m256 acc[4][4],
                           const uint8_t *w, size_t ws, const uint8_t *a, size_t as, int64_t i) {
    act_blk ab[4];
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) ab[c] = load_act(T, a + (size_t)c * as + i * ASIZE(T));
#pragma GCC unroll 4
    for (int r = 0; r < NW; r++) {
        const uint8_t *b = w + (size_t)r * ws + i * WSIZE(T);
        if (((uintptr_t)b & 63) < WSIZE(T))     /* the block starts a cache line */
            prefetch_bytes(b + (size_t)NW * ws, 64);
        const w_blk wb = load_w(T, b);
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) {
            const __m256i is = block_isum(T, &wb, &ab[c]);
            acc[r][c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(is), _mm256_mul_ps(wb.d, ab[c].d),
                                        acc[r][c]);
            if (HAS_MIN(T)) acc[r][c] = _mm256_fmadd_ps(wb.m, ab[c].s, acc[r][c]);
        }
    }
}

/* An NW x NA tile over nb blocks; U independent accumulator sets (U = 1 in use: see UNROLL). */
TGT INLINE void tile(const int T, const int NW, const int NA, const int U, int64_t nb,
                     const uint8_t *w, size_t ws, const uint8_t *a, size_t as, float *out,
                     size_t os) {
    __m256 acc[4][4][4];
#pragma GCC unroll 4
    for (int u = 0; u < U; u++)
#pragma GCC unroll 4
        for (int r = 0; r < NW; r++)
#pragma GCC unroll 4
            for (int c = 0; c < NA; c++) acc[u][r][c] = _mm256_setzero_ps();
    int64_t i = 0;
    for (; i + U <= nb; i += U)
#pragma GCC unroll 4
        for (int u = 0; u < U; u++) tile_block(T, NW, NA, acc[u], w, ws, a, as, i + u);
    for (; i < nb; i++) tile_block(T, NW, NA, acc[0], w, ws, a, as, i);
#pragma GCC unroll 4
    for (int r = 0; r < NW; r++)
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) {
            __m256 s = acc[0][r][c];
#pragma GCC unroll 4
            for (int u = 1; u < U; u++) s = _mm256_add_ps(s, acc[u][r][c]);
            out[(size_t)c * os + (size_t)r] = hsum_ps(s);
        }
}

/* Decode, 4 weight rows (ws apart) against one activation row: each row's blocks summed as
 * tile(T, 1, 1, ...) sums them (the same operations in the same order: the same bits), the 4
 * rows side by side so that 4 accumulation chains overlap (one row alone waits for its FMA
 * each block) and the activation block is read once for the 4. The next 4 rows, contiguous
 * after these, are prefetched as one stream at the tile's pace (as ktile4 in k_body.h). */
TGT INLINE void tile4x1(const int T, int64_t nb, const uint8_t *w, size_t ws, const uint8_t *a,
                        float *out) {
    __m256 acc[4];
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) acc[r] = _mm256_setzero_ps();
    const uint8_t *next = w + 4 * ws;
    for (int64_t i = 0; i < nb; i++) {
        prefetch_bytes(next + 4 * (size_t)i * WSIZE(T), 4 * WSIZE(T));
        const act_blk ab = load_act(T, a + i * ASIZE(T));
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++) {
            const w_blk wb = load_w(T, w + (size_t)r * ws + i * WSIZE(T));
            const __m256i is = block_isum(T, &wb, &ab);
            acc[r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(is), _mm256_mul_ps(wb.d, ab.d), acc[r]);
            if (HAS_MIN(T)) acc[r] = _mm256_fmadd_ps(wb.m, ab.s, acc[r]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < 4; r++) out[r] = hsum_ps(acc[r]);
}

/* One accumulator set for every tile shape: a result must not depend on how many weight rows
 * and activation rows shared its call (the matmul's batch invariance, kernels/matmul.c). */
#define UNROLL(W_, A_) 1
#define TCASE(W_, A_)                                                                          \
    case (W_) * 8 + (A_):                                                                      \
        if ((W_) <= TILE_W && (A_) <= TILE_A)                                                  \
            tile(T, W_, A_, UNROLL(W_, A_), nb, wp + (size_t)r0 * ws, ws,                      \
                 ap + (size_t)c0 * as, as, out + (size_t)c0 * os + (size_t)r0, os);            \
        break;

/* Any nw x na (<= L4A_VECDOT_TILE) as sub-tiles of at most TILE_W x TILE_A. */
TGT INLINE void tile_any(const int T, int64_t n, const void *w, size_t ws, int nw,
                         const void *a, size_t as, int na, float *out, size_t os) {
    const uint8_t *wp = w, *ap = a;
    const int64_t nb = n / 32;
    if (na == 1 && nw == 4) {
        tile4x1(T, nb, wp, ws, ap, out);
        return;
    }
    if (na == 1) {      /* one row after the other, one stream for the prefetchers */
        for (int r = 0; r < nw; r++)
            tile(T, 1, 1, UNROLL(1, 1), nb, wp + (size_t)r * ws, ws, ap, as, out + r, os);
        return;
    }
    for (int r0 = 0; r0 < nw; r0 += TILE_W)
        for (int c0 = 0; c0 < na; c0 += TILE_A) {
            const int tw = nw - r0 < TILE_W ? nw - r0 : TILE_W;
            const int ta = na - c0 < TILE_A ? na - c0 : TILE_A;
            switch (tw * 8 + ta) {
                TCASE(1, 1) TCASE(1, 2) TCASE(1, 3) TCASE(1, 4)
                TCASE(2, 1) TCASE(2, 2) TCASE(2, 3) TCASE(2, 4)
                TCASE(3, 1) TCASE(3, 2) TCASE(3, 3) TCASE(3, 4)
                TCASE(4, 1) TCASE(4, 2) TCASE(4, 3) TCASE(4, 4)
            default: break;
            }
        }
}

#define DEFINE_TYPE(name, T)                                                                   \
    TGT static float dot_##name(int64_t n, const void *w, const void *a) {                     \
        float out;                                                                             \
        tile(T, 1, 1, UNROLL(1, 1), n / 32, w, 0, a, 0, &out, 0);                                         \
        return out;                                                                            \
    }                                                                                          \
    TGT static void tile_##name(int64_t n, const void *w, size_t ws, int nw, const void *a,    \
                                size_t as, int na, float *out, size_t os) {                    \
        tile_any(T, n, w, ws, nw, a, as, na, out, os);                                         \
    }

DEFINE_TYPE(q4_0, T40)
DEFINE_TYPE(q4_1, T41)
DEFINE_TYPE(q5_0, T50)
DEFINE_TYPE(q5_1, T51)
DEFINE_TYPE(q8_0, T80)

#ifndef FILL_LINKAGE
#define FILL_LINKAGE
#endif
FILL_LINKAGE void FILL_FN(l4a_vecdot *t) {
#define SET(W, name)                                                                           \
    t[L4A_TYPE_##W].dot = dot_##name;                                                          \
    t[L4A_TYPE_##W].dot_tile = tile_##name;                                                    \
    t[L4A_TYPE_##W].isa = ISA_NAME;
    SET(Q4_0, q4_0)
    SET(Q4_1, q4_1)
    SET(Q5_0, q5_0)
    SET(Q5_1, q5_1)
    SET(Q8_0, q8_0)
#undef SET
}
