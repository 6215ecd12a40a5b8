/*
 * vecdot_ref.h - the reference (plain C) dot products of a weight row with an activation row
 * already quantized to the weight type's activation format (the table in
 * kernels/vecdot.h), and their nw x na tile forms. The SIMD kernels of src/kernels/arch/ are
 * tested against these.
 *
 * Contract (all of them): n is a multiple of the weight's block size; w holds n weights of the
 * named type, a n activations of the named activation type. Integer parts are computed
 * exactly in int32 (ranges noted in vecdot_ref.c); per block, the float part is the formula
 * of kernels/vecdot.h, and blocks are summed in order in one float.
 *
 * The tile form computes out[c * out_stride + r] = dot(w + r * w_stride, a + c * a_stride)
 * for r < nw, c < na (strides in bytes) by calling the dot: the plain meaning of a tile.
 */
#ifndef L4A_QUANT_VECDOT_REF_H
#define L4A_QUANT_VECDOT_REF_H

#include <stddef.h>
#include <stdint.h>

#define L4A_VECDOT_REF_DECL(wname, aname)                                                     \
    float l4a_vec_dot_##wname##_##aname##_ref(int64_t n, const void *w, const void *a);      \
    void l4a_vec_tile_##wname##_##aname##_ref(int64_t n, const void *w, size_t w_stride,     \
                                              int nw, const void *a, size_t a_stride, int na, \
                                              float *out, size_t out_stride);

/* 32-element blocks (vecdot_ref.c) */
L4A_VECDOT_REF_DECL(q4_0, q8_0)
L4A_VECDOT_REF_DECL(q4_1, q8_1)
L4A_VECDOT_REF_DECL(q5_0, q8_0)
L4A_VECDOT_REF_DECL(q5_1, q8_1)
L4A_VECDOT_REF_DECL(q8_0, q8_0)
/* float types (vecdot_ref.c): activations in the weight's own type */
L4A_VECDOT_REF_DECL(f16, f16)
L4A_VECDOT_REF_DECL(bf16, bf16)
L4A_VECDOT_REF_DECL(f32, f32)
/* 256-element super-blocks (vecdot_ref_k.c) */
L4A_VECDOT_REF_DECL(q2_k, q8_k)
L4A_VECDOT_REF_DECL(q3_k, q8_k)
L4A_VECDOT_REF_DECL(q4_k, q8_k)
L4A_VECDOT_REF_DECL(q5_k, q8_k)
L4A_VECDOT_REF_DECL(q6_k, q8_k)

/* Defines the tile form of a dot product `dot` (a function of (n, w, a)) as `name`. */
#define L4A_VECDOT_TILE_FROM_DOT(name, dot)                                                   \
    void name(int64_t n, const void *w, size_t w_stride, int nw, const void *a,               \
              size_t a_stride, int na, float *out, size_t out_stride) {                       \
        for (int c = 0; c < na; c++)                                                           \
            for (int r = 0; r < nw; r++)                                                       \
                out[(size_t)c * out_stride + (size_t)r] =                                      \
                    dot(n, (const uint8_t *)w + (size_t)r * w_stride,                          \
                        (const uint8_t *)a + (size_t)c * a_stride);                            \
    }

#endif
