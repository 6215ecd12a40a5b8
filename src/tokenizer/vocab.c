/*
 * vocab.c - build an l4a_vocab from GGUF metadata (the tokenizer.ggml.* keys of ggml's
 * docs/gguf.md), and the small accessors.
 *
 * Loading follows llama.cpp's rules (src/llama-vocab.cpp, read for behaviour, not copied):
 * defaults by tokenizer type, then the keys; end-of-turn, end-of-generation and
 * fill-in-the-middle tokens found by their text when the keys do not name them; a piece per
 * token precomputed for decoding. Not here: the tokenize loops (bpe.c, spm.c), special-token
 * matching (special.c), decoding (detok.c).
 */
#include "tokenizer/vocab.h"

#include "tokenizer/tokenizer_hf.h"
#include "tokenizer/unicode.h"

#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#define KEY(k) "tokenizer.ggml." k

/* ---------------------------------------------------------------- pre-tokenizer names */

/* tokenizer.ggml.pre values we know, as llama.cpp maps them. clean_spaces is llama.cpp's
 * per-tokenizer choice of clean_up_tokenization_spaces. */
static const struct pre_name {
    const char *name;
    l4a_pre_type pre;
    bool clean_spaces, ignore_merges, add_bos;
} k_pre_names[] = {
    {"default", L4A_PRE_DEFAULT, true, false, false},
    {"gpt-2", L4A_PRE_GPT2, true, false, false},
    {"gpt2", L4A_PRE_GPT2, true, false, false},
    {"phi-2", L4A_PRE_GPT2, true, false, false},
    {"mpt", L4A_PRE_GPT2, true, false, false},
    {"olmo", L4A_PRE_GPT2, true, false, false},
    {"llama3", L4A_PRE_LLAMA3, true, true, true},
    {"llama-v3", L4A_PRE_LLAMA3, true, true, true},
    {"llama-bpe", L4A_PRE_LLAMA3, true, true, true},
    {"falcon3", L4A_PRE_LLAMA3, true, true, true},
    {"pixtral", L4A_PRE_LLAMA3, true, true, true},
    {"dbrx", L4A_PRE_LLAMA3, true, false, false},
    {"smaug-bpe", L4A_PRE_LLAMA3, true, false, false},
    {"qwen2", L4A_PRE_QWEN2, false, false, false},
    {"deepseek-r1-qwen", L4A_PRE_QWEN2, false, false, false},
    {"stablelm2", L4A_PRE_QWEN2, true, false, false},
    {"megrez", L4A_PRE_QWEN2, true, false, false},
    {"smollm", L4A_PRE_SMOLLM, false, false, false},
    {"starcoder", L4A_PRE_SMOLLM, true, false, false},
    {"refact", L4A_PRE_SMOLLM, true, false, false},
    {"command-r", L4A_PRE_SMOLLM, false, false, false},
    {"codeshell", L4A_PRE_SMOLLM, true, false, false},
    {"exaone", L4A_PRE_SMOLLM, true, false, false},
    {"minerva-7b", L4A_PRE_SMOLLM, true, false, false},
    {"falcon", L4A_PRE_FALCON, true, false, false},
};

/* ---------------------------------------------------------------- special tokens by text */

static const char *const k_eot_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
    "<EOT>", "_<EOT>", "[EOT]", "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>",
    "<end_of_utterance>", NULL};
static const char *const k_eom_texts[] = {"<|eom_id|>", NULL};
static const char *const k_fim_pre_texts[] = {
    "<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "begin\xef\xbd\x9c>",
    "<PRE>", "\xe2\x96\x81<PRE>", "<|code_prefix|>", NULL};
static const char *const k_fim_suf_texts[] = {
    "<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\xef\xbd\x9c" "fim\xe2\x96\x81hole\xef\xbd\x9c>",
    "<SUF>", "\xe2\x96\x81<SUF>", "<|code_suffix|>", NULL};
static const char *const k_fim_mid_texts[] = {
    "<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\xef\xbd\x9c" "fim\xe2\x96\x81" "end\xef\xbd\x9c>",
    "<MID>", "\xe2\x96\x81<MID>", "<|code_middle|>", NULL};
