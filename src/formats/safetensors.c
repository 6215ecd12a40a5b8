/*
 * safetensors.c - the .safetensors header parser (see safetensors.h for the layout). Not the
 * shard index (safetensors_set.c) nor the mapping of names to a model (hf.c).
 *
 * Rules checked, each with a message naming the tensor and the field:
 *  - the file holds the 8-byte length N and then N header bytes; N <= L4A_ST_MAX_HEADER;
 *  - the header is a JSON object (cJSON, whose nesting limit bounds the recursion); each entry
 *    but "__metadata__" is an object with "dtype" (a string), "shape" (an array of at most
 *    L4A_ST_MAX_DIMS integers in 1 .. 2^53) and "data_offsets" (two integers begin <= end,
 *    both at most 2^53, as JSON numbers are doubles);
 *  - names are unique and non-empty (cJSON keeps duplicate keys: we do not);
 *  - end - begin equals the product of the shape times the element size, computed with
 *    overflow checks, and end lies inside the byte buffer;
 *  - no two tensors overlap (gaps are allowed, as in the format's spec).
 * Zero-sized dimensions are rejected: no model we run has an empty weight.
 */
#include "formats/safetensors.h"
#include "tensor/tensor.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_EXACT 9007199254740992.0    /* 2^53: larger JSON numbers are not exact doubles */

/* A JSON number that is an exact integer in [lo, 2^53]. */
static bool json_uint(const cJSON *j, double lo, uint64_t *out) {
    if (!cJSON_IsNumber(j)) return false;
    double d = j->valuedouble;
    if (!(d >= lo) || d > MAX_EXACT || d != (double)(uint64_t)d) return false;
    *out = (uint64_t)d;
    return true;
}

/* dtype name -> type id and element size; false for a dtype we do not read. */
static bool dtype_of(const char *s, uint32_t *type, uint64_t *esz) {
    if (strcmp(s, "F32") == 0) { *type = L4A_TYPE_F32; *esz = 4; return true; }
    if (strcmp(s, "F16") == 0) { *type = L4A_TYPE_F16; *esz = 2; return true; }
    if (strcmp(s, "BF16") == 0) { *type = L4A_TYPE_BF16; *esz = 2; return true; }
    return false;
}

/* One entry of the header into t; data not yet placed (begin/end returned). */
static l4a_status parse_entry(const cJSON *e, l4a_st_tensor *t, uint64_t *begin, uint64_t *end) {
    const char *n = t->name;
    if (!cJSON_IsObject(e))
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s' is not a JSON object", n);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(e, "dtype");
    const cJSON *sh = cJSON_GetObjectItemCaseSensitive(e, "shape");
    const cJSON *off = cJSON_GetObjectItemCaseSensitive(e, "data_offsets");
    if (!cJSON_IsString(dt))
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s': field 'dtype' is %s", n,
                        dt ? "not a string" : "missing");
    if (!cJSON_IsArray(sh))
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s': field 'shape' is %s", n,
                        sh ? "not an array" : "missing");
    if (!cJSON_IsArray(off) || cJSON_GetArraySize(off) != 2)
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s': field 'data_offsets' is %s", n,
                        off ? "not an array of two numbers" : "missing");
    uint64_t esz = 0;
    if (!dtype_of(dt->valuestring, &t->type, &esz)) {
        char d[24];
        snprintf(d, sizeof d, "%.20s", dt->valuestring);
        for (char *c = d; *c; c++) if ((unsigned char)*c < 0x20) *c = '?';
        return l4a_fail(L4A_ERR_UNSUPPORTED, "safetensors: tensor '%s' has dtype '%s': only F32, "
                        "F16 and BF16 are supported", n, d);
    }
    const int nd = cJSON_GetArraySize(sh);
    if (nd > L4A_ST_MAX_DIMS)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "safetensors: tensor '%s' has %d dimensions (at most "
                        "%d supported)", n, nd, L4A_ST_MAX_DIMS);
    t->n_dims = nd;
    uint64_t bytes = esz;
    int i = 0;
    for (const cJSON *d = sh->child; d; d = d->next, i++) {
        uint64_t v;
        if (!json_uint(d, 1, &v))
            return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s': shape[%d] is not an integer "
                            "in 1 .. 2^53", n, i);
        if (!l4a_mul_ok(bytes, v, &bytes))
            return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s': shape overflows", n);
        t->shape[i] = (int64_t)v;
    }
    if (!json_uint(off->child, 0, begin) || !json_uint(off->child->next, 0, end))
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s': data_offsets are not integers "
                        "in 0 .. 2^53", n);
    if (*end < *begin || *end - *begin != bytes)
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s': data_offsets [%llu, %llu] hold "
                        "%lld bytes but dtype %s and the shape need %llu", n,
                        (unsigned long long)*begin, (unsigned long long)*end,
                        (long long)(*end - *begin), dt->valuestring, (unsigned long long)bytes);
    t->n_bytes = bytes;
    return L4A_OK;
}

