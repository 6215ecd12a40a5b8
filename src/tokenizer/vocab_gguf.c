/*
 * vocab_gguf.c - see vocab_gguf.h: an l4a_vocab (from Hugging Face files) written as the
 * tokenizer.ggml.* keys that llama.cpp and llm4all's GGUF loader (vocab.c) read.
 *
 * Followed: ggml's docs/gguf.md (tokenizer.ggml.model, tokens, scores, token_type, merges,
 * *_token_id, add_bos_token, tokenizer.huggingface.json, tokenizer.chat_template) and what
 * llama.cpp's convert_hf_to_gguf.py writes for each kind of tokenizer (read for behaviour, not
 * copied): token types 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte; merges
 * as "left right" in the GPT-2-mapped text of the tokens.
 *
 * The merges of a byte-level vocabulary are not kept as strings once loaded (vocab.h: a map
 * from the raw bytes of (left, right) to the rank): they are rebuilt from that map, re-encoded
 * through the GPT-2 byte map (a bijection, so nothing is lost) and sorted by rank. A merge the
 * loader dropped (one that can never apply, or a repeated pair) is not written: the relative
 * order of the others, which is all a BPE loop uses, is kept.
 */
#include "tokenizer/vocab_gguf.h"

#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

#include <stdlib.h>
#include <string.h>

#define KEY(k) "tokenizer.ggml." k

static l4a_status nomem(void) {
    return l4a_fail(L4A_ERR_NOMEM, "convert: out of memory for the vocabulary");
}

/* llama.cpp's name of a byte-level pre-tokenizer (vocab.c reads the same names back). */
static const char *pre_name(l4a_pre_type pre) {
    switch (pre) {
    case L4A_PRE_DEFAULT: return "default";
    case L4A_PRE_GPT2: return "gpt-2";
    case L4A_PRE_LLAMA3: return "llama-bpe";
    case L4A_PRE_QWEN2: return "qwen2";
    case L4A_PRE_SMOLLM: return "smollm";
    case L4A_PRE_FALCON: return "falcon";
    case L4A_PRE_NONE: break;
    }
    return NULL;
}

/* GGUF token type of attribute bits (the strongest one). */
static int32_t token_type(uint8_t a) {
    if (a & L4A_TOK_BYTE) return 6;
    if (a & L4A_TOK_UNKNOWN) return 2;
    if (a & L4A_TOK_CONTROL) return 3;
    if (a & L4A_TOK_USER_DEFINED) return 4;
    if (a & L4A_TOK_UNUSED) return 5;
    if (a & L4A_TOK_NORMAL) return 1;
    return 0;
}

/* Tokens as NUL-terminated strings (one buffer), token types, into b. */
static l4a_status put_tokens(const l4a_vocab *v, l4a_gguf_builder *b) {
    size_t n = (size_t)v->n_tokens, total = (size_t)v->text_off[n] + n;
    char *buf = l4a_malloc(total);
    const char **ptrs = l4a_malloc(n * sizeof *ptrs);
    int32_t *types = l4a_malloc(n * sizeof *types);
    l4a_status st = L4A_OK;
    if (!buf || !ptrs || !types) { st = nomem(); goto done; }
    char *p = buf;
    for (size_t t = 0; t < n; t++) {
        size_t len;
        const char *s = l4a_vocab_text(v, (l4a_token)t, &len);
        if (memchr(s, 0, len)) {
            st = l4a_fail(L4A_ERR_UNSUPPORTED, "convert: token %zu holds a NUL byte, which a GGUF "
                          "vocabulary cannot carry (llama.cpp compares token texts as C strings)", t);
            goto done;
        }
        memcpy(p, s, len);
        p[len] = 0;
        ptrs[t] = p;
        p += len + 1;
        types[t] = token_type(v->attr[t]);
    }
    l4a_gguf_build_str_arr(b, KEY("tokens"), ptrs, n);
    l4a_gguf_build_arr(b, KEY("token_type"), L4A_GGUF_I32, types, n);
    st = l4a_gguf_build_status(b);
done:
    l4a_free(buf);
    l4a_free(ptrs);
    l4a_free(types);
    return st;
}

