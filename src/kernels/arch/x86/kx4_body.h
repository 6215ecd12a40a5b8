/*
 * kx4_body.h - decode's dot products of 4 weight rows repacked in the x4 layout (quant/x4.h)
 * with one Q8_K activation row. Included by k_body.h (same TGT, DOT_MODE and helpers).
 *
 * Q4_K, per super-block of the 4 rows (576 bytes, read in order):
 *  - each 32-byte load holds the same 8 quant bytes of the 4 rows; its low and high nibbles
 *    are multiplied (vpmaddubsw) by the 8 activations they pair with, broadcast to the 4 rows,
 *    and the 4 loads of a sub-block pair summed in int16 (|sum| <= 8 * 15 * 128 = 15360):
 *    lanes 4r..4r+3 belong to row r;
 *  - one vpmaddwd per sub-block applies the 4 rows' scales (one vpshufb builds them from the
 *    decoded scale bytes), into int32 lanes 2r, 2r+1;
 *  - with VNNI (DOT_MODE 1, 2) vpdpbusd sums each sub-block's products in int32 instead (no
 *    int16 adds): lanes 2r, 2r+1 of a sub-block hold 16 products each, |sum| <= 30720, so two
 *    sub-blocks pack to int16 exactly and one vpdpwssd applies both scales; in cache 1.05x
 *    the vpmaddubsw chain (bench/kernel_ab ... q4_k -a x4);
 *  - the mins: the 4 rows' 8 mins against the activation's 8 pair sums of bsums, two vpmaddwd;
 *  - vphaddd gives [isum0 isum1 msum0 msum1 | isum2 isum3 msum2 msum3], the order of the x4
 *    header's f16 [d0 d1 dmin0 dmin1 | d2 d3 dmin2 dmin3]; the reference's float step
 *    (d_a d) isum - (d_a dmin) msum is added per row, one super-block late as in ktile4.
 * The integers are the reference's and the float operations the same, in the same order: the
 * 4 outputs are bit-identical to dot() on the unpacked rows (tests/test_vecdot.c).
 * Against ktile4 on the file's layout: one sequential stream instead of 4 rows in step, and
 * about 200 instructions per 4 rows' super-block instead of 277.
 */

/* Bytes ahead of the current super-block that decode prefetches. */
#ifndef KX4_PREFETCH
#define KX4_PREFETCH 2304
#endif

/* One super-block's float step, added one super-block late (kx4_apply). */
typedef struct kx4step {
    __m256i g;      /* Q4_K: [isum0 isum1 msum0 msum1 | isum2 isum3 msum2 msum3]
                       Q6_K: [isum0 isum1 isum2 isum3 | -] */
    __m256 f;       /* d_a times Q4_K: [d0 d1 dmin0 dmin1 | d2 d3 dmin2 dmin3]
                       Q6_K: [d0 d1 d2 d3 | -] */
} kx4step;

/* int16 lanes 4r..4r+3 = byte 8r + j of v (r = 0..3: bytes 0..15 of each 128-bit half). */
TGT INLINE __m256i kx4_bcast_rows(__m256i v, int j) {
    const char a = (char)j, b = (char)(8 + j), z = (char)0x80;
    return _mm256_shuffle_epi8(v, _mm256_setr_epi8(a, z, a, z, a, z, a, z, b, z, b, z, b, z, b, z,
                                                   a, z, a, z, a, z, a, z, b, z, b, z, b, z, b, z));
}

/* With VNNI: int16 lanes [s(2p) x2, s'(2p) x2, s(2p+1) x2, s'(2p+1) x2] per half, where s, s'
 * are the scales (bytes 8r + j of v) of the half's two rows. */
