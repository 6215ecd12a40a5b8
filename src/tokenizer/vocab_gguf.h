/*
 * vocab_gguf.h - a loaded vocabulary written back as GGUF tokenizer metadata (the
 * tokenizer.ggml.* keys of ggml's docs/gguf.md, as llama.cpp's convert_hf_to_gguf.py writes
 * them), for the converter (formats/hf_convert.c). Not a loader: vocab.c reads these keys.
 */
#ifndef L4A_TOKENIZER_VOCAB_GGUF_H
#define L4A_TOKENIZER_VOCAB_GGUF_H

#include "formats/gguf_build.h"
#include "tokenizer/tokenizer.h"

/* Add the tokenizer keys of v to b:
 *  - byte-level BPE (tokenizer.json with ByteLevel): model "gpt2", pre the llama.cpp name of
 *    the pre-tokenizer ("falcon", "gpt-2", "llama-bpe", "qwen2", "smollm", "default"), tokens
 *    (GPT-2-mapped text, as stored), token_type, merges ("left right", in rank order);
 *  - SentencePiece (tokenizer.model): model "llama", tokens, scores, token_type,
 *    add_space_prefix;
 *  - character BPE with byte fallback (a tokenizer.json without ByteLevel, e.g. Lucie's):
 *    written as llama.cpp's converter writes it (LlamaHfVocab: model "llama", <0xXX> tokens
 *    BYTE, specials CONTROL), with scores from the merge ranks (the token a merge of rank r
 *    makes scores -r; others -1e9) so that llama.cpp's SentencePiece loop merges in BPE order
 *    where it can, plus tokenizer.huggingface.json = hf_json[0..hf_json_len) (the whole
 *    tokenizer.json), which llm4all's loader prefers: llama.cpp has no normalizer chain, so its
 *    ids differ from Hugging Face's where the normalizer acts (Lucie's spaces after brackets and
 *    quotes); llm4all's do not. hf_json is required for this type (NULL: an error saying why);
 * and for all: bos/eos/unknown/padding ids (when set), add_bos_token, add_eos_token and
 * tokenizer.chat_template. Errors (sticky in b, also returned): a token text with a NUL byte
 * (GGUF strings are compared as C strings by llama.cpp), a pre-tokenizer llama.cpp has no name
 * for, out of memory. */
l4a_status l4a_vocab_to_gguf(const l4a_vocab *v, const char *hf_json, size_t hf_json_len,
                             l4a_gguf_builder *b);

#endif
