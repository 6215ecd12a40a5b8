/*
 * sampler_json.c - the JSON constraint of a sampler: a compiled schema (json_schema.c), the
 * document's matcher state (json_match.c) and the model's token mask (json_mask.c), applied
 * to a copy of the logits before the sampler's stages.
 *
 * With the constraint the draw is over the tokens that keep the output a prefix of some valid
 * document; the model's end-of-generation tokens are allowed only when the document is
 * complete, and once the root value has closed they are all that is allowed. The mask leaves
 * the allowed logits untouched, so penalties, top-k, top-p, min-p and temperature then mean
 * what they mean without a constraint (over the allowed tokens).
 *
 * Memory: the schema, the state and an n_vocab copy of the logits are allocated when the
 * constraint is set; sampling allocates nothing more (the mask's walk has its own scratch).
 */
#include "sampling/sampler_json.h"
#include "sampling/json_schema.h"
#include "models/model.h"
#include "tokenizer/tokenizer.h"

#include <math.h>
#include <string.h>

struct l4a_sjson {
    l4a_jschema *schema;
    const l4a_jmask *mask;      /* the model's, shared */
    l4a_jmatch st;              /* the document so far */
    l4a_token *ends;            /* (n_ends) end-of-generation tokens */
    int32_t n_ends;
    int32_t n_vocab;            /* V */
    float *masked;              /* (V) the logits with the forbidden tokens at -inf */
};

void l4a_sjson_free(l4a_sjson *j) {
    if (!j) return;
    l4a_jschema_free(j->schema);
    l4a_free(j->ends);
    l4a_free(j->masked);
    l4a_free(j);
}

l4a_status l4a_sjson_new(const l4a_model *m, const char *schema, size_t len, l4a_sjson **out) {
    *out = NULL;
    const l4a_vocab *v = l4a_model_vocab(m);
    const int32_t n = l4a_vocab_n_tokens(v);
    l4a_sjson *j = l4a_calloc(1, sizeof *j);
    if (!j) return l4a_fail(L4A_ERR_NOMEM, "json constraint: out of memory");
    j->n_vocab = n;
    l4a_status st = schema ? l4a_jschema_compile(schema, len, &j->schema)
                           : l4a_jschema_any_object(&j->schema);
    if (st != L4A_OK) goto fail;
    j->mask = l4a_model_json_mask(m);
    if (!j->mask) {
        st = L4A_ERR_NOMEM;
        goto fail;
    }
    j->masked = l4a_malloc((size_t)n * sizeof *j->masked);
    j->ends = l4a_malloc((size_t)n * sizeof *j->ends);
    if (!j->masked || !j->ends) {
        st = l4a_fail(L4A_ERR_NOMEM, "json constraint: out of memory for %d tokens", n);
        goto fail;
    }
    for (l4a_token t = 0; t < n; t++)
        if (l4a_vocab_is_eog(v, t)) j->ends[j->n_ends++] = t;
    l4a_jmatch_init(&j->st, j->schema);
    *out = j;
    return L4A_OK;
fail:
    l4a_sjson_free(j);
    return st;
}

void l4a_sjson_restart(l4a_sjson *j) {
    if (j) l4a_jmatch_init(&j->st, j->schema);
}

const float *l4a_sjson_apply(l4a_sjson *j, const float *logits) {
    memcpy(j->masked, logits, (size_t)j->n_vocab * sizeof *j->masked);
    l4a_jmask_apply_ends(j->mask, &j->st, j->masked, j->ends, j->n_ends);
    return j->masked;
}

bool l4a_sjson_any_allowed(const l4a_sjson *j) {
    for (int32_t t = 0; t < j->n_vocab; t++)
        if (j->masked[t] != -INFINITY) return true;
    return false;
}

l4a_token l4a_sjson_fallback(const l4a_sjson *j) { return j->n_ends ? j->ends[0] : 0; }

void l4a_sjson_advance(l4a_sjson *j, l4a_token t) {
    for (int32_t i = 0; i < j->n_ends; i++)
        if (j->ends[i] == t) return;
    /* the token was allowed by the mask, so it continues the document */
    bool ok = l4a_jmask_feed_token(j->mask, &j->st, t);
    L4A_ASSERT(ok);
}

int l4a_sjson_done(const l4a_sjson *j) { return !l4a_jmatch_can_continue(&j->st); }