TGT INLINE __m256i kx4_scale_pairs(__m256i v, int p) {
    const char a = (char)(2 * p), b = (char)(8 + 2 * p), c = (char)(2 * p + 1),
               d = (char)(9 + 2 * p), z = (char)0x80;
    return _mm256_shuffle_epi8(v, _mm256_setr_epi8(a, z, a, z, b, z, b, z, c, z, c, z, d, z, d, z,
                                                   a, z, a, z, b, z, b, z, c, z, c, z, d, z, d, z));
}

/* 8 activation bytes at p in every 64-bit lane. */
TGT INLINE __m256i kx4_bcast8(const int8_t *p) {
    return _mm256_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)p));
}

TGT INLINE kx4step kx4_q4_k(const uint8_t *o, const l4a_block_q8_k *y) {
    const __m256i m4 = _mm256_set1_epi8(0x0F);
    /* scales and mins: bytes 8r + j of each half (rows 0, 1 low; 2, 3 high) */
    const __m256i lo = load32(o + 16);
    const __m256i h2 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(o + 48)));
    const __m256i hx = _mm256_and_si256(
        _mm256_srlv_epi32(h2, _mm256_setr_epi32(0, 0, 0, 0, 4, 4, 4, 4)), m4);
    const __m256i sc = _mm256_or_si256(
        _mm256_and_si256(lo, m4), _mm256_slli_epi16(_mm256_and_si256(hx, _mm256_set1_epi8(3)), 4));
    const __m256i mn = _mm256_or_si256(
        _mm256_and_si256(_mm256_srli_epi16(lo, 4), m4),
        _mm256_slli_epi16(_mm256_and_si256(hx, _mm256_set1_epi8(0x0C)), 2));
    /* msum: mins 0..3 and 4..7 of each row against the pair sums bp0..3 and bp4..7 */
    const __m256i bp32 = _mm256_madd_epi16(load32(y->bsums), _mm256_set1_epi16(1));
    const __m256i bp16 = _mm256_packs_epi32(bp32, bp32);   /* [bp0..3 x2 | bp4..7 x2] */
    const __m256i m03 = _mm256_shuffle_epi8(
        mn, _mm256_setr_epi8(0, -128, 1, -128, 2, -128, 3, -128, 8, -128, 9, -128, 10, -128, 11,
                             -128, 0, -128, 1, -128, 2, -128, 3, -128, 8, -128, 9, -128, 10,
                             -128, 11, -128));
    const __m256i m47 = _mm256_shuffle_epi8(
        mn, _mm256_setr_epi8(4, -128, 5, -128, 6, -128, 7, -128, 12, -128, 13, -128, 14, -128,
                             15, -128, 4, -128, 5, -128, 6, -128, 7, -128, 12, -128, 13, -128,
                             14, -128, 15, -128));
    const __m256i ms =
        _mm256_add_epi32(_mm256_madd_epi16(m03, _mm256_permute4x64_epi64(bp16, 0x00)),
                         _mm256_madd_epi16(m47, _mm256_permute4x64_epi64(bp16, 0xAA)));
    __m256i is = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int p = 0; p < 4; p++) {           /* sub-blocks 2p (low nibbles), 2p+1 (high) */
        __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
#pragma GCC unroll 4
        for (int c = 0; c < 4; c++) {
            const __m256i q = load32(o + 64 + 128 * p + 32 * c);
            const __m256i u0 = _mm256_and_si256(q, m4);
            const __m256i u1 = _mm256_and_si256(_mm256_srli_epi16(q, 4), m4);
            const __m256i a0 = kx4_bcast8(y->qs + 64 * p + 8 * c);
            const __m256i a1 = kx4_bcast8(y->qs + 64 * p + 32 + 8 * c);
#if DOT_MODE    /* int32 lanes [r r r' r'] per half */
            s0 = dot_us(s0, u0, a0);
            s1 = dot_us(s1, u1, a1);
#else           /* int16 lanes 4r..4r+3 */
            const __m256i t0 = _mm256_maddubs_epi16(u0, a0), t1 = _mm256_maddubs_epi16(u1, a1);
            s0 = c ? _mm256_add_epi16(s0, t0) : t0;
            s1 = c ? _mm256_add_epi16(s1, t1) : t1;
#endif
        }
#if DOT_MODE
        /* each lane 16 products: |sum| <= 16 * 15 * 128 = 30720, so the pack to int16 is exact;
         * then lanes [r(2p) r'(2p) r(2p+1) r'(2p+1)] per half */
        is = madd_acc(is, _mm256_packs_epi32(s0, s1), kx4_scale_pairs(sc, p));
#else
        is = madd_acc(is, s0, kx4_bcast_rows(sc, 2 * p));
        is = madd_acc(is, s1, kx4_bcast_rows(sc, 2 * p + 1));
#endif
    }