typedef struct span { uint64_t begin, end; uint64_t i; } span;

static int cmp_span(const void *a, const void *b) {
    const span *x = a, *y = b;
    return x->begin < y->begin ? -1 : x->begin > y->begin ? 1 : 0;
}

static int cmp_tensor_name(const void *a, const void *b) {
    return strcmp(((const l4a_st_tensor *)a)->name, ((const l4a_st_tensor *)b)->name);
}

/* Names unique, spans disjoint (sorted copies; the tensors keep the file's order). */
static l4a_status check_layout(l4a_safetensors *s, span *sp) {
    qsort(sp, s->n_tensors, sizeof *sp, cmp_span);
    for (uint64_t i = 1; i < s->n_tensors; i++)
        if (sp[i].begin < sp[i - 1].end)
            return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensors '%s' and '%s' overlap (bytes "
                            "[%llu, %llu) and [%llu, %llu))", s->tensors[sp[i - 1].i].name,
                            s->tensors[sp[i].i].name, (unsigned long long)sp[i - 1].begin,
                            (unsigned long long)sp[i - 1].end, (unsigned long long)sp[i].begin,
                            (unsigned long long)sp[i].end);
    l4a_st_tensor *sorted = l4a_malloc((size_t)s->n_tensors * sizeof *sorted + 1);
    if (!sorted) return l4a_fail(L4A_ERR_NOMEM, "safetensors: out of memory");
    memcpy(sorted, s->tensors, (size_t)s->n_tensors * sizeof *sorted);
    qsort(sorted, s->n_tensors, sizeof *sorted, cmp_tensor_name);
    l4a_status st = L4A_OK;
    for (uint64_t i = 1; i < s->n_tensors && !st; i++)
        if (strcmp(sorted[i].name, sorted[i - 1].name) == 0)
            st = l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s' is listed twice",
                          sorted[i].name);
    l4a_free(sorted);
    return st;
}

