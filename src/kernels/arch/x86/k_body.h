/*
 * k_body.h - x86 kernels of the K quants (Q2_K, Q3_K, Q4_K, Q5_K, Q6_K) with Q8_K activations
 * (formula in kernels/vecdot.h and src/quant/vecdot_ref_k.c; layouts in src/quant/q2_k.c ...
 * q6_k.c). Not a standalone header: avx2_k.c, avxvnni_k.c, avx512_k.c include it after
 * defining TGT, DOT_MODE (ymm_util.h), FILL_FN and ISA_NAME (and optionally FILL_LINKAGE, as
 * in q_body.h).
 *
 * Per super-block of 256 and weight row r: the quants are unpacked 32 at a time into unsigned
 * bytes u (one 256-bit register: a sub-block of 32, or two of 16), the sub-block scales into
 * int16 lanes; then for each activation row c
 *     isum[c] += sum_pairs(vpmaddubsw(u, a_c) * scales)          (int32 lanes, exact)
 * vpmaddubsw pairs stay below 2 * 63 * 127 (Q6_K's u <= 63), so they never saturate. Offsets
 * and mins go through Q8_K's per-16 sums bsum (which must be the sums of its quants, as
 * l4a_q8_k_from_float makes them):
 *     Q3_K  q = u - 4:   isum -= 4 * sum_k s_k bsum_k
 *     Q6_K  q = u - 32:  isum -= 32 * sum_k s_k bsum_k
 *     Q2_K, Q4_K, Q5_K:  msum = sum_j m_j bsum_j
 * The lanes are summed to the reference's integers, and each super-block adds the reference's
 * float term (d_a d) isum - (d_a dmin) msum: the result equals the reference's, bit for bit
 * when the compiler does not contract the float expression (GCC in ISO C mode does not).
 * One weight super-block is unpacked once for all NA activation rows (tiles up to 4 x 4: the
 * activations are read from L1 again for each weight row). Tiles of 4 rows (decode's 4 x 1
 * included) finish the 4 rows' super-blocks together, in vector registers (kreduce4 and
 * kapply4), with the same float steps.
 */
#include "kernels/arch/x86/ymm_util.h"
#include "kernels/arch/vecdot_arch.h"
#include "quant/blocks.h"
#include "quant/quant.h"

enum { K2, K3, K4, K5, K6 };
#define KWSIZE(T)                                                                              \
    ((T) == K2 ? 84 : (T) == K3 ? 110 : (T) == K4 ? 144 : (T) == K5 ? 176 : 210)

/* int16 lanes all equal to byte j (0..7, zero-extended) of a vector holding 8 bytes at the
 * start of both halves (the pshufb control's high byte 0x80 gives the zero). */
TGT INLINE __m256i bcast8_16(__m256i b8x2, int j) {
    return _mm256_shuffle_epi8(b8x2, _mm256_set1_epi16((short)(0x8000 | j)));
}

/* Scales of chunk k (elements 32k..32k+31, sub-blocks 2k and 2k+1 of 16) from 16 int16 scales
 * s: sub-block 2k in the low half (elements 32k..32k+15), 2k+1 in the high half. */
TGT INLINE __m256i scales16_pair(__m256i s16, int k) {
    const __m256i half = k < 4 ? _mm256_permute4x64_epi64(s16, 0x44)     /* [s0..7, s0..7] */
                               : _mm256_permute4x64_epi64(s16, 0xEE);   /* [s8..15, s8..15] */
    const int j = 2 * (k % 4);                          /* 2k within its half */
    const __m256i ctrl = _mm256_setr_epi8(
        (char)(2 * j), (char)(2 * j + 1), (char)(2 * j), (char)(2 * j + 1), (char)(2 * j),
        (char)(2 * j + 1), (char)(2 * j), (char)(2 * j + 1), (char)(2 * j), (char)(2 * j + 1),
        (char)(2 * j), (char)(2 * j + 1), (char)(2 * j), (char)(2 * j + 1), (char)(2 * j),
        (char)(2 * j + 1), (char)(2 * j + 2), (char)(2 * j + 3), (char)(2 * j + 2),
        (char)(2 * j + 3), (char)(2 * j + 2), (char)(2 * j + 3), (char)(2 * j + 2),
        (char)(2 * j + 3), (char)(2 * j + 2), (char)(2 * j + 3), (char)(2 * j + 2),
        (char)(2 * j + 3), (char)(2 * j + 2), (char)(2 * j + 3), (char)(2 * j + 2),
        (char)(2 * j + 3));
    return _mm256_shuffle_epi8(half, ctrl);
}

