/*
 * gguf_write.c - writer of GGUF version 3 files (ggml's docs/gguf.md) from an l4a_gguf: the
 * key/values in order, the tensor infos, then the data, every tensor at a multiple of the
 * alignment (general.alignment if the gguf has it, else 32), as llama.cpp writes them.
 *
 * The file is written to "<path>.tmp" and renamed at the end, so a failed write never leaves a
 * file that looks complete. Not the reader (gguf.c) nor what goes into the file (the
 * converter, formats/hf_convert.c).
 */
#include "formats/gguf_write.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct out {
    FILE *f;
    uint64_t pos;
    bool err;
} out;

static void put(out *o, const void *p, uint64_t n) {
    if (o->err || n == 0) return;
    if (fwrite(p, 1, (size_t)n, o->f) != n) o->err = true;
    o->pos += n;
}
static void put_u32(out *o, uint32_t v) { put(o, &v, 4); }
static void put_u64(out *o, uint64_t v) { put(o, &v, 8); }
static void put_str(out *o, const l4a_str *s) {
    put_u64(o, s->len);
    put(o, s->ptr, s->len);
}
static void pad(out *o, uint64_t align) {
    static const uint8_t zeros[64];
    while (o->pos % align) {
        uint64_t n = align - o->pos % align;
        put(o, zeros, n > sizeof zeros ? sizeof zeros : n);
    }
}

static uint64_t scalar_bytes(uint32_t t) {
    switch (t) {
    case L4A_GGUF_U8: case L4A_GGUF_I8: case L4A_GGUF_BOOL: return 1;
    case L4A_GGUF_U16: case L4A_GGUF_I16: return 2;
    case L4A_GGUF_U32: case L4A_GGUF_I32: case L4A_GGUF_F32: return 4;
    case L4A_GGUF_U64: case L4A_GGUF_I64: case L4A_GGUF_F64: return 8;
    default: return 0;
    }
}

static l4a_status put_kv(out *o, const l4a_gguf_kv *kv) {
    put_str(o, &kv->key);
    put_u32(o, kv->type);
    if (kv->type == L4A_GGUF_STRING) {
        put_str(o, &kv->strs[0]);
    } else if (kv->type == L4A_GGUF_ARRAY) {
        put_u32(o, kv->arr_type);
        put_u64(o, kv->n);
        if (kv->arr_type == L4A_GGUF_STRING) {
            for (uint64_t i = 0; i < kv->n; i++) put_str(o, &kv->strs[i]);
        } else {
            const uint64_t sz = scalar_bytes(kv->arr_type);
            if (!sz)
                return l4a_fail(L4A_ERR_UNSUPPORTED, "gguf write: key '%.*s': arrays of %s",
                                (int)kv->key.len, kv->key.ptr, l4a_gguf_type_name(kv->arr_type));
            put(o, kv->data, sz * kv->n);
        }
    } else {
        const uint64_t sz = scalar_bytes(kv->type);
        if (!sz)
            return l4a_fail(L4A_ERR_INVALID_ARG, "gguf write: key '%.*s' has type %u",
                            (int)kv->key.len, kv->key.ptr, kv->type);
        put(o, kv->data, sz);
    }
    return L4A_OK;
}

static uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

l4a_status l4a_gguf_write(const l4a_gguf *g, const char *path) {
    uint64_t align = 32;
    uint32_t a32 = 0;
    if (l4a_gguf_find(g, "general.alignment") >= 0 &&
        l4a_gguf_get_u32(g, "general.alignment", true, &a32) == L4A_OK && a32 > 0 &&
        (a32 & (a32 - 1)) == 0)
        align = a32;
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.tmp", path) >= (int)sizeof tmp)
        return l4a_fail(L4A_ERR_INVALID_ARG, "gguf write: path too long");
    out o = {.f = fopen(tmp, "wb")};
    if (!o.f) return l4a_fail(L4A_ERR_IO, "cannot create '%s': %s", tmp, strerror(errno));

    l4a_status st = L4A_OK;
    put(&o, "GGUF", 4);
    put_u32(&o, 3);
    put_u64(&o, g->n_tensors);
    put_u64(&o, g->n_kv);
    for (uint64_t i = 0; i < g->n_kv && !st; i++) st = put_kv(&o, &g->kv[i]);
    uint64_t off = 0;
    for (uint64_t i = 0; i < g->n_tensors && !st; i++) {
        const l4a_tensor *t = &g->tensors[i];
        const l4a_str name = {t->name, strlen(t->name)};
        put_str(&o, &name);
        put_u32(&o, (uint32_t)t->n_dims);
        for (int d = 0; d < t->n_dims; d++) put_u64(&o, (uint64_t)t->ne[d]);
        put_u32(&o, t->type);
        put_u64(&o, off);
        off = align_up(off + t->n_bytes, align);
    }
    pad(&o, align);
    for (uint64_t i = 0; i < g->n_tensors && !st; i++) {
        put(&o, g->tensors[i].data, g->tensors[i].n_bytes);
        if (i + 1 < g->n_tensors) pad(&o, align);  /* data_start is aligned: offsets are */
    }
    /* On disk before the rename (no half file under the final name after a crash), then out
     * of the page cache: its small folios would give the next mapping 4 KiB pages (file.c). */
    bool werr = o.err || fflush(o.f) != 0;
    if (!werr && !st) {
        werr = fdatasync(fileno(o.f)) != 0;
        if (!werr) (void)posix_fadvise(fileno(o.f), 0, 0, POSIX_FADV_DONTNEED);
    }
    if (fclose(o.f) != 0 && !st) st = l4a_fail(L4A_ERR_IO, "cannot write '%s'", tmp);
    if (!st && werr) st = l4a_fail(L4A_ERR_IO, "cannot write '%s': %s", tmp, strerror(errno));
    if (!st && rename(tmp, path) != 0)
        st = l4a_fail(L4A_ERR_IO, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
    if (st) remove(tmp);
    return st;
}