static l4a_status parse_header(l4a_safetensors *s, const uint8_t *data, uint64_t size,
                               cJSON *root) {
    uint64_t hlen;
    memcpy(&hlen, data, 8);
    const uint8_t *buf = data + 8 + hlen;
    const uint64_t buf_size = size - 8 - hlen;
    if (!cJSON_IsObject(root))
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: the header is not a JSON object");
    uint64_t n = 0;
    for (const cJSON *e = root->child; e; e = e->next)
        if (strcmp(e->string, "__metadata__") != 0) n++;
    s->tensors = l4a_calloc(n ? (size_t)n : 1, sizeof *s->tensors);
    span *sp = l4a_calloc(n ? (size_t)n : 1, sizeof *sp);
    if (!s->tensors || !sp) {
        l4a_free(sp);
        return l4a_fail(L4A_ERR_NOMEM, "safetensors: out of memory for %llu tensors",
                        (unsigned long long)n);
    }
    l4a_status st = L4A_OK;
    for (const cJSON *e = root->child; e; e = e->next) {
        if (strcmp(e->string, "__metadata__") == 0) continue;
        l4a_st_tensor *t = &s->tensors[s->n_tensors];
        if (e->string[0] == 0) {
            st = l4a_fail(L4A_ERR_FORMAT, "safetensors: a tensor has an empty name");
            break;
        }
        if (!(t->name = l4a_strdup(e->string))) {
            st = l4a_fail(L4A_ERR_NOMEM, "safetensors: out of memory");
            break;
        }
        s->n_tensors++;
        uint64_t begin = 0, end = 0;
        if ((st = parse_entry(e, t, &begin, &end)) != L4A_OK) break;
        if (end > buf_size) {
            st = l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s' ends past the end of the file "
                          "(data_offsets [%llu, %llu], %llu data bytes after the header)", t->name,
                          (unsigned long long)begin, (unsigned long long)end,
                          (unsigned long long)buf_size);
            break;
        }
        t->data = buf + begin;
        sp[s->n_tensors - 1] = (span){begin, end, s->n_tensors - 1};
    }
    if (st == L4A_OK) st = check_layout(s, sp);
    l4a_free(sp);
    return st;
}

l4a_status l4a_st_parse(const uint8_t *data, uint64_t size, l4a_safetensors **out) {
    *out = NULL;
    if (size < 8)
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: file of %llu bytes is too short for the "
                        "header length", (unsigned long long)size);
    uint64_t hlen;
    memcpy(&hlen, data, 8);
    if (hlen > size - 8 || hlen > L4A_ST_MAX_HEADER || hlen < 2)
        return l4a_fail(L4A_ERR_FORMAT, "safetensors: header length %llu is %s (file of %llu "
                        "bytes)", (unsigned long long)hlen, hlen < 2 ? "too short" :
                        hlen > size - 8 ? "past the end of the file" : "over the 100 MB limit",
                        (unsigned long long)size);
    l4a_safetensors *s = l4a_calloc(1, sizeof *s);
    if (!s) return l4a_fail(L4A_ERR_NOMEM, "safetensors: out of memory");
    cJSON *root = cJSON_ParseWithLength((const char *)data + 8, (size_t)hlen);
    l4a_status st;
    if (!root) {
        const char *e = cJSON_GetErrorPtr();
        long at = e ? (long)(e - ((const char *)data + 8)) : -1;
        st = l4a_fail(L4A_ERR_FORMAT, "safetensors: the header is not valid JSON (near byte %ld "
                      "of %llu)", at, (unsigned long long)hlen);
    } else {
        st = parse_header(s, data, size, root);
    }
    cJSON_Delete(root);
    if (st != L4A_OK) {
        l4a_st_free(s);
        return st;
    }
    *out = s;
    return L4A_OK;
}

l4a_status l4a_st_open(const char *path, bool use_mmap, l4a_safetensors **out) {
    *out = NULL;
    l4a_mapped_file f;
    l4a_status st = l4a_file_map(path, use_mmap, &f);
    if (st) return st;
    st = l4a_st_parse(f.data, f.size, out);
    if (st) {
        l4a_file_unmap(&f);
        l4a_error_prefix("%s", path);
        return st;
    }
    (*out)->file = f;
    (*out)->owns_file = true;
    return L4A_OK;
}

void l4a_st_free(l4a_safetensors *s) {
    if (!s) return;
    for (uint64_t i = 0; s->tensors && i < s->n_tensors; i++) l4a_free(s->tensors[i].name);
    l4a_free(s->tensors);
    if (s->owns_file) l4a_file_unmap(&s->file);
    l4a_free(s);
}

const l4a_st_tensor *l4a_st_find(const l4a_safetensors *s, const char *name) {
    for (uint64_t i = 0; i < s->n_tensors; i++)
        if (strcmp(s->tensors[i].name, name) == 0) return &s->tensors[i];
    return NULL;
}
