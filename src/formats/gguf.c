/*
 * gguf.c - reader for GGUF files, versions 2 and 3 (ggml's docs/gguf.md). Not a writer, and
 * not the model loader: it checks the container (header, key/values, tensor infos, data
 * placement) and leaves the meaning of keys and tensors to src/models/.
 *
 * Everything read from the file is hostile until checked. Counts are bounded by the bytes
 * left in the file before anything is allocated (a key/value takes at least 14 bytes, a tensor
 * info 33, a string 8), sizes are computed with l4a_mul_ok/l4a_add_ok, and every message
 * names the key or tensor and, where it helps, the byte position and the file size.
 *
 * Where the spec is silent or llama.cpp is lax, this reader is stricter (no real model needs
 * the laxness):
 *  - a dimension ne[i] of 0 is an error (llama.cpp accepts 0, and rejects only ne < 0);
 *  - n_dims must be 1..4 (llama.cpp also accepts 0);
 *  - keys and tensor names must be non-empty, valid UTF-8, free of NUL bytes and at most
 *    64 KiB long (llama.cpp caps tensor names at 63 bytes, keys not at all);
 *  - a bool must be 0 or 1;
 *  - arrays of arrays are L4A_ERR_UNSUPPORTED (the spec allows them; llama.cpp rejects them).
 * And laxer in one place: tensors may lie in the data section in any order, with gaps, as long
 * as they do not overlap (llama.cpp wants them packed in the order of the infos).
 */
#include "formats/gguf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gguf.c reads GGUF's little-endian numbers with memcpy: add byte swaps for this host"
#endif

#define GGUF_MAGIC 0x46554747u          /* "GGUF" read as a little-endian u32 */
#define GGUF_DEFAULT_ALIGNMENT 32
#define GGUF_MAX_NAME 65536             /* longest key or tensor name, bytes */
#define GGUF_HEADER_BYTES 24            /* magic 4, version 4, n_tensors 8, n_kv 8 */
#define GGUF_MIN_KV_BYTES 14            /* key length 8 + key >= 1 + type 4 + value >= 1 */
#define GGUF_MIN_TENSOR_BYTES 33        /* name length 8 + name >= 1 + n_dims 4 + ne 8 + type 4
                                           + offset 8 */
#define GGUF_MAX_DIMS 4
#define VALUE_STR_MAX 200               /* l4a_gguf_value_str cuts strings after this many bytes */
#define VALUE_ARR_MAX 8                 /* ... and lists arrays of at most this many items */

typedef unsigned long long ull;

/* Bytes of one scalar of type t; 0 for STRING, ARRAY and unknown types. */
static uint64_t scalar_size(uint32_t t) {
    switch (t) {
    case L4A_GGUF_U8: case L4A_GGUF_I8: case L4A_GGUF_BOOL: return 1;
    case L4A_GGUF_U16: case L4A_GGUF_I16: return 2;
    case L4A_GGUF_U32: case L4A_GGUF_I32: case L4A_GGUF_F32: return 4;
    case L4A_GGUF_U64: case L4A_GGUF_I64: case L4A_GGUF_F64: return 8;
    default: return 0;
    }
}

const char *l4a_gguf_type_name(uint32_t t) {
    static const char *names[] = {"U8", "I8", "U16", "I16", "U32", "I32", "F32",
                                  "BOOL", "STRING", "ARRAY", "U64", "I64", "F64"};
    return t < sizeof names / sizeof names[0] ? names[t] : "UNKNOWN";
}

/* ---------------------------------------------------------------- text for messages */

/* A name from the file, made safe to print: at most 64 bytes (cut at a UTF-8 character
 * boundary), control bytes as '?'. */
