/*
 * x4.c - packing four rows into the x4 layout (quant/x4.h) and back.
 */
#include "quant/x4.h"
#include "quant/blocks.h"
#include "quant/quant.h"
#include "tensor/tensor.h"

#include <string.h>

#define Q4K_X4 (4 * sizeof(l4a_block_q4_k))
#define Q6K_X4 (4 * sizeof(l4a_block_q6_k))

bool l4a_x4_has_layout(uint32_t type) {
    return type == L4A_TYPE_Q4_K || type == L4A_TYPE_Q6_K || type == L4A_TYPE_Q4_0;
}

/* Position of row r's d (dmin: + 2) in the x4 block's f16 header. */
static int q4k_d_slot(int r) { return (r / 2) * 4 + r % 2; }

#define B01 0x0101010101010101ull

static uint64_t ld64(const uint8_t *p) {
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static void st64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }

/* The 8 six-bit scales and 8 mins, a byte each, to Q4_K's 12 packed bytes (q4_k.c); the
 * inverse of l4a_k_scales_unpack. */
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
        l4a_k_scales_unpack(b[r]->scales, &sc, &m);
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

/* Q6_K (x4.h): the quants as 6-bit values u (0..63), three bytes for four, the scales and d
 * moved. Eight elements at a time, one byte per element in a 64-bit word (the masks keep
 * every shift within its byte). Offset of the 8 bytes t (0..2) of row r, chunk c of half h: */
static size_t q6k_at(int h, int c, int t, int r) {
    return 96 * (size_t)(4 * h + c) + 32 * (size_t)t + 8 * (size_t)r;
}
static size_t q6k_sc(int j, int r) { return 768 + 16 * (size_t)j + 4 * (size_t)r; }
static size_t q6k_d(int r) { return 832 + 2 * (size_t)r; }

#define M2 (0x03 * B01)
#define M4 (0x0F * B01)
#define M6 (0x3F * B01)

static void q6k_pack(const l4a_block_q6_k *const *b, uint8_t *o) {
    for (int r = 0; r < 4; r++) {
        for (int h = 0; h < 2; h++)
            for (int c = 0; c < 4; c++) {   /* u_s: elements 128h + 32s + 8c .. + 7 */
                const uint64_t l0 = ld64(b[r]->ql + 64 * h + 8 * c);
                const uint64_t l1 = ld64(b[r]->ql + 64 * h + 32 + 8 * c);
                const uint64_t qh = ld64(b[r]->qh + 32 * h + 8 * c);
                const uint64_t u0 = (l0 & M4) | (qh & M2) << 4;
                const uint64_t u1 = (l1 & M4) | (qh >> 2 & M2) << 4;
                const uint64_t u2 = (l0 >> 4 & M4) | (qh >> 4 & M2) << 4;
                const uint64_t u3 = (l1 >> 4 & M4) | (qh >> 6 & M2) << 4;
                st64(o + q6k_at(h, c, 0, r), u0 | (u3 & M2) << 6);
                st64(o + q6k_at(h, c, 1, r), u1 | (u3 >> 2 & M2) << 6);
                st64(o + q6k_at(h, c, 2, r), u2 | (u3 >> 4 & M2) << 6);
            }
        for (int j = 0; j < 4; j++) memcpy(o + q6k_sc(j, r), b[r]->scales + 4 * j, 4);
        memcpy(o + q6k_d(r), &b[r]->d, 2);
    }
}

static void q6k_unpack(const uint8_t *o, l4a_block_q6_k *const *b) {
    for (int r = 0; r < 4; r++) {
        for (int h = 0; h < 2; h++)
            for (int c = 0; c < 4; c++) {
                const uint64_t w0 = ld64(o + q6k_at(h, c, 0, r));
                const uint64_t w1 = ld64(o + q6k_at(h, c, 1, r));
                const uint64_t w2 = ld64(o + q6k_at(h, c, 2, r));
                const uint64_t u0 = w0 & M6, u1 = w1 & M6, u2 = w2 & M6;
                const uint64_t u3 = (w0 >> 6 & M2) | (w1 >> 4 & (M2 << 2)) | (w2 >> 2 & (M2 << 4));
                st64(b[r]->ql + 64 * h + 8 * c, (u0 & M4) | (u2 & M4) << 4);
                st64(b[r]->ql + 64 * h + 32 + 8 * c, (u1 & M4) | (u3 & M4) << 4);
                st64(b[r]->qh + 32 * h + 8 * c, (u0 >> 4 & M2) | (u1 >> 4 & M2) << 2 |
                                                     (u2 >> 4 & M2) << 4 | (u3 >> 4 & M2) << 6);
            }
        for (int j = 0; j < 4; j++) memcpy(b[r]->scales + 4 * j, o + q6k_sc(j, r), 4);
        memcpy(&b[r]->d, o + q6k_d(r), 2);
    }
}

