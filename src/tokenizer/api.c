/*
 * api.c - the public vocabulary, tokenizer and chat-template functions of include/llm4all.h,
 * as thin wrappers over the l4a_vocab_* functions (tokenizer.h) on the model's vocabulary.
 *
 * A NULL model is an error, reported like the functions' other errors: -1 for token ids,
 * false for predicates, INT32_MIN for the functions that return a length.
 */
#include "models/model.h"
#include "tokenizer/tokenizer.h"

static const l4a_vocab *vocab_of(const l4a_model *m, const char *fn) {
    const l4a_vocab *v = m ? l4a_model_vocab(m) : NULL;
    if (!v)
        l4a_fail(L4A_ERR_INVALID_ARG, "%s: %s", fn, m ? "the model has no vocabulary (a Hugging "
                 "Face folder without tokenizer.json or tokenizer.model runs token ids only)"
                 : "no model");
    return v;
}

L4A_API l4a_token l4a_token_bos(const l4a_model *m) {
    const l4a_vocab *v = vocab_of(m, "l4a_token_bos");
    return v ? l4a_vocab_bos(v) : -1;
}

L4A_API l4a_token l4a_token_eos(const l4a_model *m) {
    const l4a_vocab *v = vocab_of(m, "l4a_token_eos");
    return v ? l4a_vocab_eos(v) : -1;
}

L4A_API l4a_token l4a_token_eot(const l4a_model *m) {
    const l4a_vocab *v = vocab_of(m, "l4a_token_eot");
    return v ? l4a_vocab_eot(v) : -1;
}

L4A_API bool l4a_token_is_eog(const l4a_model *m, l4a_token t) {
    const l4a_vocab *v = vocab_of(m, "l4a_token_is_eog");
    return v && l4a_vocab_is_eog(v, t);
}

L4A_API bool l4a_token_is_control(const l4a_model *m, l4a_token t) {
    const l4a_vocab *v = vocab_of(m, "l4a_token_is_control");
    return v && l4a_vocab_is_control(v, t);
}

L4A_API bool l4a_add_bos(const l4a_model *m) {
    const l4a_vocab *v = vocab_of(m, "l4a_add_bos");
    return v && l4a_vocab_add_bos(v);
}

L4A_API int32_t l4a_tokenize(const l4a_model *m, const char *text, size_t len, l4a_token *tokens,
                             int32_t n_max, bool add_special, bool parse_special) {
    const l4a_vocab *v = vocab_of(m, "l4a_tokenize");
    return v ? l4a_vocab_tokenize(v, text, len, tokens, n_max, add_special, parse_special) : INT32_MIN;
}

L4A_API int32_t l4a_token_to_piece(const l4a_model *m, l4a_token t, char *buf, size_t size,
                                   bool special) {
    const l4a_vocab *v = vocab_of(m, "l4a_token_to_piece");
    return v ? l4a_vocab_token_to_piece(v, t, buf, size, special) : INT32_MIN;
}

L4A_API int32_t l4a_detokenize(const l4a_model *m, const l4a_token *tokens, int32_t n, char *buf,
                               size_t size, bool special) {
    const l4a_vocab *v = vocab_of(m, "l4a_detokenize");
    return v ? l4a_vocab_detokenize(v, tokens, n, buf, size, special) : INT32_MIN;
}

L4A_API int32_t l4a_chat_apply(const l4a_model *m, const char *tmpl, const l4a_chat_msg *msgs,
                               size_t n_msgs, bool add_assistant, char *buf, size_t size) {
    /* with a family name the model is optional (its BOS/EOS texts are used when given) */
    const l4a_vocab *v = m ? l4a_model_vocab(m) : NULL;
    if (!v && !tmpl) {
        l4a_fail(L4A_ERR_INVALID_ARG, "l4a_chat_apply: no model and no template name");
        return INT32_MIN;
    }
    return l4a_vocab_chat_apply(v, tmpl, msgs, n_msgs, add_assistant, buf, size);
}
