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
 *
 * The same loop serves CBPE (HF tokenizers' BPE model without ByteLevel, e.g. Lucie's): the
 * symbols start as UTF-8 characters instead of bytes, merges and tokens are keyed by their
 * stored text, and a final symbol that is not a token becomes its bytes' <0xXX> tokens (byte
 * fallback) or <unk>, consecutive <unk> fused into one when fuse_unk is set. A character outside
 * the vocabulary is never the side of a merge (merge sides are tokens), as in HF, where it is
 * a byte-fallback or unknown symbol from the start.
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

/* CBPE: emit a final symbol: its token, else byte fallback, else <unk> (fused: *last_unk says
 * the previous token pushed was a fusable <unk>). */
static l4a_status emit_chars(const l4a_vocab *v, const uint8_t *p, size_t n, bool *last_unk,
                             l4a_tokvec *out) {
    l4a_token t = l4a_strmap_get(&v->by_text, p, n, 0);
    if (t >= 0) { *last_unk = false; return l4a_tokvec_push(out, t); }
    bool bytes = v->byte_fallback;
    for (size_t i = 0; i < n && bytes; i++) bytes = v->byte_token[p[i]] >= 0;
    if (bytes) {
        *last_unk = false;
        for (size_t i = 0; i < n; i++) {
            l4a_status st = l4a_tokvec_push(out, v->byte_token[p[i]]);
            if (st) return st;
        }
        return L4A_OK;
    }
    if (v->unk < 0)
        return l4a_fail(L4A_ERR_INVALID_ARG, "tokenizer: '%.*s' is not in the vocabulary, which has no "
                        "byte fallback and no unknown token", (int)(n > 16 ? 16 : n), (const char *)p);
    if (*last_unk && v->fuse_unk) return L4A_OK;
    *last_unk = true;
    return l4a_tokvec_push(out, v->unk);
}

static l4a_status merge_word(const l4a_vocab *v, scratch *s, const uint8_t *w, uint32_t n, l4a_tokvec *out) {
    l4a_status st;
    bool chars = v->type == L4A_VOCAB_CBPE, last_unk = false;
    const l4a_strmap *tokens = chars ? &v->by_text : &v->by_bytes;
    if (v->ignore_merges && l4a_strmap_get(tokens, w, n, 0) >= 0)
        return chars ? emit_chars(v, w, n, &last_unk, out) : emit(v, w, n, out);
    if (n > s->sym_cap) {
        symbol *p = l4a_realloc(s->sym, (size_t)n * sizeof *p);
        if (!p) return nomem();
        s->sym = p;
        s->sym_cap = n;
    }
    uint32_t ns = 0;
    for (uint32_t i = 0; i < n; ns++) {
        uint32_t k = chars ? (uint32_t)l4a_utf8_seq_len(w[i]) : 1;
        if (k > n - i) k = n - i;
        s->sym[ns] = (symbol){(int32_t)ns - 1, -1, i, k};
        if (ns > 0) s->sym[ns - 1].next = (int32_t)ns;
        i += k;
    }
    s->heap.n = 0;
    for (uint32_t i = 1; i < ns; i++)
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
    for (int32_t i = 0; i >= 0; i = s->sym[i].next) {
        const uint8_t *p = w + s->sym[i].start;
        if ((st = chars ? emit_chars(v, p, s->sym[i].n, &last_unk, out) : emit(v, p, s->sym[i].n, out)))
            return st;
    }
    return L4A_OK;
}

l4a_status l4a_cbpe_tokenize(const l4a_vocab *v, const uint8_t *text, size_t len, l4a_tokvec *out) {
    if (len == 0) return L4A_OK;
    if (len > UINT32_MAX / 2)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "tokenizer: text of %zu bytes is too long for BPE", len);
    scratch s = {0};
    l4a_status st = merge_word(v, &s, text, (uint32_t)len, out);
    l4a_free(s.sym);
    l4a_free(s.heap.a);
    return st;
}

l4a_status l4a_bpe_tokenize(const l4a_vocab *v, const uint8_t *text, size_t len, l4a_tokvec *out) {
    /* decode: code points, their classes, and the re-encoded text with each code point's offset */
    uint32_t *cps = l4a_malloc((len + 1) * sizeof *cps);
    uint32_t *off = l4a_malloc((len + 1) * sizeof *off);
    uint8_t *cls = l4a_malloc(len + 1);
    uint8_t *u = l4a_malloc(len * 3 + 1);  /* a bad byte (1) becomes U+FFFD (3) */
    scratch s = {0};
    l4a_spanvec spans = {0}, bytes = {0};
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
        if (v->pre == L4A_PRE_FALCON) {  /* then split by numeric bytes (pretok.c) */
            bytes.n = 0;
            if ((st = l4a_pretokenize_mapped_digits(u, a, b, &bytes))) goto done;
            for (size_t k = 0; k < bytes.n; k++)
                if ((st = merge_word(v, &s, u + bytes.s[k].start, bytes.s[k].end - bytes.s[k].start, out)))
                    goto done;
            continue;
        }
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
    l4a_free(bytes.s);
    return st;
}
