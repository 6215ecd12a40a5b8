/*
 * spm.c - SentencePiece tokenization as llama.cpp does it for tokenizer.ggml.model = "llama"
 * (Kudo & Richardson 2018, "SentencePiece"; the BPE-by-score segmentation of its bpe_model):
 * split the text into characters, then repeatedly join the adjacent pair whose concatenation
 * is the token with the highest score (leftmost on ties), until no pair is a token. A final
 * symbol that is not a token (a character outside the vocabulary) becomes its bytes' <0xXX>
 * tokens (byte fallback).
 *
 * The caller has already replaced spaces by "▁" and added the space prefix. Characters are
 * cut by the first byte's high bits only (l4a_utf8_seq_len), as llama.cpp does, so invalid
 * UTF-8 never stops the loop: whatever the symbol, its bytes fall back to byte tokens.
 *
 * llama.cpp also keeps a map of the pairs it merged to re-split a final symbol that is not a
 * token; that case cannot arise (a merged symbol is always a token, and a first-cut character
 * is never the text of a merged pair, which starts with a whole character and is longer), so
 * it is not kept here.
 */
#include "tokenizer/mergeheap.h"
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

typedef struct symbol {
    int32_t prev, next;
    uint32_t start, n;   /* text[start .. start+n); n = 0 once merged into its left */
} symbol;

static l4a_status try_pair(const l4a_vocab *v, const uint8_t *text, const symbol *sym,
                           l4a_mergeheap *h, int32_t l, int32_t r) {
    if (l < 0 || r < 0) return L4A_OK;
    uint32_t size = sym[l].n + sym[r].n;
    if (size > v->max_token_len) return L4A_OK;
    l4a_token t = l4a_strmap_get(&v->by_text, text + sym[l].start, size, 0);
    if (t < 0) return L4A_OK;
    return l4a_mergeheap_push(h, (l4a_merge){-(double)v->score[t], l, r, size});
}

l4a_status l4a_spm_tokenize(const l4a_vocab *v, const uint8_t *text, size_t len, l4a_tokvec *out) {
    if (len == 0) return L4A_OK;
    if (len > INT32_MAX)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "tokenizer: text of %zu bytes is too long", len);
    symbol *sym = l4a_malloc(len * sizeof *sym);
    l4a_mergeheap heap = {0};
    l4a_status st = L4A_OK;
    if (!sym) return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory for %zu symbols", len);

    int32_t n = 0;
    for (size_t i = 0; i < len;) {
        size_t k = l4a_utf8_seq_len(text[i]);
        if (k > len - i) k = len - i;
        sym[n] = (symbol){n - 1, -1, (uint32_t)i, (uint32_t)k};
        if (n > 0) sym[n - 1].next = n;
        n++;
        i += k;
    }
    for (int32_t i = 1; i < n; i++)
        if ((st = try_pair(v, text, sym, &heap, i - 1, i))) goto done;

    while (heap.n) {
        l4a_merge m = l4a_mergeheap_pop(&heap);
        symbol *l = &sym[m.left], *r = &sym[m.right];
        if (l->n == 0 || r->n == 0 || l->n + r->n != m.size) continue;  /* stale */
        l->n += r->n;
        r->n = 0;
        l->next = r->next;
        if (r->next >= 0) sym[r->next].prev = m.left;
        if ((st = try_pair(v, text, sym, &heap, l->prev, m.left)) ||
            (st = try_pair(v, text, sym, &heap, m.left, l->next)))
            goto done;
    }

    for (int32_t i = 0; i >= 0; i = sym[i].next) {
        l4a_token t = l4a_strmap_get(&v->by_text, text + sym[i].start, sym[i].n, 0);
        if (t >= 0) {
            if ((st = l4a_tokvec_push(out, t))) goto done;
            continue;
        }
        for (uint32_t j = 0; j < sym[i].n; j++) {
            /* a vocabulary without a byte token for it: <unk> (llama.cpp would stop with an
             * exception), or nothing when there is no <unk> either */
            l4a_token b = v->byte_token[text[sym[i].start + j]];
            if (b < 0) b = v->unk;
            if (b >= 0 && (st = l4a_tokvec_push(out, b))) goto done;
        }
    }
done:
    l4a_free(sym);
    l4a_free(heap.a);
    return st;
}
