/*
 * tokenize.c - text to token ids: special tokens first (special.c), then the vocabulary's
 * model on each piece of raw text (bpe.c or spm.c), with BOS/EOS around when asked.
 *
 * SentencePiece details, as llama.cpp: spaces become "▁" (U+2581) and, with add_space_prefix,
 * every raw piece that starts the text or follows a special token gets a leading space.
 *
 * Hugging Face tokenizer.json vocabularies (v->hf): each raw piece goes through the normalizer
 * steps and the Metaspace pre-tokenizer (hf_pipeline.c), then the model: byte-level BPE, or
 * CBPE on each word (the whole piece, or, with Metaspace's split, words that each start at a
 * replacement character).
 */
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

#include <string.h>

/* "▁" */
static const uint8_t k_space_mark[3] = {0xE2, 0x96, 0x81};

/* SentencePiece on one raw piece: escape spaces (and prefix one), then merge. */
static l4a_status spm_piece(const l4a_vocab *v, const uint8_t *s, size_t len, bool prefix,
                            l4a_tokvec *out) {
    size_t spaces = prefix;
    for (size_t i = 0; i < len; i++) spaces += s[i] == ' ';
    uint8_t *buf = l4a_malloc(len + 2 * spaces + 1);
    if (!buf) return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory for %zu bytes of text", len);
    size_t n = 0;
    if (prefix) { memcpy(buf, k_space_mark, 3); n = 3; }
    for (size_t i = 0; i < len; i++) {
        if (s[i] == ' ') { memcpy(buf + n, k_space_mark, 3); n += 3; }
        else buf[n++] = s[i];
    }
    l4a_status st = l4a_spm_tokenize(v, buf, n, out);
    l4a_free(buf);
    return st;
}

/* CBPE words: cut before each Metaspace replacement character when split is on. */
static l4a_status cbpe_words(const l4a_vocab *v, const uint8_t *s, size_t len, l4a_tokvec *out) {
    if (!v->meta_char || !v->meta_split) return l4a_cbpe_tokenize(v, s, len, out);
    uint8_t mark[4];
    size_t mlen = l4a_utf8_encode(v->meta_char, mark), start = 0;
    for (size_t i = 1; i + mlen <= len; i++) {
        if (memcmp(s + i, mark, mlen) != 0) continue;
        l4a_status st = l4a_cbpe_tokenize(v, s + start, i - start, out);
        if (st) return st;
        start = i;
        i += mlen - 1;
    }
    return l4a_cbpe_tokenize(v, s + start, len - start, out);
}

/* A raw piece of an HF vocabulary: normalize, then the model. */
static l4a_status hf_piece(const l4a_vocab *v, const uint8_t *s, size_t len, bool first, l4a_tokvec *out) {
    uint8_t *buf = NULL;
    size_t n = 0;
    l4a_status st = l4a_hf_normalize(v, s, len, first, &buf, &n);
    if (st) return st;
    st = v->type == L4A_VOCAB_CBPE ? cbpe_words(v, buf, n, out) : l4a_bpe_tokenize(v, buf, n, out);
    l4a_free(buf);
    return st;
}

int32_t l4a_vocab_tokenize(const l4a_vocab *v, const char *text, size_t len, l4a_token *tokens,
                           int32_t n_max, bool add_special, bool parse_special) {
    if (!v || (!text && len) || n_max < 0 || (!tokens && n_max > 0)) {
        l4a_fail(L4A_ERR_INVALID_ARG, "tokenize: bad arguments (vocab %p, text %p, len %zu, tokens %p, n_max %d)",
                 (const void *)v, (const void *)text, len, (void *)tokens, n_max);
        return INT32_MIN;
    }
    const uint8_t *s = (const uint8_t *)text;
    l4a_fragvec frags = {0};
    l4a_tokvec out = {0};
    l4a_status st = l4a_special_partition(v, s, len, parse_special, &frags);
    if (st) goto done;

    if (add_special && v->add_bos && (st = l4a_tokvec_push(&out, v->bos))) goto done;
    bool after_special = true;  /* the start of the text counts as after a special token */
    for (size_t i = 0; i < frags.n; i++) {
        const l4a_fragment *f = &frags.f[i];
        if (f->token >= 0) st = l4a_tokvec_push(&out, f->token);
        else if (v->hf) st = hf_piece(v, s + f->start, f->len, f->start == 0, &out);
        else if (v->type == L4A_VOCAB_SPM)
            st = spm_piece(v, s + f->start, f->len, v->add_space_prefix && after_special, &out);
        else st = l4a_bpe_tokenize(v, s + f->start, f->len, &out);
        if (st) goto done;
        after_special = f->token >= 0;
    }
    if (add_special && v->add_eos && (st = l4a_tokvec_push(&out, v->eos))) goto done;
    if (out.n > INT32_MAX) st = l4a_fail(L4A_ERR_UNSUPPORTED, "tokenize: more than %d tokens", INT32_MAX);
done:;
    int32_t ret;
    if (st) ret = INT32_MIN;
    else if (out.n > (size_t)n_max) ret = -(int32_t)out.n;
    else {
        if (out.n) memcpy(tokens, out.ids, out.n * sizeof *tokens);
        ret = (int32_t)out.n;
    }
    l4a_free(frags.f);
    l4a_free(out.ids);
    return ret;
}