static const char *show(const char *s, uint64_t n, char buf[80]) {
    uint64_t m = n > 64 ? 64 : n, j = 0;
    while (m < n && m > 0 && ((unsigned char)s[m] & 0xc0) == 0x80) m--;
    for (uint64_t i = 0; i < m; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[j++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    if (n > m) { memcpy(buf + j, "...", 3); j += 3; }
    buf[j] = 0;
    return buf;
}

/* Strict UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
static bool utf8_valid(const uint8_t *s, uint64_t n) {
    uint64_t i = 0;
    while (i < n) {
        uint8_t c = s[i];
        if (c < 0x80) { i++; continue; }
        uint64_t len;
        uint32_t cp, min;
        if ((c & 0xe0) == 0xc0) { len = 2; cp = c & 0x1f; min = 0x80; }
        else if ((c & 0xf0) == 0xe0) { len = 3; cp = c & 0x0f; min = 0x800; }
        else if ((c & 0xf8) == 0xf0) { len = 4; cp = c & 0x07; min = 0x10000; }
        else return false;
        if (len > n - i) return false;
        for (uint64_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += len;
    }
    return true;
}

/* ---------------------------------------------------------------- the byte reader */

typedef struct parser {
    const uint8_t *base;
    uint64_t size, pos;     /* invariant: pos <= size */
    char what[96];          /* what is being read: "header", "key 'general.name'", "tensor 3" */
    int64_t elem;           /* element of the string array being read, or -1 */
} parser;

static void set_what(parser *ps, const char *kind, uint64_t i, const l4a_str *name) {
    char tmp[80];
    if (name) snprintf(ps->what, sizeof ps->what, "%s '%s'", kind, show(name->ptr, name->len, tmp));
    else snprintf(ps->what, sizeof ps->what, "%s %llu", kind, (ull)i);
    ps->elem = -1;
}

/* ps->what, plus the array element when inside one. */
static const char *where(const parser *ps, char buf[128]) {
    if (ps->elem < 0) return ps->what;
    snprintf(buf, 128, "%s element %lld", ps->what, (long long)ps->elem);
    return buf;
}

static l4a_status need(parser *ps, uint64_t n) {
    if (n <= ps->size - ps->pos) return L4A_OK;
    char w[128];
    return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: truncated (needs %llu bytes at byte %llu, file %llu)",
                    where(ps, w), (ull)n, (ull)ps->pos, (ull)ps->size);
}

static l4a_status read_u32(parser *ps, uint32_t *out) {
    l4a_status st = need(ps, 4);
    if (st) return st;
    memcpy(out, ps->base + ps->pos, 4);
    ps->pos += 4;
    return L4A_OK;
}

static l4a_status read_u64(parser *ps, uint64_t *out) {
    l4a_status st = need(ps, 8);
    if (st) return st;
    memcpy(out, ps->base + ps->pos, 8);
    ps->pos += 8;
    return L4A_OK;
}

/* A string value: u64 length, then the bytes (any bytes: values are not checked). */
static l4a_status read_str(parser *ps, l4a_str *out) {
    uint64_t at = ps->pos, len;
    l4a_status st = read_u64(ps, &len);
    if (st) return st;
    if (len > ps->size - ps->pos) {
        char w[128];
        return l4a_fail(L4A_ERR_FORMAT,
                        "gguf: %s: string length %llu runs past end of file (at byte %llu, file %llu)",
                        where(ps, w), (ull)len, (ull)at, (ull)ps->size);
    }
    out->ptr = (const char *)ps->base + ps->pos;
    out->len = len;
    ps->pos += len;
    return L4A_OK;
}

/* A key or tensor name: a string that is non-empty, at most GGUF_MAX_NAME bytes, UTF-8, and
 * free of NUL bytes (names are compared and copied as C strings). The length limit is checked
 * before the end of file, so an absurd length reads as such. */
static l4a_status read_name(parser *ps, l4a_str *out) {
    uint64_t at = ps->pos, len;
    l4a_status st = read_u64(ps, &len);
    if (st) return st;
    if (len == 0) return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: empty name (at byte %llu)", ps->what, (ull)at);
    if (len > GGUF_MAX_NAME)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: name length %llu is over the limit of %d bytes (at byte %llu)",
                        ps->what, (ull)len, GGUF_MAX_NAME, (ull)at);
    ps->pos = at;
    if ((st = read_str(ps, out))) return st;
    const char *nul = memchr(out->ptr, 0, out->len);
    if (nul)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: name contains a NUL byte (at byte %llu)", ps->what,
                        (ull)(at + 8 + (uint64_t)(nul - out->ptr)));
    if (!utf8_valid((const uint8_t *)out->ptr, out->len))
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: name is not valid UTF-8 (at byte %llu)", ps->what, (ull)at);
    return L4A_OK;
}

static l4a_status nomem(const parser *ps) {
    return l4a_fail(L4A_ERR_NOMEM, "gguf: out of memory reading %s", ps->what);
}

/* ---------------------------------------------------------------- key/value pairs */

/* An array value: u32 element type, u64 count, then the elements. */
static l4a_status parse_array(parser *ps, l4a_gguf_kv *kv) {
    uint32_t at;
    uint64_t n;
    l4a_status st;
    if ((st = read_u32(ps, &at)) || (st = read_u64(ps, &n))) return st;
    kv->arr_type = at;
    kv->n = n;
    uint64_t left = ps->size - ps->pos;
    if (at == L4A_GGUF_ARRAY)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "gguf: %s: arrays of arrays are not supported", ps->what);
    kv->data = ps->base + ps->pos;
    if (at == L4A_GGUF_STRING) {
        if (n > left / 8)   /* each string takes at least its 8-byte length */
            return l4a_fail(L4A_ERR_FORMAT,
                            "gguf: %s: array of %llu strings runs past end of file (at byte %llu, file %llu)",
                            ps->what, (ull)n, (ull)ps->pos, (ull)ps->size);
        kv->strs = l4a_malloc((size_t)n * sizeof(l4a_str));
        if (!kv->strs) return nomem(ps);
        for (uint64_t j = 0; j < n; j++) {
            ps->elem = (int64_t)j;
            if ((st = read_str(ps, &kv->strs[j]))) return st;
        }
        ps->elem = -1;
        return L4A_OK;
    }
    uint64_t sz = scalar_size(at), bytes;
    if (!sz)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: array has unknown element type %u (at byte %llu)",
                        ps->what, at, (ull)(ps->pos - 12));
    if (!l4a_mul_ok(n, sz, &bytes) || bytes > left)
        return l4a_fail(L4A_ERR_FORMAT,
                        "gguf: %s: array of %llu %s values runs past end of file (at byte %llu, file %llu)",
                        ps->what, (ull)n, l4a_gguf_type_name(at), (ull)ps->pos, (ull)ps->size);
    if (at == L4A_GGUF_BOOL) {
        for (uint64_t j = 0; j < n; j++)
            if (kv->data[j] > 1)
                return l4a_fail(L4A_ERR_FORMAT, "gguf: %s element %llu: bool value %u is not 0 or 1",
                                ps->what, (ull)j, kv->data[j]);
    }
    ps->pos += bytes;
    return L4A_OK;
}