/* Q8_K block i of activation row c */
#define YB(c) ((const l4a_block_q8_k *)(a + (size_t)(c) * as) + i)

/* The 16 bsums of an activation block times 16 int16 coefficients, in 8 int32 lanes. */
TGT INLINE __m256i bsum_dot(const l4a_block_q8_k *y, __m256i coef16) {
    return _mm256_madd_epi16(load32(y->bsums), coef16);
}

/* Q4_K/Q5_K: the 8 six-bit scales and the 8 mins (packing in src/quant/q4_k.c) as two 64-bit
 * words of bytes, decoded in the general registers (tiles of 1 to 3 rows). */
TGT INLINE void k45_scale_bytes(const uint8_t *p, uint64_t *sc, uint64_t *m) {
    l4a_k_scales_unpack(p, sc, m);
}

/* The same decoding for two super-blocks at once, in vector registers (tiles of 4 rows: 7
 * vector instructions per two rows where the general registers took about 20 per row).
 * Dword lanes of each half, [u0 u1 u2 -] in, [sc_lo sc_hi m_lo m_hi] out: half h holds the
 * 8 scales (bytes 0..7) and the 8 mins (bytes 8..15) of the super-block at p[h]. The 16 bytes
 * read at p + 4 are the 12 scale bytes and 4 of the quants that follow them. */
TGT INLINE __m256i k45_scales2(const uint8_t *p0, const uint8_t *p1) {
    const __m256i v = _mm256_inserti128_si256(
        _mm256_castsi128_si256(_mm_loadu_si128((const __m128i *)(p0 + 4))),
        _mm_loadu_si128((const __m128i *)(p1 + 4)), 1);
    const __m256i a = _mm256_srlv_epi32(_mm256_shuffle_epi32(v, _MM_SHUFFLE(2, 1, 2, 0)),
                                        _mm256_setr_epi32(0, 0, 0, 4, 0, 0, 0, 4));
    const __m256i b = _mm256_srli_epi32(_mm256_shuffle_epi32(v, _MM_SHUFFLE(1, 1, 0, 0)), 2);
    const __m256i lo = _mm256_and_si256(   /* [u0 u2 u1 u2>>4] & [3F 0F 3F 0F] */
        a, _mm256_setr_epi32(0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F, 0x3F3F3F3F,
                             0x0F0F0F0F, 0x3F3F3F3F, 0x0F0F0F0F));
    const __m256i hi = _mm256_and_si256(   /* bits 6..7 of u0, u1 to bits 4..5 */
        b, _mm256_setr_epi32(0, 0x30303030, 0, 0x30303030, 0, 0x30303030, 0, 0x30303030));
    return _mm256_or_si256(lo, hi);
}

/* Half h of k45_scales2's result in both halves: what ks_q45_k takes. */
TGT INLINE __m256i k45_scales_row(__m256i two, int h) {
    return h ? _mm256_permute4x64_epi64(two, 0xEE) : _mm256_permute4x64_epi64(two, 0x44);
}