#if DOT_MODE
    is = _mm256_shuffle_epi32(is, 0xD8);    /* [r(even) r(odd) r'(even) r'(odd)] per half */
#endif
    kx4step k;
    k.g = _mm256_hadd_epi32(is, ms);
    k.f = _mm256_mul_ps(_mm256_set1_ps(y->d),
                        _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)o)));
    return k;
}

/* acc + the 4 rows' float steps (a zero step adds +0). */
TGT INLINE __m128 kx4_apply(const int T, kx4step k, __m128 acc) {
    if (T == K6)
        return _mm_add_ps(acc, _mm_mul_ps(_mm256_castps256_ps128(k.f),
                                          _mm_cvtepi32_ps(_mm256_castsi256_si128(k.g))));
    const __m256 q = _mm256_mul_ps(k.f, _mm256_cvtepi32_ps(k.g));
    const __m256 r = _mm256_sub_ps(q, _mm256_permute_ps(q, 0x4E));   /* lanes 0, 1 per half */
    return _mm_add_ps(acc, _mm_shuffle_ps(_mm256_castps256_ps128(r), _mm256_extractf128_ps(r, 1),
                                          0x44));
}

/* Q6_K (layout in quant/x4.h): per 8-byte chunk c of the 32 elements 128h + 32s + 8c.., three
 * loads hold the 6-bit quants u_s of the 4 rows: u_0, u_1, u_2 are their bytes' low 6 bits,
 * u_3 is gathered from the bytes' top 2 bits (three shifts, three ANDs, two ORs; 11 operations
 * for the four, where the file's ql/qh split took 17).
 * vpmaddubsw by the 8 activations broadcast to the 4 rows; the two chunks of a sub-block of 16
 * summed in int16 (|sum| <= 4 * 63 * 128 = 32256); one vpmaddwd per sub-block applies the 4
 * rows' int8 scales (widened once per super-block, 4 per vector). The -32 offset is
 * -32 sum_k s_k bsum_k per row, from the same scale vectors. */
/* int16 lanes 4r..4r+3 = int16 lane 4r + i of v. */
TGT INLINE __m256i kx4_bcast_rows16(__m256i v, int i) {
    const char a = (char)(2 * i), b = (char)(2 * i + 1);
    const char c = (char)(8 + 2 * i), d = (char)(9 + 2 * i);
    return _mm256_shuffle_epi8(v, _mm256_setr_epi8(a, b, a, b, a, b, a, b, c, d, c, d, c, d, c, d,
                                                   a, b, a, b, a, b, a, b, c, d, c, d, c, d, c, d));
}

