/*
 * avx2_q45.c - the 4- and 5-bit 32-element block formats on AVX2: Q4_0, Q5_0 weights with
 * Q8_0 activations, Q4_1, Q5_1 with Q8_1. The dot and tile kernels (decode, small batches),
 * summed block by block.
 *
 * Order of the float operations, for every output (the batch invariance of kernels/matmul.c
 * rests on it; avx2_gemm_q.c's Q4_0 and Q5_0 gemm follow it too):
 *
 *     e = 0, o = 0, m = 0;  for b = 0 .. nb - 1:
 *         e = fma((float) isum_b, d_w,b * d_a,b, e)      (b even)
 *         o = fma((float) isum_b, d_w,b * d_a,b, o)      (b odd)
 *         m = fma(m_w,b, s_a,b, m)                         (Q4_1, Q5_1)
 *     out = e + o (Q4_0, Q5_0), (e + o) + m (Q4_1, Q5_1)
 *
 * where isum_b is the block's exact integer sum of (q_w - k) q_a (k = 8 for Q4_0, 16 for
 * Q5_0, else 0) and d_w,b * d_a,b is exact (two f16 values). q_body.h instead keeps 8 float
 * lanes per output and converts and scales every 4 products; here a block costs one
 * conversion and one FMA per output, and 4 weight rows share them (with one or two activation
 * rows, the two blocks of a pair share them too: hence the two chains, e and o):
 *
 *  - the 16 nibble bytes of rows r and r + 1 go into one register (row r low, r + 1 high),
 *    masked into low and high nibbles (Q5: plus the fifth bits): against the activations'
 *    bytes 0..15 and 16..31, each broadcast to both halves, two vpmaddubsw and one add give
 *    every row's sums of 4 products in int16 lanes;
 *  - the offset k is subtracted there: k (a_i + a_j + ...) per lane, from vpmaddubsw of ks;
 *  - vphaddw, vpmaddwd and vphaddd reduce the 4 rows' 32 lanes to their 4 block totals,
 *    which are then converted and scaled together (a pair of blocks: vphaddw twice and
 *    vpmaddwd reduce both to 8 totals, one conversion and one FMA into 8 lanes, e and o of
 *    the 4 rows; the 8 scales come from the f16 bits gathered in general registers).
 * The int16 sums stay exact: |q_w - k| <= 31 and |q_a| <= 127 (our quantizers). A lane holds
 * at most 16 products: 16 * 16 * 127 = 32512 (Q5_0), 16 * 15 * 127 = 30480 (Q4_1); Q5_1's
 * lanes go to int32 after 8 (8 * 31 * 127 = 31496).
 *
 * Called only when the CPU has AVX2, FMA and F16C (kernels/dispatch.c), x4_q4_0_vnni only at
 * the avx512 level (AVX-512 VL and VNNI). The avxvnni level
 * takes these entries too: its Q4_0 and Q5_0 gemm (copied from avx2) sum in this order.
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c")))
#define DOT_MODE 0
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/vecdot_arch.h"

#include <stddef.h>

enum { Q40, Q41, Q50, Q51 };

#define HAS_MIN(T) ((T) == Q41 || (T) == Q51)
#define FIVE(T) ((T) == Q50 || (T) == Q51)
#define WSIZE(T) ((T) == Q40 ? 18 : (T) == Q41 ? 20 : (T) == Q50 ? 22 : 24)   /* weight block */
#define WQS(T) ((T) == Q40 ? 2 : (T) == Q41 ? 4 : (T) == Q50 ? 6 : 8)      /* its nibbles */
#define WQH(T) (HAS_MIN(T) ? 4 : 2)                                       /* its fifth bits */
#define ASIZE(T) (HAS_MIN(T) ? 36 : 34)     /* activation block (Q8_1, Q8_0) */
#define AQS(T) (HAS_MIN(T) ? 4 : 2)         /* its quants */
#define KOFF(T) ((T) == Q40 ? 8 : (T) == Q50 ? 16 : 0)