/* One pair: key (a name), u32 value type, value. */
static l4a_status parse_kv(parser *ps, l4a_gguf_kv *kv, uint64_t i) {
    l4a_status st;
    set_what(ps, "key", i, NULL);
    if ((st = read_name(ps, &kv->key))) return st;
    set_what(ps, "key", i, &kv->key);
    uint64_t type_at = ps->pos;
    if ((st = read_u32(ps, &kv->type))) return st;
    kv->n = 1;
    if (kv->type == L4A_GGUF_ARRAY) return parse_array(ps, kv);
    kv->data = ps->base + ps->pos;
    if (kv->type == L4A_GGUF_STRING) {
        kv->strs = l4a_malloc(sizeof(l4a_str));
        if (!kv->strs) return nomem(ps);
        return read_str(ps, &kv->strs[0]);
    }
    uint64_t sz = scalar_size(kv->type);
    if (!sz)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s has unknown value type %u (at byte %llu)", ps->what,
                        kv->type, (ull)type_at);
    if ((st = need(ps, sz))) return st;
    if (kv->type == L4A_GGUF_BOOL && kv->data[0] > 1)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: bool value %u is not 0 or 1", ps->what, kv->data[0]);
    ps->pos += sz;
    return L4A_OK;
}

/* ---------------------------------------------------------------- duplicate names */

typedef struct named { const char *s; uint64_t len, idx; } named;

static int cmp_named(const void *pa, const void *pb) {
    const named *a = pa, *b = pb;
    int c = memcmp(a->s, b->s, a->len < b->len ? a->len : b->len);
    if (c) return c;
    if (a->len != b->len) return a->len < b->len ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* Sort the names and compare neighbours: O(n log n), so a file with a million tensors cannot
 * make the check quadratic. kind is "key" or "tensor name". */
static l4a_status check_unique(named *v, uint64_t n, const char *kind, const char *plural) {
    qsort(v, (size_t)n, sizeof *v, cmp_named);
    for (uint64_t i = 1; i < n; i++) {
        if (v[i].len == v[i - 1].len && memcmp(v[i].s, v[i - 1].s, v[i].len) == 0) {
            char tmp[80];
            return l4a_fail(L4A_ERR_FORMAT, "gguf: duplicate %s '%s' (%s %llu and %llu)", kind,
                            show(v[i].s, v[i].len, tmp), plural, (ull)v[i - 1].idx, (ull)v[i].idx);
        }
    }
    return L4A_OK;
}

static l4a_status check_keys_unique(const l4a_gguf *g) {
    named *v = l4a_malloc((size_t)g->n_kv * sizeof *v);
    if (!v) return l4a_fail(L4A_ERR_NOMEM, "gguf: out of memory checking keys");
    for (uint64_t i = 0; i < g->n_kv; i++) v[i] = (named){g->kv[i].key.ptr, g->kv[i].key.len, i};
    l4a_status st = check_unique(v, g->n_kv, "key", "keys");
    l4a_free(v);
    return st;
}

static l4a_status check_tensor_names_unique(const l4a_gguf *g) {
    named *v = l4a_malloc((size_t)g->n_tensors * sizeof *v);
    if (!v) return l4a_fail(L4A_ERR_NOMEM, "gguf: out of memory checking tensor names");
    for (uint64_t i = 0; i < g->n_tensors; i++)
        v[i] = (named){g->tensors[i].name, strlen(g->tensors[i].name), i};
    l4a_status st = check_unique(v, g->n_tensors, "tensor name", "tensors");
    l4a_free(v);
    return st;
}

/* ---------------------------------------------------------------- integers in values */

static bool is_int_type(uint32_t t) {
    return t <= L4A_GGUF_I32 || t == L4A_GGUF_U64 || t == L4A_GGUF_I64;
}

/* An integer of type t at p as sign and magnitude; false if t is not an integer type. */
static bool int_value(uint32_t t, const uint8_t *p, bool *neg, uint64_t *mag) {
    int64_t s;
    uint64_t u;
    switch (t) {
    case L4A_GGUF_U8: { uint8_t v; memcpy(&v, p, 1); u = v; goto unsigned_; }
    case L4A_GGUF_U16: { uint16_t v; memcpy(&v, p, 2); u = v; goto unsigned_; }
    case L4A_GGUF_U32: { uint32_t v; memcpy(&v, p, 4); u = v; goto unsigned_; }
    case L4A_GGUF_U64: memcpy(&u, p, 8); goto unsigned_;
    case L4A_GGUF_I8: { int8_t v; memcpy(&v, p, 1); s = v; goto signed_; }
    case L4A_GGUF_I16: { int16_t v; memcpy(&v, p, 2); s = v; goto signed_; }
    case L4A_GGUF_I32: { int32_t v; memcpy(&v, p, 4); s = v; goto signed_; }
    case L4A_GGUF_I64: memcpy(&s, p, 8); goto signed_;
    default: return false;
    }
unsigned_:
    *neg = false;
    *mag = u;
    return true;
signed_:
    *neg = s < 0;
    *mag = s < 0 ? 0 - (uint64_t)s : (uint64_t)s;
    return true;
}

/* general.alignment: an unsigned integer (U32 in the spec; any integer type is taken), a
 * nonzero power of two. */
static l4a_status read_alignment(l4a_gguf *g) {
    g->alignment = GGUF_DEFAULT_ALIGNMENT;
    int64_t i = l4a_gguf_find(g, "general.alignment");
    if (i < 0) return L4A_OK;
    const l4a_gguf_kv *kv = &g->kv[i];
    bool neg;
    uint64_t a;
    if (!int_value(kv->type, kv->data, &neg, &a))
        return l4a_fail(L4A_ERR_FORMAT, "gguf: general.alignment has type %s, expected U32",
                        l4a_gguf_type_name(kv->type));
    if (neg || a == 0 || (a & (a - 1)) != 0)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: general.alignment %s%llu is not a power of two",
                        neg ? "-" : "", (ull)a);
    g->alignment = a;
    return L4A_OK;
}