/* Q3_K: 16 signed 6-bit scales (packing in src/quant/q3_k.c) as int16. */
TGT INLINE __m256i k3_scales(const uint8_t *p) {
    const uint32_t u0 = ld32(p), u1 = ld32(p + 4), u2 = ld32(p + 8);
    const uint32_t v0 = (u0 & 0x0F0F0F0Fu) | ((u2 & 0x03030303u) << 4);
    const uint32_t v1 = (u1 & 0x0F0F0F0Fu) | (((u2 >> 2) & 0x03030303u) << 4);
    const uint32_t v2 = ((u0 >> 4) & 0x0F0F0F0Fu) | (((u2 >> 4) & 0x03030303u) << 4);
    const uint32_t v3 = ((u1 >> 4) & 0x0F0F0F0Fu) | (((u2 >> 6) & 0x03030303u) << 4);
    const __m128i v = _mm_setr_epi32((int)v0, (int)v1, (int)v2, (int)v3);
    return _mm256_cvtepi8_epi16(_mm_sub_epi8(v, _mm_set1_epi8(32)));
}

/* The integer sums of one super-block: isum (and msum) lanes to two ints. */
TGT INLINE void hsum2(__m256i is, __m256i ms, int *pi, int *pm) {
    *pi = hsum_epi32(is);
    *pm = hsum_epi32(ms);
}

/* ---- the integers of the super-block of one weight row against NA activation rows: the
 * lanes is[c] of isum and (Q2_K, Q4_K, Q5_K) ms[c] of msum, to be summed by kfinish1 or
 * kreduce4. */

TGT INLINE void ks_q2_k(const int NA, const uint8_t *b, const uint8_t *a, size_t as, int64_t i,
                        __m256i *is, __m256i *ms) {
    const __m128i sb = _mm_loadu_si128((const __m128i *)b);
    const __m256i s16 = _mm256_cvtepu8_epi16(_mm_and_si128(sb, _mm_set1_epi8(0x0F)));
    const __m256i m16 =
        _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(sb, 4), _mm_set1_epi8(0x0F)));
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) is[c] = _mm256_setzero_si256();
    const __m256i three = _mm256_set1_epi8(3);
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        const __m256i q = load32(b + 16 + 32 * h);
#pragma GCC unroll 4
        for (int s = 0; s < 4; s++) {
            const int k = 4 * h + s;
            const __m256i u = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), three);
            const __m256i sc = scales16_pair(s16, k);
#pragma GCC unroll 4
            for (int c = 0; c < NA; c++)
                is[c] = madd_acc(is[c], _mm256_maddubs_epi16(u, load32(YB(c)->qs + 32 * k)), sc);
        }
    }
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) ms[c] = bsum_dot(YB(c), m16);
}

TGT INLINE void ks_q3_k(const int NA, const uint8_t *b, const uint8_t *a, size_t as, int64_t i,
                        __m256i *is) {
    const __m256i s16 = k3_scales(b + 96);
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++)            /* the -4 offset: -4 sum_k s_k bsum_k */
        is[c] = _mm256_sub_epi32(_mm256_setzero_si256(),
                                 _mm256_slli_epi32(bsum_dot(YB(c), s16), 2));
    const __m256i hm = load32(b);
    const __m256i three = _mm256_set1_epi8(3), four = _mm256_set1_epi8(4);
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        const __m256i q = load32(b + 32 + 32 * h);
#pragma GCC unroll 4
        for (int s = 0; s < 4; s++) {
            const int k = 4 * h + s;        /* elements 32k + l: hmask bit k of byte l */
            const __m256i low = _mm256_and_si256(_mm256_srli_epi16(q, 2 * s), three);
            const __m256i hb =
                _mm256_and_si256(_mm256_slli_epi16(_mm256_srli_epi16(hm, k), 2), four);
            const __m256i u = _mm256_or_si256(low, hb);     /* q + 4, 0..7 */
            const __m256i sc = scales16_pair(s16, k);
#pragma GCC unroll 4
            for (int c = 0; c < NA; c++)
                is[c] = madd_acc(is[c], _mm256_maddubs_epi16(u, load32(YB(c)->qs + 32 * k)), sc);
        }
    }
}

