/*
 * types.c - the element type table (GGUF type id -> name, block size, bytes per block, reference
 * conversion functions), row sizes, and the two 16-bit float formats.
 *
 * Not the conversions themselves: those are in src/quant/ (one file per block format).
 * Sizes follow GGUF (GGML_QUANT_SIZES in the gguf Python package); the block structs in
 * quant/blocks.h assert the same numbers.
 *
 * Half-precision formats:
 *  - f16 is IEEE 754 binary16: 1 sign, 5 exponent (bias 15), 10 mantissa bits; exponent 0 is
 *    zero/subnormal (m * 2^-24), exponent 31 is Inf (m = 0) or NaN.
 *  - bf16 ("brain float") is the top half of an IEEE binary32: 1 sign, 8 exponent, 7 mantissa.
 * Both widen to f32 exactly. Narrowing rounds to nearest, ties to even, overflows to Inf, and
 * keeps NaN a NaN (quiet bit set, top payload bits kept, sign kept) - as the F16C instruction
 * and gguf's BF16 quantizer do.
 */
#include "tensor/tensor.h"
#include "core/core.h"
#include "quant/quant.h"

#include <inttypes.h>
#include <string.h>

/* ---- the type table */

#define L4A_TRAITS(nm, bs, ts, fn)                                                            \
    { .name = nm, .blck_size = bs, .type_size = ts, .to_float = l4a_##fn##_to_float,         \
      .from_float = l4a_##fn##_from_float, .dot_f32 = l4a_##fn##_dot_f32 }
#define L4A_TRAITS_SIZE_ONLY(nm, bs, ts) { .name = nm, .blck_size = bs, .type_size = ts }

static const l4a_type_traits g_traits[L4A_TYPE_COUNT] = {
    [L4A_TYPE_F32] = L4A_TRAITS("F32", 1, 4, f32),
    [L4A_TYPE_F16] = L4A_TRAITS("F16", 1, 2, f16),
    [L4A_TYPE_BF16] = L4A_TRAITS("BF16", 1, 2, bf16),
    [L4A_TYPE_Q4_0] = L4A_TRAITS("Q4_0", L4A_QK4_0, sizeof(l4a_block_q4_0), q4_0),
    [L4A_TYPE_Q4_1] = L4A_TRAITS("Q4_1", L4A_QK4_1, sizeof(l4a_block_q4_1), q4_1),
    [L4A_TYPE_Q5_0] = L4A_TRAITS("Q5_0", L4A_QK5_0, sizeof(l4a_block_q5_0), q5_0),
    [L4A_TYPE_Q5_1] = L4A_TRAITS("Q5_1", L4A_QK5_1, sizeof(l4a_block_q5_1), q5_1),
    [L4A_TYPE_Q8_0] = L4A_TRAITS("Q8_0", L4A_QK8_0, sizeof(l4a_block_q8_0), q8_0),
    [L4A_TYPE_Q8_1] = L4A_TRAITS("Q8_1", L4A_QK8_1, sizeof(l4a_block_q8_1), q8_1),
    [L4A_TYPE_Q2_K] = L4A_TRAITS("Q2_K", L4A_QK_K, sizeof(l4a_block_q2_k), q2_k),
    [L4A_TYPE_Q3_K] = L4A_TRAITS("Q3_K", L4A_QK_K, sizeof(l4a_block_q3_k), q3_k),
    [L4A_TYPE_Q4_K] = L4A_TRAITS("Q4_K", L4A_QK_K, sizeof(l4a_block_q4_k), q4_k),
    [L4A_TYPE_Q5_K] = L4A_TRAITS("Q5_K", L4A_QK_K, sizeof(l4a_block_q5_k), q5_k),
    [L4A_TYPE_Q6_K] = L4A_TRAITS("Q6_K", L4A_QK_K, sizeof(l4a_block_q6_k), q6_k),
    [L4A_TYPE_Q8_K] = L4A_TRAITS("Q8_K", L4A_QK_K, sizeof(l4a_block_q8_k), q8_k),
    /* Integer and double tensors: known sizes (a file holding them still loads), no math. */
    [L4A_TYPE_I8] = L4A_TRAITS_SIZE_ONLY("I8", 1, 1),
    [L4A_TYPE_I16] = L4A_TRAITS_SIZE_ONLY("I16", 1, 2),
    [L4A_TYPE_I32] = L4A_TRAITS_SIZE_ONLY("I32", 1, 4),
    [L4A_TYPE_I64] = L4A_TRAITS_SIZE_ONLY("I64", 1, 8),
    [L4A_TYPE_F64] = L4A_TRAITS_SIZE_ONLY("F64", 1, 8),
};

const l4a_type_traits *l4a_type_traits_of(uint32_t type) {
    if (type >= L4A_TYPE_COUNT || g_traits[type].name == NULL) return NULL;
    return &g_traits[type];
}

bool l4a_row_size(uint32_t type, int64_t n, uint64_t *out) {
    const l4a_type_traits *tr = l4a_type_traits_of(type);
    if (!tr) {
        l4a_fail(L4A_ERR_UNSUPPORTED, "unknown tensor type id %" PRIu32, type);
        return false;
    }
    if (n < 0) {
        l4a_fail(L4A_ERR_FORMAT, "%s row of %" PRId64 " elements: negative length", tr->name, n);
        return false;
    }
    if (n % tr->blck_size != 0) {
        l4a_fail(L4A_ERR_FORMAT, "%s row of %" PRId64 " elements is not a whole number of "
                 "%" PRId64 "-element blocks", tr->name, n, tr->blck_size);
        return false;
    }
    if (!l4a_mul_ok((uint64_t)(n / tr->blck_size), tr->type_size, out)) {
        l4a_fail(L4A_ERR_FORMAT, "%s row of %" PRId64 " elements: byte size overflows",
                 tr->name, n);
        return false;
    }
    return true;
}

void l4a_dequant_row(uint32_t type, const void *x, float *y, int64_t n) {
    const l4a_type_traits *tr = l4a_type_traits_of(type);
    L4A_ASSERT(tr != NULL && tr->to_float != NULL);
    L4A_ASSERT(n >= 0 && n % tr->blck_size == 0);
    tr->to_float(x, y, n);
}

/* ---- f16 and bf16 */

static inline float bits_to_f32(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}
static inline uint32_t f32_to_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

float l4a_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16;
    uint32_t exp = (h >> 10) & 0x1f;
    uint32_t mant = h & 0x3ff;
    if (exp == 0x1f)                                /* Inf, NaN: payload moves up */
        return bits_to_f32(sign | 0x7f800000u | (mant << 13));
    if (exp == 0) {                                 /* zero, subnormal: mant * 2^-24, exact */
        float mag = (float)mant * 0x1p-24f;
        return bits_to_f32(sign | f32_to_bits(mag));
    }
    /* normal: rebias the exponent from 15 to 127 */
    return bits_to_f32(sign | ((exp + 112) << 23) | (mant << 13));
}

