/*
 * x4.h - weights repacked at load time, four rows interleaved (layout L4A_LAYOUT_X4 of
 * tensor/tensor.h), so that decode reads one sequential stream and unpacks four rows with one
 * set of instructions.
 *
 * A tensor in this layout keeps its size and its row stride nb[1]: rows 4g..4g+3 fill the same
 * 4 * nb[1] bytes as in the file, the K types as n / 256 blocks of 4 * type_size bytes, one per
 * super-block, Q4_0 as pairs of its 32-element blocks. Only whole groups of 4 rows exist
 * (ne[1] % 4 == 0).
 *
 * Q4_K x4 block (576 bytes, 4 rows r = 0..3 of super-block i):
 *   0   d and dmin as f16, in the order [d0 d1 dmin0 dmin1 d2 d3 dmin2 dmin3]
 *   16  low 4 bits of the 6-bit scales and mins, 32 bytes: entry e = 8 * r + j (sub-block j)
 *       holds scale_rj & 15 | (min_rj & 15) << 4
 *   48  high 2 bits, 16 bytes: byte k holds entry k's (scale >> 4) | (min >> 4) << 2 in its low
 *       nibble and entry k + 16's in its high nibble
 *   64  the quants, 512 bytes: for each 32-byte group p (0..3) of the rows' qs, for each
 *       8-byte chunk c (0..3), rows 0..3's bytes qs[32p + 8c .. 32p + 8c + 7]; one 32-byte
 *       load holds the same 8 bytes of the 4 rows
 *
 * Q6_K x4 block (840 bytes): the quants as 6-bit values u (0..63, the file's ql nibble and qh
 * bits together), three bytes for four, so that decode takes three of them with one AND and
 * builds the fourth from the bytes' top bits:
 *   0    768 bytes: for h = 0, 1 (halves of 128), c = 0..3 (8-element chunks of 32), at
 *        96 (4h + c) + 32t + 8r + e (t = 0..2, row r, e = 0..7) the byte
 *          u_t | ((u_3 >> 2t) & 3) << 6,  u_s: row r's element 128h + 32s + 8c + e
 *        so that one 32-byte load holds the same 8 elements of the 4 rows
 *   768  scales, 64 bytes: scales 4j..4j+3 of row r at 768 + 16j + 4r (j = 0..3)
 *   832  d of rows 0..3 as f16
 *
 * Q4_0 x4 pair (144 bytes, blocks b, b + 1 of the 4 rows, b even): the order in which
 * kernels/arch/x86/avx2_q45.c's decode reads them (one 32-byte load for two rows' quants):
 *   0    d as f16: [d0,b d2,b d0,b+1 d2,b+1 d1,b d3,b d1,b+1 d3,b+1] (dr,k: row r, block k)
 *   16   qs of block b, rows 0, 1, 2, 3 (16 bytes each), then 80: block b + 1's
 * The last block of an odd count goes alone (72 bytes): d of rows 0..3, then their qs.
 * The bits of the 4 rows are all kept: unpacking gives the file's bytes back.
 */
#ifndef L4A_QUANT_X4_H
#define L4A_QUANT_X4_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Where row r (0..3) of an x4 group's Q4_0 block i (of nb per row) lies in the group: its d at
 * byte *d, its 16 quant bytes at *qs (layout above). */
static inline void l4a_x4_q4_0_at(int64_t nb, int64_t i, int r, size_t *d, size_t *qs) {
    const size_t base = (size_t)(i / 2) * 8 * 18;     /* 8 blocks of 18 bytes per pair */
    const int pair = nb - i / 2 * 2 >= 2, k = (int)(i % 2);
    *d = base + 2 * (size_t)(pair ? (r & 1) * 4 + k * 2 + r / 2 : r);
    *qs = base + (pair ? 16 : 8) + 64 * (size_t)k + 16 * (size_t)r;
}

/* Whether llm4all has an x4 layout for the type. */
bool l4a_x4_has_layout(uint32_t type);

/* Rows r0..r0+3 (row_bytes apart, n elements each) into one x4 group of 4 * row_bytes bytes
 * at dst; and back. The type must have the layout; n a multiple of its block. */
void l4a_x4_pack(uint32_t type, int64_t n, const void *rows, size_t row_bytes, void *dst);
void l4a_x4_unpack(uint32_t type, int64_t n, const void *group, void *rows, size_t row_bytes);

/* Row r of the matrix w (any layout) as w->ne[0] floats: an x4 weight's group of 4 rows is
 * unpacked into scratch (4 * w->nb[1] bytes) first. The embedding lookup of a table repacked
 * as the tied output matrix (models/forward.c). */
struct l4a_tensor;
void l4a_weight_row_f32(const struct l4a_tensor *w, int64_t r, float *out, void *scratch);

#endif