static const char *const k_fim_pad_texts[] = {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", NULL};
static const char *const k_fim_rep_texts[] = {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>",
                                              "<reponame>", NULL};
static const char *const k_fim_sep_texts[] = {"<|file_sep|>", NULL};
/* Texts of tokens that end generation whatever the keys say. */
static const char *const k_eog_texts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>",
    "<end_of_turn>", "<|endoftext|>", "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]",
    "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>", "<|tool_response>",
    "<\xef\xbd\x9c" "end\xe2\x96\x81of\xe2\x96\x81sentence\xef\xbd\x9c>", NULL};

static l4a_token find_text(const l4a_vocab *v, const char *s) {
    return l4a_strmap_get(&v->by_text, s, strlen(s), 0);
}

/* The first token of the list that the vocabulary has, made CONTROL (as llama.cpp does for a
 * "control-looking" token stored as normal), or -1. */
static l4a_token detect(l4a_vocab *v, const char *const *texts) {
    for (; *texts; texts++) {
        l4a_token t = find_text(v, *texts);
        if (t >= 0) {
            if (!v->hf) v->attr[t] |= L4A_TOK_CONTROL;  /* tokenizer.json says which are special */
            return t;
        }
    }
    return -1;
}

/* ---------------------------------------------------------------- small helpers */

static l4a_token check_id(const l4a_vocab *v, l4a_token id) {
    return id >= 0 && id < v->n_tokens ? id : -1;
}

/* Read an optional token id key into *id; a value out of range keeps the default (as
 * llama.cpp does, with a warning); negative means none. */
static l4a_status read_id(const l4a_gguf *g, const l4a_vocab *v, const char *key, l4a_token *id) {
    int32_t x;
    if (l4a_gguf_find(g, key) < 0) return L4A_OK;
    l4a_status st = l4a_gguf_get_i32(g, key, false, &x);
    if (st) return st;
    if (x < 0) *id = -1;
    else if (x >= v->n_tokens)
        L4A_LOG_W("tokenizer: %s = %d is outside the vocabulary (%d tokens): using %d", key, x,
                  v->n_tokens, *id);
    else *id = x;
    return L4A_OK;
}

static l4a_status nomem(const char *what) {
    return l4a_fail(L4A_ERR_NOMEM, "tokenizer: out of memory for %s", what);
}

/* Decode a GPT-2-mapped string to raw bytes (out has room for len bytes). False when it holds
 * a character outside the map or is not valid UTF-8: such text never comes out of the BPE
 * loop, which only builds mapped characters. */
bool l4a_gpt2_decode(const uint8_t *s, size_t len, uint8_t *out, size_t *out_len) {
    size_t i = 0, n = 0;
    while (i < len) {
        size_t used;
        uint32_t cp = l4a_utf8_decode(s + i, len - i, &used);
        int b = l4a_gpt2_char_byte(cp);  /* -1 for U+FFFD, so for invalid UTF-8 too */
        if (b < 0) return false;
        out[n++] = (uint8_t)b;
        i += used;
    }
    *out_len = n;
    return true;
}

/* ---------------------------------------------------------------- loading steps */

