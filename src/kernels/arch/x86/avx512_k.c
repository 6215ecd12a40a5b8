/*
 * avx512_k.c - the avx512 level's K-quant kernels, and the 512-bit Q4_K and Q6_K kernels of
 * the amx level.
 *
 * The avx512 level: k_body.h's kernels (256-bit, EVEX vpdpwssd) for every K type, which sum
 * in the reference's order; Q4_K and Q6_K matrices are repacked for its x4 decode kernels and
 * multiplied by avx512_gemm_k.c's gemm (VNNI) in prompts, all bit for bit alike. The 512-bit
 * kernels it had (removed in session 18; float lanes per super-block, not the reference's order)
 * decoded the 1.5B Q4_K_M file at 19 to 20 tok/s on a Zen 4 VM against 33 to 39 repacked,
 * and streamed Q5_K 4-row decode tiles from memory at 10.2 GB/s against k_body.h's 20.4.
 *
 * The amx level (dot and tiles of 1 or 2 weight rows, for decode and small batches), 64
 * elements at a time, the activations read as they lie (64 contiguous bytes) and the weights
 * arranged to match:
 *  - Q4_K: elements 64p .. 64p+63 are the low then the high nibbles of qs[32p..32p+31]: the
 *    32 bytes loaded into both halves, the upper half shifted by 4;
 *  - Q6_K: elements 128h + 64t .. +63 are nibble t of ql[64h..64h+63] (contiguous) plus two
 *    bits of qh[32h..32h+31] shifted by 4t or 4t+2 per half.
 * vpdpbusd sums four products per int32 lane (at most 4 * 63 * 128 < 2^15), vpackssdw packs
 * two chunks' sums to int16 exactly, vpdpwssd multiplies them by the sub-block scales (one
 * vpshufb / vpermw builds each pair of chunks' scale vector) and accumulates in int32: one
 * multiply-port instruction per 64 products and row, with the scale step shared by two. Each
 * super-block's lanes are reduced to the exact isum and msum (the mins through the
 * activation's bsums, Q6_K's -32 offset as -32 sum_k s_k bsum_k) and added in the reference's
 * order (sb_term2), the order of amx_k.c's tiles and of k_body.h.
 *
 * Called only when CPUID reports these features and the OS saves the AVX-512 state.
 */
#if defined(__x86_64__) || defined(_M_X64)

#define TGT __attribute__((target("avx2,fma,f16c,avx512f,avx512bw,avx512vl,avx512dq,avx512vnni")))
#define DOT_MODE 1
#define FILL_FN l4a_vecdot_fill_avx512_k
#define ISA_NAME "avx512"
#include "kernels/arch/x86/k_body.h"
#include "kernels/arch/x86/zmm_util.h"

/* 64 activation quants of row c, super-block i, from element e */
#define AQ(c, e) _mm512_loadu_si512(YB(c)->qs + (e))

/* The 8 six-bit scales of a Q4_K row as int16 in every 128-bit lane, and the
 * 8 mins doubled [m0 m0 m1 m1 ...] (one per bsum). */
TGT INLINE void zk45_scales(const uint8_t *b, __m512i *sc_all, __m256i *m16) {
    uint64_t s, n;
    k45_scale_bytes(b + 4, &s, &n);
    const __m128i sc8 = _mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)s));
    const __m128i m8 = _mm_cvtepu8_epi16(_mm_cvtsi64_si128((long long)n));
    *sc_all = _mm512_broadcast_i32x4(sc8);
    *m16 = _mm256_set_m128i(_mm_unpackhi_epi16(m8, m8), _mm_unpacklo_epi16(m8, m8));
}

/* int16 lanes for the packed sums of chunks p, p + 1 (see zsb_q4_k): 128-bit lanes 0 and 1
 * [s_2p x 4, s_2p+2 x 4], lanes 2 and 3 [s_2p+1 x 4, s_2p+3 x 4] */
TGT INLINE __m512i zscale_quad(__m512i sc_all, int p) {
    const int j0 = 2 * p, j1 = 2 * p + 2, j2 = 2 * p + 1, j3 = 2 * p + 3;
#define W2(j) (char)(2 * (j) + 1), (char)(2 * (j)) /* high byte first: _mm512_set_epi8 */
#define Q4(j) W2(j), W2(j), W2(j), W2(j)
    const __m512i ctrl = _mm512_set_epi8(Q4(j3), Q4(j2), Q4(j3), Q4(j2), Q4(j1), Q4(j0),
                                         Q4(j1), Q4(j0));
#undef Q4
#undef W2
    return _mm512_shuffle_epi8(sc_all, ctrl);
}

