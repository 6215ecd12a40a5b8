/*
 * hf_names.h - Hugging Face tensor names -> llama.cpp's GGUF tensor names, per family
 * (transformers' module names; llama.cpp's gguf-py tensor_mapping is the naming we follow,
 * not copied). Private to formats/hf.c.
 */
#ifndef L4A_FORMATS_HF_NAMES_H
#define L4A_FORMATS_HF_NAMES_H

#include "formats/hf_config.h"

#include <stddef.h>

typedef enum l4a_hf_name_kind {
    L4A_HF_NAME_UNKNOWN = 0,    /* not a tensor llm4all knows for this family */
    L4A_HF_NAME_SKIP,           /* a buffer saved by old checkpoints (rotary inv_freq) */
    L4A_HF_NAME_WEIGHT,         /* a matrix or an embedding */
    L4A_HF_NAME_NORM,           /* a norm's weight (Gemma: stored as w - 1) */
    L4A_HF_NAME_VECTOR,         /* another 1-D tensor: a norm's bias, a linear bias */
    L4A_HF_NAME_QKV,            /* Falcon's fused query_key_value */
} l4a_hf_name_kind;

/* The GGUF name of Hugging Face tensor hf into out (size bytes), and its kind. */
l4a_hf_name_kind l4a_hf_tensor_name(l4a_hf_family f, const char *hf, char *out, size_t size);

#endif