static l4a_status load_tokens(l4a_vocab *v, const l4a_gguf *g) {
    const l4a_gguf_kv *toks, *scores = NULL, *types = NULL;
    l4a_status st = l4a_gguf_get_arr(g, KEY("tokens"), L4A_GGUF_STRING, true, &toks);
    if (st) return st;
    if (toks->n == 0 || toks->n >= INT32_MAX)
        return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s has %llu entries", KEY("tokens"),
                        (unsigned long long)toks->n);
    v->n_tokens = (int32_t)toks->n;

    int64_t i_scores = l4a_gguf_find(g, KEY("scores"));
    if (i_scores >= 0) {
        scores = &g->kv[i_scores];
        if (scores->type != L4A_GGUF_ARRAY ||
            (scores->arr_type != L4A_GGUF_F32 && scores->arr_type != L4A_GGUF_I32))
            return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s must be an array of F32 or I32", KEY("scores"));
        if (scores->n < toks->n)
            return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s has %llu entries for %d tokens", KEY("scores"),
                            (unsigned long long)scores->n, v->n_tokens);
    }
    if ((st = l4a_gguf_get_arr(g, KEY("token_type"), L4A_GGUF_I32, false, &types))) return st;
    if (types && types->n < toks->n)
        return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s has %llu entries for %d tokens", KEY("token_type"),
                        (unsigned long long)types->n, v->n_tokens);

    size_t n = (size_t)v->n_tokens;
    uint64_t total = 0;
    for (size_t i = 0; i < n; i++) total += toks->strs[i].len ? toks->strs[i].len : 24;
    v->text = l4a_malloc(total + 1);
    v->text_off = l4a_malloc((n + 1) * sizeof *v->text_off);
    v->score = l4a_calloc(n, sizeof *v->score);
    v->attr = l4a_malloc(n);
    if (!v->text || !v->text_off || !v->score || !v->attr) return nomem("the token table");
    if ((st = l4a_strmap_init(&v->by_text, n, total))) return st;

    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        l4a_str s = toks->strs[i];
        v->text_off[i] = off;
        if (s.len == 0) {  /* llama.cpp renames empty tokens so that lookups stay unambiguous */
            off += (uint64_t)snprintf(v->text + off, 24, "[EMPTY_%zu]", i);
        } else {
            memcpy(v->text + off, s.ptr, s.len);
            off += s.len;
        }
        size_t len = (size_t)(off - v->text_off[i]);
        if (len > v->max_token_len) v->max_token_len = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
        int32_t prev;
        if ((st = l4a_strmap_put(&v->by_text, v->text + v->text_off[i], (uint32_t)len, 0, (int32_t)i, &prev)))
            return st;
        if (prev >= 0)
            return l4a_fail(L4A_ERR_FORMAT, "tokenizer: duplicate token '%.*s' (ids %d and %zu)",
                            (int)(len > 64 ? 64 : len), v->text + v->text_off[i], prev, i);
        if (scores) v->score[i] = (float)l4a_gguf_arr_float(scores, i);
        int64_t type = types ? l4a_gguf_arr_int(types, i) : 1;
        switch (type) {
        case 1: v->attr[i] = L4A_TOK_NORMAL; break;
        case 2: v->attr[i] = L4A_TOK_UNKNOWN; break;
        case 3: v->attr[i] = L4A_TOK_CONTROL; break;
        case 4: v->attr[i] = L4A_TOK_USER_DEFINED; break;
        case 5: v->attr[i] = L4A_TOK_UNUSED; break;
        case 6: v->attr[i] = L4A_TOK_BYTE; break;
        default: v->attr[i] = 0; break;  /* undefined: decodes to nothing */
        }
    }
    v->text_off[n] = off;
    return L4A_OK;
}

/* BPE: merges -> rank map on raw bytes, and tokens by their decoded bytes. */
static l4a_status load_bpe(l4a_vocab *v, const l4a_gguf *g) {
    const l4a_gguf_kv *merges;
    l4a_status st = l4a_gguf_get_arr(g, KEY("merges"), L4A_GGUF_STRING, true, &merges);
    if (st) return st;
    if (merges->n >= INT32_MAX)
        return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s has %llu entries", KEY("merges"),
                        (unsigned long long)merges->n);

    uint8_t *buf = l4a_malloc(v->max_token_len + 1);
    size_t bytes_total = (size_t)v->text_off[v->n_tokens];
    if (!buf) return nomem("decoding tokens");
    if ((st = l4a_strmap_init(&v->by_bytes, (uint64_t)v->n_tokens, bytes_total))) goto done;
    for (int32_t t = 0; t < v->n_tokens; t++) {
        size_t len, n;
        const char *s = l4a_vocab_text(v, t, &len);
        if (len == 1) v->byte_token[(uint8_t)s[0]] = t;
        if (!l4a_gpt2_decode((const uint8_t *)s, len, buf, &n)) continue;
        if ((st = l4a_strmap_put(&v->by_bytes, buf, (uint32_t)n, 0, t, NULL))) goto done;
    }

    /* "left right", split at the first space after the first byte (a side may not be empty) */
    uint64_t merge_bytes = 0;
    for (uint64_t i = 0; i < merges->n; i++) merge_bytes += merges->strs[i].len;
    l4a_free(buf);
    buf = l4a_malloc(merge_bytes > 0 ? (size_t)merge_bytes : 1);
    if (!buf) return nomem("decoding merges");
    if ((st = l4a_strmap_init(&v->merges, merges->n, merge_bytes))) goto done;
    for (uint64_t i = 0; i < merges->n; i++) {
        const uint8_t *s = (const uint8_t *)merges->strs[i].ptr;
        size_t len = (size_t)merges->strs[i].len, sp = 1;
        while (sp < len && s[sp] != ' ') sp++;
        if (len < 3 || sp >= len - 1) {
            L4A_LOG_D("tokenizer: merge %llu has no space between two parts: skipped", (unsigned long long)i);
            continue;
        }
        size_t nl, nr;
        if (!l4a_gpt2_decode(s, sp, buf, &nl) || !l4a_gpt2_decode(s + sp + 1, len - sp - 1, buf + nl, &nr))
            continue;  /* can never apply to mapped text */
        if (nl + nr > UINT32_MAX) continue;
        if ((st = l4a_strmap_put(&v->merges, buf, (uint32_t)(nl + nr), (uint32_t)nl, (int32_t)i, NULL)))
            goto done;
        if (nl + nr > v->max_merge_len) v->max_merge_len = (uint32_t)(nl + nr);
    }