/* The f16 values at w[r] + off (r = 0..3) as 4 floats. They are gathered in a general
 * register (shifts and ors run on the integer units, which these kernels leave idle) and
 * moved once: 4 vpinsrw cost the vector units twice as many operations. */
TGT INLINE __m128 f16x4(const uint8_t *const *w, size_t off) {
    const uint64_t h = (uint64_t)ld16(w[0] + off) | (uint64_t)ld16(w[1] + off) << 16 |
                       (uint64_t)ld16(w[2] + off) << 32 | (uint64_t)ld16(w[3] + off) << 48;
    return _mm_cvtph_ps(_mm_cvtsi64_si128((long long)h));
}

/* The unsigned quants of blocks p (low half) and q (high half): *lo = elements 0..15,
 * *hi = 16..31. */
TGT INLINE void quants2(const int T, const uint8_t *p, const uint8_t *q, __m256i *lo,
                        __m256i *hi) {
    const __m256i x = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p + WQS(T)))),
        _mm_loadu_si128((const __m128i *)(q + WQS(T))), 1);
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    *lo = _mm256_and_si256(x, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), m4);
    if (FIVE(T)) {      /* bit i of qh: the fifth bit of element i */
        const __m256i h = _mm256_setr_epi32((int)ld32(p + WQH(T)), 0, 0, 0,
                                            (int)ld32(q + WQH(T)), 0, 0, 0);
        /* byte i of a half: qh byte i / 8 (lo) or 2 + i / 8 (hi), then bit i % 8 of it */
        const __m256i blo = _mm256_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1,
                                             0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1);
        const __m256i bhi = _mm256_add_epi8(blo, _mm256_set1_epi8(2));
        const __m256i sel = _mm256_set1_epi64x(0x8040201008040201LL);
        const __m256i bit4 = _mm256_set1_epi8(0x10);
        const __m256i el = _mm256_and_si256(_mm256_shuffle_epi8(h, blo), sel);
        const __m256i eh = _mm256_and_si256(_mm256_shuffle_epi8(h, bhi), sel);
        *lo = _mm256_or_si256(*lo, _mm256_and_si256(_mm256_cmpeq_epi8(el, sel), bit4));
        *hi = _mm256_or_si256(*hi, _mm256_and_si256(_mm256_cmpeq_epi8(eh, sel), bit4));
    }
}

