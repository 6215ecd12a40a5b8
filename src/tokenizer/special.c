/*
 * special.c - find special tokens written in the text before the tokenizer model runs.
 *
 * The rule is llama.cpp's (tokenizer_st_partition): special tokens (control, user-defined,
 * unknown) are taken longest text first; each claims, left to right, every occurrence that
 * lies entirely in text that no token has claimed yet; the text between claimed tokens is
 * tokenized normally. Without parse_special only user-defined tokens take part.
 *
 * llama.cpp scans the text once per special token, which is slow for vocabularies with
 * thousands of them (Gemma: 6,400). Here a trie finds every occurrence of every special token
 * in one pass, and the occurrences are then granted in (token priority, position) order, which
 * gives the same result. Tokens of equal length are ordered by id (llama.cpp leaves their order
 * to std::sort; it matters only when two such tokens overlap in the text).
 */
#include "tokenizer/vocab.h"

#include <stdlib.h>
#include <string.h>

static l4a_status nomem(void) {
    return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory while matching special tokens");
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static size_t text_len(const l4a_vocab *v, l4a_token t) {
    return (size_t)(v->text_off[t + 1] - v->text_off[t]);
}

static int32_t trie_child(const l4a_trie_node *trie, int32_t node, uint8_t b) {
    for (int32_t c = trie[node].child; c >= 0; c = trie[c].sibling)
        if (trie[c].byte == b) return c;
    return -1;
}

static l4a_status trie_insert(l4a_vocab *v, int32_t *cap, const uint8_t *s, size_t len, l4a_token t) {
    int32_t node = 0;
    for (size_t i = 0; i < len; i++) {
        int32_t c = trie_child(v->trie, node, s[i]);
        if (c < 0) {
            if (v->n_trie == *cap) {
                if (*cap > INT32_MAX / 2) return l4a_fail(L4A_ERR_FORMAT, "tokenizer: special tokens too long");
                l4a_trie_node *p = l4a_realloc(v->trie, (size_t)*cap * 2 * sizeof *p);
                if (!p) return nomem();
                v->trie = p;
                *cap *= 2;
            }
            c = v->n_trie++;
            v->trie[c] = (l4a_trie_node){-1, v->trie[node].child, -1, s[i]};
            v->trie[node].child = c;
        }
        node = c;
    }
    v->trie[node].token = t;
    return L4A_OK;
}

l4a_status l4a_special_build(l4a_vocab *v) {
    const uint8_t kinds = L4A_TOK_CONTROL | L4A_TOK_USER_DEFINED | L4A_TOK_UNKNOWN;
    size_t n = 0;
    for (l4a_token t = 0; t < v->n_tokens; t++) n += (v->attr[t] & kinds) != 0;
    v->special_rank = l4a_malloc((size_t)v->n_tokens * sizeof *v->special_rank);
    v->special = l4a_malloc((n + 1) * sizeof *v->special);
    uint64_t *keys = l4a_malloc((n + 1) * sizeof *keys);
    if (!v->special_rank || !v->special || !keys) { l4a_free(keys); return nomem(); }

    /* priority key: longer text first (inverted length in the high half), then lower id */
    size_t k = 0;
    for (l4a_token t = 0; t < v->n_tokens; t++) {
        v->special_rank[t] = -1;
        if (!(v->attr[t] & kinds)) continue;
        size_t len = text_len(v, t);
        uint64_t inv = len >= UINT32_MAX ? 0 : UINT32_MAX - (uint32_t)len;
        keys[k++] = inv << 32 | (uint32_t)t;
    }
    qsort(keys, n, sizeof *keys, cmp_u64);
    for (size_t i = 0; i < n; i++) {
        v->special[i] = (l4a_token)(uint32_t)keys[i];
        v->special_rank[v->special[i]] = (int32_t)i;
    }
    v->n_special = (int32_t)n;
    l4a_free(keys);

    int32_t cap = 64;
    v->trie = l4a_malloc((size_t)cap * sizeof *v->trie);
    if (!v->trie) return nomem();
    v->trie[0] = (l4a_trie_node){-1, -1, -1, 0};
    v->n_trie = 1;
    for (int32_t i = 0; i < v->n_special; i++) {
        size_t len;
        const char *s = l4a_vocab_text(v, v->special[i], &len);
        l4a_status st = trie_insert(v, &cap, (const uint8_t *)s, len, v->special[i]);
        if (st) return st;
    }
    return L4A_OK;
}

static l4a_status push_frag(l4a_fragvec *out, size_t start, size_t len, l4a_token t) {
    if (out->n == out->cap) {
        size_t cap = out->cap ? out->cap * 2 : 16;
        l4a_fragment *p = l4a_realloc(out->f, cap * sizeof *p);
        if (!p) return nomem();
        out->f = p;
        out->cap = cap;
    }
    out->f[out->n++] = (l4a_fragment){start, len, t};
    return L4A_OK;
}

/* Growable array of u64 (occurrences, then granted matches). */
typedef struct { uint64_t *a; size_t n, cap; } u64vec;

static l4a_status u64_push(u64vec *v, uint64_t x) {
    if (v->n == v->cap) {
        size_t cap = v->cap ? v->cap * 2 : 64;
        uint64_t *p = l4a_realloc(v->a, cap * sizeof *p);
        if (!p) return nomem();
        v->a = p;
        v->cap = cap;
    }
    v->a[v->n++] = x;
    return L4A_OK;
}

l4a_status l4a_special_partition(const l4a_vocab *v, const uint8_t *text, size_t len,
                                 bool parse_special, l4a_fragvec *out) {
    out->n = 0;
    if (len == 0) return L4A_OK;
    if (len > UINT32_MAX)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "tokenizer: text of %zu bytes (the limit is 4 GiB)", len);

    /* every occurrence of every eligible special token, keyed (priority << 32 | position) */
    u64vec occ = {0}, won = {0};
    uint8_t *claimed = NULL;
    l4a_status st = L4A_OK;
    for (size_t p = 0; p < len; p++) {
        int32_t node = 0;
        for (size_t q = p; q < len; q++) {
            node = trie_child(v->trie, node, text[q]);
            if (node < 0) break;
            l4a_token t = v->trie[node].token;
            if (t < 0) continue;
            if (!parse_special && (v->attr[t] & (L4A_TOK_CONTROL | L4A_TOK_UNKNOWN))) continue;
            if ((st = u64_push(&occ, (uint64_t)v->special_rank[t] << 32 | p))) goto done;
        }
    }
    if (occ.n == 0) {
        st = push_frag(out, 0, len, -1);
        goto done;
    }

    /* grant them by priority, then position, when all their bytes are still free */
    qsort(occ.a, occ.n, sizeof *occ.a, cmp_u64);
    claimed = l4a_calloc(len, 1);
    if (!claimed) { st = nomem(); goto done; }
    for (size_t i = 0; i < occ.n; i++) {
        l4a_token t = v->special[occ.a[i] >> 32];
        size_t p = (size_t)(uint32_t)occ.a[i], n = text_len(v, t);
        if (claimed[p] || claimed[p + n - 1] || memchr(claimed + p, 1, n)) continue;
        memset(claimed + p, 1, n);
        if ((st = u64_push(&won, (uint64_t)p << 32 | (uint32_t)t))) goto done;
    }

    /* fragments in text order */
    qsort(won.a, won.n, sizeof *won.a, cmp_u64);
    size_t at = 0;
    for (size_t i = 0; i < won.n; i++) {
        size_t p = (size_t)(won.a[i] >> 32);
        l4a_token t = (l4a_token)(uint32_t)won.a[i];
        if (p > at && (st = push_frag(out, at, p - at, -1))) goto done;
        if ((st = push_frag(out, p, text_len(v, t), t))) goto done;
        at = p + text_len(v, t);
    }
    if (at < len) st = push_frag(out, at, len - at, -1);
done:
    l4a_free(occ.a);
    l4a_free(won.a);
    l4a_free(claimed);
    return st;
}
