/*
 * gguf.h - reader for GGUF files, versions 2 and 3 (ggml's docs/gguf.md).
 *
 * Layout: magic "GGUF", u32 version, u64 n_tensors, u64 n_kv, then n_kv key/value pairs,
 * then n_tensors tensor infos (name, n_dims, dims, type, offset), then padding to the
 * alignment (general.alignment, default 32), then the tensor data.
 *
 * Everything read from the file is untrusted: every count, length, dimension and offset is
 * checked against the file's size with overflow-safe arithmetic before use, and errors name the
 * key or tensor. Keys, strings and tensor data are views into the mapped file, not copies.
 */
#ifndef L4A_GGUF_H
#define L4A_GGUF_H

#include "core/core.h"
#include "tensor/tensor.h"

typedef enum l4a_gguf_type {
    L4A_GGUF_U8 = 0, L4A_GGUF_I8 = 1, L4A_GGUF_U16 = 2, L4A_GGUF_I16 = 3,
    L4A_GGUF_U32 = 4, L4A_GGUF_I32 = 5, L4A_GGUF_F32 = 6, L4A_GGUF_BOOL = 7,
    L4A_GGUF_STRING = 8, L4A_GGUF_ARRAY = 9, L4A_GGUF_U64 = 10, L4A_GGUF_I64 = 11,
    L4A_GGUF_F64 = 12,
} l4a_gguf_type;

/* A string in the file: not NUL-terminated. */
typedef struct l4a_str {
    const char *ptr;
    uint64_t len;
} l4a_str;

typedef struct l4a_gguf_kv {
    l4a_str key;
    uint32_t type;          /* l4a_gguf_type */
    uint32_t arr_type;      /* element type when type == ARRAY */
    uint64_t n;             /* elements when type == ARRAY, else 1 */
    const uint8_t *data;    /* the value (scalars, numeric arrays: raw little-endian bytes,
                               possibly unaligned: memcpy them or use l4a_gguf_arr_*; strings
                               and string arrays: the first u64 length field) */
    l4a_str *strs;          /* string value (n == 1) or string array elements: owned index */
} l4a_gguf_kv;

typedef struct l4a_gguf {
    l4a_mapped_file file;   /* owned when opened with l4a_gguf_open */
    bool owns_file;
    uint32_t version;
    uint64_t alignment;
    uint64_t n_kv;
    l4a_gguf_kv *kv;
    uint64_t n_tensors;
    l4a_tensor *tensors;    /* names are NUL-terminated copies; data points into the file */
    uint64_t data_offset;   /* start of the tensor data section */
    /* Built in memory (formats/gguf_build.h) rather than read from one file: */
    void *owner;            /* what the tensors and keys point into (maps, copies), freed with
                               owner_free by l4a_gguf_free; NULL for a parsed file */
    void (*owner_free)(void *owner);
    bool hf_layout;         /* from a Hugging Face folder: q/k weight rows are in Hugging Face's
                               order (RoPE pairs channel i with i + n_rot/2 in every family),
                               not permuted as llama.cpp's converter does for llama */
} l4a_gguf;

/* Open and parse a file (mapped read-only when use_mmap; tensor data then points into the
 * map). On success *out owns the file. Errors, with the message prefixed by the path:
 * L4A_ERR_IO (cannot open, map or read), L4A_ERR_FORMAT (malformed, an empty file included:
 * the message names the key or tensor), L4A_ERR_UNSUPPORTED (arrays of arrays),
 * L4A_ERR_NOMEM. The rules checked are listed at the top of gguf.c. */
l4a_status l4a_gguf_open(const char *path, bool use_mmap, l4a_gguf **out);
/* Parse a buffer (not copied: it must outlive the result). Used by the fuzzer. */
l4a_status l4a_gguf_parse(const uint8_t *data, uint64_t size, l4a_gguf **out);
void l4a_gguf_free(l4a_gguf *g);

/* Index of a key, or -1. */
int64_t l4a_gguf_find(const l4a_gguf *g, const char *key);
const l4a_tensor *l4a_gguf_tensor(const l4a_gguf *g, const char *name);

/* Typed getters. A missing key leaves *out alone and returns L4A_OK if !required, else
 * L4A_ERR_FORMAT naming the key; a key of another type is L4A_ERR_FORMAT naming both types.
 * Integer getters accept any integer type whose value fits. */
l4a_status l4a_gguf_get_u32(const l4a_gguf *g, const char *key, bool required, uint32_t *out);
l4a_status l4a_gguf_get_i32(const l4a_gguf *g, const char *key, bool required, int32_t *out);
l4a_status l4a_gguf_get_f32(const l4a_gguf *g, const char *key, bool required, float *out);
l4a_status l4a_gguf_get_bool(const l4a_gguf *g, const char *key, bool required, bool *out);
l4a_status l4a_gguf_get_str(const l4a_gguf *g, const char *key, bool required, l4a_str *out);
/* An array of the given element type: *kv points at the entry (or NULL if absent). */
l4a_status l4a_gguf_get_arr(const l4a_gguf *g, const char *key, uint32_t arr_type,
                            bool required, const l4a_gguf_kv **kv);

/* Element i (< kv->n) of a numeric array, read safely from unaligned file bytes.
 * l4a_gguf_arr_int: integer element types only (U64 values above INT64_MAX wrap);
 * l4a_gguf_arr_float: F32, F64 or any integer type. Asserts on a wrong type or index. */
int64_t l4a_gguf_arr_int(const l4a_gguf_kv *kv, uint64_t i);
double l4a_gguf_arr_float(const l4a_gguf_kv *kv, uint64_t i);

/* "U8", "STRING", "ARRAY" ...; "UNKNOWN" for an id outside the spec. Static string. */
const char *l4a_gguf_type_name(uint32_t t);
/* Render a value as text into buf (short arrays in full, long ones as "[N x TYPE]").
 * Returns the length it needs.
 * The rendering, for `llm4all info`: integers in decimal, floats with %g, bools as
 * true/false; strings as raw text on one line (newline, tab and other control bytes escaped
 * as \n, \t, \xNN), cut after 200 bytes at a UTF-8 boundary with "..." appended; arrays of
 * at most 8 items as a list, strings quoted: [1, 2, 3], ["en", "fr"]; longer arrays as
 * "[49152 x STRING]". Like snprintf: writes at most size bytes including the NUL and returns
 * the length of the whole text (without the NUL). */
size_t l4a_gguf_value_str(const l4a_gguf_kv *kv, char *buf, size_t size);

#endif