/* The block totals [r0 r1 r2 r3] from the int16 lane sums of rows 0, 1 (v01) and 2, 3 (v23). */
TGT INLINE __m128i totals4(__m256i v01, __m256i v23) {
    const __m256i h = _mm256_hadd_epi16(v01, v23);  /* [r0 x4, r2 x4 | r1 x4, r3 x4] */
    __m256i s = _mm256_madd_epi16(h, _mm256_set1_epi16(1));   /* [r0 r0 r2 r2 | r1 r1 r3 r3] */
    s = _mm256_hadd_epi32(s, s);                    /* [r0 r2 r0 r2 | r1 r3 r1 r3] */
    return _mm_unpacklo_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

/* The totals of two blocks at once, from their lane sums (v01, v23 of block b; u01, u23 of
 * b + 1), in the lanes [r0 r2 (b), r0 r2 (b + 1) | r1 r3 (b), r1 r3 (b + 1)]. The second
 * vphaddw sums 16 products per int16 lane, which fits but for Q5_1 (16 * 31 * 127 > 32767):
 * Q5_1 goes to int32 first. */
TGT INLINE __m256i totals8(const int T, __m256i v01, __m256i v23, __m256i u01, __m256i u23) {
    const __m256i ones = _mm256_set1_epi16(1);
    const __m256i h0 = _mm256_hadd_epi16(v01, v23), h1 = _mm256_hadd_epi16(u01, u23);
    return T == Q51 ? _mm256_hadd_epi32(_mm256_madd_epi16(h0, ones), _mm256_madd_epi16(h1, ones))
                    : _mm256_madd_epi16(_mm256_hadd_epi16(h0, h1), ones);
}

/* The f16 scales at w[r] + off of blocks b (off) and b + 1 (off + WSIZE) as floats in the
 * lanes of totals8, gathered in general registers like f16x4's. */
TGT INLINE __m256 f16x8(const int T, const uint8_t *const *w, size_t off) {
    const size_t o1 = off + WSIZE(T);
    const uint64_t lo = (uint64_t)ld16(w[0] + off) | (uint64_t)ld16(w[2] + off) << 16 |
                        (uint64_t)ld16(w[0] + o1) << 32 | (uint64_t)ld16(w[2] + o1) << 48;
    const uint64_t hi = (uint64_t)ld16(w[1] + off) | (uint64_t)ld16(w[3] + off) << 16 |
                        (uint64_t)ld16(w[1] + o1) << 32 | (uint64_t)ld16(w[3] + o1) << 48;
    return _mm256_cvtph_ps(_mm_set_epi64x((long long)hi, (long long)lo));
}

/* The activation scales d_a of blocks b (at ac) and b + 1 in the lanes of totals8. */
TGT INLINE __m256 da_x8(const int T, const uint8_t *ac) {
    const uint64_t x = (uint64_t)((uint32_t)ld16(ac) * 0x10001u) |
                       (uint64_t)((uint32_t)ld16(ac + ASIZE(T)) * 0x10001u) << 32;
    return _mm256_cvtph_ps(_mm_set1_epi64x((long long)x));
}

/* The int16 lane sums of one block of 4 rows (quants l01, h01, l23, h23) against the
 * activation block at ac, the offset k subtracted. */
TGT INLINE void lane_sums(const int T, __m256i l01, __m256i h01, __m256i l23, __m256i h23,
                          const uint8_t *ac, __m256i *v01, __m256i *v23) {
    const __m256i alo =
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(ac + AQS(T))));
    const __m256i ahi =
        _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(ac + AQS(T) + 16)));
    *v01 = _mm256_add_epi16(_mm256_maddubs_epi16(l01, alo), _mm256_maddubs_epi16(h01, ahi));
    *v23 = _mm256_add_epi16(_mm256_maddubs_epi16(l23, alo), _mm256_maddubs_epi16(h23, ahi));
    if (KOFF(T)) {
        const __m256i ks = _mm256_set1_epi8((char)KOFF(T));
        const __m256i k =
            _mm256_add_epi16(_mm256_maddubs_epi16(ks, alo), _mm256_maddubs_epi16(ks, ahi));
        *v01 = _mm256_sub_epi16(*v01, k);
        *v23 = _mm256_sub_epi16(*v23, k);
    }
}

/* acc (and mac) += one block's totals t scaled by dw d_a (and mw s_a), activation block ac. */
TGT INLINE void scale_add(const int T, __m128i t, __m128 dw, __m128 mw, const uint8_t *ac,
                          __m128 *acc, __m128 *mac) {
    *acc = _mm_fmadd_ps(_mm_cvtepi32_ps(t), _mm_mul_ps(dw, _mm_set1_ps(h2f(ld16(ac)))), *acc);
    if (HAS_MIN(T)) *mac = _mm_fmadd_ps(mw, _mm_set1_ps(h2f(ld16(ac + 2))), *mac);
}

/* One block b of 4 rows against NA activation rows: acc[c] (the even or the odd blocks'
 * accumulator) and mac[c] take its terms. */
TGT INLINE void dblock(const int T, const int NA, int64_t b, const uint8_t *const *wr,
                       const uint8_t *a, size_t as, __m128 *acc, __m128 *mac) {
    const size_t wo = (size_t)b * WSIZE(T), ao = (size_t)b * ASIZE(T);
    __m256i l01, h01, l23, h23;
    quants2(T, wr[0] + wo, wr[1] + wo, &l01, &h01);
    quants2(T, wr[2] + wo, wr[3] + wo, &l23, &h23);
    const __m128 dw = f16x4(wr, wo);
    const __m128 mw = HAS_MIN(T) ? f16x4(wr, wo + 2) : _mm_setzero_ps();
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) {
        const uint8_t *ac = a + (size_t)c * as + ao;
        __m256i v01, v23;
        lane_sums(T, l01, h01, l23, h23, ac, &v01, &v23);
        scale_add(T, totals4(v01, v23), dw, mw, ac, &acc[c], &mac[c]);
    }
}

