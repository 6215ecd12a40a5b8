/*
 * gguf_build.c - an l4a_gguf made in memory (see gguf_build.h).
 *
 * Ownership follows l4a_gguf_free: the kv and tensor arrays, each kv's strs index and each
 * tensor name are l4a_malloc'ed as the parser makes them; every other byte (keys, values,
 * strings, tensor data copies) lives in the builder's blocks, which become the gguf's owner
 * together with the adopted objects (mapped safetensors files ...).
 */
#include "formats/gguf_build.h"

#include <stdio.h>
#include <string.h>

typedef struct adopted { void *obj; void (*free_fn)(void *); } adopted;

typedef struct owned {
    void **blocks;              /* l4a_malloc_aligned */
    size_t n_blocks, cap_blocks;
    adopted *objs;
    size_t n_objs, cap_objs;
} owned;

struct l4a_gguf_builder {
    l4a_gguf_kv *kv;
    uint64_t n_kv, cap_kv;
    l4a_tensor *tensors;
    uint64_t n_tensors, cap_tensors;
    owned *own;
    l4a_status st;
};

static void owned_free(void *p) {
    owned *o = p;
    if (!o) return;
    for (size_t i = o->n_objs; i-- > 0;) o->objs[i].free_fn(o->objs[i].obj);
    for (size_t i = 0; i < o->n_blocks; i++) l4a_free_aligned(o->blocks[i]);
    l4a_free(o->blocks);
    l4a_free(o->objs);
    l4a_free(o);
}

static void nomem(l4a_gguf_builder *b) {
    if (!b->st) b->st = l4a_fail(L4A_ERR_NOMEM, "gguf build: out of memory");
}

/* Grow an array of *cap elements of esz bytes to hold one more. */
static bool grow(void **arr, uint64_t n, uint64_t *cap, size_t esz) {
    if (n < *cap) return true;
    uint64_t nc = *cap ? *cap * 2 : 16;
    void *p = l4a_realloc(*arr, (size_t)nc * esz);
    if (!p) return false;
    *arr = p;
    *cap = nc;
    return true;
}

l4a_gguf_builder *l4a_gguf_build_new(void) {
    l4a_gguf_builder *b = l4a_calloc(1, sizeof *b);
    if (b) b->own = l4a_calloc(1, sizeof *b->own);
    if (!b || !b->own) {
        l4a_free(b);
        l4a_fail(L4A_ERR_NOMEM, "gguf build: out of memory");
        return NULL;
    }
    return b;
}

void l4a_gguf_build_free(l4a_gguf_builder *b) {
    if (!b) return;
    for (uint64_t i = 0; i < b->n_kv; i++) l4a_free(b->kv[i].strs);
    for (uint64_t i = 0; i < b->n_tensors; i++) l4a_free((void *)b->tensors[i].name);
    l4a_free(b->kv);
    l4a_free(b->tensors);
    owned_free(b->own);
    l4a_free(b);
}

l4a_status l4a_gguf_build_status(const l4a_gguf_builder *b) { return b->st; }

void *l4a_gguf_build_alloc(l4a_gguf_builder *b, uint64_t n) {
    if (b->st) return NULL;
    owned *o = b->own;
    uint64_t cap = o->cap_blocks;
    if (n > SIZE_MAX / 2 || !grow((void **)&o->blocks, o->n_blocks, &cap, sizeof(void *))) {
        nomem(b);
        return NULL;
    }
    o->cap_blocks = (size_t)cap;
    void *p = l4a_malloc_aligned(n ? (size_t)n : 1);
    if (!p) {
        nomem(b);
        return NULL;
    }
    o->blocks[o->n_blocks++] = p;
    return p;
}

void l4a_gguf_build_adopt(l4a_gguf_builder *b, void *obj, void (*free_fn)(void *obj)) {
    owned *o = b->own;
    uint64_t cap = o->cap_objs;
    if (b->st || !grow((void **)&o->objs, o->n_objs, &cap, sizeof(adopted))) {
        if (!b->st) nomem(b);
        free_fn(obj);
        return;
    }
    o->cap_objs = (size_t)cap;
    o->objs[o->n_objs++] = (adopted){obj, free_fn};
}

/* A copy of n bytes (plus a NUL) in the builder's memory. */
static char *copy(l4a_gguf_builder *b, const void *s, uint64_t n) {
    char *p = l4a_gguf_build_alloc(b, n + 1);
    if (p) {
        if (n) memcpy(p, s, (size_t)n);
        p[n] = 0;
    }
    return p;
}