/* [sum a, sum b, sum c, sum d] of four vectors of int32 lanes (exact). */
TGT INLINE __m128i sum4_epi32(__m512i a, __m512i b, __m512i c, __m512i d) {
    const __m512i u = lane_sums4(a, b, c, d);
    const __m512i v = _mm512_add_epi32(u, _mm512_shuffle_i32x4(u, u, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm_add_epi32(_mm512_castsi512_si128(v), _mm512_extracti32x4_epi32(v, 1));
}

/* The super-block step for 2 weight rows and one token:
 * acc + ((d_a d) isum - (d_a dmin) msum) in lanes 0 and 1, as in the reference and
 * k_body.h, with intrinsics so that no compiler contracts it into FMAs (amx_k.c computes the
 * same operations on 16 tokens at once). is0/ms0: row 0's lanes, is1/ms1: row 1's. */
TGT INLINE __m128 sb_term2(__m128 acc, float da, __m128 dm, __m512i is0, __m512i is1,
                           __m256i ms0, __m256i ms1) {
    const __m128i tot = sum4_epi32(is0, is1, _mm512_zextsi256_si512(ms0),
                                   _mm512_zextsi256_si512(ms1));
    /* dm = [d_0, d_1, dmin_0, dmin_1]: t = [t1_0, t1_1, t2_0, t2_1] */
    const __m128 t = _mm_mul_ps(_mm_mul_ps(_mm_set1_ps(da), dm), _mm_cvtepi32_ps(tot));
    return _mm_add_ps(acc, _mm_sub_ps(t, _mm_movehl_ps(t, t)));
}

/* Q4_K, one weight row's isum and msum lanes against NA activation rows. */
TGT INLINE void zsb_q4_k(const int NA, const uint8_t *b, const uint8_t *a, size_t as, int64_t i,
                         __m512i *isv, __m256i *msv) {
    __m512i sc_all;
    __m256i m16;
    zk45_scales(b, &sc_all, &m16);
    const uint8_t *qs = b + 16;
    const __m512i shift = _mm512_setr_epi64(0, 0, 0, 0, 4, 4, 4, 4);
    __m512i u[4];
#pragma GCC unroll 4
    for (int p = 0; p < 4; p++) {
        const __m512i q = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(qs + 32 * p)));
        u[p] = _mm512_and_si512(_mm512_srlv_epi64(q, shift), _mm512_set1_epi8(0x0F));
    }
    /* Chunks p and p + 1 (p even): vpdpbusd sums 4 products per int32 lane (|sum| <= 4 * 15 *
     * 128 < 2^15), vpackssdw packs the two to int16 without saturating - 128-bit lane k of the
     * result holds chunk p's lanes 4k..4k+3 then chunk p+1's: sub-blocks 2p and 2p+2 in lanes
     * 0 and 1, 2p+1 and 2p+3 in lanes 2 and 3 - and vpdpwssd multiplies by those scales. One
     * instruction on the multiply port per 64 products and row, against two for
     * vpmaddubsw + vpdpwssd. The unpacked row (u, sp) stays in registers for the NA rows. */
    const __m512i sp0 = zscale_quad(sc_all, 0), sp2 = zscale_quad(sc_all, 2);
#pragma GCC unroll 8
    for (int c = 0; c < NA; c++) {
        const __m512i z = _mm512_setzero_si512();
        __m512i is = _mm512_dpwssd_epi32(z, _mm512_packs_epi32(_mm512_dpbusd_epi32(z, u[0], AQ(c, 0)),
                                                               _mm512_dpbusd_epi32(z, u[1], AQ(c, 64))),
                                         sp0);
        is = _mm512_dpwssd_epi32(is, _mm512_packs_epi32(_mm512_dpbusd_epi32(z, u[2], AQ(c, 128)),
                                                        _mm512_dpbusd_epi32(z, u[3], AQ(c, 192))),
                                 sp2);
        isv[c] = is;
        msv[c] = bsum_dot(YB(c), m16);
    }
}