/* Outputs of 4 weight rows (row r < nw; the others repeat row 0 and are dropped) x NA <= 4
 * activation rows, in the order at the top of the file: blocks in pairs, b into the even
 * accumulator and b + 1 into the odd one. With NA <= 2 (decode) both blocks of a pair share
 * one reduction (totals8) and one 8-lane FMA per activation row, whose lanes hold both
 * accumulators of the 4 rows; the last block of an odd count goes alone. */
TGT INLINE void dtile(const int T, const int NA, int64_t nb, const uint8_t *w, size_t ws,
                      int nw, const uint8_t *a, size_t as, float *out, size_t os) {
    const uint8_t *wr[4];
    for (int r = 0; r < 4; r++) wr[r] = w + (size_t)(r < nw ? r : 0) * ws;
    /* the next 4 rows (contiguous after these) as one stream, at this tile's pace: the lines
     * of the bytes each pair takes from it (a line that straddles two pairs is asked for again
     * by the next; a fixed count, without a loop of its own) */
    const uint8_t *next = w + 4 * ws;
    __m128 ae[4], ao[4], mac[4];
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) ae[c] = ao[c] = mac[c] = _mm_setzero_ps();
    int64_t b = 0;
    if (NA <= 2) {
        __m256 acc8[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
        for (; b + 1 < nb; b += 2) {
            const size_t wo = (size_t)b * WSIZE(T), wo1 = wo + WSIZE(T);
            const size_t ao0 = (size_t)b * ASIZE(T);
            prefetch_bytes(next + 4 * wo, 8 * WSIZE(T));
            __m256i l01, h01, l23, h23, m01, g01, m23, g23;
            quants2(T, wr[0] + wo, wr[1] + wo, &l01, &h01);
            quants2(T, wr[2] + wo, wr[3] + wo, &l23, &h23);
            quants2(T, wr[0] + wo1, wr[1] + wo1, &m01, &g01);
            quants2(T, wr[2] + wo1, wr[3] + wo1, &m23, &g23);
            const __m256 dw = f16x8(T, wr, wo);
            const __m128 mw = HAS_MIN(T) ? f16x4(wr, wo + 2) : _mm_setzero_ps();
            const __m128 mw1 = HAS_MIN(T) ? f16x4(wr, wo1 + 2) : _mm_setzero_ps();
#pragma GCC unroll 2
            for (int c = 0; c < NA; c++) {
                const uint8_t *ac = a + (size_t)c * as + ao0;
                __m256i v01, v23, u01, u23;
                lane_sums(T, l01, h01, l23, h23, ac, &v01, &v23);
                lane_sums(T, m01, g01, m23, g23, ac + ASIZE(T), &u01, &u23);
                acc8[c] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(totals8(T, v01, v23, u01, u23)),
                                          _mm256_mul_ps(dw, da_x8(T, ac)), acc8[c]);
                if (HAS_MIN(T)) {
                    mac[c] = _mm_fmadd_ps(mw, _mm_set1_ps(h2f(ld16(ac + 2))), mac[c]);
                    mac[c] = _mm_fmadd_ps(mw1, _mm_set1_ps(h2f(ld16(ac + ASIZE(T) + 2))), mac[c]);
                }
            }
        }
#pragma GCC unroll 2
        for (int c = 0; c < NA; c++) {      /* lanes [r0 r2 | r1 r3] (even), then (odd) */
            const __m128 x = _mm256_castps256_ps128(acc8[c]);
            const __m128 y = _mm256_extractf128_ps(acc8[c], 1);
            ae[c] = _mm_unpacklo_ps(x, y);
            ao[c] = _mm_unpackhi_ps(x, y);
        }
    } else {
        for (; b + 1 < nb; b += 2) {
            prefetch_bytes(next + 4 * (size_t)b * WSIZE(T), 8 * WSIZE(T));
            dblock(T, NA, b, wr, a, as, ae, mac);
            dblock(T, NA, b + 1, wr, a, as, ao, mac);
        }
    }
    if (b < nb) {
        prefetch_bytes(next + 4 * (size_t)b * WSIZE(T), 4 * WSIZE(T));
        dblock(T, NA, b, wr, a, as, ae, mac);
    }
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) {
        float v[4];
        const __m128 acc = _mm_add_ps(ae[c], ao[c]);
        _mm_storeu_ps(v, HAS_MIN(T) ? _mm_add_ps(acc, mac[c]) : acc);
        for (int r = 0; r < nw; r++) out[(size_t)c * os + (size_t)r] = v[r];
    }
}