TGT INLINE kx4step kx4_q6_k(const uint8_t *o, const l4a_block_q8_k *y) {
    const __m256i bs = load32(y->bsums);
    __m256i v[4], off = _mm256_setzero_si256();
#pragma GCC unroll 4
    for (int j = 0; j < 4; j++) {   /* lanes 4r + i: scale 4j + i of row r */
        v[j] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(o + 768 + 16 * j)));
        const __m256i bj = j == 0   ? _mm256_permute4x64_epi64(bs, 0x00)   /* bsums 4j.. */
                           : j == 1 ? _mm256_permute4x64_epi64(bs, 0x55)
                           : j == 2 ? _mm256_permute4x64_epi64(bs, 0xAA)
                                    : _mm256_permute4x64_epi64(bs, 0xFF);
        off = _mm256_add_epi32(off, _mm256_madd_epi16(v[j], bj));
    }
    __m256i is = _mm256_sub_epi32(_mm256_setzero_si256(), _mm256_slli_epi32(off, 5));
    const __m256i m6 = _mm256_set1_epi8(0x3F), m3 = _mm256_set1_epi8(0x03);
    const __m256i mC = _mm256_set1_epi8(0x0C), m30 = _mm256_set1_epi8(0x30);
#pragma GCC unroll 2
    for (int h = 0; h < 2; h++)
#pragma GCC unroll 2
        for (int c2 = 0; c2 < 2; c2++) {    /* chunks 2 c2, 2 c2 + 1: sub-blocks 8h + 2s + c2 */
            __m256i p[4];
#pragma GCC unroll 2
            for (int cc = 0; cc < 2; cc++) {
                const int c = 2 * c2 + cc;
                const uint8_t *q = o + 96 * (4 * h + c);
                const __m256i b0 = load32(q), b1 = load32(q + 32), b2 = load32(q + 64);
                const __m256i u3 = _mm256_or_si256(
                    _mm256_and_si256(_mm256_srli_epi16(b0, 6), m3),
                    _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(b1, 4), mC),
                                    _mm256_and_si256(_mm256_srli_epi16(b2, 2), m30)));
                const __m256i u[4] = {_mm256_and_si256(b0, m6), _mm256_and_si256(b1, m6),
                                      _mm256_and_si256(b2, m6), u3};
#pragma GCC unroll 4
                for (int s = 0; s < 4; s++) {
                    const __m256i t = _mm256_maddubs_epi16(
                        u[s], kx4_bcast8(y->qs + 128 * h + 32 * s + 8 * c));
                    p[s] = cc ? _mm256_add_epi16(p[s], t) : t;
                }
            }
#pragma GCC unroll 4
            for (int s = 0; s < 4; s++) {
                const int k = 8 * h + 2 * s + c2;
                is = madd_acc(is, p[s], kx4_bcast_rows16(v[k / 4], k % 4));
            }
        }
    const __m256i r2 = _mm256_hadd_epi32(is, is);      /* [i0 i1 i0 i1 | i2 i3 i2 i3] */
    kx4step k;
    k.g = _mm256_permute4x64_epi64(r2, 0x08);
    k.f = _mm256_castps128_ps256(
        _mm_mul_ps(_mm_set1_ps(y->d), _mm_cvtph_ps(_mm_loadl_epi64((const __m128i *)(o + 832)))));
    return k;
}

/* The 4 rows of an x4 group of type T (K4, K6) against one activation row. */
TGT INLINE void kx4_dot(const int T, int64_t n, const uint8_t *o, const l4a_block_q8_k *y,
                        float *out) {
    const size_t bytes = 4 * (size_t)KWSIZE(T);
    __m128 acc = _mm_setzero_ps();
    kx4step step = {_mm256_setzero_si256(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        const uint8_t *b = o + (size_t)i * bytes;
        prefetch_bytes(b + KX4_PREFETCH, (int)bytes);
        const kx4step next = T == K4 ? kx4_q4_k(b, y + i) : kx4_q6_k(b, y + i);
        acc = kx4_apply(T, step, acc);
        step = next;
    }
    _mm_storeu_ps(out, kx4_apply(T, step, acc));
}

TGT static void x4_q4_k(int64_t n, const void *w, const void *a, float *out) {
    kx4_dot(K4, n, w, a, out);
}

TGT static void x4_q6_k(int64_t n, const void *w, const void *a, float *out) {
    kx4_dot(K6, n, w, a, out);
}
