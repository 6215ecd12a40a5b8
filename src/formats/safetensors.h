/*
 * safetensors.h - reader for Hugging Face .safetensors files, single or sharded
 * (huggingface/safetensors, "Format" section of its README).
 *
 * Layout: u64 little-endian N, then N bytes of JSON (an object: tensor name -> {"dtype",
 * "shape", "data_offsets": [begin, end]}, plus an optional "__metadata__" object of strings,
 * ignored here), then the byte buffer; offsets are relative to the buffer's start.
 *
 * Everything read is untrusted: N, every offset, shape and size is checked against the file with
 * overflow-safe arithmetic, tensors may not overlap or leave the buffer, and errors name the
 * file, the tensor and the field. Data is a view into the mapped file, never a copy. Element
 * types: F32, F16 and BF16; any other dtype is L4A_ERR_UNSUPPORTED naming the tensor.
 * Not the model loader: names and shapes are given as in the file (formats/hf.c maps them).
 */
#ifndef L4A_SAFETENSORS_H
#define L4A_SAFETENSORS_H

#include "core/core.h"

#define L4A_ST_MAX_DIMS 4
#define L4A_ST_MAX_HEADER (100u << 20)  /* the safetensors library's own cap: 100 MB */

typedef struct l4a_st_tensor {
    char *name;                         /* NUL-terminated copy */
    uint32_t type;                      /* L4A_TYPE_F32, _F16 or _BF16 */
    int32_t n_dims;                     /* 0 (a scalar) .. L4A_ST_MAX_DIMS */
    int64_t shape[L4A_ST_MAX_DIMS];     /* as in the file: outermost first (row-major) */
    const void *data;                   /* into the file; possibly not aligned to the type */
    uint64_t n_bytes;
} l4a_st_tensor;

typedef struct l4a_safetensors {
    l4a_mapped_file file;               /* owned when opened with l4a_st_open */
    bool owns_file;
    uint64_t n_tensors;
    l4a_st_tensor *tensors;
} l4a_safetensors;

/* Parse a buffer (not copied: it must outlive the result). Errors: L4A_ERR_FORMAT (malformed:
 * the message names the tensor and field), L4A_ERR_UNSUPPORTED (a dtype other than F32, F16,
 * BF16, or more than 4 dimensions), L4A_ERR_NOMEM. Used by the fuzzer. */
l4a_status l4a_st_parse(const uint8_t *data, uint64_t size, l4a_safetensors **out);
/* Map (or read) and parse a file; messages are prefixed by the path. *out owns the file. */
l4a_status l4a_st_open(const char *path, bool use_mmap, l4a_safetensors **out);
void l4a_st_free(l4a_safetensors *s);
/* The tensor of that name, or NULL. */
const l4a_st_tensor *l4a_st_find(const l4a_safetensors *s, const char *name);

/* ---- the tensors of a model folder: model.safetensors, or the shards listed by
 * model.safetensors.index.json ({"weight_map": {tensor: file}}). Shard names must be plain
 * file names inside the folder; every tensor of the map must be in the file it names, and no
 * tensor name may appear in two shards. */
typedef struct l4a_st_set {
    uint32_t n_files;
    l4a_safetensors **files;
} l4a_st_set;

/* Open the weights of folder dir. Errors name the file. *out is owned by the caller. */
l4a_status l4a_st_set_open(const char *dir, bool use_mmap, l4a_st_set **out);
void l4a_st_set_free(l4a_st_set *s);
const l4a_st_tensor *l4a_st_set_find(const l4a_st_set *s, const char *name);

#endif
