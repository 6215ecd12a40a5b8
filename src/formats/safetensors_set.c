/*
 * safetensors_set.c - the weights of a Hugging Face model folder: model.safetensors alone, or
 * the shards named by model.safetensors.index.json (the format written by transformers'
 * save_pretrained: {"metadata": {...}, "weight_map": {"tensor name": "file name", ...}}).
 *
 * The index is untrusted like the shards: shard names must be plain file names (no '/', not
 * "." or ".."), so that an index cannot read outside its folder; every tensor of the map must be
 * in the shard it names; a tensor name in two shards is an error. Not the header parser
 * (safetensors.c).
 */
#include "formats/safetensors.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define INDEX_NAME "model.safetensors.index.json"
#define SINGLE_NAME "model.safetensors"
#define MAX_INDEX_BYTES (64u << 20)

static char *join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = l4a_malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, b + 1);
    return p;
}

static bool plain_name(const char *s) {
    return s[0] && strchr(s, '/') == NULL && strchr(s, '\\') == NULL && strcmp(s, ".") != 0 &&
           strcmp(s, "..") != 0;
}

static l4a_status add_file(l4a_st_set *s, const char *dir, const char *name, bool use_mmap) {
    char *path = join(dir, name);
    if (!path) return l4a_fail(L4A_ERR_NOMEM, "safetensors: out of memory");
    l4a_safetensors **files = l4a_realloc(s->files, (s->n_files + 1) * sizeof *files);
    if (!files) {
        l4a_free(path);
        return l4a_fail(L4A_ERR_NOMEM, "safetensors: out of memory");
    }
    s->files = files;
    l4a_status st = l4a_st_open(path, use_mmap, &s->files[s->n_files]);
    l4a_free(path);
    if (st == L4A_OK) s->n_files++;
    return st;
}

/* Index of the shard already opened under this name, or -1. names[i] is shard i's name. */
static int64_t shard_of(char **names, uint32_t n, const char *name) {
    for (uint32_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0) return i;
    return -1;
}

static l4a_status open_index(l4a_st_set *s, const char *dir, const char *ipath, bool use_mmap) {
    l4a_mapped_file f;
    l4a_status st = l4a_file_map(ipath, false, &f);
    if (st) return st;
    if (f.size > MAX_INDEX_BYTES) {
        l4a_file_unmap(&f);
        return l4a_fail(L4A_ERR_FORMAT, "%s: %llu bytes is too large for an index", ipath,
                        (unsigned long long)f.size);
    }
    cJSON *root = cJSON_ParseWithLength((const char *)f.data, (size_t)f.size);
    l4a_file_unmap(&f);
    const cJSON *map = root ? cJSON_GetObjectItemCaseSensitive(root, "weight_map") : NULL;
    if (!cJSON_IsObject(map)) {
        st = l4a_fail(L4A_ERR_FORMAT, "%s: %s", ipath, !root ? "not valid JSON" :
                      "field 'weight_map' is missing or not an object");
        cJSON_Delete(root);
        return st;
    }
    char **names = NULL;        /* shard names, in the order opened */
    uint32_t n_names = 0;
    for (const cJSON *e = map->child; e && !st; e = e->next) {
        if (!cJSON_IsString(e) || !plain_name(e->valuestring)) {
            st = l4a_fail(L4A_ERR_FORMAT, "%s: weight_map['%s'] is not a file name in the folder",
                          ipath, e->string);
            break;
        }
        int64_t k = shard_of(names, n_names, e->valuestring);
        if (k < 0) {
            char **nn = l4a_realloc(names, (n_names + 1) * sizeof *nn);
            char *dup = l4a_strdup(e->valuestring);
            if (nn) names = nn;
            if (!nn || !dup) {
                l4a_free(dup);
                st = l4a_fail(L4A_ERR_NOMEM, "safetensors: out of memory");
                break;
            }
            names[n_names++] = dup;
            if ((st = add_file(s, dir, dup, use_mmap)) != L4A_OK) break;
            k = n_names - 1;
        }
        if (!l4a_st_find(s->files[k], e->string))
            st = l4a_fail(L4A_ERR_FORMAT, "%s: tensor '%s' is not in shard '%s'", ipath, e->string,
                          e->valuestring);
    }
    if (!st && n_names == 0) st = l4a_fail(L4A_ERR_FORMAT, "%s: weight_map is empty", ipath);
    for (uint32_t i = 0; i < n_names; i++) l4a_free(names[i]);
    l4a_free(names);
    cJSON_Delete(root);
    return st;
}

/* No tensor name in two shards. */
static l4a_status check_unique(const l4a_st_set *s) {
    for (uint32_t a = 0; a < s->n_files; a++)
        for (uint64_t i = 0; i < s->files[a]->n_tensors; i++)
            for (uint32_t b = a + 1; b < s->n_files; b++)
                if (l4a_st_find(s->files[b], s->files[a]->tensors[i].name))
                    return l4a_fail(L4A_ERR_FORMAT, "safetensors: tensor '%s' is in two shards",
                                    s->files[a]->tensors[i].name);
    return L4A_OK;
}

l4a_status l4a_st_set_open(const char *dir, bool use_mmap, l4a_st_set **out) {
    *out = NULL;
    l4a_st_set *s = l4a_calloc(1, sizeof *s);
    char *ipath = join(dir, INDEX_NAME);
    if (!s || !ipath) {
        l4a_free(s);
        l4a_free(ipath);
        return l4a_fail(L4A_ERR_NOMEM, "safetensors: out of memory");
    }
    l4a_status st;
    if (access(ipath, F_OK) == 0) {
        st = open_index(s, dir, ipath, use_mmap);
        if (!st) st = check_unique(s);
    } else {
        st = add_file(s, dir, SINGLE_NAME, use_mmap);
        if (st == L4A_ERR_IO)
            l4a_error_prefix("%s: no %s nor %s (the weights of a Hugging Face folder)", dir,
                             SINGLE_NAME, INDEX_NAME);
    }
    l4a_free(ipath);
    if (st) {
        l4a_st_set_free(s);
        return st;
    }
    *out = s;
    return L4A_OK;
}

void l4a_st_set_free(l4a_st_set *s) {
    if (!s) return;
    for (uint32_t i = 0; i < s->n_files; i++) l4a_st_free(s->files[i]);
    l4a_free(s->files);
    l4a_free(s);
}

const l4a_st_tensor *l4a_st_set_find(const l4a_st_set *s, const char *name) {
    for (uint32_t i = 0; i < s->n_files; i++) {
        const l4a_st_tensor *t = l4a_st_find(s->files[i], name);
        if (t) return t;
    }
    return NULL;
}