done:
    l4a_free(buf);
    return st;
}

/* SPM: the byte-fallback token of each byte: <0xXX>, else the one-byte token. */
static void load_spm_bytes(l4a_vocab *v) {
    static const char hex[] = "0123456789ABCDEF";
    for (int b = 0; b < 256; b++) {
        char name[7] = {'<', '0', 'x', hex[b >> 4], hex[b & 15], '>', 0};
        l4a_token t = find_text(v, name);
        if (t < 0) {
            char one = (char)b;
            t = l4a_strmap_get(&v->by_text, &one, 1, 0);
        }
        v->byte_token[b] = t;
    }
}

static l4a_status load_flags_and_ids(l4a_vocab *v, const l4a_gguf *g, const struct pre_name *pre) {
    /* defaults by type (llama.cpp's), then the keys */
    if (v->type == L4A_VOCAB_SPM) {
        v->bos = 1; v->eos = 2; v->unk = 0;
        v->add_bos = true;
        v->add_space_prefix = true;
    } else {
        v->bos = 11; v->eos = 11; v->unk = -1;
        v->add_bos = pre->add_bos;
        v->clean_spaces = pre->clean_spaces;
        v->ignore_merges = pre->ignore_merges;
    }
    v->bos = check_id(v, v->bos);
    v->eos = check_id(v, v->eos);
    v->unk = check_id(v, v->unk);
    v->eot = v->eom = v->pad = -1;
    v->fim_pre = v->fim_suf = v->fim_mid = v->fim_pad = v->fim_rep = v->fim_sep = -1;

    static const struct { const char *key; size_t field; } ids[] = {
        {KEY("bos_token_id"), offsetof(l4a_vocab, bos)},
        {KEY("eos_token_id"), offsetof(l4a_vocab, eos)},
        {KEY("eot_token_id"), offsetof(l4a_vocab, eot)},
        {KEY("eom_token_id"), offsetof(l4a_vocab, eom)},
        {KEY("unknown_token_id"), offsetof(l4a_vocab, unk)},
        {KEY("padding_token_id"), offsetof(l4a_vocab, pad)},
        {KEY("fim_pre_token_id"), offsetof(l4a_vocab, fim_pre)},
        {KEY("fim_suf_token_id"), offsetof(l4a_vocab, fim_suf)},
        {KEY("fim_mid_token_id"), offsetof(l4a_vocab, fim_mid)},
        {KEY("fim_pad_token_id"), offsetof(l4a_vocab, fim_pad)},
        {KEY("fim_rep_token_id"), offsetof(l4a_vocab, fim_rep)},
        {KEY("fim_sep_token_id"), offsetof(l4a_vocab, fim_sep)},
        {KEY("prefix_token_id"), offsetof(l4a_vocab, fim_pre)},  /* deprecated names */
        {KEY("suffix_token_id"), offsetof(l4a_vocab, fim_suf)},
        {KEY("middle_token_id"), offsetof(l4a_vocab, fim_mid)},
    };
    l4a_status st;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if ((st = read_id(g, v, ids[i].key, (l4a_token *)((char *)v + ids[i].field)))) return st;

    if ((st = l4a_gguf_get_bool(g, KEY("add_bos_token"), false, &v->add_bos))) return st;
    if ((st = l4a_gguf_get_bool(g, KEY("add_eos_token"), false, &v->add_eos))) return st;
    if ((st = l4a_gguf_get_bool(g, KEY("add_space_prefix"), false, &v->add_space_prefix))) return st;
    if (v->add_bos && v->bos < 0)
        return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s is true but there is no BOS token (%s)",
                        KEY("add_bos_token"), KEY("bos_token_id"));
    if (v->add_eos && v->eos < 0)
        return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s is true but there is no EOS token (%s)",
                        KEY("add_eos_token"), KEY("eos_token_id"));
    return L4A_OK;
}