/* Q6_K, one weight row's isum lanes against NA activation rows. */
TGT INLINE void zsb_q6_k(const int NA, const uint8_t *b, const uint8_t *a, size_t as, int64_t i,
                         __m512i *isv) {
    const __m256i s16 = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(b + 192)));
    const __m512i s_all = _mm512_castsi256_si512(s16);
    const __m512i low4 = _mm512_set1_epi8(0x0F), hi2 = _mm512_set1_epi8(0x30);
    __m512i u[4], sp[2];
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++) {
        const __m512i ql = _mm512_loadu_si512(b + 64 * h);
        const __m512i qh = _mm512_broadcast_i64x4(_mm256_loadu_si256((const __m256i *)(b + 128 + 32 * h)));
#pragma GCC unroll 2
        for (int t = 0; t < 2; t++) {       /* elements 128h + 64t .. + 63 */
            const __m512i low = _mm512_and_si512(t ? _mm512_srli_epi16(ql, 4) : ql, low4);
            /* bits 4t (low half) or 4t + 2 (high half) of qh moved to bits 4..5 */
            const __m512i high = t ? _mm512_srlv_epi64(qh, _mm512_setr_epi64(0, 0, 0, 0, 2, 2, 2, 2))
                                   : _mm512_sllv_epi64(qh, _mm512_setr_epi64(4, 4, 4, 4, 2, 2, 2, 2));
            u[2 * h + t] = _mm512_or_si512(low, _mm512_and_si512(high, hi2));
        }
        /* The two chunks of h as in zsb_q4_k: vpdpbusd (|sum of 4| <= 4 * 63 * 128 < 2^15),
         * packed to int16 - 128-bit lane k holds sub-block 8h + k (t = 0) then 8h + 4 + k
         * (t = 1), 16 elements each - then vpdpwssd by those scales. */
        const short k0 = (short)(8 * h), k1 = (short)(8 * h + 4);
#define S4(k) (short)(k), (short)(k), (short)(k), (short)(k)
        const __m512i idx = _mm512_inserti64x4(
            _mm512_castsi256_si512(_mm256_setr_epi16(S4(k0), S4(k1), S4(k0 + 1), S4(k1 + 1))),
            _mm256_setr_epi16(S4(k0 + 2), S4(k1 + 2), S4(k0 + 3), S4(k1 + 3)), 1);
#undef S4
        sp[h] = _mm512_permutexvar_epi16(idx, s_all);
    }
#pragma GCC unroll 8
    for (int c = 0; c < NA; c++) {
        /* the -32 offset: -32 sum_k s_k bsum_k, in the low 8 lanes */
        const __m256i off = _mm256_sub_epi32(_mm256_setzero_si256(),
                                             _mm256_slli_epi32(bsum_dot(YB(c), s16), 5));
        __m512i is = _mm512_inserti64x4(_mm512_castsi256_si512(off), _mm256_setzero_si256(), 1);
        const __m512i z = _mm512_setzero_si512();
#pragma GCC unroll 2
        for (int h = 0; h < 2; h++)
            is = _mm512_dpwssd_epi32(
                is, _mm512_packs_epi32(_mm512_dpbusd_epi32(z, u[2 * h], AQ(c, 128 * h)),
                                       _mm512_dpbusd_epi32(z, u[2 * h + 1], AQ(c, 128 * h + 64))),
                sp[h]);
        isv[c] = is;
    }
}

/* NW (1 or 2) weight rows x NA activation rows, super-block by super-block: the rows' lanes
 * reduced to their exact isum and msum and added in the reference's order (sb_term2). */
