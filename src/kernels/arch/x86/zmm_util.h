/*
 * zmm_util.h - 512-bit helpers of the 32-element block kernels (amx_q.c): gathers
 * of the f16 fields of 8 consecutive blocks, loads of two blocks' quants in one register.
 *
 * Not a standalone header: included after ymm_util.h, with TGT naming AVX-512 F/BW/VL/DQ.
 */
#ifndef L4A_X86_ZMM_UTIL_H
#define L4A_X86_ZMM_UTIL_H

TGT INLINE __mmask64 bytes_mask(int n) {
    return n >= 64 ? ~(__mmask64)0 : n <= 0 ? 0 : (((__mmask64)1 << n) - 1);
}

/* The f16 at p + k * stride + off (k = 0..7; stride, off even) as 8 floats. Reads only the
 * group's 8 * stride bytes (masked loads past 128). */
TGT INLINE __m256 gather8_f16(const uint8_t *p, const int stride, const int off) {
    const __m128i idx = _mm_setr_epi16(
        (short)((0 * stride + off) / 2), (short)((1 * stride + off) / 2),
        (short)((2 * stride + off) / 2), (short)((3 * stride + off) / 2),
        (short)((4 * stride + off) / 2), (short)((5 * stride + off) / 2),
        (short)((6 * stride + off) / 2), (short)((7 * stride + off) / 2));
    const __m512i z0 = _mm512_loadu_si512(p), z1 = _mm512_loadu_si512(p + 64);
    __m512i v = _mm512_permutex2var_epi16(z0, _mm512_castsi128_si512(idx), z1);
    if ((7 * stride + off) / 2 >= 64) {             /* words past the first 128 bytes */
        const int avail = 8 * stride;
        const __m512i z2 = _mm512_maskz_loadu_epi8(bytes_mask(avail - 128), p + 128);
        const __m512i z3 = _mm512_maskz_loadu_epi8(bytes_mask(avail - 192), p + 192);
        const __m128i idx_hi = _mm_sub_epi16(idx, _mm_set1_epi16(64));
        const __m512i hi = _mm512_permutex2var_epi16(z2, _mm512_castsi128_si512(idx_hi), z3);
        const __mmask32 from_hi = _mm_cmpgt_epi16_mask(idx, _mm_set1_epi16(63));
        v = _mm512_mask_blend_epi16(from_hi, v, hi);
    }
    return _mm256_cvtph_ps(_mm512_castsi512_si128(v));
}

/* Each 128-bit lane L of the result: [sum of d0's lane L, d1's, d2's, d3's] (int32, exact
 * when the callers keep the sums in range). The first steps of reducing 4 vectors at once. */
TGT INLINE __m512i lane_sums4(__m512i d0, __m512i d1, __m512i d2, __m512i d3) {
    const __m512i t01 = _mm512_add_epi32(_mm512_unpacklo_epi32(d0, d1),
                                         _mm512_unpackhi_epi32(d0, d1));
    const __m512i t23 = _mm512_add_epi32(_mm512_unpacklo_epi32(d2, d3),
                                         _mm512_unpackhi_epi32(d2, d3));
    return _mm512_add_epi32(_mm512_unpacklo_epi64(t01, t23), _mm512_unpackhi_epi64(t01, t23));
}

/* Blocks b (low 256 bits) and b + 1 (high) of 32 bytes at p and p + stride. */
TGT INLINE __m512i load_pair32(const uint8_t *p, int stride) {
    return _mm512_inserti64x4(_mm512_castsi256_si512(_mm256_loadu_si256((const __m256i *)p)),
                              _mm256_loadu_si256((const __m256i *)(p + stride)), 1);
}

/* The 32 quants of blocks b and b+1 (4-bit in 16 bytes at qs, qs + stride) in element
 * order: each 16 bytes in two 128-bit lanes, the upper one shifted by 4. */
TGT INLINE __m512i nibbles_pair(const uint8_t *qs, int stride) {
    const __m256i b0 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)qs));
    const __m256i b1 = _mm256_broadcastsi128_si256(_mm_loadu_si128((const __m128i *)(qs + stride)));
    const __m512i z = _mm512_inserti64x4(_mm512_castsi256_si512(b0), b1, 1);
    const __m512i sh = _mm512_setr_epi64(0, 0, 4, 4, 0, 0, 4, 4);
    return _mm512_and_si512(_mm512_srlv_epi64(z, sh), _mm512_set1_epi8(0x0F));
}

#endif