/* Bytes ahead of the current pair that x4 decode prefetches. */
#ifndef Q40_X4_PREFETCH
#define Q40_X4_PREFETCH 2304
#endif

/* The low and high nibbles of 32 quant bytes (two blocks' 16, one per 128-bit half). */
TGT INLINE void nibbles2(const uint8_t *p, __m256i *lo, __m256i *hi) {
    const __m256i x = load32(p), m4 = _mm256_set1_epi8(0x0F);
    *lo = _mm256_and_si256(x, m4);
    *hi = _mm256_and_si256(_mm256_srli_epi16(x, 4), m4);
}

/* Decode on Q4_0 weights in the x4 layout (quant/x4.h): the 4 rows of group w against the
 * activation row a. The operations of dtile's 4-row, one-activation case, in its order (a pair
 * of blocks per step, the last of an odd count alone), on loads from one sequential stream:
 * each 32-byte load is what quants2 assembles from two rows, and the 8 scales of a pair are
 * in f16x8's lane order. Bit-identical to dot() on the file's rows. The block totals (exact
 * integers) come from PAIR (a pair: totals8's lanes) and ONE (an odd last block: [r0 .. r3]),
 * the loads of rows 0, 1 and 2, 3 at q01 and q23: vpmaddubsw here, vpdpbusd with VNNI. */
#define DEFINE_X4_Q4_0(NAME, TG, PAIR, ONE)                                                    \
    TG static void NAME(int64_t n, const void *w, const void *a, float *out) {                 \
        const int T = Q40;                                                                     \
        const int64_t nb = n / 32;                                                             \
        const uint8_t *o = w, *ac = a;                                                         \
        __m256 acc8 = _mm256_setzero_ps();                                                     \
        int64_t b = 0;                                                                         \
        for (; b + 1 < nb; b += 2, o += 8 * WSIZE(T), ac += 2 * ASIZE(T)) {                    \
            prefetch_bytes(o + Q40_X4_PREFETCH, 8 * WSIZE(T));                                 \
            const __m256 dw = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)o));            \
            acc8 = _mm256_fmadd_ps(_mm256_cvtepi32_ps(PAIR(o + 16, o + 48, ac)),               \
                                   _mm256_mul_ps(dw, da_x8(T, ac)), acc8);                     \
        }                                                                                      \
        const __m128 x = _mm256_castps256_ps128(acc8), y = _mm256_extractf128_ps(acc8, 1);     \
        __m128 ae = _mm_unpacklo_ps(x, y), mac = _mm_setzero_ps();                             \
        const __m128 ao = _mm_unpackhi_ps(x, y);                                               \
        if (b < nb) {                                                                          \
            const __m128 dw = _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)o));               \
            scale_add(T, ONE(o + 8, o + 40, ac), dw, _mm_setzero_ps(), ac, &ae, &mac);         \
        }                                                                                      \
        _mm_storeu_ps(out, _mm_add_ps(ae, ao));                                                \
    }

/* The lane sums of one block (its activation block at ac), rows 0, 1 at q01, 2, 3 at q23. */
TGT INLINE void x4_lane_sums(const uint8_t *q01, const uint8_t *q23, const uint8_t *ac,
                             __m256i *v01, __m256i *v23) {
    __m256i l01, h01, l23, h23;
    nibbles2(q01, &l01, &h01);
    nibbles2(q23, &l23, &h23);
    lane_sums(Q40, l01, h01, l23, h23, ac, v01, v23);
}

