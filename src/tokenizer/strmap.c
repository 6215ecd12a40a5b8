/*
 * strmap.c - see strmap.h. FNV-1a hashing with a final avalanche step, linear probing, load
 * factor kept under 1/2: put() doubles the table when it would pass that, so the size given to
 * init is a hint.
 */
#include "tokenizer/strmap.h"

#include <string.h>

static uint32_t hash_key(const uint8_t *p, size_t len, uint32_t split) {
    uint32_t h = 2166136261u ^ (split * 0x9E3779B1u);
    for (size_t i = 0; i < len; i++) h = (h ^ p[i]) * 16777619u;
    h ^= h >> 16;  /* avalanche: the low bits pick the slot */
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    return h;
}

static l4a_status alloc_slots(l4a_strmap *m, uint64_t cap) {
    m->slots = l4a_malloc(cap * sizeof *m->slots);
    if (!m->slots) return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory for a hash map of %llu slots",
                                   (unsigned long long)cap);
    for (uint64_t i = 0; i < cap; i++) m->slots[i].value = -1;
    m->mask = cap - 1;
    return L4A_OK;
}

l4a_status l4a_strmap_init(l4a_strmap *m, uint64_t expected, uint64_t key_bytes) {
    memset(m, 0, sizeof *m);
    uint64_t cap = 16;
    while (cap < expected * 2 && cap < ((uint64_t)1 << 40)) cap <<= 1;
    m->arena_cap = key_bytes > 64 ? key_bytes : 64;
    m->arena = l4a_malloc(m->arena_cap);
    if (!m->arena) return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory for %llu bytes of keys",
                                   (unsigned long long)key_bytes);
    return alloc_slots(m, cap);
}

void l4a_strmap_free(l4a_strmap *m) {
    if (!m) return;
    l4a_free(m->slots);
    l4a_free(m->arena);
    memset(m, 0, sizeof *m);
}

static bool slot_is(const l4a_strmap *m, const l4a_strmap_slot *s, uint32_t h, const void *key,
                    size_t len, uint32_t split) {
    return s->hash == h && s->len == len && s->split == split &&
           memcmp(m->arena + s->off, key, len) == 0;
}

static l4a_status grow(l4a_strmap *m) {
    l4a_strmap_slot *old = m->slots;
    uint64_t old_cap = m->mask + 1;
    l4a_status st = alloc_slots(m, old_cap * 2);
    if (st) { m->slots = old; return st; }
    for (uint64_t i = 0; i < old_cap; i++) {
        if (old[i].value < 0) continue;
        uint64_t j = old[i].hash & m->mask;
        while (m->slots[j].value >= 0) j = (j + 1) & m->mask;
        m->slots[j] = old[i];
    }
    l4a_free(old);
    return L4A_OK;
}

l4a_status l4a_strmap_put(l4a_strmap *m, const void *key, uint32_t len, uint32_t split,
                          int32_t value, int32_t *existing) {
    L4A_ASSERT(value >= 0);
    if (existing) *existing = -1;
    if ((m->count + 1) * 2 > m->mask + 1) {
        l4a_status st = grow(m);
        if (st) return st;
    }
    uint32_t h = hash_key(key, len, split);
    uint64_t j = h & m->mask;
    for (; m->slots[j].value >= 0; j = (j + 1) & m->mask) {
        if (slot_is(m, &m->slots[j], h, key, len, split)) {
            if (existing) *existing = m->slots[j].value;
            return L4A_OK;
        }
    }
    if (m->arena_len + len > UINT32_MAX)
        return l4a_fail(L4A_ERR_FORMAT, "tokenizer: more than 4 GiB of token text");
    if (m->arena_len + len > m->arena_cap) {
        uint64_t cap = m->arena_cap * 2;
        while (cap < m->arena_len + len) cap *= 2;
        uint8_t *a = l4a_realloc(m->arena, cap);
        if (!a) return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory for token text");
        m->arena = a;
        m->arena_cap = cap;
    }
    if (len) memcpy(m->arena + m->arena_len, key, len);
    m->slots[j] = (l4a_strmap_slot){h, value, (uint32_t)m->arena_len, len, split};
    m->arena_len += len;
    m->count++;
    return L4A_OK;
}

int32_t l4a_strmap_get(const l4a_strmap *m, const void *key, size_t len, uint32_t split) {
    if (!m->slots || len > UINT32_MAX) return -1;
    uint32_t h = hash_key(key, len, split);
    for (uint64_t j = h & m->mask; m->slots[j].value >= 0; j = (j + 1) & m->mask)
        if (slot_is(m, &m->slots[j], h, key, len, split)) return m->slots[j].value;
    return -1;
}