/* A new entry for key, or NULL (error recorded) on failure or a duplicate key. */
static l4a_gguf_kv *new_kv(l4a_gguf_builder *b, const char *key, uint32_t type) {
    if (b->st) return NULL;
    const size_t kl = strlen(key);
    for (uint64_t i = 0; i < b->n_kv; i++)
        if (b->kv[i].key.len == kl && memcmp(b->kv[i].key.ptr, key, kl) == 0) {
            b->st = l4a_fail(L4A_ERR_INVALID_ARG, "gguf build: key '%s' added twice", key);
            return NULL;
        }
    char *k = copy(b, key, kl);
    if (!k || !grow((void **)&b->kv, b->n_kv, &b->cap_kv, sizeof *b->kv)) {
        nomem(b);
        return NULL;
    }
    l4a_gguf_kv *kv = &b->kv[b->n_kv++];
    memset(kv, 0, sizeof *kv);
    kv->key = (l4a_str){k, kl};
    kv->type = type;
    kv->n = 1;
    return kv;
}

static void scalar(l4a_gguf_builder *b, const char *key, uint32_t type, const void *v, size_t n) {
    l4a_gguf_kv *kv = new_kv(b, key, type);
    if (kv) kv->data = (const uint8_t *)copy(b, v, n);
}

void l4a_gguf_build_u32(l4a_gguf_builder *b, const char *key, uint32_t v) {
    scalar(b, key, L4A_GGUF_U32, &v, 4);
}
void l4a_gguf_build_i32(l4a_gguf_builder *b, const char *key, int32_t v) {
    scalar(b, key, L4A_GGUF_I32, &v, 4);
}
void l4a_gguf_build_f32(l4a_gguf_builder *b, const char *key, float v) {
    scalar(b, key, L4A_GGUF_F32, &v, 4);
}
void l4a_gguf_build_bool(l4a_gguf_builder *b, const char *key, bool v) {
    uint8_t u = v ? 1 : 0;
    scalar(b, key, L4A_GGUF_BOOL, &u, 1);
}

/* kv's strs index of n strings, copied. */
static void set_strs(l4a_gguf_builder *b, l4a_gguf_kv *kv, const char *const *v, uint64_t n) {
    kv->strs = l4a_calloc(n ? (size_t)n : 1, sizeof *kv->strs);
    if (!kv->strs) {
        nomem(b);
        return;
    }
    for (uint64_t i = 0; i < n && !b->st; i++) {
        const size_t len = strlen(v[i]);
        kv->strs[i] = (l4a_str){copy(b, v[i], len), len};
    }
    kv->data = n ? (const uint8_t *)kv->strs[0].ptr : NULL;
}

void l4a_gguf_build_str(l4a_gguf_builder *b, const char *key, const char *v) {
    l4a_gguf_kv *kv = new_kv(b, key, L4A_GGUF_STRING);
    if (kv) set_strs(b, kv, &v, 1);
}

void l4a_gguf_build_str_arr(l4a_gguf_builder *b, const char *key, const char *const *v,
                            uint64_t n) {
    l4a_gguf_kv *kv = new_kv(b, key, L4A_GGUF_ARRAY);
    if (!kv) return;
    kv->arr_type = L4A_GGUF_STRING;
    kv->n = n;
    set_strs(b, kv, v, n);
}

