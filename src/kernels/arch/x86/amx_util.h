/*
 * amx_util.h - what the AMX tile kernels (amx_q.c, amx_k.c) share: the tile configuration,
 * the store of a 16 x 16 block of outputs, the table entries.
 *
 * Not a standalone header: included after ymm_util.h, with TGT naming AVX-512 and AMX-INT8.
 */
#ifndef L4A_X86_AMX_UTIL_H
#define L4A_X86_AMX_UTIL_H

#include "kernels/arch/vecdot_arch.h"

/* LDTILECFG's 64-byte operand (palette 1). */
typedef struct amx_cfg {
    uint8_t palette, start_row, reserved[14];
    uint16_t colsb[16];
    uint8_t rows[16];
} amx_cfg;

/* Loads a configuration of tiles 0..n-1 with rows[t] rows of colsb[t] bytes; cfg: 64 bytes
 * of the caller's scratch. */
TGT INLINE void amx_configure(amx_cfg *cfg, int n, const uint8_t *rows, const uint16_t *colsb) {
    memset(cfg, 0, sizeof *cfg);
    cfg->palette = 1;
    for (int t = 0; t < n; t++) {
        cfg->rows[t] = rows[t];
        cfg->colsb[t] = colsb[t];
    }
    _tile_loadconfig(cfg);
}

/* acc[m] holds weight row m for tokens g0..g0+15: out is token-major, out[t * os + m] for
 * the nw rows and the tokens below na. */
TGT INLINE void amx_store_outputs(const __m512 *acc, int g0, int na, int nw, float *out,
                                  size_t os) {
    float tr[16][16];
#pragma GCC unroll 16
    for (int m = 0; m < 16; m++) _mm512_storeu_ps(tr[m], acc[m]);
    const int nt = na - g0 < 16 ? na - g0 : 16;
    for (int t = 0; t < nt; t++)
        for (int m = 0; m < nw; m++) out[(size_t)(g0 + t) * os + (size_t)m] = tr[m][t];
}

/* A type's large-batch entries (its dot and tile kernels follow the same order). */
static inline void amx_set_gemm(l4a_vecdot *e, l4a_gemm_fn gemm, l4a_gemm_pack_fn pack,
                                l4a_gemm_size_fn group_bytes, l4a_gemm_size_fn scratch_bytes) {
    l4a_vecdot_set_gemm(e, gemm, pack, group_bytes, scratch_bytes);
    e->isa = "amx";
}

#endif