TGT INLINE void zktile(const int T, const int NW, const int NA, int64_t nb, const uint8_t *w,
                       size_t ws, const uint8_t *a, size_t as, float *out, size_t os) {
    __m128 sacc[8];             /* rows 0 and 1 in lanes 0 and 1 */
    for (int c = 0; c < NA; c++) sacc[c] = _mm_setzero_ps();
    for (int64_t i = 0; i < nb; i++) {
        __m512i isv[2][8];      /* the rows' lanes of isum and msum */
        __m256i msv[2][8];
        const __m512i z = _mm512_setzero_si512();
#pragma GCC unroll 2
        for (int r = 0; r < NW; r++) {
            const uint8_t *b = w + (size_t)r * ws + (size_t)i * KWSIZE(T);
            prefetch_bytes(b + (size_t)NW * ws, KWSIZE(T));
            if (T == K6) zsb_q6_k(NA, b, a, as, i, isv[r & 1]);
            else zsb_q4_k(NA, b, a, as, i, isv[r & 1], msv[r & 1]);
        }
        /* Q6_K: no mins (dmin = 0, msum = 0: the same terms) */
        const uint8_t *b0 = w + (size_t)i * KWSIZE(T), *b1 = b0 + (NW > 1 ? ws : 0);
        const int od = T == K6 ? 208 : 0;
        const __m128 dm = _mm_cvtph_ps(_mm_setr_epi16(
            (short)ld16(b0 + od), (short)ld16(b1 + od), T == K6 ? 0 : (short)ld16(b0 + 2),
            T == K6 ? 0 : (short)ld16(b1 + 2), 0, 0, 0, 0));
        if (T == K6)
            for (int c = 0; c < NA; c++) msv[0][c] = msv[1][c] = _mm256_setzero_si256();
#pragma GCC unroll 8
        for (int c = 0; c < NA; c++)
            sacc[c] = sb_term2(sacc[c], YB(c)->d, dm, isv[0][c], NW > 1 ? isv[1][c] : z,
                               msv[0][c], NW > 1 ? msv[1][c] : _mm256_setzero_si256());
    }
#pragma GCC unroll 2
    for (int r = 0; r < NW; r++)
#pragma GCC unroll 8
        for (int c = 0; c < NA; c++)
            out[(size_t)c * os + (size_t)r] =
                _mm_cvtss_f32(r ? _mm_shuffle_ps(sacc[c], sacc[c], 1) : sacc[c]);
}

#define ZKCASE(W_, A_)                                                                         \
    case (W_) * 16 + (A_):                                                                     \
        zktile(T, W_, A_, nb, wp + (size_t)r0 * ws, ws, ap + (size_t)c0 * as, as,             \
               out + (size_t)c0 * os + (size_t)r0, os);                                        \
        break;

/* Any nw x na as tiles of up to 2 weight rows x 8 activation rows: a super-block is unpacked
 * per weight row whatever NW, so what counts is NA (the unpacking is shared by NA rows). */
TGT INLINE void zktile_any(const int T, int64_t n, const void *w, size_t ws, int nw,
                           const void *a, size_t as, int na, float *out, size_t os) {
    const uint8_t *wp = w, *ap = a;
    const int64_t nb = n / L4A_QK_K;
    for (int c0 = 0; c0 < na; c0 += 8)
        for (int r0 = 0; r0 < nw; r0 += 2) {
            const int ta = na - c0 < 8 ? na - c0 : 8, tw = nw - r0 < 2 ? nw - r0 : 2;
            switch (tw * 16 + ta) {
                ZKCASE(1, 1) ZKCASE(1, 2) ZKCASE(1, 3) ZKCASE(1, 4)
                ZKCASE(1, 5) ZKCASE(1, 6) ZKCASE(1, 7) ZKCASE(1, 8)
                ZKCASE(2, 1) ZKCASE(2, 2) ZKCASE(2, 3) ZKCASE(2, 4)
                ZKCASE(2, 5) ZKCASE(2, 6) ZKCASE(2, 7) ZKCASE(2, 8)
            default: break;
            }
        }
}

#define DEFINE_ZKTYPE(name, T)                                                                 \
    TGT static float zdot_##name(int64_t n, const void *w, const void *a) {                    \
        float out;                                                                             \
        zktile(T, 1, 1, n / L4A_QK_K, w, 0, a, 0, &out, 0);                                    \
        return out;                                                                            \
    }                                                                                          \
    TGT static void ztile_##name(int64_t n, const void *w, size_t ws, int nw, const void *a,   \
                                 size_t as, int na, float *out, size_t os) {                   \
        zktile_any(T, n, w, ws, nw, a, as, na, out, os);                                       \
    }

DEFINE_ZKTYPE(q4_k_sums, K4)
DEFINE_ZKTYPE(q6_k_sums, K6)

void l4a_vecdot_fill_avx512_k_sums(l4a_vecdot *t) {
    t[L4A_TYPE_Q4_K].dot = zdot_q4_k_sums;
    t[L4A_TYPE_Q4_K].dot_tile = ztile_q4_k_sums;
    t[L4A_TYPE_Q6_K].dot = zdot_q6_k_sums;
    t[L4A_TYPE_Q6_K].dot_tile = ztile_q6_k_sums;
}

#endif