void l4a_gguf_build_arr(l4a_gguf_builder *b, const char *key, uint32_t arr_type,
                        const void *values, uint64_t n) {
    static const uint8_t size_of[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (!b->st && (arr_type >= sizeof size_of || size_of[arr_type] == 0 || n > (1ull << 40))) {
        b->st = l4a_fail(L4A_ERR_INVALID_ARG, "gguf build: key '%s': bad array", key);
        return;
    }
    l4a_gguf_kv *kv = new_kv(b, key, L4A_GGUF_ARRAY);
    if (!kv) return;
    kv->arr_type = arr_type;
    kv->n = n;
    kv->data = (const uint8_t *)copy(b, values, n * size_of[arr_type]);
}

void l4a_gguf_build_copy(l4a_gguf_builder *b, const l4a_gguf_kv *kv) {
    static const uint8_t size_of[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};
    if (b->st) return;
    char key[256];
    snprintf(key, sizeof key, "%.*s", (int)(kv->key.len < 255 ? kv->key.len : 255), kv->key.ptr);
    const bool str = kv->type == L4A_GGUF_STRING ||
                     (kv->type == L4A_GGUF_ARRAY && kv->arr_type == L4A_GGUF_STRING);
    const uint32_t et = kv->type == L4A_GGUF_ARRAY ? kv->arr_type : kv->type;
    if (!str && (et >= sizeof size_of || size_of[et] == 0)) {
        b->st = l4a_fail(L4A_ERR_UNSUPPORTED, "gguf build: key '%s': cannot copy its type", key);
        return;
    }
    l4a_gguf_kv *e = new_kv(b, key, kv->type);
    if (!e) return;
    e->arr_type = kv->arr_type;
    e->n = kv->n;
    if (!str) {
        e->data = (const uint8_t *)copy(b, kv->data, kv->n * size_of[et]);
        return;
    }
    e->strs = l4a_calloc(kv->n ? (size_t)kv->n : 1, sizeof *e->strs);
    if (!e->strs) {
        nomem(b);
        return;
    }
    for (uint64_t i = 0; i < kv->n && !b->st; i++)
        e->strs[i] = (l4a_str){copy(b, kv->strs[i].ptr, kv->strs[i].len), kv->strs[i].len};
    e->data = kv->n ? (const uint8_t *)e->strs[0].ptr : NULL;
}

void l4a_gguf_build_tensor(l4a_gguf_builder *b, const char *name, uint32_t type, int n_dims,
                           const int64_t *ne, const void *data) {
    if (b->st) return;
    const l4a_type_traits *tr = l4a_type_traits_of(type);
    if (!tr || n_dims < 1 || n_dims > 4 || !data) {
        b->st = l4a_fail(L4A_ERR_INVALID_ARG, "gguf build: tensor '%s': bad type or shape", name);
        return;
    }
    for (uint64_t i = 0; i < b->n_tensors; i++)
        if (strcmp(b->tensors[i].name, name) == 0) {
            b->st = l4a_fail(L4A_ERR_INVALID_ARG, "gguf build: tensor '%s' added twice", name);
            return;
        }
    l4a_tensor t = {.type = type, .n_dims = n_dims, .ne = {1, 1, 1, 1}, .data = data};
    for (int d = 0; d < n_dims; d++) {
        if (ne[d] < 1) {
            b->st = l4a_fail(L4A_ERR_INVALID_ARG, "gguf build: tensor '%s': ne[%d] = %lld", name,
                             d, (long long)ne[d]);
            return;
        }
        t.ne[d] = ne[d];
    }
    t.nb[0] = tr->type_size;
    if (!l4a_row_size(type, t.ne[0], &t.nb[1]) ||
        !l4a_mul_ok(t.nb[1], (uint64_t)t.ne[1], &t.nb[2]) ||
        !l4a_mul_ok(t.nb[2], (uint64_t)t.ne[2], &t.nb[3]) ||
        !l4a_mul_ok(t.nb[3], (uint64_t)t.ne[3], &t.n_bytes)) {
        b->st = l4a_fail(L4A_ERR_INVALID_ARG, "gguf build: tensor '%s': ne[0] = %lld does not "
                         "fit type %s, or the size overflows", name, (long long)t.ne[0],
                         tr->name);
        return;
    }
    t.name = l4a_strdup(name);
    if (!t.name || !grow((void **)&b->tensors, b->n_tensors, &b->cap_tensors, sizeof t)) {
        l4a_free((void *)t.name);
        nomem(b);
        return;
    }
    b->tensors[b->n_tensors++] = t;
}

l4a_status l4a_gguf_build_finish(l4a_gguf_builder *b, l4a_gguf **out) {
    *out = NULL;
    l4a_status st = b->st;
    l4a_gguf *g = st ? NULL : l4a_calloc(1, sizeof *g);
    if (!st && !g) st = l4a_fail(L4A_ERR_NOMEM, "gguf build: out of memory");
    if (st) {
        l4a_gguf_build_free(b);
        return st;
    }
    g->version = 3;
    g->alignment = 32;
    g->n_kv = b->n_kv;
    g->kv = b->kv;
    g->n_tensors = b->n_tensors;
    g->tensors = b->tensors;
    g->owner = b->own;
    g->owner_free = owned_free;
    l4a_free(b);
    *out = g;
    return L4A_OK;
}