#undef M2
#undef M4
#undef M6

/* Q4_0: block i of each row to its place in the group (l4a_x4_q4_0_at), and back. */
static void q40_pack(int64_t n, const uint8_t *rows, size_t row_bytes, uint8_t *o) {
    for (int64_t i = 0; i < n / L4A_QK4_0; i++)
        for (int r = 0; r < 4; r++) {
            const l4a_block_q4_0 *b = (const l4a_block_q4_0 *)(rows + (size_t)r * row_bytes) + i;
            size_t d, qs;
            l4a_x4_q4_0_at(n / L4A_QK4_0, i, r, &d, &qs);
            memcpy(o + d, &b->d, 2);
            memcpy(o + qs, b->qs, 16);
        }
}

static void q40_unpack(int64_t n, const uint8_t *o, uint8_t *rows, size_t row_bytes) {
    for (int64_t i = 0; i < n / L4A_QK4_0; i++)
        for (int r = 0; r < 4; r++) {
            l4a_block_q4_0 *b = (l4a_block_q4_0 *)(rows + (size_t)r * row_bytes) + i;
            size_t d, qs;
            l4a_x4_q4_0_at(n / L4A_QK4_0, i, r, &d, &qs);
            memcpy(&b->d, o + d, 2);
            memcpy(b->qs, o + qs, 16);
        }
}

/* Super-block i of 4 rows row_bytes apart: pointers to the rows' blocks of type B. */
#define ROW_BLOCKS(B, base, i, out)                                                           \
    for (int r_ = 0; r_ < 4; r_++) (out)[r_] = (B *)((base) + (size_t)r_ * row_bytes) + (i)

void l4a_x4_pack(uint32_t type, int64_t n, const void *rows, size_t row_bytes, void *dst) {
    const uint8_t *src = rows;
    uint8_t *o = dst;
    if (type == L4A_TYPE_Q4_0) {
        q40_pack(n, src, row_bytes, o);
        return;
    }
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        if (type == L4A_TYPE_Q6_K) {
            const l4a_block_q6_k *b[4];
            ROW_BLOCKS(const l4a_block_q6_k, src, i, b);
            q6k_pack(b, o + (size_t)i * Q6K_X4);
        } else {
            const l4a_block_q4_k *b[4];
            ROW_BLOCKS(const l4a_block_q4_k, src, i, b);
            q4k_pack(b, o + (size_t)i * Q4K_X4);
        }
    }
}

void l4a_x4_unpack(uint32_t type, int64_t n, const void *group, void *rows, size_t row_bytes) {
    const uint8_t *o = group;
    uint8_t *dst = rows;
    if (type == L4A_TYPE_Q4_0) {
        q40_unpack(n, o, dst, row_bytes);
        return;
    }
    for (int64_t i = 0; i < n / L4A_QK_K; i++) {
        if (type == L4A_TYPE_Q6_K) {
            l4a_block_q6_k *b[4];
            ROW_BLOCKS(l4a_block_q6_k, dst, i, b);
            q6k_unpack(o + (size_t)i * Q6K_X4, b);
        } else {
            l4a_block_q4_k *b[4];
            ROW_BLOCKS(l4a_block_q4_k, dst, i, b);
            q4k_unpack(o + (size_t)i * Q4K_X4, b);
        }
    }
}

void l4a_weight_row_f32(const l4a_tensor *w, int64_t r, float *out, void *scratch) {
    const uint8_t *row = l4a_tensor_row(w, r);
    if (w->layout == L4A_LAYOUT_X4) {
        uint8_t *rows4 = scratch;
        l4a_x4_unpack(w->type, w->ne[0], l4a_tensor_row(w, r / 4 * 4), rows4, (size_t)w->nb[1]);
        row = rows4 + (size_t)(r % 4) * w->nb[1];
    }
    l4a_dequant_row(w->type, row, out, w->ne[0]);
}
