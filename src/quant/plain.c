/*
 * plain.c - rows of the plain float types: F32, F16 (IEEE binary16), BF16 (bfloat16).
 *
 * Not the scalar conversions (tensor/types.c) and not SIMD. One element per "block": a row of
 * n elements is n * 4 (F32) or n * 2 (F16, BF16) bytes, little-endian.
 *
 * to_float widens exactly; from_float rounds to nearest even (see types.c); dot_f32 widens
 * chunks of 32 elements into a small float buffer, then uses the common 8-lane dot (ref.h).
 */
#include "quant/quant.h"
#include "quant/ref.h"

#include <string.h>

enum { CHUNK = 32 };

/* ---- F32 */

void l4a_f32_to_float(const void *x, float *y, int64_t n) {
    memcpy(y, x, (size_t)n * sizeof(float));
}

void l4a_f32_from_float(const float *x, void *y, int64_t n) {
    memcpy(y, x, (size_t)n * sizeof(float));
}

float l4a_f32_dot_f32(const void *x, const float *y, int64_t n) {
    const float *a = x;
    int64_t n8 = n - n % 8;
    float sum = 0.0f;
    for (int64_t i = 0; i < n8; i += CHUNK) {
        int len = n8 - i < CHUNK ? (int)(n8 - i) : CHUNK;
        sum += l4a_ref_dot(a + i, y + i, len);
    }
    for (int64_t i = n8; i < n; i++) sum += a[i] * y[i];
    return sum;
}

/* ---- F16 */

void l4a_f16_to_float(const void *x, float *y, int64_t n) {
    const uint16_t *h = x;
    for (int64_t i = 0; i < n; i++) y[i] = l4a_f16_to_f32(h[i]);
}

void l4a_f16_from_float(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    for (int64_t i = 0; i < n; i++) h[i] = l4a_f32_to_f16(x[i]);
}

float l4a_f16_dot_f32(const void *x, const float *y, int64_t n) {
    const uint16_t *h = x;
    float buf[CHUNK], sum = 0.0f;
    int64_t i = 0;
    for (; i + CHUNK <= n; i += CHUNK) {
        for (int j = 0; j < CHUNK; j++) buf[j] = l4a_f16_to_f32(h[i + j]);
        sum += l4a_ref_dot(buf, y + i, CHUNK);
    }
    for (; i < n; i++) sum += l4a_f16_to_f32(h[i]) * y[i];
    return sum;
}

/* ---- BF16: widening is a 16-bit shift, inlined so the loops vectorize. */

static inline float bf16_widen(uint16_t h) {
    uint32_t u = (uint32_t)h << 16;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

void l4a_bf16_to_float(const void *x, float *y, int64_t n) {
    const uint16_t *h = x;
    for (int64_t i = 0; i < n; i++) y[i] = bf16_widen(h[i]);
}

void l4a_bf16_from_float(const float *x, void *y, int64_t n) {
    uint16_t *h = y;
    for (int64_t i = 0; i < n; i++) h[i] = l4a_f32_to_bf16(x[i]);
}

float l4a_bf16_dot_f32(const void *x, const float *y, int64_t n) {
    const uint16_t *h = x;
    float buf[CHUNK], sum = 0.0f;
    int64_t i = 0;
    for (; i + CHUNK <= n; i += CHUNK) {
        for (int j = 0; j < CHUNK; j++) buf[j] = bf16_widen(h[i + j]);
        sum += l4a_ref_dot(buf, y + i, CHUNK);
    }
    for (; i < n; i++) sum += bf16_widen(h[i]) * y[i];
    return sum;
}
