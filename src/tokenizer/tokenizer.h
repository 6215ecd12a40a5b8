/*
 * tokenizer.h - vocabularies and tokenizers loaded from GGUF metadata (tokenizer.ggml.*).
 *
 * Two models: byte-level BPE (GPT-2 style: tokenizer.ggml.model = "gpt2", with the regex
 * pre-tokenizer that tokenizer.ggml.pre names) and SentencePiece (tokenizer.ggml.model =
 * "llama": scores, byte fallback <0xNN>, "▁" for spaces). Special/control tokens are matched
 * in text when parse_special is asked. The public functions l4a_tokenize, l4a_detokenize,
 * l4a_token_to_piece, l4a_token_* and l4a_chat_apply are implemented on top of this (api.c):
 * the l4a_vocab_* functions below are the same operations on a vocabulary alone, so that tests
 * and tools can use them without loading weights.
 *
 * The reference for every rule is llama.cpp (src/llama-vocab.cpp, src/unicode.cpp): token ids
 * are meant to match it token for token. Where we choose differently, the function says so.
 * A loaded vocabulary is read-only: every function here is thread-safe.
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

/* Token attributes, a bit mask (tokenizer.ggml.token_type 1..6, plus the load-time rules:
 * end-of-turn and fill-in-the-middle tokens found by their text become CONTROL, except in
 * vocabularies from tokenizer.json, whose added_tokens say which tokens are special). */
enum {
    L4A_TOK_NORMAL = 1,
    L4A_TOK_UNKNOWN = 2,
    L4A_TOK_CONTROL = 4,
    L4A_TOK_USER_DEFINED = 8,
    L4A_TOK_UNUSED = 16,
    L4A_TOK_BYTE = 32,
};
/* Attributes of token t (0 for an id out of range). */
uint32_t l4a_vocab_token_attr(const l4a_vocab *v, l4a_token t);
/* The stored text of token t (not NUL-terminated) and its length; NULL for an id out of range. */
const char *l4a_vocab_token_text(const l4a_vocab *v, l4a_token t, size_t *len);

/* Special tokens, -1 when the vocabulary has none.
 * bos/eos: tokenizer.ggml.bos_token_id / eos_token_id, else llama.cpp's defaults for the
 * tokenizer type (SentencePiece 1 / 2; BPE 11 / 11, GPT-2's <|endoftext|>), when in range.
 * eot: tokenizer.ggml.eot_token_id, else the first of these texts the vocabulary has:
 * <|eot_id|> <|im_end|> <|end|> <end_of_turn> <|endoftext|> <|end_of_text|> <EOT> _<EOT> [EOT]
 * <｜end▁of▁sentence｜> <end_of_utterance> (llama.cpp takes whichever its hash map yields
 * first; the order here prefers the end-of-turn tokens of chat formats). */
l4a_token l4a_vocab_bos(const l4a_vocab *v);
l4a_token l4a_vocab_eos(const l4a_vocab *v);
l4a_token l4a_vocab_eot(const l4a_vocab *v);
/* End of generation: eos, eot, eom, the fill-in-the-middle pad/repo/separator tokens, and every
 * token whose text is one of llama.cpp's end texts (<|im_end|>, <|endoftext|>, <end_of_turn>,
 * <|eot_id|>, <eos>, </s> ...). */
bool l4a_vocab_is_eog(const l4a_vocab *v, l4a_token t);
bool l4a_vocab_is_control(const l4a_vocab *v, l4a_token t);
/* Does tokenize(add_special) put a BOS first (tokenizer.ggml.add_bos_token; default true for
 * SentencePiece and Llama 3's pre-tokenizer, false for other BPE). */
bool l4a_vocab_add_bos(const l4a_vocab *v);

/* Can byte b be spelled by some token (BPE: the GPT-2 character of b is a token; SPM: a byte
 * fallback token <0xXX> or a one-byte token)? When every byte of a valid UTF-8 text can,
 * detokenize(tokenize(text)) gives the text back. */
bool l4a_vocab_has_byte(const l4a_vocab *v, uint8_t b);

/* Tokenize text[0..len). Semantics of l4a_tokenize (include/llm4all.h):
 *  - parse_special: control and unknown tokens written in the text are recognised (longest
 *    text first). User-defined tokens (type 4, e.g. Gemma's "\n\n" or runs of spaces) are
 *    always recognised, with or without parse_special, as llama.cpp and HF tokenizers do.
 *  - add_special: BOS first if add_bos, EOS last if add_eos.
 *  - Invalid UTF-8: byte-level BPE decodes it as llama.cpp does (each bad byte becomes U+FFFD,
 *    so the tokens spell EF BF BD there); SentencePiece keeps the bytes (byte fallback).
 *  - A byte that no token can spell is dropped, as llama.cpp does (SmolLM2's vocabulary lacks
 *    21 of the 256 byte characters: 0x04, 0x06, 0x13, 0x14, 0x16, 0x1D, 0xC0, 0xC1, 0xF1,
 *    0xF2, 0xF5..0xFF); see l4a_vocab_has_byte.
 * Returns the number of tokens; when that is more than n_max, -(number) and tokens is left
 * untouched. INT32_MIN on an error (bad arguments, out of memory, more than INT32_MAX tokens),
 * with l4a_last_error() set. */
int32_t l4a_vocab_tokenize(const l4a_vocab *v, const char *text, size_t len, l4a_token *tokens,
                           int32_t n_max, bool add_special, bool parse_special);

/* The bytes of token t into buf (no NUL): normal tokens decoded (GPT-2 map, or "▁" -> " "),
 * byte tokens <0xNN> as that one byte, control/unknown tokens as their text if special else
 * nothing, user-defined tokens as their text, unused ones as nothing.
 * Returns the length; -(length) when size is too small (nothing written); INT32_MIN for an id
 * out of range (l4a_last_error() names it). */
int32_t l4a_vocab_token_to_piece(const l4a_vocab *v, l4a_token t, char *buf, size_t size,
                                 bool special);

/* The concatenated pieces of tokens[0..n) into buf (no NUL). When add_space_prefix is set
 * (SentencePiece) the leading space of the first piece after any initial BOS is removed, so
 * that detokenize(tokenize(x, add_special)) == x (llama.cpp keeps it after a BOS that it does
 * not remove). With clean_spaces (some BPE pre-tokenizers) " ." " ," " !" " ?" lose their space
 * and " 's" " 'm" " 're" " 've" theirs, as llama.cpp does.
 * Returns the length; -(needed) when size is too small (an upper bound when clean_spaces
 * applies); INT32_MIN when a token id is out of range. */
int32_t l4a_vocab_detokenize(const l4a_vocab *v, const l4a_token *tokens, int32_t n, char *buf,
                             size_t size, bool special);

/* Chat template rendering (chat.c): see l4a_chat_apply in include/llm4all.h.
 * tmpl: NULL for the vocabulary's tokenizer.chat_template (or, when the file has none, the
 * family of its chat tokens: <start_of_turn> Gemma, <|start_header_id|> Llama 3, <|im_start|>
 * ChatML), a family name ("chatml", "smollm", "qwen", "llama3", "gemma", "mistral", "llama2"),
 * or a template text recognised by its markers. v may be NULL when tmpl is given.
 * The output never contains the BOS text: Gemma's and Llama's templates start with
 * {{ bos_token }}, which is left to l4a_tokenize(add_special = true), so the prompt gets one
 * BOS, not two. */
int32_t l4a_vocab_chat_apply(const l4a_vocab *v, const char *tmpl, const l4a_chat_msg *msgs,
                             size_t n_msgs, bool add_assistant, char *buf, size_t size);

#endif
