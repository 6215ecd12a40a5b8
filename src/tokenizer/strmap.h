/*
 * strmap.h - a hash map from byte strings to int32 values, for the vocabulary (token text ->
 * id) and the BPE merge ranks ((left, right) -> rank).
 *
 * Open addressing with linear probing, built once at load and read-only after (lookups are
 * thread-safe). Keys are copied into the map's own arena. A key is a byte string plus a
 * `split` (0 for plain strings; for a merge, the length of the left part), so "ab"+"c" and
 * "a"+"bc" are different keys while a lookup needs no copy: the left and right symbols of a
 * merge candidate are adjacent in the text being tokenized.
 */
#ifndef L4A_TOKENIZER_STRMAP_H
#define L4A_TOKENIZER_STRMAP_H

#include "core/core.h"

typedef struct l4a_strmap_slot {
    uint32_t hash;
    int32_t value;      /* -1: empty slot */
    uint32_t off;       /* key bytes in the arena */
    uint32_t len;
    uint32_t split;
} l4a_strmap_slot;

typedef struct l4a_strmap {
    l4a_strmap_slot *slots;
    uint64_t mask;      /* capacity - 1 (capacity: a power of two) */
    uint64_t count;
    uint8_t *arena;
    uint64_t arena_len, arena_cap;
} l4a_strmap;

/* Size the map for `expected` keys totalling about `key_bytes`. Errors: NOMEM. */
l4a_status l4a_strmap_init(l4a_strmap *m, uint64_t expected, uint64_t key_bytes);
void l4a_strmap_free(l4a_strmap *m);

/* Insert key -> value (value >= 0) unless the key is there already; then the first value stays
 * and *existing (if not NULL) receives it, else -1. Errors: NOMEM, FORMAT for a key over 4 GiB
 * of arena in total. */
l4a_status l4a_strmap_put(l4a_strmap *m, const void *key, uint32_t len, uint32_t split,
                          int32_t value, int32_t *existing);

/* The value of a key, or -1. */
int32_t l4a_strmap_get(const l4a_strmap *m, const void *key, size_t len, uint32_t split);

#endif