/* Append the GPT-2-mapped text of bytes s[0..len) at out; return the new end. */
static char *gpt2_encode(const uint8_t *s, size_t len, char *out) {
    for (size_t i = 0; i < len; i++) out += l4a_utf8_encode(l4a_gpt2_byte_char(s[i]), (uint8_t *)out);
    return out;
}

typedef struct merge_ref {
    int32_t rank;
    uint32_t off, len, split;
} merge_ref;

static int cmp_rank(const void *a, const void *b) {
    int32_t x = ((const merge_ref *)a)->rank, y = ((const merge_ref *)b)->rank;
    return (x > y) - (x < y);
}

/* The merges of the map v->merges in rank order. */
static l4a_status collect_merges(const l4a_vocab *v, merge_ref **out, size_t *n_out) {
    const l4a_strmap *m = &v->merges;
    size_t n = 0;
    merge_ref *refs = l4a_malloc((size_t)(m->count ? m->count : 1) * sizeof *refs);
    if (!refs) return nomem();
    for (uint64_t i = 0; m->slots && i <= m->mask; i++) {
        const l4a_strmap_slot *s = &m->slots[i];
        if (s->value < 0 || n == m->count) continue;
        refs[n++] = (merge_ref){s->value, s->off, s->len, s->split};
    }
    qsort(refs, n, sizeof *refs, cmp_rank);
    *out = refs;
    *n_out = n;
    return L4A_OK;
}

/* Byte-level BPE merges: "left right" in GPT-2-mapped text (a byte maps to at most 2 bytes). */
static l4a_status put_merges(const l4a_vocab *v, l4a_gguf_builder *b) {
    merge_ref *refs = NULL;
    size_t n = 0;
    l4a_status st = collect_merges(v, &refs, &n);
    if (st) return st;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) total += 2ull * refs[i].len + 2;
    char *buf = l4a_malloc((size_t)total + 1);
    const char **ptrs = l4a_malloc((n ? n : 1) * sizeof *ptrs);
    if (!buf || !ptrs) { st = nomem(); goto done; }
    char *p = buf;
    for (size_t i = 0; i < n; i++) {
        const uint8_t *key = v->merges.arena + refs[i].off;
        ptrs[i] = p;
        p = gpt2_encode(key, refs[i].split, p);
        *p++ = ' ';
        p = gpt2_encode(key + refs[i].split, refs[i].len - refs[i].split, p);
        *p++ = 0;
    }
    l4a_gguf_build_str_arr(b, KEY("merges"), ptrs, n);
    st = l4a_gguf_build_status(b);
done:
    l4a_free(refs);
    l4a_free(buf);
    l4a_free(ptrs);
    return st;
}

/* CBPE: scores for llama.cpp's SentencePiece loop, from the merge ranks (merge keys are the
 * tokens' own texts here, not bytes). */
static l4a_status put_cbpe_scores(const l4a_vocab *v, l4a_gguf_builder *b) {
    merge_ref *refs = NULL;
    size_t n = 0;
    l4a_status st = collect_merges(v, &refs, &n);
    if (st) return st;
    float *score = l4a_malloc((size_t)v->n_tokens * sizeof *score);
    if (!score) { l4a_free(refs); return nomem(); }
    for (int32_t t = 0; t < v->n_tokens; t++) score[t] = -1e9f;
    for (size_t i = n; i-- > 0;) {  /* lowest rank last: it wins */
        l4a_token t = l4a_strmap_get(&v->by_text, v->merges.arena + refs[i].off, refs[i].len, 0);
        if (t >= 0) score[t] = -(float)refs[i].rank;
    }
    l4a_gguf_build_arr(b, KEY("scores"), L4A_GGUF_F32, score, (uint64_t)v->n_tokens);
    l4a_free(score);
    l4a_free(refs);
    return l4a_gguf_build_status(b);
}