/* ---------------------------------------------------------------- tensor infos */

/* One info: name, u32 n_dims, n_dims x u64 ne, u32 type, u64 offset (relative to the data
 * section). Fills t except data; the offset goes to *offset. */
static l4a_status parse_tensor_info(parser *ps, l4a_tensor *t, uint64_t i, uint64_t *offset) {
    l4a_status st;
    l4a_str name;
    set_what(ps, "tensor", i, NULL);
    if ((st = read_name(ps, &name))) return st;
    t->name = l4a_strndup(name.ptr, (size_t)name.len);
    if (!t->name) return nomem(ps);
    set_what(ps, "tensor", i, &name);
    const char *w = ps->what;

    uint32_t n_dims;
    if ((st = read_u32(ps, &n_dims))) return st;
    if (n_dims < 1 || n_dims > GGUF_MAX_DIMS)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: n_dims %u is not in 1..%d", w, n_dims, GGUF_MAX_DIMS);
    t->n_dims = (int32_t)n_dims;
    uint64_t nelem = 1;
    for (int d = 0; d < GGUF_MAX_DIMS; d++) {
        uint64_t v = 1;
        if ((uint32_t)d < n_dims && (st = read_u64(ps, &v))) return st;
        if (v == 0 || v > (uint64_t)INT64_MAX)
            return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: ne[%d] = %llu is out of range (1 .. 2^63-1)", w, d,
                            (ull)v);
        t->ne[d] = (int64_t)v;
        if (!l4a_mul_ok(nelem, v, &nelem) || nelem > (uint64_t)INT64_MAX)
            return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: element count overflows (ne = %lld x %lld x %lld x %lld)",
                            w, (long long)t->ne[0], d > 0 ? (long long)t->ne[1] : 1LL,
                            d > 1 ? (long long)t->ne[2] : 1LL, d > 2 ? (long long)t->ne[3] : 1LL);
    }

    if ((st = read_u32(ps, &t->type))) return st;
    const l4a_type_traits *tr = l4a_type_traits_of(t->type);
    if (!tr) return l4a_fail(L4A_ERR_FORMAT, "gguf: %s has unknown type id %u", w, t->type);
    L4A_ASSERT(tr->blck_size > 0 && tr->type_size > 0);
    if (t->ne[0] % tr->blck_size != 0)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: ne[0] = %lld is not a multiple of the block size %lld of %s",
                        w, (long long)t->ne[0], (long long)tr->blck_size, tr->name);
    // nb[0] = bytes of one block (one element for plain types), nb[1] = one row of ne[0]
    // elements, nb[2] = ne[1] rows, nb[3] = ne[2] planes; n_bytes = the whole tensor.
    t->nb[0] = tr->type_size;
    if (!l4a_row_size(t->type, t->ne[0], &t->nb[1]) || !l4a_mul_ok(t->nb[1], (uint64_t)t->ne[1], &t->nb[2]) ||
        !l4a_mul_ok(t->nb[2], (uint64_t)t->ne[2], &t->nb[3]) ||
        !l4a_mul_ok(t->nb[3], (uint64_t)t->ne[3], &t->n_bytes))
        return l4a_fail(L4A_ERR_FORMAT, "gguf: %s: byte size overflows", w);
    return read_u64(ps, offset);
}

