/*
 * tensor.h - element types and tensor views.
 *
 * Dimension order, stated once for the whole project: ne[0] is the innermost, contiguous
 * dimension (GGUF's order). A weight matrix W of shape (OC, C) in the usual notation is stored
 * with ne[0] = C (one row per output channel) and ne[1] = OC, so y = W x is a dot product of x
 * with each row. Quantized types pack ne[0] in blocks of blck_size elements.
 *
 * Type ids are GGUF's (ggml_type): a file's type field is used as is.
 */
#ifndef L4A_TENSOR_H
#define L4A_TENSOR_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

typedef enum l4a_type {
    L4A_TYPE_F32 = 0,
    L4A_TYPE_F16 = 1,
    L4A_TYPE_Q4_0 = 2,
    L4A_TYPE_Q4_1 = 3,
    L4A_TYPE_Q5_0 = 6,
    L4A_TYPE_Q5_1 = 7,
    L4A_TYPE_Q8_0 = 8,
    L4A_TYPE_Q8_1 = 9,
    L4A_TYPE_Q2_K = 10,
    L4A_TYPE_Q3_K = 11,
    L4A_TYPE_Q4_K = 12,
    L4A_TYPE_Q5_K = 13,
    L4A_TYPE_Q6_K = 14,
    L4A_TYPE_Q8_K = 15,
    L4A_TYPE_I8 = 24,
    L4A_TYPE_I16 = 25,
    L4A_TYPE_I32 = 26,
    L4A_TYPE_I64 = 27,
    L4A_TYPE_F64 = 28,
    L4A_TYPE_BF16 = 30,
    L4A_TYPE_COUNT = 40,    /* ids below this may be known; look up with l4a_type_traits_of */
} l4a_type;

/* Convert a row of n elements (n a multiple of blck_size) to float. */
typedef void (*l4a_to_float_fn)(const void *x, float *y, int64_t n);
/* Quantize a row of n floats (n a multiple of blck_size) into this type (reference code). */
typedef void (*l4a_from_float_fn)(const float *x, void *y, int64_t n);
/* Dot product of a row of this type with n floats. */
typedef float (*l4a_dot_f32_fn)(const void *x, const float *y, int64_t n);

typedef struct l4a_type_traits {
    const char *name;           /* "Q4_K" */
    int64_t blck_size;          /* elements per block (1 for plain types) */
    size_t type_size;           /* bytes per block */
    l4a_to_float_fn to_float;   /* NULL: cannot be read (yet) */
    l4a_from_float_fn from_float; /* NULL: cannot be written */
    l4a_dot_f32_fn dot_f32;     /* NULL: no dot product */
} l4a_type_traits;

/* Traits of a GGUF type id, or NULL when the id is unknown to llm4all. */
const l4a_type_traits *l4a_type_traits_of(uint32_t type);

/* Bytes of a row of n elements of type t; false when n is not a multiple of the block size
 * or on overflow. */
bool l4a_row_size(uint32_t type, int64_t n, uint64_t *out);

/* How a matrix's rows lie in memory: as in the file, or (weights repacked at load time for
 * decode, quant/x4.h) four rows interleaved per block, in the same bytes. */
enum { L4A_LAYOUT_ROWS = 0, L4A_LAYOUT_X4 = 1 };

/* A view of a tensor's data (owned elsewhere: the mapped file, or an arena). */
typedef struct l4a_tensor {
    const char *name;
    uint32_t type;          /* l4a_type */
    int32_t n_dims;
    int64_t ne[4];          /* elements per dimension; unused ones are 1 */
    uint64_t nb[4];         /* bytes between consecutive indices of each dimension */
    const void *data;
    uint64_t n_bytes;
    uint32_t layout;        /* L4A_LAYOUT_ROWS, or L4A_LAYOUT_X4 (only rows 4g are addressable) */
} l4a_tensor;

static inline int64_t l4a_tensor_nelem(const l4a_tensor *t) {
    return t->ne[0] * t->ne[1] * t->ne[2] * t->ne[3];
}
/* Row r (over dims 1..3 flattened) of a 2-D or higher tensor. */
static inline const void *l4a_tensor_row(const l4a_tensor *t, int64_t r) {
    return (const uint8_t *)t->data + (uint64_t)r * t->nb[1];
}

/* Half-precision conversions (IEEE binary16 and bfloat16), exact on all inputs. */
float l4a_f16_to_f32(uint16_t h);
uint16_t l4a_f32_to_f16(float f);
float l4a_bf16_to_f32(uint16_t h);
uint16_t l4a_f32_to_bf16(float f);

#endif
