/*
 * tokenizer_hf_stub.c - placeholder for l4a_vocab_load_hf until the Hugging Face tokenizer
 * reader is merged (it replaces this file). Always fails, naming what is missing.
 */
#include "tokenizer/tokenizer_hf.h"

l4a_status l4a_vocab_load_hf(const char *dir, l4a_vocab **out) {
    *out = NULL;
    return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: reading tokenizer.json / tokenizer.model is not "
                    "implemented in this build", dir);
}