/* Each tensor's data: aligned, inside the file. Points t->data into the file. */
static l4a_status place_tensors(l4a_gguf *g, const uint64_t *offsets) {
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        l4a_tensor *t = &g->tensors[i];
        if (offsets[i] % g->alignment != 0)
            return l4a_fail(L4A_ERR_FORMAT,
                            "gguf: tensor '%s': data offset %llu is not a multiple of the alignment %llu",
                            t->name, (ull)offsets[i], (ull)g->alignment);
        uint64_t start, end;
        if (!l4a_add_ok(g->data_offset, offsets[i], &start))
            return l4a_fail(L4A_ERR_FORMAT,
                            "gguf: tensor '%s' ends past end of file (offset %llu + data offset %llu overflows, "
                            "size %llu, file %llu)", t->name, (ull)g->data_offset, (ull)offsets[i],
                            (ull)t->n_bytes, (ull)g->file.size);
        if (!l4a_add_ok(start, t->n_bytes, &end) || end > g->file.size)
            return l4a_fail(L4A_ERR_FORMAT, "gguf: tensor '%s' ends past end of file (offset %llu, size %llu, file %llu)",
                            t->name, (ull)start, (ull)t->n_bytes, (ull)g->file.size);
        t->data = g->file.data + start;
    }
    return L4A_OK;
}

typedef struct span { uint64_t start, end, idx; } span;

static int cmp_span(const void *pa, const void *pb) {
    const span *a = pa, *b = pb;
    if (a->start != b->start) return a->start < b->start ? -1 : 1;
    return a->idx < b->idx ? -1 : a->idx > b->idx;
}

/* No two tensors share a byte: sort by start, and compare each start with the furthest end
 * seen so far. */
static l4a_status check_overlap(const l4a_gguf *g) {
    if (g->n_tensors < 2) return L4A_OK;
    span *v = l4a_malloc((size_t)g->n_tensors * sizeof *v);
    if (!v) return l4a_fail(L4A_ERR_NOMEM, "gguf: out of memory checking tensor placement");
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        uint64_t start = (uint64_t)((const uint8_t *)g->tensors[i].data - g->file.data);
        v[i] = (span){start, start + g->tensors[i].n_bytes, i};
    }
    qsort(v, (size_t)g->n_tensors, sizeof *v, cmp_span);
    l4a_status st = L4A_OK;
    uint64_t far = 0;   /* index in v of the span that ends furthest so far */
    for (uint64_t i = 1; i < g->n_tensors; i++) {
        if (v[i].start < v[far].end) {
            const span *a = &v[far], *b = &v[i];
            st = l4a_fail(L4A_ERR_FORMAT, "gguf: tensors '%s' and '%s' overlap (bytes %llu..%llu and %llu..%llu)",
                          g->tensors[a->idx].name, g->tensors[b->idx].name, (ull)a->start, (ull)a->end,
                          (ull)b->start, (ull)b->end);
            break;
        }
        if (v[i].end > v[far].end) far = i;
    }
    l4a_free(v);
    return st;
}

/* ---------------------------------------------------------------- the whole file */

