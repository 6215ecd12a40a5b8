/*
 * tokenizer_hf.h - vocabularies from Hugging Face files: tokenizer.json (+ tokenizer_config.json)
 * or a SentencePiece tokenizer.model, read from a model folder.
 */
#ifndef L4A_TOKENIZER_HF_H
#define L4A_TOKENIZER_HF_H

#include "tokenizer/tokenizer.h"

/* Load the vocabulary of the Hugging Face model folder dir: tokenizer.json with
 * tokenizer_config.json (chat template, bos/eos, add_bos), else tokenizer.model. On success
 * *out is owned by the caller (l4a_vocab_free). Errors name the file and the field. */
l4a_status l4a_vocab_load_hf(const char *dir, l4a_vocab **out);
/* ---- more below */

#endif