/* Q4_K (qh == NULL) and Q5_K: d at 0, dmin at 2, scales at 4, Q5_K's qh at 16, qs after.
 * sm: the row's 8 scale bytes (0..7) and 8 mins (8..15), in both halves (k45_scales_row). */
TGT INLINE void ks_q45_k(const int T, const int NA, const uint8_t *b, __m256i sm,
                         const uint8_t *a, size_t as, int64_t i, __m256i *is, __m256i *ms) {
    /* The scale bytes are widened to int16 lanes by one vpshufb each (bcast8_16), the mins to
     * [m0 m0 m1 m1 ... m7 m7] (one per pair of bsums) by one more. In cache these kernels run
     * about as fast as they issue instructions, so each one per super-block counts: widening
     * both to int16 first took 12 per row (without them, Q4_K decode 1.10x on Zen 3). */
    const __m256i m16 = _mm256_shuffle_epi8(
        sm, _mm256_setr_epi8(8, -1, 8, -1, 9, -1, 9, -1, 10, -1, 10, -1, 11, -1, 11, -1, 12, -1,
                             12, -1, 13, -1, 13, -1, 14, -1, 14, -1, 15, -1, 15, -1));
    const uint8_t *qs = b + (T == K5 ? 48 : 16);
    __m256i hb = T == K5 ? load32(b + 16) : _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) is[c] = _mm256_setzero_si256();
    const __m256i low4 = _mm256_set1_epi8(0x0F), bit4 = _mm256_set1_epi8(0x10);
#pragma GCC unroll 4
    for (int p = 0; p < 4; p++) {           /* sub-blocks 2p (low nibbles), 2p+1 (high) */
        const __m256i q = load32(qs + 32 * p);
        __m256i u0 = _mm256_and_si256(q, low4);
        __m256i u1 = _mm256_and_si256(_mm256_srli_epi16(q, 4), low4);
        if (T == K5) {                      /* bit 2p, 2p+1 of qh[l]: the fifth bit */
            u0 = _mm256_or_si256(u0, _mm256_and_si256(_mm256_slli_epi16(hb, 4), bit4));
            u1 = _mm256_or_si256(u1, _mm256_and_si256(_mm256_slli_epi16(hb, 3), bit4));
            hb = _mm256_srli_epi16(hb, 2);
        }
        const __m256i s0 = bcast8_16(sm, 2 * p), s1 = bcast8_16(sm, 2 * p + 1);
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) {
            is[c] = madd_acc(is[c], _mm256_maddubs_epi16(u0, load32(YB(c)->qs + 64 * p)), s0);
            is[c] = madd_acc(is[c], _mm256_maddubs_epi16(u1, load32(YB(c)->qs + 64 * p + 32)),
                             s1);
        }
    }
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) ms[c] = bsum_dot(YB(c), m16);
}

TGT INLINE void ks_q6_k(const int NA, const uint8_t *b, const uint8_t *a, size_t as, int64_t i,
                        __m256i *is) {
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192)));
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++)            /* the -32 offset: -32 sum_k s_k bsum_k */
        is[c] = _mm256_sub_epi32(_mm256_setzero_si256(),
                                 _mm256_slli_epi32(bsum_dot(YB(c), s16), 5));
    const __m256i low4 = _mm256_set1_epi8(0x0F), hi2 = _mm256_set1_epi8(0x30);
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        const __m256i ql0 = load32(b + 64 * h), ql1 = load32(b + 64 * h + 32);
        const __m256i qh = load32(b + 128 + 32 * h);