/* Magic, version, counts. The counts are bounded by the bytes that follow the header. */
static l4a_status parse_header(parser *ps, l4a_gguf *g, uint64_t *n_tensors, uint64_t *n_kv) {
    l4a_status st;
    snprintf(ps->what, sizeof ps->what, "header");
    ps->elem = -1;
    if (ps->size == 0) return l4a_fail(L4A_ERR_FORMAT, "gguf: file is empty");
    uint32_t magic = 0, version;
    memcpy(&magic, ps->base, ps->size < 4 ? (size_t)ps->size : 4);
    if (ps->size < 4 || magic != GGUF_MAGIC) {
        char tmp[80];
        return l4a_fail(L4A_ERR_FORMAT, "gguf: not a GGUF file (starts with '%s', expected 'GGUF')",
                        show((const char *)ps->base, ps->size < 4 ? ps->size : 4, tmp));
    }
    ps->pos = 4;
    if ((st = read_u32(ps, &version))) return st;
    if (version != 2 && version != 3) {
        uint32_t swapped = __builtin_bswap32(version);
        if (swapped >= 1 && swapped <= 0xffff)
            return l4a_fail(L4A_ERR_FORMAT,
                            "gguf: version field is 0x%08x: this is a big-endian GGUF file (version %u), "
                            "which llm4all does not read", version, swapped);
        return l4a_fail(L4A_ERR_FORMAT, "gguf: version %u is not supported (llm4all reads GGUF versions 2 and 3)",
                        version);
    }
    g->version = version;
    if ((st = read_u64(ps, n_tensors)) || (st = read_u64(ps, n_kv))) return st;
    uint64_t left = ps->size - ps->pos, kv_bytes, t_bytes, sum;
    if (!l4a_mul_ok(*n_kv, GGUF_MIN_KV_BYTES, &kv_bytes) || kv_bytes > left)
        return l4a_fail(L4A_ERR_FORMAT,
                        "gguf: header: n_kv %llu cannot fit in the %llu bytes after the header (a key/value "
                        "takes at least %d bytes)", (ull)*n_kv, (ull)left, GGUF_MIN_KV_BYTES);
    if (!l4a_mul_ok(*n_tensors, GGUF_MIN_TENSOR_BYTES, &t_bytes) || !l4a_add_ok(kv_bytes, t_bytes, &sum) ||
        sum > left)
        return l4a_fail(L4A_ERR_FORMAT,
                        "gguf: header: n_tensors %llu cannot fit in the %llu bytes after the header and "
                        "%llu key/values (a tensor info takes at least %d bytes)",
                        (ull)*n_tensors, (ull)left, (ull)*n_kv, GGUF_MIN_TENSOR_BYTES);
    return L4A_OK;
}

l4a_status l4a_gguf_parse(const uint8_t *data, uint64_t size, l4a_gguf **out) {
    *out = NULL;
    l4a_gguf *g = l4a_calloc(1, sizeof *g);
    if (!g) return l4a_fail(L4A_ERR_NOMEM, "gguf: out of memory");
    g->file = (l4a_mapped_file){.data = data, .size = size};
    parser ps = {.base = data, .size = size, .pos = 0, .elem = -1};
    uint64_t *offsets = NULL, n_kv = 0, n_tensors = 0;
    l4a_status st;
    if ((st = parse_header(&ps, g, &n_tensors, &n_kv))) goto fail;

    // n_kv and n_tensors were bounded by the file size: these allocations are too. g->n_kv and
    // g->n_tensors count the entries filled so far, so that a half-built g frees cleanly.
    g->kv = l4a_calloc((size_t)n_kv, sizeof *g->kv);
    g->tensors = l4a_calloc((size_t)n_tensors, sizeof *g->tensors);
    offsets = l4a_malloc((size_t)n_tensors * sizeof *offsets);
    if (!g->kv || !g->tensors || !offsets) { st = l4a_fail(L4A_ERR_NOMEM, "gguf: out of memory"); goto fail; }

    for (uint64_t i = 0; i < n_kv; i++) {
        g->n_kv = i + 1;
        if ((st = parse_kv(&ps, &g->kv[i], i))) goto fail;
    }
    if ((st = check_keys_unique(g)) || (st = read_alignment(g))) goto fail;

    for (uint64_t i = 0; i < n_tensors; i++) {
        g->n_tensors = i + 1;
        if ((st = parse_tensor_info(&ps, &g->tensors[i], i, &offsets[i]))) goto fail;
    }
    if ((st = check_tensor_names_unique(g))) goto fail;

    // The data section starts at the next multiple of the alignment after the infos.
    uint64_t end;
    if (!l4a_add_ok(ps.pos, g->alignment - 1, &end)) {
        st = l4a_fail(L4A_ERR_FORMAT, "gguf: general.alignment %llu puts the data section past 2^64",
                      (ull)g->alignment);
        goto fail;
    }
    g->data_offset = end / g->alignment * g->alignment;
    if ((st = place_tensors(g, offsets)) || (st = check_overlap(g))) goto fail;
    l4a_free(offsets);
    *out = g;
    return L4A_OK;
fail:
    l4a_free(offsets);
    l4a_gguf_free(g);
    return st;
}

l4a_status l4a_gguf_open(const char *path, bool use_mmap, l4a_gguf **out) {
    *out = NULL;
    l4a_mapped_file f;
    l4a_status st = l4a_file_map(path, use_mmap, &f);
    if (st) return st;
    st = l4a_gguf_parse(f.data, f.size, out);
    if (st) {
        l4a_file_unmap(&f);
        l4a_error_prefix("%s", path);
        return st;
    }
    (*out)->file = f;
    (*out)->owns_file = true;
    return L4A_OK;
}

void l4a_gguf_free(l4a_gguf *g) {
    if (!g) return;
    for (uint64_t i = 0; g->kv && i < g->n_kv; i++) l4a_free(g->kv[i].strs);
    for (uint64_t i = 0; g->tensors && i < g->n_tensors; i++) l4a_free((void *)g->tensors[i].name);
    l4a_free(g->kv);
    l4a_free(g->tensors);
    if (g->owns_file) l4a_file_unmap(&g->file);
    if (g->owner_free) g->owner_free(g->owner);
    l4a_free(g);
}

