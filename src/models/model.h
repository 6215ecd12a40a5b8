/*
 * model.h - the loaded model: hyper-parameters, weights (views into the mapped GGUF) and the
 * vocabulary. Shared by inference now and by training and speech models later: weights are
 * plain l4a_tensor views with explicit owners (the gguf map owns their bytes).
 */
#ifndef L4A_MODEL_H
#define L4A_MODEL_H

#include "core/core.h"
#include "formats/gguf.h"
#include "tokenizer/tokenizer.h"

/* The vocabulary of a model: NULL only for a Hugging Face folder without tokenizer files. */
const l4a_vocab *l4a_model_vocab(const l4a_model *m);
/* The parsed GGUF (metadata, tensors) of a model. */
const l4a_gguf *l4a_model_gguf(const l4a_model *m);

/* The numerics of a context. On (the default), activations are rounded before each matmul
 * to the grid of ggml's integer dot product for the weight type, and an F16 cache's
 * attention operands to f16, so that results are llama.cpp's (kernels/actround.c). Off,
 * everything stays in float: the model's exact function up to float rounding, for checks
 * against a float64 reference. Not thread-safe: set between decodes. */
void l4a_ctx_set_ggml_rounding(l4a_ctx *ctx, bool on);

/* The model's token mask for JSON-constrained sampling (sampling/json_schema.h): built from
 * the vocabulary at the first call, then shared read-only by every sampler of the model.
 * Thread-safe. NULL on failure (out of memory; l4a_last_error() says). */
struct l4a_jmask;
const struct l4a_jmask *l4a_model_json_mask(const l4a_model *m);

#endif
