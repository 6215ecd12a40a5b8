/*
 * sampler_json.h - the JSON-schema constraint that a sampler may carry (sampler_json.c), seen by
 * sampler.c only. Public entry points: l4a_sampler_set_json_schema and friends (llm4all.h).
 */
#ifndef L4A_SAMPLER_JSON_H
#define L4A_SAMPLER_JSON_H

#include "core/core.h"

typedef struct l4a_sjson l4a_sjson;

/* Compile schema (len bytes; NULL: any JSON object) for model m. *out owned by the caller. */
l4a_status l4a_sjson_new(const l4a_model *m, const char *schema, size_t len, l4a_sjson **out);
void l4a_sjson_free(l4a_sjson *j);
/* Start the document again. */
void l4a_sjson_restart(l4a_sjson *j);
/* A copy of logits (n_vocab) with every token that cannot come next at -inf; owned by j,
 * valid until the next call. */
const float *l4a_sjson_apply(l4a_sjson *j, const float *logits);
/* After l4a_sjson_apply: some token is allowed (false only with a vocabulary that cannot
 * write the document, e.g. no end token once it is complete). */
bool l4a_sjson_any_allowed(const l4a_sjson *j);
/* The token to return when nothing is allowed: the first end-of-generation token. */
l4a_token l4a_sjson_fallback(const l4a_sjson *j);
/* Take token t (allowed by the last apply) as produced. */
void l4a_sjson_advance(l4a_sjson *j, l4a_token t);
/* 1 when the document is complete and closed. */
int l4a_sjson_done(const l4a_sjson *j);

#endif
