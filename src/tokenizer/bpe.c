/*
 * bpe.c - byte-level BPE (GPT-2, Llama 3, Qwen 2, SmolLM): pre-tokenize, then merge the bytes
 * of each pre-token by merge rank (Sennrich et al. 2016, "Neural Machine Translation of Rare
 * Words with Subword Units"; GPT-2's byte-level variant, Radford et al. 2019).
 *
 * The text is first decoded as llama.cpp decodes it (each invalid byte becomes U+FFFD, see
 * unicode.h) and re-encoded, so ids match llama.cpp on any input. The merge loop works on raw
 * bytes: the vocabulary and the merges were decoded through the GPT-2 byte map at load time
 * (vocab.h), which is the same as mapping the text, one character per byte.
 *
 * Merge loop, per pre-token: symbols start as single bytes in a linked list; every adjacent
 * pair that is a merge rule goes into a min-heap keyed by (rank, left position); the best pair
 * is merged, stale pairs (a side already merged elsewhere) are skipped when popped, and the
 * new neighbours are pushed. O(n log n) in the pre-token length.
 */
#include "tokenizer/mergeheap.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

#include <string.h>

typedef struct symbol {
    int32_t prev, next;   /* linked list of live symbols, -1 at the ends */
    uint32_t start, n;    /* bytes word[start .. start+n); n = 0 once merged into its left */
} symbol;

typedef struct scratch {
    symbol *sym;
    size_t sym_cap;
    l4a_mergeheap heap;
} scratch;

static l4a_status nomem(void) {
    return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory in BPE");
}

/* Push the pair (l, r) if it is a merge rule. */
static l4a_status try_pair(const l4a_vocab *v, scratch *s, const uint8_t *w, int32_t l, int32_t r) {
    if (l < 0 || r < 0) return L4A_OK;
    uint32_t size = s->sym[l].n + s->sym[r].n;
    if (size > v->max_merge_len) return L4A_OK;
    int32_t rank = l4a_strmap_get(&v->merges, w + s->sym[l].start, size, s->sym[l].n);
    if (rank < 0) return L4A_OK;
    return l4a_mergeheap_push(&s->heap, (l4a_merge){rank, l, r, size});
}

/* Emit a final symbol: its token, or (a vocabulary without it) the one-character tokens of
 * its mapped characters' bytes, as llama.cpp does. */
static l4a_status emit(const l4a_vocab *v, const uint8_t *p, size_t n, l4a_tokvec *out) {
    l4a_token t = l4a_strmap_get(&v->by_bytes, p, n, 0);
    if (t >= 0) return l4a_tokvec_push(out, t);
    for (size_t i = 0; i < n; i++) {
        uint8_t enc[4];
        size_t k = l4a_utf8_encode(l4a_gpt2_byte_char(p[i]), enc);
        for (size_t j = 0; j < k; j++) {
            l4a_status st;
            if (v->byte_token[enc[j]] >= 0 && (st = l4a_tokvec_push(out, v->byte_token[enc[j]]))) return st;
        }
    }
    return L4A_OK;
}

static l4a_status merge_word(const l4a_vocab *v, scratch *s, const uint8_t *w, uint32_t n, l4a_tokvec *out) {
    l4a_status st;
    if (v->ignore_merges && l4a_strmap_get(&v->by_bytes, w, n, 0) >= 0) return emit(v, w, n, out);
    if (n > s->sym_cap) {
        symbol *p = l4a_realloc(s->sym, (size_t)n * sizeof *p);
        if (!p) return nomem();
        s->sym = p;
        s->sym_cap = n;
    }
    for (uint32_t i = 0; i < n; i++)
        s->sym[i] = (symbol){(int32_t)i - 1, i + 1 < n ? (int32_t)i + 1 : -1, i, 1};
    s->heap.n = 0;
    for (uint32_t i = 1; i < n; i++)
        if ((st = try_pair(v, s, w, (int32_t)i - 1, (int32_t)i))) return st;

    while (s->heap.n) {
        l4a_merge b = l4a_mergeheap_pop(&s->heap);
        symbol *l = &s->sym[b.left], *r = &s->sym[b.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != b.size) continue;  /* stale */
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0) s->sym[r->next].prev = b.left;
        if ((st = try_pair(v, s, w, l->prev, b.left)) || (st = try_pair(v, s, w, b.left, l->next))) return st;
    }
    for (int32_t i = 0; i >= 0; i = s->sym[i].next)
        if ((st = emit(v, w + s->sym[i].start, s->sym[i].n, out))) return st;
    return L4A_OK;
}

l4a_status l4a_bpe_tokenize(const l4a_vocab *v, const uint8_t *text, size_t len, l4a_tokvec *out) {
    /* decode: code points, their classes, and the re-encoded text with each code point's offset */
    uint32_t *cps = l4a_malloc((len + 1) * sizeof *cps);
    uint32_t *off = l4a_malloc((len + 1) * sizeof *off);
    uint8_t *cls = l4a_malloc(len + 1);
    uint8_t *u = l4a_malloc(len * 3 + 1);  /* a bad byte (1) becomes U+FFFD (3) */
    scratch s = {0};
    l4a_spanvec spans = {0};
    l4a_status st = L4A_OK;
    if (!cps || !off || !cls || !u) { st = nomem(); goto done; }
    if (len * 3 > UINT32_MAX) {
        st = l4a_fail(L4A_ERR_UNSUPPORTED, "tokenizer: text of %zu bytes is too long for BPE", len);
        goto done;
    }
    uint32_t n = 0, un = 0;
    for (size_t i = 0; i < len;) {
        size_t used;
        uint32_t cp = l4a_utf8_decode(text + i, len - i, &used);
        cps[n] = cp;
        cls[n] = (uint8_t)l4a_cp_class(cp);
        off[n++] = un;
        un += (uint32_t)l4a_utf8_encode(cp, u + un);
        i += used;
    }
    off[n] = un;

    if ((st = l4a_pretokenize(v->pre, cps, cls, n, &spans))) goto done;
    for (size_t i = 0; i < spans.n; i++) {
        uint32_t a = off[spans.s[i].start], b = off[spans.s[i].end];
        if ((st = merge_word(v, &s, u + a, b - a, out))) goto done;
    }
done:
    l4a_free(cps);
    l4a_free(off);
    l4a_free(cls);
    l4a_free(u);
    l4a_free(s.sym);
    l4a_free(s.heap.a);
    l4a_free(spans.s);
    return st;
}