static int cmp_token(const void *a, const void *b) {
    l4a_token x = *(const l4a_token *)a, y = *(const l4a_token *)b;
    return (x > y) - (x < y);
}

/* End-of-turn and fill-in-the-middle tokens by text, then the end-of-generation set. */
static l4a_status load_eog(l4a_vocab *v) {
    if (v->eot < 0) v->eot = detect(v, k_eot_texts);
    if (v->eom < 0) v->eom = detect(v, k_eom_texts);
    if (v->fim_pre < 0) v->fim_pre = detect(v, k_fim_pre_texts);
    if (v->fim_suf < 0) v->fim_suf = detect(v, k_fim_suf_texts);
    if (v->fim_mid < 0) v->fim_mid = detect(v, k_fim_mid_texts);
    if (v->fim_pad < 0) v->fim_pad = detect(v, k_fim_pad_texts);
    if (v->fim_rep < 0) v->fim_rep = detect(v, k_fim_rep_texts);
    if (v->fim_sep < 0) v->fim_sep = detect(v, k_fim_sep_texts);

    size_t cap = sizeof k_eog_texts / sizeof k_eog_texts[0] + 6;
    v->eog = l4a_malloc(cap * sizeof *v->eog);
    if (!v->eog) return nomem("the end-of-generation set");
    l4a_token fixed[] = {v->eos, v->eot, v->eom, v->fim_pad, v->fim_rep, v->fim_sep};
    for (size_t i = 0; i < 6; i++)
        if (fixed[i] >= 0) v->eog[v->n_eog++] = fixed[i];
    for (const char *const *s = k_eog_texts; *s; s++) {
        l4a_token t = find_text(v, *s);
        if (t < 0) continue;
        if (!v->hf) v->attr[t] |= L4A_TOK_CONTROL;
        v->eog[v->n_eog++] = t;
    }
    qsort(v->eog, (size_t)v->n_eog, sizeof *v->eog, cmp_token);
    int32_t k = 0;  /* drop duplicates */
    for (int32_t i = 0; i < v->n_eog; i++)
        if (k == 0 || v->eog[k - 1] != v->eog[i]) v->eog[k++] = v->eog[i];
    v->n_eog = k;
    return L4A_OK;
}

