/*
 * hf.h - a Hugging Face model folder (config.json + model.safetensors or its shards) opened as
 * an l4a_gguf: the hyper-parameters under llama.cpp's GGUF key names, the weights under
 * llama.cpp's GGUF tensor names, so that the one loader (models/model.c) and the one forward
 * pass run it. Not the vocabulary (tokenizer/tokenizer_hf.h).
 *
 * Families: LlamaForCausalLM and MistralForCausalLM (GGUF arch "llama"; Mistral's
 * sliding_window becomes llama.attention.sliding_window), Qwen2ForCausalLM ("qwen2"),
 * Gemma3ForCausalLM ("gemma3"), FalconForCausalLM / RWForCausalLM ("falcon").
 *
 * Weights stay in the mapped files (2-D tensors of F32, F16, BF16 are views), except:
 *  - 1-D tensors (norms) are widened to F32, as the loader wants (Gemma's "1 + w" added, as
 *    llama.cpp's converter does);
 *  - Falcon's fused query_key_value when its rows interleave q, k and v per key/value group
 *    (new_decoder_architecture, or one KV head per query head): reordered into
 *    [q (H*D); k (HKV*D); v (HKV*D)], llama.cpp's attn_qkv layout (a copy of that tensor);
 *  - a tensor whose bytes are not aligned to its element type in the file (copied).
 * Q and K rows are NOT permuted as llama.cpp's converter does for llama: the result is marked
 * hf_layout, and the loader runs it with the rotate-half RoPE pairing that Hugging Face uses.
 * Llama 3 rope scaling becomes a rope_freqs tensor, as in llama.cpp's GGUF files.
 */
#ifndef L4A_FORMATS_HF_H
#define L4A_FORMATS_HF_H

#include "formats/gguf.h"

/* Open folder dir. On success *out is owned by the caller (l4a_gguf_free), with the mapped
 * files. Errors name the file (config.json, a shard) and the key or tensor. */
l4a_status l4a_hf_open(const char *dir, l4a_gguf **out);

/* Is path a folder (then l4a_model_load reads it as a Hugging Face model)? */
bool l4a_hf_is_dir(const char *path);

#endif