#pragma GCC unroll 4
        for (int s = 0; s < 4; s++) {
            const int k = 4 * h + s;
            const __m256i l = (s & 1) ? ql1 : ql0;
            const __m256i low = (s >> 1) ? _mm256_and_si256(_mm256_srli_epi16(l, 4), low4)
                                         : _mm256_and_si256(l, low4);
            /* bits 2s..2s+1 of qh to bits 4..5 */
            const __m256i high = s < 2 ? _mm256_and_si256(_mm256_slli_epi16(qh, 4 - 2 * s), hi2)
                                 : s == 2 ? _mm256_and_si256(qh, hi2)
                                          : _mm256_and_si256(_mm256_srli_epi16(qh, 2), hi2);
            const __m256i u = _mm256_or_si256(low, high);   /* q, 0..63 */
            const __m256i sc = scales16_pair(s16, k);
#pragma GCC unroll 4
            for (int c = 0; c < NA; c++)
                is[c] = madd_acc(is[c], _mm256_maddubs_epi16(u, load32(YB(c)->qs + 32 * k)), sc);
        }
    }
}

/* ---- the float step of the reference, per super-block i and activation row c:
 *     acc[c] = acc[c] + ((d_a d) isum - (d_a dmin) msum)      (Q2_K, Q4_K, Q5_K)
 *     acc[c] = acc[c] + (d_a d) isum                          (Q3_K, Q6_K)
 * with d (and dmin after it) the f16 values at KDOFF(T) in the weight super-block. */

#define KDOFF(T) ((T) == K2 ? 80 : (T) == K3 ? 108 : (T) == K6 ? 208 : 0)
#define KMINS(T) ((T) == K2 || (T) == K4 || (T) == K5)

/* One super-block (weight b, activation rows YB(c) of block i). */
TGT INLINE void kfinish1(const int T, const int NA, const uint8_t *b, const uint8_t *a,
                         size_t as, int64_t i, const __m256i *is, const __m256i *ms,
                         float *acc) {
    const float d = h2f(ld16(b + KDOFF(T)));
    const float dmin = KMINS(T) ? h2f(ld16(b + KDOFF(T) + 2)) : 0.0f;
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) {
        if (KMINS(T)) {
            int isum, msum;
            hsum2(is[c], ms[c], &isum, &msum);
            acc[c] += (YB(c)->d * d) * (float)isum - (YB(c)->d * dmin) * (float)msum;
        } else {
            acc[c] += (YB(c)->d * d) * (float)hsum_epi32(is[c]);
        }
    }
}

/* The 4 rows of a tile against one activation row (rows 0..3 at b[r], their integer lanes
 * is[r], ms[r]) reduced together by vphaddd to the integers of the reference's float step,
 * with its factors (d_a d) and (d_a dmin) per row; kapply4 then adds the step of each row to
 * acc = [r0 r1 r2 r3]. Decode had reduced and scaled one row at a time, through the general
 * registers: in cache, 4x1 runs 1.2 to 1.33x faster this way.
 * Mins types: g = [i0 m0 i1 m1 | i2 m2 i3 m3], f = [d0 dmin0 d1 dmin1 | ...] times d_a.
 * Others:     g = [i0 i1 i2 i3 | -],          f = [d0 d1 d2 d3 | -] times d_a. */
typedef struct kstep4 {
    __m256i g;
    __m256 f;
} kstep4;

