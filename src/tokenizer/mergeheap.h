/*
 * mergeheap.h - the priority queue of candidate merges shared by the BPE and SentencePiece
 * loops: a binary min-heap on (key, left position). BPE uses the merge rank as key,
 * SentencePiece minus the token score (negation is exact, so the order of scores is kept).
 * Both break ties by the leftmost pair, as llama.cpp's queues do.
 */
#ifndef L4A_TOKENIZER_MERGEHEAP_H
#define L4A_TOKENIZER_MERGEHEAP_H

#include "core/core.h"

typedef struct l4a_merge {
    double key;          /* smaller first */
    int32_t left, right; /* symbol indices */
    uint32_t size;       /* bytes of left + right when pushed: the pair is stale if it changed */
} l4a_merge;

typedef struct l4a_mergeheap {
    l4a_merge *a;
    size_t n, cap;
} l4a_mergeheap;

static inline bool l4a_merge_before(const l4a_merge *x, const l4a_merge *y) {
    return x->key < y->key || (x->key == y->key && x->left < y->left);
}

static inline l4a_status l4a_mergeheap_push(l4a_mergeheap *h, l4a_merge m) {
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        l4a_merge *p = l4a_realloc(h->a, cap * sizeof *p);
        if (!p) return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory for the merge queue");
        h->a = p;
        h->cap = cap;
    }
    size_t i = h->n++;
    while (i > 0 && l4a_merge_before(&m, &h->a[(i - 1) / 2])) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = m;
    return L4A_OK;
}

/* Remove and return the first merge (h->n > 0). */
static inline l4a_merge l4a_mergeheap_pop(l4a_mergeheap *h) {
    l4a_merge top = h->a[0], last = h->a[--h->n];
    size_t i = 0, n = h->n;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n) break;
        if (c + 1 < n && l4a_merge_before(&h->a[c + 1], &h->a[c])) c++;
        if (!l4a_merge_before(&h->a[c], &last)) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (n) h->a[i] = last;
    return top;
}

#endif