/* ---------------------------------------------------------------- lookups and getters */

int64_t l4a_gguf_find(const l4a_gguf *g, const char *key) {
    size_t n = strlen(key);
    for (uint64_t i = 0; i < g->n_kv; i++)
        if (g->kv[i].key.len == n && memcmp(g->kv[i].key.ptr, key, n) == 0) return (int64_t)i;
    return -1;
}

const l4a_tensor *l4a_gguf_tensor(const l4a_gguf *g, const char *name) {
    for (uint64_t i = 0; i < g->n_tensors; i++)
        if (strcmp(g->tensors[i].name, name) == 0) return &g->tensors[i];
    return NULL;
}

/* The entry of key, or NULL: *st is OK when absent and not required, else FORMAT. */
static const l4a_gguf_kv *lookup(const l4a_gguf *g, const char *key, bool required, l4a_status *st) {
    int64_t i = l4a_gguf_find(g, key);
    *st = L4A_OK;
    if (i >= 0) return &g->kv[i];
    if (required) *st = l4a_fail(L4A_ERR_FORMAT, "gguf: required key '%s' is missing", key);
    return NULL;
}

static l4a_status wrong_type(const char *key, const l4a_gguf_kv *kv, const char *expected) {
    if (kv->type == L4A_GGUF_ARRAY)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: key '%s' has type ARRAY of %s, expected %s", key,
                        l4a_gguf_type_name(kv->arr_type), expected);
    return l4a_fail(L4A_ERR_FORMAT, "gguf: key '%s' has type %s, expected %s", key,
                    l4a_gguf_type_name(kv->type), expected);
}

/* An integer key in [lo, hi] (lo <= 0 <= hi), as sign and magnitude checks. */
static l4a_status get_int(const l4a_gguf *g, const char *key, bool required, const char *tname,
                          uint64_t max_neg, uint64_t max_pos, int64_t *out, bool *found) {
    l4a_status st;
    const l4a_gguf_kv *kv = lookup(g, key, required, &st);
    *found = false;
    if (!kv) return st;
    bool neg;
    uint64_t mag;
    if (!int_value(kv->type, kv->data, &neg, &mag)) return wrong_type(key, kv, tname);
    if (neg ? mag > max_neg : mag > max_pos)
        return l4a_fail(L4A_ERR_FORMAT, "gguf: key '%s' value %s%llu does not fit in %s", key, neg ? "-" : "",
                        (ull)mag, tname);
    *out = neg ? -(int64_t)mag : (int64_t)mag;
    *found = true;
    return L4A_OK;
}

l4a_status l4a_gguf_get_u32(const l4a_gguf *g, const char *key, bool required, uint32_t *out) {
    int64_t v;
    bool found;
    l4a_status st = get_int(g, key, required, "U32", 0, UINT32_MAX, &v, &found);
    if (found) *out = (uint32_t)v;
    return st;
}

l4a_status l4a_gguf_get_i32(const l4a_gguf *g, const char *key, bool required, int32_t *out) {
    int64_t v;
    bool found;
    l4a_status st = get_int(g, key, required, "I32", (uint64_t)INT32_MAX + 1, INT32_MAX, &v, &found);
    if (found) *out = (int32_t)v;
    return st;
}

l4a_status l4a_gguf_get_f32(const l4a_gguf *g, const char *key, bool required, float *out) {
    l4a_status st;
    const l4a_gguf_kv *kv = lookup(g, key, required, &st);
    if (!kv) return st;
    if (kv->type == L4A_GGUF_F32) { memcpy(out, kv->data, 4); return L4A_OK; }
    if (kv->type == L4A_GGUF_F64) {
        double d;
        memcpy(&d, kv->data, 8);
        *out = (float)d;
        return L4A_OK;
    }
    return wrong_type(key, kv, "F32");
}

l4a_status l4a_gguf_get_bool(const l4a_gguf *g, const char *key, bool required, bool *out) {
    l4a_status st;
    const l4a_gguf_kv *kv = lookup(g, key, required, &st);
    if (!kv) return st;
    if (kv->type != L4A_GGUF_BOOL) return wrong_type(key, kv, "BOOL");
    *out = kv->data[0] != 0;
    return L4A_OK;
}

l4a_status l4a_gguf_get_str(const l4a_gguf *g, const char *key, bool required, l4a_str *out) {
    l4a_status st;
    const l4a_gguf_kv *kv = lookup(g, key, required, &st);
    if (!kv) return st;
    if (kv->type != L4A_GGUF_STRING) return wrong_type(key, kv, "STRING");
    *out = kv->strs[0];
    return L4A_OK;
}