TGT INLINE kstep4 kreduce4(const int T, const uint8_t *const *b, const l4a_block_q8_k *y,
                           const __m256i *is, const __m256i *ms) {
    kstep4 k;
    if (KMINS(T)) {
        const __m256i e = _mm256_hadd_epi32(_mm256_hadd_epi32(is[0], ms[0]),
                                            _mm256_hadd_epi32(is[1], ms[1]));
        const __m256i f = _mm256_hadd_epi32(_mm256_hadd_epi32(is[2], ms[2]),
                                            _mm256_hadd_epi32(is[3], ms[3]));
        k.g = _mm256_add_epi32(_mm256_permute2x128_si256(e, f, 0x20),
                               _mm256_permute2x128_si256(e, f, 0x31));
        const uint64_t lo = (uint64_t)ld32(b[0] + KDOFF(T)) | (uint64_t)ld32(b[1] + KDOFF(T)) << 32;
        const uint64_t hi = (uint64_t)ld32(b[2] + KDOFF(T)) | (uint64_t)ld32(b[3] + KDOFF(T)) << 32;
        const __m256 dd = _mm256_cvtph_ps(_mm_set_epi64x((long long)hi, (long long)lo));
        k.f = _mm256_mul_ps(_mm256_set1_ps(y->d), dd);
        return k;
    }
    (void)ms;
    const __m256i e = _mm256_hadd_epi32(_mm256_hadd_epi32(is[0], is[1]),
                                        _mm256_hadd_epi32(is[2], is[3]));
    k.g = _mm256_castsi128_si256(
        _mm_add_epi32(_mm256_castsi256_si128(e), _mm256_extracti128_si256(e, 1)));
    const uint64_t h = (uint64_t)ld16(b[0] + KDOFF(T)) | (uint64_t)ld16(b[1] + KDOFF(T)) << 16 |
                       (uint64_t)ld16(b[2] + KDOFF(T)) << 32 |
                       (uint64_t)ld16(b[3] + KDOFF(T)) << 48;
    const __m128 dd = _mm_cvtph_ps(_mm_cvtsi64_si128((long long)h));
    k.f = _mm256_castps128_ps256(_mm_mul_ps(_mm_set1_ps(y->d), dd));
    return k;
}

/* acc + the reference's float step of the 4 rows: (d_a d) isum - (d_a dmin) msum, or
 * (d_a d) isum. A zero step (g and f zero) leaves acc as it is (+0 added). */
TGT INLINE __m128 kapply4(const int T, kstep4 k, __m128 acc) {
    if (KMINS(T)) {
        const __m256 q = _mm256_mul_ps(k.f, _mm256_cvtepi32_ps(k.g));
        const __m256 r = _mm256_sub_ps(q, _mm256_movehdup_ps(q));    /* lanes 0, 2, 4, 6 */
        return _mm_add_ps(acc, _mm_shuffle_ps(_mm256_castps256_ps128(r),
                                              _mm256_extractf128_ps(r, 1), 0x88));
    }
    return _mm_add_ps(acc, _mm_mul_ps(_mm256_castps256_ps128(k.f),
                                      _mm_cvtepi32_ps(_mm256_castsi256_si128(k.g))));
}

/* The integer lanes of super-block i of the weight row at b (see above); sm: Q4_K's and
 * Q5_K's decoded scales and mins (ks_q45_k), unused by the others. */
TGT INLINE void ksums(const int T, const int NA, const uint8_t *b, __m256i sm, const uint8_t *a,
                      size_t as, int64_t i, __m256i *is, __m256i *ms) {
    switch (T) {
    case K2: ks_q2_k(NA, b, a, as, i, is, ms); break;
    case K3: ks_q3_k(NA, b, a, as, i, is); break;
    case K4: ks_q45_k(K4, NA, b, sm, a, as, i, is, ms); break;
    case K5: ks_q45_k(K5, NA, b, sm, a, as, i, is, ms); break;
    default: ks_q6_k(NA, b, a, as, i, is); break;
    }
}

/* Q4_K's and Q5_K's scales and mins of one row for ksums, decoded alone. */
TGT INLINE __m256i k45_scales1(const int T, const uint8_t *b) {
    if (T != K4 && T != K5) return _mm256_setzero_si256();
    uint64_t sc, m;
    k45_scale_bytes(b + 4, &sc, &m);
    return _mm256_set_epi64x((long long)m, (long long)sc, (long long)m, (long long)sc);
}

/* ... and of 4 rows at b[0..3], two by two (k45_scales2). */
TGT INLINE void k45_scales4(const int T, const uint8_t *const *b, __m256i *sm) {
    if (T != K4 && T != K5) {
        sm[0] = sm[1] = sm[2] = sm[3] = _mm256_setzero_si256();
        return;
    }
    const __m256i s01 = k45_scales2(b[0], b[1]), s23 = k45_scales2(b[2], b[3]);
    sm[0] = k45_scales_row(s01, 0);
    sm[1] = k45_scales_row(s01, 1);
    sm[2] = k45_scales_row(s23, 0);
    sm[3] = k45_scales_row(s23, 1);
}

