/*
 * model_jmask.c - the model's token mask for JSON-constrained sampling, built once.
 *
 * The mask (sampling/json_mask.c) needs the bytes of every token: a trie over them finds, for
 * a matcher state, the tokens that can continue the document. Building it costs about a
 * tenth of a second for a 150k vocabulary, so a model builds it at the first request and every
 * sampler shares it. Control tokens get an empty piece (never allowed inside a document); the
 * end-of-generation tokens are handled by the sampler, not here.
 */
#include "models/model_impl.h"
#include "sampling/json_schema.h"

static struct l4a_jmask *build(const l4a_model *m) {
    const l4a_vocab *v = m->vocab;
    const int32_t n = l4a_vocab_n_tokens(v);
    const char **pieces = l4a_calloc((size_t)n, sizeof *pieces);
    uint32_t *lens = l4a_calloc((size_t)n, sizeof *lens);
    char *bytes = NULL;
    struct l4a_jmask *mask = NULL;
    if (!pieces || !lens) goto done;
    /* first the lengths, then one buffer for all pieces */
    size_t total = 0;
    char tmp[1];
    for (int32_t t = 0; t < n; t++) {
        if (l4a_vocab_is_control(v, t)) continue;
        int32_t r = l4a_vocab_token_to_piece(v, t, tmp, 0, false);
        lens[t] = (uint32_t)(r < 0 ? -r : r);
        total += lens[t];
    }
    bytes = l4a_malloc(total + 1);
    if (!bytes) goto done;
    size_t off = 0;
    for (int32_t t = 0; t < n; t++) {
        pieces[t] = bytes + off;
        if (!lens[t]) continue;
        l4a_vocab_token_to_piece(v, t, bytes + off, lens[t], false);
        off += lens[t];
    }
    if (l4a_jmask_new(pieces, lens, n, &mask) != L4A_OK) mask = NULL;
done:
    if (!mask && (!pieces || !lens || !bytes))
        l4a_fail(L4A_ERR_NOMEM, "json mask: out of memory for %d tokens", n);
    l4a_free(bytes);
    l4a_free(lens);
    l4a_free(pieces);
    return mask;
}

const struct l4a_jmask *l4a_model_json_mask(const l4a_model *m) {
    l4a_model *mm = (l4a_model *)m;     /* the lazily built cache is the only mutable part */
    pthread_mutex_lock(&mm->jmask_lock);
    if (!mm->jmask) mm->jmask = build(m);
    const struct l4a_jmask *r = mm->jmask;
    pthread_mutex_unlock(&mm->jmask_lock);
    return r;
}
