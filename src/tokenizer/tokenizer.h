/*
 * tokenizer.h - vocabularies and tokenizers loaded from GGUF metadata (tokenizer.ggml.*).
 *
 * Two models: byte-level BPE (GPT-2 style: tokenizer.ggml.model = "gpt2", with the regex
 * pre-tokenizer that tokenizer.ggml.pre names) and SentencePiece (tokenizer.ggml.model =
 * "llama": scores, byte fallback <0xNN>, "▁" for spaces). Special/control tokens are matched
 * in text when parse_special is asked. The public functions l4a_tokenize, l4a_detokenize,
 * l4a_token_to_piece, l4a_token_* and l4a_chat_apply are implemented on top of this.
 */
#ifndef L4A_TOKENIZER_H
#define L4A_TOKENIZER_H

#include "core/core.h"
#include "formats/gguf.h"

typedef struct l4a_vocab l4a_vocab;

/* Build the vocabulary from a parsed GGUF (strings are copied or indexed; the gguf may be
 * freed afterwards only if the vocab says it copied: it copies). Errors name the key. */
l4a_status l4a_vocab_load(const l4a_gguf *g, l4a_vocab **out);
void l4a_vocab_free(l4a_vocab *v);
int32_t l4a_vocab_n_tokens(const l4a_vocab *v);
/* The chat template string from tokenizer.chat_template, or NULL. */
const char *l4a_vocab_chat_template(const l4a_vocab *v);

#endif