uint16_t l4a_f32_to_f16(float f) {
    uint32_t x = f32_to_bits(f);
    uint16_t sign = (uint16_t)((x >> 16) & 0x8000);
    x &= 0x7fffffffu;
    if (x > 0x7f800000u)                            /* NaN: quiet, top 9 payload bits */
        return (uint16_t)(sign | 0x7e00 | ((x & 0x7fffffu) >> 13));
    if (x >= 0x47800000u)                           /* >= 65536 (or Inf): Inf */
        return (uint16_t)(sign | 0x7c00);
    if (x >= 0x38800000u) {                         /* >= 2^-14: f16 normal (or rounds up
                                                       to Inf from [65520, 65536)) */
        /* Rebias, then drop 13 mantissa bits rounding to nearest even; a carry out of the
         * mantissa correctly bumps the exponent. */
        uint32_t r = x - (112u << 23);
        r += 0xfffu + ((r >> 13) & 1);
        return (uint16_t)(sign | (r >> 13));
    }
    /* Below 2^-14: f16 subnormal, value m * 2^-24 with m = |f| * 2^24 rounded to nearest even.
     * |f| = (1.mant) * 2^(e-127) = M * 2^(e-150) with M the 24-bit significand, so
     * m = M >> (126 - e) rounded. */
    uint32_t e = x >> 23;
    if (e < 102) return sign;                       /* < 2^-25: rounds to zero */
    uint32_t m = (x & 0x7fffffu) | 0x800000u;
    uint32_t shift = 126 - e;                       /* 14 .. 24 */
    uint32_t q = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (q & 1))) q++;  /* may become 0x400: smallest normal */
    return (uint16_t)(sign | q);
}

float l4a_bf16_to_f32(uint16_t h) {
    return bits_to_f32((uint32_t)h << 16);
}

uint16_t l4a_f32_to_bf16(float f) {
    uint32_t x = f32_to_bits(f);
    if ((x & 0x7fffffffu) > 0x7f800000u)            /* NaN: keep sign and top payload, quiet */
        return (uint16_t)((x >> 16) | 0x0040);
    /* Round to nearest even on the low 16 bits; Inf stays Inf, the largest finite values
     * round up to Inf as they should. */
    return (uint16_t)((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}