/* ---- tiles: NW weight rows x NA activation rows over nb super-blocks */

TGT INLINE void ktile(const int T, const int NW, const int NA, int64_t nb, const uint8_t *w,
                      size_t ws, const uint8_t *a, size_t as, float *out, size_t os) {
    float acc[4][4] = {{0}};
    for (int64_t i = 0; i < nb; i++) {
#pragma GCC unroll 4
        for (int r = 0; r < NW; r++) {
            const uint8_t *b = w + (size_t)r * ws + (size_t)i * KWSIZE(T);
            prefetch_bytes(b + (size_t)NW * ws, KWSIZE(T));
            __m256i is[4], ms[4] = {0};
            ksums(T, NA, b, k45_scales1(T, b), a, as, i, is, ms);
            kfinish1(T, NA, b, a, as, i, is, ms, acc[r]);
        }
    }
#pragma GCC unroll 4
    for (int r = 0; r < NW; r++)
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) out[(size_t)c * os + (size_t)r] = acc[r][c];
}

/* 4 rows (ws apart) against NA activation rows, the rows' super-blocks side by side and
 * finished together per activation row (kreduce4, kapply4). The next 4 rows (contiguous after
 * these) are prefetched as one stream, at the tile's pace: 4 rows read in step are 4 streams,
 * which the hardware prefetchers follow badly. */
TGT INLINE void ktile4(const int T, const int NA, int64_t nb, const uint8_t *w, size_t ws,
                       const uint8_t *a, size_t as, float *out, size_t os) {
    const uint8_t *next = w + 4 * ws;
    __m128 acc[4];
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) acc[c] = _mm_setzero_ps();
    /* Decode adds each super-block's float step one iteration late: its reduction and float
     * operations then run beside the next super-block's integers instead of ending a long
     * chain (in cache 1.12 to 1.15x for Q4_K). The first step added is zero. */
    kstep4 step = {_mm256_setzero_si256(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < nb; i++) {
        const uint8_t *b[4];
        prefetch_bytes(next + 4 * (size_t)i * KWSIZE(T), 4 * KWSIZE(T));
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++) b[r] = w + (size_t)r * ws + (size_t)i * KWSIZE(T);
        if (NA == 1) {      /* decode: the lanes straight into kreduce4's arrays */
            __m256i sm[4], is1[4], ms1[4] = {0};
            k45_scales4(T, b, sm);
#pragma GCC unroll 4
            for (int r = 0; r < 4; r++) ksums(T, 1, b[r], sm[r], a, as, i, &is1[r], &ms1[r]);
            acc[0] = kapply4(T, step, acc[0]);
            step = kreduce4(T, b, YB(0), is1, ms1);
            continue;
        }
        __m256i is[4][4], ms[4][4] = {{{0}}};   /* [row][activation row] */
#pragma GCC unroll 4
        for (int r = 0; r < 4; r++)     /* scales row by row: k45_scales4 slowed these, 0.96 */
            ksums(T, NA, b[r], k45_scales1(T, b[r]), a, as, i, is[r], ms[r]);
#pragma GCC unroll 4
        for (int c = 0; c < NA; c++) {
            const __m256i isc[4] = {is[0][c], is[1][c], is[2][c], is[3][c]};
            const __m256i msc[4] = {ms[0][c], ms[1][c], ms[2][c], ms[3][c]};
            acc[c] = kapply4(T, kreduce4(T, b, YB(c), isc, msc), acc[c]);
        }
    }
    if (NA == 1) acc[0] = kapply4(T, step, acc[0]);
#pragma GCC unroll 4
    for (int c = 0; c < NA; c++) _mm_storeu_ps(out + (size_t)c * os, acc[c]);
}

