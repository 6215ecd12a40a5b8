/* src/tokenizer/tokenizer_hf.h */
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

/* The same from bytes in memory (for tests and fuzzing): a tokenizer.json text json[0..len)
 * and, optionally (NULL), a tokenizer_config.json text cfg[0..cfg_len). file names the
 * tokenizer.json in errors. Supported: model BPE (vocab, merges as "a b" or [a, b], byte
 * fallback, ignore_merges, unk, fuse_unk), added_tokens, the normalizers and decoders of
 * hf_pipeline.c, the pre-tokenizers ByteLevel, Metaspace, and the known Split/Digits/
 * Punctuation sequences of GPT-2, Llama 3, Qwen 2, StarCoder/SmolLM and Falcon; the
 * TemplateProcessing, Bert and Roberta post-processors for BOS/EOS. Anything else is
 * L4A_ERR_UNSUPPORTED. */
l4a_status l4a_vocab_load_hf_json(const char *json, size_t len, const char *cfg, size_t cfg_len,
                                  const char *file, l4a_vocab **out);

/* The same for the tokenizer.json a GGUF file carries (tokenizer.huggingface.json): the ids,
 * add_bos/add_eos and chat template come from g's tokenizer.ggml.* keys instead of a
 * tokenizer_config.json. */
l4a_status l4a_vocab_load_hf_json_gguf(const char *json, size_t len, const l4a_gguf *g,
                                       l4a_vocab **out);

/* A SentencePiece ModelProto (tokenizer.model) data[0..len), BPE type only, as an SPM
 * vocabulary (like GGUF's "llama" model): pieces, scores, types, byte fallback,
 * add_dummy_prefix, unk/bos/eos ids. cfg as above (may be NULL). Errors name file and field
 * (spm_model.c). */
l4a_status l4a_vocab_load_spm_model(const uint8_t *data, size_t len, const char *cfg, size_t cfg_len,
                                    const char *file, l4a_vocab **out);

/* Apply a tokenizer_config.json text (chat_template, bos/eos/unk/pad tokens, add_bos_token,
 * add_eos_token, clean_up_tokenization_spaces) to a vocabulary being loaded. */
l4a_status l4a_vocab_apply_hf_config(l4a_vocab *v, const char *cfg, size_t cfg_len, const char *file);

#endif
