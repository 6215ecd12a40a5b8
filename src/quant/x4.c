/*
 * x4.c - packing four rows into the x4 layout (quant/x4.h) and back.
 */
#include "quant/x4.h"
#include "quant/blocks.h"
#include "quant/quant.h"
#include "tensor/tensor.h"

#include <string.h>

#define Q4K_X4 (4 * sizeof(l4a_block_q4_k))

bool l4a_x4_has_layout(uint32_t type) { return type == L4A_TYPE_Q4_K; }

/* Position of row r's d (dmin: + 2) in the x4 block's f16 header. */
static int q4k_d_slot(int r) { return (r / 2) * 4 + r % 2; }

#define B01 0x0101010101010101ull

static uint64_t ld64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* Q4_K's 12 packed scale bytes (q4_k.c) <-> the 8 six-bit scales and 8 mins, a byte each. */
static void q4k_scales_get(const uint8_t *s, uint64_t *sc, uint64_t *m) {
    uint32_t u0, u1, u2;
    memcpy(&u0, s, 4);
    memcpy(&u1, s + 4, 4);
    memcpy(&u2, s + 8, 4);
    const uint32_t sc_hi = (u2 & 0x0F0F0F0Fu) | ((u0 >> 6) & 0x03030303u) << 4;
    const uint32_t m_hi = ((u2 >> 4) & 0x0F0F0F0Fu) | ((u1 >> 6) & 0x03030303u) << 4;
    *sc = (u0 & 0x3F3F3F3Fu) | (uint64_t)sc_hi << 32;
    *m = (u1 & 0x3F3F3F3Fu) | (uint64_t)m_hi << 32;
}

static void q4k_scales_set(uint8_t *s, uint64_t sc, uint64_t m) {
    const uint32_t sl = (uint32_t)sc, sh = (uint32_t)(sc >> 32);
    const uint32_t ml = (uint32_t)m, mh = (uint32_t)(m >> 32);
    const uint32_t u0 = sl | ((sh >> 4) & 0x03030303u) << 6;
    const uint32_t u1 = ml | ((mh >> 4) & 0x03030303u) << 6;
    const uint32_t u2 = (sh & 0x0F0F0F0Fu) | (mh & 0x0F0F0F0Fu) << 4;
    memcpy(s, &u0, 4);
    memcpy(s + 4, &u1, 4);
    memcpy(s + 8, &u2, 4);
}

static void q4k_pack(const l4a_block_q4_k *const *b, uint8_t *o) {
    uint16_t hdr[8];
    for (int r = 0; r < 4; r++) {
        hdr[q4k_d_slot(r)] = b[r]->d;
        hdr[q4k_d_slot(r) + 2] = b[r]->dmin;
    }
    memcpy(o, hdr, sizeof hdr);
    uint64_t hi[2] = {0, 0};
    for (int r = 0; r < 4; r++) {       /* entries 8r .. 8r + 7 */
        uint64_t sc, m;
        q4k_scales_get(b[r]->scales, &sc, &m);
        st64(o + 16 + 8 * r, (sc & 0x0F * B01) | (m & 0x0F * B01) << 4);
        const uint64_t h = ((sc >> 4) & 0x03 * B01) | ((m >> 4) & 0x03 * B01) << 2;
        hi[r & 1] |= h << (r < 2 ? 0 : 4);
    }
    st64(o + 48, hi[0]);
    st64(o + 56, hi[1]);
    for (int p = 0; p < 4; p++)
        for (int c = 0; c < 4; c++)
            for (int r = 0; r < 4; r++)
                memcpy(o + 64 + 128 * p + 32 * c + 8 * r, b[r]->qs + 32 * p + 8 * c, 8);
}

static void q4k_unpack(const uint8_t *o, l4a_block_q4_k *const *b) {
    uint16_t hdr[8];
    memcpy(hdr, o, sizeof hdr);
    for (int r = 0; r < 4; r++) {
        b[r]->d = hdr[q4k_d_slot(r)];
        b[r]->dmin = hdr[q4k_d_slot(r) + 2];
        const uint64_t l = ld64(o + 16 + 8 * r);
        const uint64_t h = (ld64(o + 48 + 8 * (r & 1)) >> (r < 2 ? 0 : 4)) & 0x0F * B01;
        q4k_scales_set(b[r]->scales, (l & 0x0F * B01) | (h & 0x03 * B01) << 4,
                       ((l >> 4) & 0x0F * B01) | (h & 0x0C * B01) << 2);
    }
    for (int p = 0; p < 4; p++)
        for (int c = 0; c < 4; c++)
            for (int r = 0; r < 4; r++)
                memcpy(b[r]->qs + 32 * p + 8 * c, o + 64 + 128 * p + 32 * c + 8 * r, 8);
}

void l4a_x4_pack(uint32_t type, int64_t n, const void *rows, size_t row_bytes, void *dst) {
    (void)type;     /* Q4_K, the only type with the layout (l4a_x4_has_layout) */
    const uint8_t *src = rows;
    uint8_t *o = dst;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        const l4a_block_q4_k *b[4];
        for (int r = 0; r < 4; r++)
            b[r] = (const l4a_block_q4_k *)(src + (size_t)r * row_bytes) + i;
        q4k_pack(b, o + (size_t)i * Q4K_X4);
    }
}

void l4a_x4_unpack(uint32_t type, int64_t n, const void *group, void *rows, size_t row_bytes) {
    (void)type;
    const uint8_t *o = group;
    uint8_t *dst = rows;
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        l4a_block_q4_k *b[4];
        for (int r = 0; r < 4; r++) b[r] = (l4a_block_q4_k *)(dst + (size_t)r * row_bytes) + i;
        q4k_unpack(o + (size_t)i * Q4K_X4, b);
    }
}
