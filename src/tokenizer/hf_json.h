/*
 * hf_json.h - tokenizer-internal: the normalizer and decoder chains of a Hugging Face
 * tokenizer.json (hf_pipeline.c), parsed from cJSON for tokenizer_hf.c.
 *
 * Not a regex engine: Replace patterns are recognised in a small subset (a fixed sequence of
 * characters or character classes, then at most one lookahead class), which covers the
 * normalizers of the tokenizers we load (Lucie: "\n(?=[ \w])", "[\r\x00]", "[ \u00A0]").
 * Anything else is L4A_ERR_UNSUPPORTED naming the file, the field and the pattern.
 */
#ifndef L4A_TOKENIZER_HF_JSON_H
#define L4A_TOKENIZER_HF_JSON_H

#include "tokenizer/vocab.h"

#include <cjson/cJSON.h>

/* Parse the "normalizer" (j may be NULL or JSON null: no steps) into a new step array.
 * file names the file in errors. */
l4a_status l4a_hf_parse_normalizer(const cJSON *j, const char *file, l4a_hf_step **steps, int32_t *n);
/* Parse the "decoder" likewise (NULL: no decoder, tokens are concatenated as stored). */
l4a_status l4a_hf_parse_decoder(const cJSON *j, const char *file, l4a_hf_step **steps, int32_t *n);

#endif