/* Whether the normalizer or pre-tokenizer puts "▁" before a text (a Metaspace prefix or a
 * Prepend step): llama.cpp's add_space_prefix. Asked of the tokenizer itself: "a" alone. */
static bool space_prefix(const l4a_vocab *v) {
    l4a_token t[8];
    int32_t n = l4a_vocab_tokenize(v, "a", 1, t, 8, false, false);
    size_t len;
    const char *s = n > 0 ? l4a_vocab_text(v, t[0], &len) : NULL;
    return s && len >= 3 && memcmp(s, "\xe2\x96\x81", 3) == 0;
}

static void put_id(l4a_gguf_builder *b, const char *key, l4a_token id) {
    if (id >= 0) l4a_gguf_build_u32(b, key, (uint32_t)id);
}

l4a_status l4a_vocab_to_gguf(const l4a_vocab *v, const char *hf_json, size_t hf_json_len,
                             l4a_gguf_builder *b) {
    if (!v || !b) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_vocab_to_gguf: NULL argument");
    l4a_status st;
    switch (v->type) {
    case L4A_VOCAB_BPE: {
        const char *pre = pre_name(v->pre);
        if (!pre)
            return l4a_fail(L4A_ERR_UNSUPPORTED, "convert: this byte-level pre-tokenizer has no "
                            "llama.cpp name (%s)", KEY("pre"));
        l4a_gguf_build_str(b, KEY("model"), "gpt2");
        l4a_gguf_build_str(b, KEY("pre"), pre);
        if ((st = put_tokens(v, b)) || (st = put_merges(v, b))) return st;
        break;
    }
    case L4A_VOCAB_SPM:
        l4a_gguf_build_str(b, KEY("model"), "llama");
        if ((st = put_tokens(v, b))) return st;
        l4a_gguf_build_arr(b, KEY("scores"), L4A_GGUF_F32, v->score, (uint64_t)v->n_tokens);
        l4a_gguf_build_bool(b, KEY("add_space_prefix"), v->add_space_prefix);
        break;
    case L4A_VOCAB_CBPE:
        if (!hf_json)
            return l4a_fail(L4A_ERR_UNSUPPORTED, "convert: a character-level BPE vocabulary (no "
                            "ByteLevel) is written with its tokenizer.json, which was not given");
        if (!v->byte_fallback)
            return l4a_fail(L4A_ERR_UNSUPPORTED, "convert: a character-level BPE vocabulary without "
                            "byte_fallback has no llama.cpp form (its SentencePiece loop needs "
                            "<0xXX> tokens)");
        l4a_gguf_build_str(b, KEY("model"), "llama");
        if ((st = put_tokens(v, b)) || (st = put_cbpe_scores(v, b))) return st;
        l4a_gguf_build_bool(b, KEY("add_space_prefix"), space_prefix(v));
        {
            char *js = l4a_strndup(hf_json, hf_json_len);
            if (!js) return nomem();
            l4a_gguf_build_str(b, "tokenizer.huggingface.json", js);
            l4a_free(js);
        }
        break;
    }
    put_id(b, KEY("bos_token_id"), v->bos);
    put_id(b, KEY("eos_token_id"), v->eos);
    put_id(b, KEY("unknown_token_id"), v->unk);
    put_id(b, KEY("padding_token_id"), v->pad);
    l4a_gguf_build_bool(b, KEY("add_bos_token"), v->add_bos);
    l4a_gguf_build_bool(b, KEY("add_eos_token"), v->add_eos);
    if (v->chat_template) l4a_gguf_build_str(b, "tokenizer.chat_template", v->chat_template);
    return l4a_gguf_build_status(b);
}