#define KCASE(W_, A_)                                                                          \
    case (W_) * 8 + (A_):                                                                      \
        ktile(T, W_, A_, nb, wp, ws, ap + (size_t)c0 * as, as, out + (size_t)c0 * os, os);     \
        break;

/* Any nw x na: all nw rows at once (the weight super-block is unpacked per row anyway),
 * activation rows in groups of at most 4. */
TGT INLINE void ktile_any(const int T, int64_t n, const void *w, size_t ws, int nw,
                          const void *a, size_t as, int na, float *out, size_t os) {
    const uint8_t *wp = w, *ap = a;
    const int64_t nb = n / L4A_QK_K;
    if (nw == 4) {
        for (int c0 = 0; c0 < na; c0 += 4) {
            const uint8_t *ac = ap + (size_t)c0 * as;
            float *oc = out + (size_t)c0 * os;
            switch (na - c0 < 4 ? na - c0 : 4) {
            case 1: ktile4(T, 1, nb, wp, ws, ac, as, oc, os); break;
            case 2: ktile4(T, 2, nb, wp, ws, ac, as, oc, os); break;
            case 3: ktile4(T, 3, nb, wp, ws, ac, as, oc, os); break;
            default: ktile4(T, 4, nb, wp, ws, ac, as, oc, os); break;
            }
        }
        return;
    }
    if (na == 1) {      /* one row after the other, one stream for the prefetchers */
        for (int r = 0; r < nw; r++)
            ktile(T, 1, 1, nb, wp + (size_t)r * ws, ws, ap, as, out + r, os);
        return;
    }
    for (int c0 = 0; c0 < na; c0 += 4) {
        const int ta = na - c0 < 4 ? na - c0 : 4;
        switch (nw * 8 + ta) {
            KCASE(1, 1) KCASE(1, 2) KCASE(1, 3) KCASE(1, 4)
            KCASE(2, 1) KCASE(2, 2) KCASE(2, 3) KCASE(2, 4)
            KCASE(3, 1) KCASE(3, 2) KCASE(3, 3) KCASE(3, 4)
        default: break;     /* 4 rows: ktile4 above */
        }
    }
}

#define DEFINE_KTYPE(name, T)                                                                  \
    TGT static float dot_##name(int64_t n, const void *w, const void *a) {                     \
        float out;                                                                             \
        ktile(T, 1, 1, n / L4A_QK_K, w, 0, a, 0, &out, 0);                                     \
        return out;                                                                            \
    }                                                                                          \
    TGT static void tile_##name(int64_t n, const void *w, size_t ws, int nw, const void *a,    \
                                size_t as, int na, float *out, size_t os) {                    \
        ktile_any(T, n, w, ws, nw, a, as, na, out, os);                                        \
    }

DEFINE_KTYPE(q2_k, K2)
DEFINE_KTYPE(q3_k, K3)
DEFINE_KTYPE(q4_k, K4)
DEFINE_KTYPE(q5_k, K5)
DEFINE_KTYPE(q6_k, K6)

#include "kernels/arch/x86/kx4_body.h"

#ifndef FILL_LINKAGE
#define FILL_LINKAGE
#endif
FILL_LINKAGE void FILL_FN(l4a_vecdot *t) {
#define SET(W, name)                                                                           \
    t[L4A_TYPE_##W].dot = dot_##name;                                                          \
    t[L4A_TYPE_##W].dot_tile = tile_##name;                                                    \
    t[L4A_TYPE_##W].isa = ISA_NAME;
    SET(Q2_K, q2_k)
    SET(Q3_K, q3_k)
    SET(Q4_K, q4_k)
    SET(Q5_K, q5_k)
    SET(Q6_K, q6_k)
#undef SET
    t[L4A_TYPE_Q4_K].dot_x4 = x4_q4_k;
    t[L4A_TYPE_Q6_K].dot_x4 = x4_q6_k;
}
