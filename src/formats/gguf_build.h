/*
 * gguf_build.h - making an l4a_gguf in memory: key/values and tensor views added one by one,
 * for models that do not come from a GGUF file (Hugging Face folders, formats/hf.c) and for
 * the converter. The result is an ordinary l4a_gguf, read by the same loader.
 *
 * Errors are sticky: an add that fails (out of memory, a duplicate key or tensor name, a shape
 * that does not fit its type) records the first error and the later adds do nothing, so a
 * caller makes its adds and checks once, at l4a_gguf_build_finish. Not a file writer.
 */
#ifndef L4A_GGUF_BUILD_H
#define L4A_GGUF_BUILD_H

#include "formats/gguf.h"

typedef struct l4a_gguf_builder l4a_gguf_builder;

/* A new empty builder, or NULL when out of memory (l4a_last_error set). */
l4a_gguf_builder *l4a_gguf_build_new(void);
/* Free a builder that was not finished, with everything it allocated or adopted. */
void l4a_gguf_build_free(l4a_gguf_builder *b);

/* Scalar and string values under key (copied). */
void l4a_gguf_build_u32(l4a_gguf_builder *b, const char *key, uint32_t v);
void l4a_gguf_build_i32(l4a_gguf_builder *b, const char *key, int32_t v);
void l4a_gguf_build_f32(l4a_gguf_builder *b, const char *key, float v);
void l4a_gguf_build_bool(l4a_gguf_builder *b, const char *key, bool v);
void l4a_gguf_build_str(l4a_gguf_builder *b, const char *key, const char *v);
/* A numeric array of n elements of GGUF type arr_type (raw little-endian values, copied). */
void l4a_gguf_build_arr(l4a_gguf_builder *b, const char *key, uint32_t arr_type,
                        const void *values, uint64_t n);
/* A string array (the strings are copied). */
void l4a_gguf_build_str_arr(l4a_gguf_builder *b, const char *key, const char *const *v,
                            uint64_t n);

/* A copy of an entry of another gguf (any type but arrays of arrays). */
void l4a_gguf_build_copy(l4a_gguf_builder *b, const l4a_gguf_kv *kv);

/* A tensor view named name (copied) of type type and n_dims (1..4) sizes ne (ne[0]
 * innermost, as GGUF), whose bytes are at data: not copied, they must live as long as the
 * result (memory from l4a_gguf_build_alloc, or an object given to l4a_gguf_build_adopt). */
void l4a_gguf_build_tensor(l4a_gguf_builder *b, const char *name, uint32_t type, int n_dims,
                           const int64_t *ne, const void *data);

/* n bytes, 64-byte aligned, owned by the result; NULL when out of memory (recorded). */
void *l4a_gguf_build_alloc(l4a_gguf_builder *b, uint64_t n);
/* Keep obj alive as long as the result, and free it with free_fn then. On failure free_fn(obj)
 * is called at once (and the error recorded). */
void l4a_gguf_build_adopt(l4a_gguf_builder *b, void *obj, void (*free_fn)(void *obj));

/* The recorded error (L4A_OK if none): lets a caller stop early. */
l4a_status l4a_gguf_build_status(const l4a_gguf_builder *b);

/* Consume the builder: on success *out is an l4a_gguf (freed with l4a_gguf_free) that owns
 * everything the builder allocated and adopted; on error everything is freed and the first
 * recorded error returned. */
l4a_status l4a_gguf_build_finish(l4a_gguf_builder *b, l4a_gguf **out);

#endif