l4a_status l4a_gguf_get_arr(const l4a_gguf *g, const char *key, uint32_t arr_type, bool required,
                            const l4a_gguf_kv **kv) {
    l4a_status st;
    const l4a_gguf_kv *e = lookup(g, key, required, &st);
    *kv = NULL;
    if (!e) return st;
    if (e->type != L4A_GGUF_ARRAY || e->arr_type != arr_type) {
        char want[32];
        snprintf(want, sizeof want, "ARRAY of %s", l4a_gguf_type_name(arr_type));
        return wrong_type(key, e, want);
    }
    *kv = e;
    return L4A_OK;
}

int64_t l4a_gguf_arr_int(const l4a_gguf_kv *kv, uint64_t i) {
    L4A_ASSERT(kv->type == L4A_GGUF_ARRAY && i < kv->n && is_int_type(kv->arr_type));
    bool neg;
    uint64_t mag;
    int_value(kv->arr_type, kv->data + i * scalar_size(kv->arr_type), &neg, &mag);
    return neg ? (int64_t)(0 - mag) : (int64_t)mag;
}

double l4a_gguf_arr_float(const l4a_gguf_kv *kv, uint64_t i) {
    L4A_ASSERT(kv->type == L4A_GGUF_ARRAY && i < kv->n);
    const uint8_t *p = kv->data + i * scalar_size(kv->arr_type);
    if (kv->arr_type == L4A_GGUF_F32) { float f; memcpy(&f, p, 4); return f; }
    if (kv->arr_type == L4A_GGUF_F64) { double d; memcpy(&d, p, 8); return d; }
    L4A_ASSERT(is_int_type(kv->arr_type));
    bool neg;
    uint64_t mag;
    int_value(kv->arr_type, p, &neg, &mag);
    return neg ? -(double)mag : (double)mag;
}

/* ---------------------------------------------------------------- values as text */

typedef struct text { char *buf; size_t size, len; } text;

/* Append n bytes; what does not fit is counted but not written. */
static void put(text *o, const char *s, size_t n) {
    if (o->len + 1 < o->size) {
        size_t room = o->size - 1 - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

static void put_str(text *o, const char *s) { put(o, s, strlen(s)); }

/* A string value on one line: control bytes escaped (\n, \t, \xNN), cut after VALUE_STR_MAX
 * bytes (at a UTF-8 character boundary) with "...". */
static void put_text(text *o, const l4a_str *s) {
    uint64_t n = s->len;
    bool cut = n > VALUE_STR_MAX;
    if (cut) {
        n = VALUE_STR_MAX;
        while (n > 0 && ((unsigned char)s->ptr[n] & 0xc0) == 0x80) n--;
    }
    for (uint64_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s->ptr[i];
        char esc[8];
        if (c == '\n') put_str(o, "\\n");
        else if (c == '\t') put_str(o, "\\t");
        else if (c < 0x20 || c == 0x7f) { snprintf(esc, sizeof esc, "\\x%02x", c); put_str(o, esc); }
        else put(o, (const char *)&c, 1);
    }
    if (cut) put_str(o, "...");
}

/* One scalar of type t at p (not STRING or ARRAY). */
static void put_scalar(text *o, uint32_t t, const uint8_t *p) {
    char tmp[64];
    bool neg;
    uint64_t mag;
    if (int_value(t, p, &neg, &mag)) snprintf(tmp, sizeof tmp, "%s%llu", neg ? "-" : "", (ull)mag);
    else if (t == L4A_GGUF_F32) { float f; memcpy(&f, p, 4); snprintf(tmp, sizeof tmp, "%g", (double)f); }
    else if (t == L4A_GGUF_F64) { double d; memcpy(&d, p, 8); snprintf(tmp, sizeof tmp, "%g", d); }
    else if (t == L4A_GGUF_BOOL) snprintf(tmp, sizeof tmp, "%s", p[0] ? "true" : "false");
    else snprintf(tmp, sizeof tmp, "?");
    put_str(o, tmp);
}

size_t l4a_gguf_value_str(const l4a_gguf_kv *kv, char *buf, size_t size) {
    text o = {buf, size, 0};
    if (kv->type == L4A_GGUF_STRING) put_text(&o, &kv->strs[0]);
    else if (kv->type != L4A_GGUF_ARRAY) put_scalar(&o, kv->type, kv->data);
    else if (kv->n > VALUE_ARR_MAX || kv->arr_type == L4A_GGUF_ARRAY) {
        char tmp[64];
        snprintf(tmp, sizeof tmp, "[%llu x %s]", (ull)kv->n, l4a_gguf_type_name(kv->arr_type));
        put_str(&o, tmp);
    } else {
        put_str(&o, "[");
        for (uint64_t i = 0; i < kv->n; i++) {
            if (i) put_str(&o, ", ");
            if (kv->arr_type == L4A_GGUF_STRING) {
                put_str(&o, "\"");
                put_text(&o, &kv->strs[i]);
                put_str(&o, "\"");
            } else {
                put_scalar(&o, kv->arr_type, kv->data + i * scalar_size(kv->arr_type));
            }
        }
        put_str(&o, "]");
    }
    if (size) buf[o.len < size ? o.len : size - 1] = 0;
    return o.len;
}