/* The piece of a byte token "<0xXX>", or -1 if its text is not of that form. */
static int byte_of_text(const char *s, size_t len) {
    if (len != 6 || memcmp(s, "<0x", 3) != 0 || s[5] != '>') return -1;
    int v = 0;
    for (int i = 3; i < 5; i++) {
        char c = s[i];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
              : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Write the piece of token t (as token_to_piece with special = true) at out and return its
 * length, never more than the text's: a mapped character (1-2 bytes) decodes to one byte,
 * "▁" (3 bytes) to one space. */
static size_t make_piece(const l4a_vocab *v, l4a_token t, char *out) {
    size_t len;
    const char *s = l4a_vocab_text(v, t, &len);
    uint8_t a = v->attr[t];
    if (a & (L4A_TOK_UNKNOWN | L4A_TOK_CONTROL | L4A_TOK_USER_DEFINED)) {
        memcpy(out, s, len);
        return len;
    }
    if (a & L4A_TOK_NORMAL) {
        size_t n = 0;
        if (v->type == L4A_VOCAB_SPM || v->type == L4A_VOCAB_CBPE) {
            for (size_t i = 0; i < len; i++) {
                if (i + 2 < len && memcmp(s + i, "\xe2\x96\x81", 3) == 0) { out[n++] = ' '; i += 2; }
                else out[n++] = s[i];
            }
            return n;
        }
        for (size_t i = 0; i < len;) {  /* GPT-2 map back to bytes; others kept as they are */
            size_t used;
            uint32_t cp = l4a_utf8_decode((const uint8_t *)s + i, len - i, &used);
            int b = l4a_gpt2_char_byte(cp);
            if (b >= 0) out[n++] = (char)b;
            else { memcpy(out + n, s + i, used); n += used; }
            i += used;
        }
        return n;
    }
    if (a & L4A_TOK_BYTE) {
        int b = byte_of_text(s, len);
        if (b >= 0) { out[0] = (char)b; return 1; }
        memcpy(out, s, len);
        return len;
    }
    return 0;  /* unused or undefined */
}

static l4a_status load_pieces(l4a_vocab *v) {
    size_t n = (size_t)v->n_tokens;
    v->piece = l4a_malloc((size_t)v->text_off[n] + 1);
    v->piece_off = l4a_malloc((n + 1) * sizeof *v->piece_off);
    if (!v->piece || !v->piece_off) return nomem("the token pieces");
    uint64_t off = 0;
    for (size_t t = 0; t < n; t++) {
        v->piece_off[t] = off;
        off += make_piece(v, (l4a_token)t, v->piece + off);
    }
    v->piece_off[n] = off;
    return L4A_OK;
}

static l4a_status load_chat_template(l4a_vocab *v, const l4a_gguf *g) {
    l4a_str s = {0};
    if (l4a_gguf_find(g, "tokenizer.chat_template") < 0) return L4A_OK;
    l4a_status st = l4a_gguf_get_str(g, "tokenizer.chat_template", false, &s);
    if (st) return st;
    v->chat_template = l4a_strndup(s.ptr, (size_t)s.len);
    return v->chat_template ? L4A_OK : nomem("the chat template");
}

/* ---------------------------------------------------------------- public */

l4a_status l4a_vocab_apply_gguf_ids(l4a_vocab *v, const l4a_gguf *g) {
    static const struct { const char *key; size_t field; } ids[] = {
        {KEY("bos_token_id"), offsetof(l4a_vocab, bos)},
        {KEY("eos_token_id"), offsetof(l4a_vocab, eos)},
        {KEY("unknown_token_id"), offsetof(l4a_vocab, unk)},
        {KEY("padding_token_id"), offsetof(l4a_vocab, pad)},
    };
    l4a_status st;
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        if ((st = read_id(g, v, ids[i].key, (l4a_token *)((char *)v + ids[i].field)))) return st;
    if ((st = l4a_gguf_get_bool(g, KEY("add_bos_token"), false, &v->add_bos)) ||
        (st = l4a_gguf_get_bool(g, KEY("add_eos_token"), false, &v->add_eos)))
        return st;
    if (v->add_bos && v->bos < 0)
        return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s is true but there is no BOS token (%s)",
                        KEY("add_bos_token"), KEY("bos_token_id"));
    if (v->add_eos && v->eos < 0)
        return l4a_fail(L4A_ERR_FORMAT, "tokenizer: %s is true but there is no EOS token (%s)",
                        KEY("add_eos_token"), KEY("eos_token_id"));
    l4a_free(v->chat_template);
    v->chat_template = NULL;
    return load_chat_template(v, g);
}

/* A GGUF file that carries its tokenizer.json (tokenizer.huggingface.json; our converter writes
 * it for character-level BPE vocabularies, which llama.cpp's "llama" model only approximates):
 * that vocabulary, with the ids and flags of the GGUF keys. L4A_ERR_UNSUPPORTED when it is a
 * tokenizer.json we do not run (the caller then reads tokenizer.ggml.*). */
static l4a_status load_embedded_json(const l4a_gguf *g, l4a_vocab **out) {
    l4a_str js = {0};
    const l4a_gguf_kv *toks = NULL;
    l4a_status st = l4a_gguf_get_str(g, "tokenizer.huggingface.json", true, &js);
    if (st) return st;
    if ((st = l4a_gguf_get_arr(g, KEY("tokens"), L4A_GGUF_STRING, false, &toks))) return st;
    if ((st = l4a_vocab_load_hf_json_gguf(js.ptr, (size_t)js.len, g, out))) return st;
    if (toks && toks->n != (uint64_t)(*out)->n_tokens) {
        st = l4a_fail(L4A_ERR_FORMAT, "tokenizer: tokenizer.huggingface.json has %d tokens but %s "
                      "has %llu", (*out)->n_tokens, KEY("tokens"), (unsigned long long)toks->n);
        l4a_vocab_free(*out);
        *out = NULL;
    }
    return st;
}

l4a_status l4a_vocab_set_tokens(l4a_vocab *v, const l4a_str *texts, int32_t n, const char *file) {
    if (n <= 0) return l4a_fail(L4A_ERR_FORMAT, "%s: the vocabulary is empty", file);
    uint64_t total = 0;
    for (int32_t i = 0; i < n; i++) {
        if (texts[i].len == 0 || texts[i].len > UINT32_MAX)
            return l4a_fail(L4A_ERR_FORMAT, "%s: token %d has an empty or oversized text", file, i);
        total += texts[i].len;
    }
    if (total > (uint64_t)SIZE_MAX / 2) return nomem("the token table");
    v->n_tokens = n;
    v->text = l4a_malloc((size_t)total + 1);
    v->text_off = l4a_malloc(((size_t)n + 1) * sizeof *v->text_off);
    v->score = l4a_calloc((size_t)n, sizeof *v->score);
    v->attr = l4a_malloc((size_t)n);
    if (!v->text || !v->text_off || !v->score || !v->attr) return nomem("the token table");
    l4a_status st = l4a_strmap_init(&v->by_text, (uint64_t)n, total);
    if (st) return st;
    uint64_t off = 0;
    for (int32_t i = 0; i < n; i++) {
        v->text_off[i] = off;
        memcpy(v->text + off, texts[i].ptr, (size_t)texts[i].len);
        off += texts[i].len;
        v->attr[i] = L4A_TOK_NORMAL;
        if (texts[i].len > v->max_token_len) v->max_token_len = (uint32_t)texts[i].len;
        int32_t prev;
        if ((st = l4a_strmap_put(&v->by_text, v->text + v->text_off[i], (uint32_t)texts[i].len, 0, i, &prev)))
            return st;
        if (prev >= 0)
            return l4a_fail(L4A_ERR_FORMAT, "%s: duplicate token '%.*s' (ids %d and %d)", file,
                            (int)(texts[i].len > 64 ? 64 : texts[i].len), texts[i].ptr, prev, i);
    }
    v->text_off[n] = off;
    return L4A_OK;
}

l4a_vocab *l4a_vocab_new(void) {
    l4a_vocab *v = l4a_calloc(1, sizeof *v);
    if (!v) return NULL;
    for (int b = 0; b < 256; b++) v->byte_token[b] = -1;
    v->bos = v->eos = v->eot = v->eom = v->unk = v->pad = -1;
    v->fim_pre = v->fim_suf = v->fim_mid = v->fim_pad = v->fim_rep = v->fim_sep = -1;
    return v;
}

l4a_status l4a_vocab_finish(l4a_vocab *v) {
    l4a_status st;
    if (v->type != L4A_VOCAB_BPE) load_spm_bytes(v);
    if ((st = load_eog(v)) || (st = l4a_special_build(v)) || (st = load_pieces(v))) return st;
    return L4A_OK;
}

l4a_status l4a_vocab_load(const l4a_gguf *g, l4a_vocab **out) {
    *out = NULL;
    if (l4a_gguf_find(g, "tokenizer.huggingface.json") >= 0) {
        l4a_status se = load_embedded_json(g, out);
        if (se != L4A_ERR_UNSUPPORTED) return se;
        L4A_LOG_W("tokenizer: tokenizer.huggingface.json is not one we run (%s): using %s",
                  l4a_last_error(), KEY("tokens"));
    }
    l4a_vocab *v = l4a_vocab_new();
    if (!v) return nomem("the vocabulary");

    l4a_str model, pre_s = {0};
    const struct pre_name *pre = &k_pre_names[0];
    l4a_status st = l4a_gguf_get_str(g, KEY("model"), true, &model);
    if (st) goto fail;
    if (model.len == 4 && memcmp(model.ptr, "gpt2", 4) == 0) {
        v->type = L4A_VOCAB_BPE;
        if ((st = l4a_gguf_get_str(g, KEY("pre"), false, &pre_s))) goto fail;
        if (pre_s.len == 0) {
            L4A_LOG_W("tokenizer: %s is missing: using the 'default' pre-tokenizer", KEY("pre"));
        } else {
            size_t i = 0, n = sizeof k_pre_names / sizeof k_pre_names[0];
            while (i < n && !(strlen(k_pre_names[i].name) == pre_s.len &&
                              memcmp(k_pre_names[i].name, pre_s.ptr, pre_s.len) == 0)) i++;
            if (i == n) {
                st = l4a_fail(L4A_ERR_UNSUPPORTED,
                              "tokenizer: pre-tokenizer '%.*s' (%s) is not supported (known: default, "
                              "gpt-2, llama3, llama-bpe, qwen2, smollm, starcoder ...)",
                              (int)(pre_s.len > 64 ? 64 : pre_s.len), pre_s.ptr, KEY("pre"));
                goto fail;
            }
            pre = &k_pre_names[i];
        }
        v->pre = pre->pre;
    } else if (model.len == 5 && memcmp(model.ptr, "llama", 5) == 0) {
        v->type = L4A_VOCAB_SPM;
    } else {
        st = l4a_fail(L4A_ERR_UNSUPPORTED, "tokenizer: %s '%.*s' is not supported (gpt2, llama)",
                      KEY("model"), (int)(model.len > 64 ? 64 : model.len), model.ptr);
        goto fail;
    }

    if ((st = load_tokens(v, g))) goto fail;
    if (v->type == L4A_VOCAB_BPE) st = load_bpe(v, g);
    else load_spm_bytes(v);
    if (st) goto fail;
    if ((st = load_flags_and_ids(v, g, pre)) || (st = load_eog(v)) || (st = l4a_special_build(v)) ||
        (st = load_pieces(v)) || (st = load_chat_template(v, g)))
        goto fail;
    *out = v;
    return L4A_OK;
fail:
    l4a_vocab_free(v);
    return st;
}

void l4a_vocab_free(l4a_vocab *v) {
    if (!v) return;
    l4a_free(v->text);
    l4a_free(v->text_off);
    l4a_free(v->score);
    l4a_free(v->attr);
    l4a_free(v->piece);
    l4a_free(v->piece_off);
    l4a_strmap_free(&v->by_text);
    l4a_strmap_free(&v->by_bytes);
    l4a_strmap_free(&v->merges);
    l4a_free(v->eog);
    l4a_free(v->special);
    l4a_free(v->special_rank);
    l4a_free(v->trie);
    l4a_free(v->chat_template);
    l4a_hf_steps_free(v->norm, v->n_norm);
    l4a_hf_steps_free(v->dec, v->n_dec);
    l4a_free(v);
}

int32_t l4a_vocab_n_tokens(const l4a_vocab *v) { return v->n_tokens; }
const char *l4a_vocab_chat_template(const l4a_vocab *v) { return v->chat_template; }

uint32_t l4a_vocab_token_attr(const l4a_vocab *v, l4a_token t) {
    return t >= 0 && t < v->n_tokens ? v->attr[t] : 0;
}

const char *l4a_vocab_token_text(const l4a_vocab *v, l4a_token t, size_t *len) {
    if (t < 0 || t >= v->n_tokens) { *len = 0; return NULL; }
    return l4a_vocab_text(v, t, len);
}

bool l4a_vocab_has_byte(const l4a_vocab *v, uint8_t b) {
    if (v->type != L4A_VOCAB_BPE) return v->byte_token[b] >= 0;
    return l4a_strmap_get(&v->by_bytes, &b, 1, 0) >= 0;
}

l4a_token l4a_vocab_bos(const l4a_vocab *v) { return v->bos; }
l4a_token l4a_vocab_eos(const l4a_vocab *v) { return v->eos; }
l4a_token l4a_vocab_eot(const l4a_vocab *v) { return v->eot; }
bool l4a_vocab_add_bos(const l4a_vocab *v) { return v->add_bos; }

bool l4a_vocab_is_eog(const l4a_vocab *v, l4a_token t) {
    if (t < 0) return false;
    return bsearch(&t, v->eog, (size_t)v->n_eog, sizeof t, cmp_token) != NULL;
}

bool l4a_vocab_is_control(const l4a_vocab *v, l4a_token t) {
    return (l4a_vocab_token_attr(v, t) & L4A_TOK_CONTROL) != 0;
}

l4a_status l4a_tokvec_push(l4a_tokvec *tv, l4a_token t) {
    if (tv->n == tv->cap) {
        size_t cap = tv->cap ? tv->cap * 2 : 64;
        l4a_token *p = l4a_realloc(tv->ids, cap * sizeof *p);
        if (!p) return nomem("the token list");
        tv->ids = p;
        tv->cap = cap;
    }
    tv->ids[tv->n++] = t;
    return L4A_OK;
}
