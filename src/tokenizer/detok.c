/*
 * detok.c - token ids back to bytes: one token's piece, or a sequence's concatenated pieces.
 *
 * Pieces are precomputed at load (vocab.c, make_piece). A piece may be part of a UTF-8
 * character (byte tokens, and BPE tokens that split a character), so only the concatenation of
 * a whole sequence is text; nothing here checks or repairs UTF-8.
 */
#include "tokenizer/vocab.h"

#include <string.h>

static int32_t bad_token(const l4a_vocab *v, const char *fn, l4a_token t) {
    l4a_fail(L4A_ERR_INVALID_ARG, "%s: token id %d is outside the vocabulary (0..%d)", fn, t,
             v->n_tokens - 1);
    return INT32_MIN;
}

/* The piece of t as decoding renders it (control and unknown tokens only when special). */
static const char *piece_of(const l4a_vocab *v, l4a_token t, bool special, size_t *len) {
    if (!special && (v->attr[t] & (L4A_TOK_CONTROL | L4A_TOK_UNKNOWN))) { *len = 0; return ""; }
    *len = (size_t)(v->piece_off[t + 1] - v->piece_off[t]);
    return v->piece + v->piece_off[t];
}

int32_t l4a_vocab_token_to_piece(const l4a_vocab *v, l4a_token t, char *buf, size_t size,
                                 bool special) {
    if (!v || (!buf && size)) {
        l4a_fail(L4A_ERR_INVALID_ARG, "token_to_piece: bad arguments");
        return INT32_MIN;
    }
    if (t < 0 || t >= v->n_tokens) return bad_token(v, "token_to_piece", t);
    size_t len;
    const char *p = piece_of(v, t, special, &len);
    if (len > INT32_MAX) return bad_token(v, "token_to_piece", t);  /* not possible: texts are short */
    if (len > size) return -(int32_t)len;
    if (len) memcpy(buf, p, len);
    return (int32_t)len;
}

/* clean_up_tokenization_spaces, in place, as llama.cpp applies it (three passes, each reading
 * the output of the previous one); returns the new length. */
static size_t clean_spaces(char *s, size_t n) {
    if (n == 0) return 0;
    /* " ?" " !" " ." " ," lose the space */
    size_t w = 1;
    for (size_t i = 1; i < n; i++) {
        char x = s[i];
        if (s[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) w--;
        s[w++] = x;
    }
    n = w;
    /* " ' " becomes "'" (the following space is blanked, as in llama.cpp, so a second
     * apostrophe right after it does not see a space before it) */
    w = 1;
    for (size_t i = 1; i < n; i++) {
        char x = s[i];
        if (x == '\'' && i + 1 < n && s[i - 1] == ' ' && s[i + 1] == ' ') {
            w--;
            s[++i] = 0;
        }
        s[w++] = x;
    }
    n = w;
    /* " 's" " 'm" " 're" " 've" lose the space (" 't" " 'd" " 'll" keep it) */
    w = 1;
    for (size_t i = 1; i < n; i++) {
        char x = s[i];
        if (s[i - 1] == ' ' && x == '\'' && i + 1 < n) {
            char a = s[i + 1];
            if (a == 's' || a == 'm') w--;
            else if (i + 2 < n && ((a == 'r' && s[i + 2] == 'e') || (a == 'v' && s[i + 2] == 'e'))) w--;
        }
        s[w++] = x;
    }
    return w;
}

int32_t l4a_vocab_detokenize(const l4a_vocab *v, const l4a_token *tokens, int32_t n, char *buf,
                             size_t size, bool special) {
    if (!v || n < 0 || (!tokens && n > 0) || (!buf && size)) {
        l4a_fail(L4A_ERR_INVALID_ARG, "detokenize: bad arguments (n %d)", n);
        return INT32_MIN;
    }
    for (int32_t i = 0; i < n; i++)
        if (tokens[i] < 0 || tokens[i] >= v->n_tokens) return bad_token(v, "detokenize", tokens[i]);
    if (v->hf) {  /* the tokenizer.json decoder chain (hf_pipeline.c) */
        char *text = NULL;
        size_t len = 0;
        if (l4a_hf_decode(v, tokens, n, special, &text, &len)) return INT32_MIN;
        if (v->clean_spaces) len = clean_spaces(text, len);
        int32_t ret = len > INT32_MAX ? INT32_MIN : len > size ? -(int32_t)len : (int32_t)len;
        if (len > INT32_MAX) l4a_fail(L4A_ERR_UNSUPPORTED, "detokenize: text of %zu bytes is too long", len);
        else if (len <= size && len) memcpy(buf, text, len);
        l4a_free(text);
        return ret;
    }

    /* the token whose leading space add_space_prefix put there: the first after BOS tokens */
    int32_t strip_at = -1;
    if (v->add_space_prefix) {
        strip_at = 0;
        while (strip_at < n && tokens[strip_at] == v->bos) strip_at++;
    }
    uint64_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        size_t len;
        const char *p = piece_of(v, tokens[i], special, &len);
        total += len - (i == strip_at && len && p[0] == ' ');
    }
    if (total > INT32_MAX) {
        l4a_fail(L4A_ERR_UNSUPPORTED, "detokenize: text of %llu bytes is too long", (unsigned long long)total);
        return INT32_MIN;
    }
    if (total > size) return -(int32_t)total;

    size_t at = 0;
    for (int32_t i = 0; i < n; i++) {
        size_t len;
        const char *p = piece_of(v, tokens[i], special, &len);
        if (i == strip_at && len && p[0] == ' ') { p++; len--; }
        if (len) memcpy(buf + at, p, len);
        at += len;
    }
    if (v->clean_spaces) at = clean_spaces(buf, at);
    return (int32_t)at;
}