TGT INLINE __m256i x4_pair(const uint8_t *q01, const uint8_t *q23, const uint8_t *ac) {
    __m256i v01, v23, u01, u23;
    x4_lane_sums(q01, q23, ac, &v01, &v23);
    x4_lane_sums(q01 + 64, q23 + 64, ac + ASIZE(Q40), &u01, &u23);
    return totals8(Q40, v01, v23, u01, u23);
}

TGT INLINE __m128i x4_one(const uint8_t *q01, const uint8_t *q23, const uint8_t *ac) {
    __m256i v01, v23;
    x4_lane_sums(q01, q23, ac, &v01, &v23);
    return totals4(v01, v23);
}

DEFINE_X4_Q4_0(x4_q4_0, TGT, x4_pair, x4_one)

/* The same with AVX-512 VL + VNNI (the avx512 level): vpdpbusd sums the products in int32
 * lanes, each lane starting from -8 times the sum of its 8 activations (two vpdpbusd per
 * block, shared by the 4 rows: the offset k of the top of the file); two vphaddd per block
 * and one per pair give totals8's lanes. The same integers, so the same bits. */
#define TGT_VNNI                                                                               \
    __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))

/* [r0 r0 r2 r2 | r1 r1 r3 r3]: one block's int32 sums, the offset subtracted. */
TGT_VNNI INLINE __m256i x4v_block(const uint8_t *q01, const uint8_t *q23, const uint8_t *ac) {
    const __m256i alo = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(ac + 2)));
    const __m256i ahi = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(ac + 18)));
    const __m256i k8 = _mm256_set1_epi8(8), z = _mm256_setzero_si256();
    const __m256i nk = _mm256_sub_epi32(
        z, _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(z, k8, alo), k8, ahi));
    __m256i l01, h01, l23, h23;
    nibbles2(q01, &l01, &h01);
    nibbles2(q23, &l23, &h23);
    return _mm256_hadd_epi32(
        _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(nk, l01, alo), h01, ahi),
        _mm256_dpbusd_epi32(_mm256_dpbusd_epi32(nk, l23, alo), h23, ahi));
}

TGT_VNNI INLINE __m256i x4v_pair(const uint8_t *q01, const uint8_t *q23, const uint8_t *ac) {
    return _mm256_hadd_epi32(x4v_block(q01, q23, ac),
                             x4v_block(q01 + 64, q23 + 64, ac + ASIZE(Q40)));
}

TGT_VNNI INLINE __m128i x4v_one(const uint8_t *q01, const uint8_t *q23, const uint8_t *ac) {
    const __m256i s = _mm256_hadd_epi32(x4v_block(q01, q23, ac), _mm256_setzero_si256());
    return _mm_unpacklo_epi32(_mm256_castsi256_si128(s), _mm256_extracti128_si256(s, 1));
}

DEFINE_X4_Q4_0(x4_q4_0_vnni, TGT_VNNI, x4v_pair, x4v_one)

DEFINE_DTILE_ENTRIES(q4_0, Q40)
DEFINE_DTILE_ENTRIES(q4_1, Q41)
DEFINE_DTILE_ENTRIES(q5_0, Q50)
DEFINE_DTILE_ENTRIES(q5_1, Q51)

void l4a_vecdot_fill_avx2_q45(l4a_vecdot *t) {
#define SET(W, name)                                                                           \
    t[L4A_TYPE_##W].dot = dot_##name;                                                          \
    t[L4A_TYPE_##W].dot_tile = tile_##name;                                                    \
    t[L4A_TYPE_##W].isa = "avx2";
    SET(Q4_0, q4_0)
    SET(Q4_1, q4_1)
    SET(Q5_0, q5_0)
    SET(Q5_1, q5_1)
#undef SET
    t[L4A_TYPE_Q4_0].dot_x4 = x4_q4_0;
}

void l4a_vecdot_fill_avx512_q45(l4a_vecdot *t) { t[L4A_TYPE_Q4_0].dot_x4 = x4_q4_0_vnni; }

#endif
