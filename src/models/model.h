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

/* The vocabulary of a model (never NULL for a loaded model). */
const l4a_vocab *l4a_model_vocab(const l4a_model *m);
/* The parsed GGUF (metadata, tensors) of a model. */
const l4a_gguf *l4a_model_gguf(const l4a_model *m);

#endif
