/*
 * tokenizer_hf.c - an l4a_vocab from a Hugging Face tokenizer.json (+ tokenizer_config.json),
 * and the folder loader that picks tokenizer.json or tokenizer.model.
 *
 * Followed: the tokenizer.json format of HF `tokenizers` (model, added_tokens, normalizer,
 * pre_tokenizer, post_processor, decoder), checked against its Python package on the real
 * files of ../shared/data/tokenizers (tests/test_tokenizer_hf.c). The model must be BPE:
 *  - with a ByteLevel pre-tokenizer it becomes byte-level BPE (L4A_VOCAB_BPE) and the
 *    pre-tokenizer sequence must be one we know (see k_pre below), else L4A_ERR_UNSUPPORTED;
 *  - otherwise character BPE (L4A_VOCAB_CBPE) with byte fallback / <unk>, the normalizer chain
 *    and an optional Metaspace pre-tokenizer.
 * Added tokens: special ones are CONTROL (matched in text with parse_special, skipped when
 * decoding without special), others USER_DEFINED (always matched). lstrip/rstrip/single_word
 * are not implemented (a warning says so). BOS/EOS come from the post-processor, then from
 * tokenizer_config.json, which wins (as transformers' fast tokenizers do).
 * Not here: the normalizer/decoder steps (hf_pipeline.c), tokenizer.model (spm_model.c).
 */
#include "tokenizer/tokenizer_hf.h"

#include "tokenizer/hf_json.h"
#include "tokenizer/unicode.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest id we accept: a bound on what a hostile file can make us allocate (1 << 24 ids is
 * 64 times the largest real vocabularies). */
#define MAX_TOKENS (1 << 24)

static const cJSON *get(const cJSON *j, const char *k) { return cJSON_GetObjectItemCaseSensitive(j, k); }

static l4a_status bad(const char *file, const char *field, const char *what) {
    return l4a_fail(L4A_ERR_FORMAT, "%s: %s: %s", file, field, what);
}

static l4a_status nomem(const char *file) {
    return l4a_fail(L4A_ERR_NOMEM, "%s: out of memory", file);
}

/* An id field: an integer number in [0, MAX_TOKENS). */
static bool as_id(const cJSON *j, int32_t *id) {
    if (!cJSON_IsNumber(j)) return false;
    double d = j->valuedouble;
    if (!(d >= 0 && d < MAX_TOKENS) || d != (double)(int32_t)d) return false;
    *id = (int32_t)d;
    return true;
}

static l4a_token find_text(const l4a_vocab *v, const char *s) {
    return l4a_strmap_get(&v->by_text, s, strlen(s), 0);
}

/* ---------------------------------------------------------------- pre-tokenizers */

#define RE_GPT2 "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+"
#define RE_LLAMA3 "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
#define RE_QWEN2 "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"

/* Known pre-tokenizer sequences, written as the signature sig() builds. */
static const struct {
    const char *sig;
    l4a_pre_type pre;
} k_pre[] = {
    {"ByteLevel(regex)", L4A_PRE_GPT2},
    {"Split(" RE_GPT2 ")|ByteLevel", L4A_PRE_GPT2},
    {"Split(" RE_LLAMA3 ")|ByteLevel", L4A_PRE_LLAMA3},
    {"Split(" RE_QWEN2 ")|ByteLevel", L4A_PRE_QWEN2},
    {"Digits(individual)|ByteLevel(regex)", L4A_PRE_SMOLLM},
    {"Punctuation|ByteLevel(regex)|Digits|Split([0-9][0-9][0-9])", L4A_PRE_FALCON},
};

typedef struct sigbuf {
    char s[1024];
    size_t n;
    bool overflow;
} sigbuf;

static void sig_add(sigbuf *b, const char *part) {
    size_t k = strlen(part);
    if (b->n && b->n + 1 < sizeof b->s) b->s[b->n++] = '|';
    if (b->n + k + 1 > sizeof b->s) { b->overflow = true; return; }
    memcpy(b->s + b->n, part, k);
    b->n += k;
    b->s[b->n] = 0;
}

/* Describe a pre-tokenizer (Sequence flattened) as "Kind(option)|Kind..." for the table above;
 * Metaspace sets the vocabulary's fields and must be alone. */
static l4a_status sig(const cJSON *j, const char *file, int depth, sigbuf *b, l4a_vocab *v, bool *byte_level) {
    const cJSON *t = get(j, "type");
    if (!cJSON_IsString(t)) return bad(file, "pre_tokenizer", "an object with a string \"type\" is expected");
    const char *type = t->valuestring;
    if (strcmp(type, "Sequence") == 0) {
        const cJSON *list = get(j, "pretokenizers");
        if (!cJSON_IsArray(list) || depth > 4) return bad(file, "pre_tokenizer", "Sequence needs a \"pretokenizers\" array");
        for (const cJSON *e = list->child; e; e = e->next) {
            l4a_status st = sig(e, file, depth + 1, b, v, byte_level);
            if (st) return st;
        }
        return L4A_OK;
    }
    if (strcmp(type, "ByteLevel") == 0) {
        if (cJSON_IsTrue(get(j, "add_prefix_space")))
            return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: pre_tokenizer: ByteLevel with add_prefix_space is not supported", file);
        *byte_level = true;
        sig_add(b, cJSON_IsFalse(get(j, "use_regex")) ? "ByteLevel" : "ByteLevel(regex)");
        return L4A_OK;
    }
    if (strcmp(type, "Digits") == 0) {
        sig_add(b, cJSON_IsTrue(get(j, "individual_digits")) ? "Digits(individual)" : "Digits");
        return L4A_OK;
    }
    if (strcmp(type, "Punctuation") == 0) {
        const cJSON *beh = get(j, "behavior");
        if (cJSON_IsString(beh) && strcmp(beh->valuestring, "Contiguous") != 0) sig_add(b, "Punctuation(other)");
        else sig_add(b, "Punctuation");
        return L4A_OK;
    }
    if (strcmp(type, "Split") == 0) {
        const cJSON *p = get(j, "pattern"), *beh = get(j, "behavior");
        const cJSON *re = get(p, "Regex"), *str = get(p, "String");
        const char *pat = cJSON_IsString(re) ? re->valuestring : cJSON_IsString(str) ? str->valuestring : NULL;
        if (!pat) return bad(file, "pre_tokenizer", "Split needs a pattern {\"Regex\"} or {\"String\"}");
        if (!cJSON_IsString(beh) || strcmp(beh->valuestring, "Isolated") != 0 || cJSON_IsTrue(get(j, "invert")))
            return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: pre_tokenizer: Split other than behavior Isolated, not "
                            "inverted, is not supported", file);
        char part[900];
        snprintf(part, sizeof part, "Split(%s%s)", cJSON_IsString(str) ? "string:" : "", pat);
        sig_add(b, part);
        return L4A_OK;
    }
    if (strcmp(type, "Metaspace") == 0) {
        if (depth > 0 && b->n) return bad(file, "pre_tokenizer", "Metaspace must be the only pre-tokenizer");
        const cJSON *r = get(j, "replacement"), *ps = get(j, "prepend_scheme");
        size_t used;
        if (!cJSON_IsString(r) || !*r->valuestring) return bad(file, "pre_tokenizer.replacement", "a character is expected");
        size_t rl = strlen(r->valuestring);
        v->meta_char = l4a_utf8_decode((const uint8_t *)r->valuestring, rl, &used);
        if (used != rl) return bad(file, "pre_tokenizer.replacement", "one character is expected");
        v->meta_prepend = 2;
        if (cJSON_IsString(ps)) {
            if (strcmp(ps->valuestring, "never") == 0) v->meta_prepend = 0;
            else if (strcmp(ps->valuestring, "first") == 0) v->meta_prepend = 1;
            else if (strcmp(ps->valuestring, "always") != 0)
                return bad(file, "pre_tokenizer.prepend_scheme", "never, first or always expected");
        } else if (cJSON_IsFalse(get(j, "add_prefix_space"))) {
            v->meta_prepend = 0;
        }
        v->meta_split = !cJSON_IsFalse(get(j, "split"));
        sig_add(b, "Metaspace");
        return L4A_OK;
    }
    return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: pre_tokenizer type '%.40s' is not supported", file, type);
}

static l4a_status load_pre(l4a_vocab *v, const cJSON *pre, const char *file) {
    v->pre = L4A_PRE_NONE;
    v->type = L4A_VOCAB_CBPE;
    if (!pre || cJSON_IsNull(pre)) return L4A_OK;
    sigbuf b = {{0}, 0, false};
    bool byte_level = false;
    l4a_status st = sig(pre, file, 0, &b, v, &byte_level);
    if (st) return st;
    if (v->meta_char) {
        if (strcmp(b.s, "Metaspace") != 0)
            return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: pre_tokenizer: Metaspace with other pre-tokenizers is not supported", file);
        return L4A_OK;
    }
    if (!byte_level || b.overflow)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: pre_tokenizer '%.200s' is not supported (ByteLevel or Metaspace expected)",
                        file, b.s);
    for (size_t i = 0; i < sizeof k_pre / sizeof k_pre[0]; i++) {
        if (strcmp(b.s, k_pre[i].sig) == 0) {
            v->type = L4A_VOCAB_BPE;
            v->pre = k_pre[i].pre;
            return L4A_OK;
        }
    }
    return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: pre_tokenizer sequence '%.300s' is not one we know (GPT-2, Llama 3, "
                    "Qwen 2, StarCoder, Falcon)", file, b.s);
}

/* ---------------------------------------------------------------- model and added tokens */

/* The token table: model.vocab, then added_tokens (which may name new ids or rename ids). */
static l4a_status load_table(l4a_vocab *v, const cJSON *model, const cJSON *added, const char *file) {
    const cJSON *vocab = get(model, "vocab");
    if (!cJSON_IsObject(vocab)) return bad(file, "model.vocab", "an object {token: id} is expected");
    if (added && !cJSON_IsNull(added) && !cJSON_IsArray(added)) return bad(file, "added_tokens", "an array is expected");
    int32_t n = 0, id;
    for (const cJSON *e = vocab->child; e; e = e->next) {
        if (!as_id(e, &id))
            return l4a_fail(L4A_ERR_FORMAT, "%s: model.vocab['%.40s']: an id in 0..%d is expected", file,
                            e->string ? e->string : "", MAX_TOKENS - 1);
        if (id >= n) n = id + 1;
    }
    int k = 0;
    for (const cJSON *e = added ? added->child : NULL; e; e = e->next, k++) {
        if (!as_id(get(e, "id"), &id) || !cJSON_IsString(get(e, "content")))
            return l4a_fail(L4A_ERR_FORMAT, "%s: added_tokens[%d]: an \"id\" in 0..%d and a string \"content\" "
                            "are expected", file, k, MAX_TOKENS - 1);
        if (id >= n) n = id + 1;
    }
    if (n == 0) return bad(file, "model.vocab", "the vocabulary is empty");
    l4a_str *texts = l4a_calloc((size_t)n, sizeof *texts);
    uint8_t *kind = l4a_calloc((size_t)n, 1);  /* 0 model, 1 added special, 2 added normal */
    l4a_status st = L4A_OK;
    if (!texts || !kind) { st = nomem(file); goto done; }
    for (const cJSON *e = vocab->child; e; e = e->next) {
        as_id(e, &id);
        if (texts[id].ptr) {
            st = l4a_fail(L4A_ERR_FORMAT, "%s: model.vocab: id %d is given to '%.40s' and '%.40s'", file, id,
                          texts[id].ptr, e->string);
            goto done;
        }
        texts[id] = (l4a_str){e->string, strlen(e->string)};
    }
    k = 0;
    for (const cJSON *e = added ? added->child : NULL; e; e = e->next, k++) {
        as_id(get(e, "id"), &id);
        const char *c = get(e, "content")->valuestring;
        texts[id] = (l4a_str){c, strlen(c)};
        kind[id] = cJSON_IsTrue(get(e, "special")) ? 1 : 2;
        if (cJSON_IsTrue(get(e, "lstrip")) || cJSON_IsTrue(get(e, "rstrip")) || cJSON_IsTrue(get(e, "single_word")))
            L4A_LOG_W("%s: added_tokens[%d] '%.40s': lstrip/rstrip/single_word are not implemented", file, k, c);
    }
    for (int32_t i = 0; i < n; i++) {
        if (!texts[i].ptr || texts[i].len == 0) {
            st = l4a_fail(L4A_ERR_FORMAT, "%s: model.vocab/added_tokens: id %d has no token (ids must be 0..%d "
                          "without holes, texts not empty)", file, i, n - 1);
            goto done;
        }
    }
    if ((st = l4a_vocab_set_tokens(v, texts, n, file))) goto done;
    for (int32_t i = 0; i < n; i++)
        if (kind[i]) v->attr[i] = kind[i] == 1 ? L4A_TOK_CONTROL : L4A_TOK_USER_DEFINED;
done:
    l4a_free(texts);
    l4a_free(kind);
    return st;
}

/* Split merge i into its two sides: "a b" (exactly one space, as HF requires) or ["a", "b"]. */
static l4a_status merge_sides(const cJSON *m, int64_t i, const char *file, l4a_str *a, l4a_str *b) {
    if (cJSON_IsString(m)) {
        const char *s = m->valuestring, *sp = strchr(s, ' ');
        if (!sp || sp == s || !sp[1] || strchr(sp + 1, ' '))
            return l4a_fail(L4A_ERR_FORMAT, "%s: model.merges[%lld] '%.60s': two tokens separated by one space "
                            "are expected", file, (long long)i, s);
        *a = (l4a_str){s, (uint64_t)(sp - s)};
        *b = (l4a_str){sp + 1, strlen(sp + 1)};
        return L4A_OK;
    }
    if (cJSON_IsArray(m) && cJSON_GetArraySize(m) == 2 && cJSON_IsString(m->child) &&
        cJSON_IsString(m->child->next)) {
        *a = (l4a_str){m->child->valuestring, strlen(m->child->valuestring)};
        *b = (l4a_str){m->child->next->valuestring, strlen(m->child->next->valuestring)};
        return L4A_OK;
    }
    return l4a_fail(L4A_ERR_FORMAT, "%s: model.merges[%lld]: a string \"a b\" or a pair [\"a\", \"b\"] is expected",
                    file, (long long)i);
}

/* Merge ranks (keyed by raw bytes for byte-level BPE, by text for CBPE) and, for byte-level
 * BPE, tokens by their bytes. Both sides and their concatenation must be tokens, as HF
 * requires. */
static l4a_status load_merges(l4a_vocab *v, const cJSON *merges, const char *file) {
    if (!cJSON_IsArray(merges)) return bad(file, "model.merges", "an array is expected");
    int64_t n = cJSON_GetArraySize(merges);
    bool bytes = v->type == L4A_VOCAB_BPE;
    size_t cap = (size_t)v->max_token_len * 2 + 8;
    uint8_t *buf = l4a_malloc(cap);
    l4a_status st = L4A_OK;
    if (!buf) return nomem(file);
    if (bytes) {
        if ((st = l4a_strmap_init(&v->by_bytes, (uint64_t)v->n_tokens, v->text_off[v->n_tokens]))) goto done;
        for (int32_t t = 0; t < v->n_tokens; t++) {
            size_t len, k;
            const char *s = l4a_vocab_text(v, t, &len);
            if (len == 1) v->byte_token[(uint8_t)s[0]] = t;
            if (!(v->attr[t] & L4A_TOK_NORMAL) || !l4a_gpt2_decode((const uint8_t *)s, len, buf, &k)) continue;
            if ((st = l4a_strmap_put(&v->by_bytes, buf, (uint32_t)k, 0, t, NULL))) goto done;
        }
    }
    if ((st = l4a_strmap_init(&v->merges, (uint64_t)n, (uint64_t)n * 8))) goto done;
    int64_t i = 0;
    for (const cJSON *m = merges->child; m; m = m->next, i++) {
        l4a_str a = {NULL, 0}, b = {NULL, 0};
        if ((st = merge_sides(m, i, file, &a, &b))) goto done;
        l4a_token ta = l4a_strmap_get(&v->by_text, a.ptr, a.len, 0);
        l4a_token tb = l4a_strmap_get(&v->by_text, b.ptr, b.len, 0);
        const l4a_str *miss = ta < 0 ? &a : tb < 0 ? &b : NULL;
        if (!miss && a.len + b.len <= cap) {
            memcpy(buf, a.ptr, a.len);
            memcpy(buf + a.len, b.ptr, b.len);
            if (l4a_strmap_get(&v->by_text, buf, a.len + b.len, 0) < 0) miss = &a;
        } else if (!miss) {
            miss = &a;  /* longer than any token: cannot be one */
        }
        if (miss) {
            st = l4a_fail(L4A_ERR_FORMAT, "%s: model.merges[%lld] '%.*s' + '%.*s': %s is not in the vocabulary",
                          file, (long long)i, (int)(a.len > 40 ? 40 : a.len), a.ptr, (int)(b.len > 40 ? 40 : b.len),
                          b.ptr, ta < 0 || tb < 0 ? "a side" : "their concatenation");
            goto done;
        }
        size_t nl = a.len, nr = b.len;
        if (bytes) {  /* raw bytes: decode both sides through the GPT-2 map */
            if (!l4a_gpt2_decode((const uint8_t *)a.ptr, a.len, buf, &nl) ||
                !l4a_gpt2_decode((const uint8_t *)b.ptr, b.len, buf + nl, &nr))
                continue;  /* can never apply to mapped text */
        }
        if ((st = l4a_strmap_put(&v->merges, buf, (uint32_t)(nl + nr), (uint32_t)nl, (int32_t)i, NULL))) goto done;
        if (nl + nr > v->max_merge_len) v->max_merge_len = (uint32_t)(nl + nr);
    }
done:
    l4a_free(buf);
    return st;
}

/* The model's kind and options, before its tables are read. */
static l4a_status check_model(const cJSON *model, const char *file) {
    const cJSON *t = get(model, "type");
    if (!cJSON_IsObject(model)) return bad(file, "model", "an object is expected");
    if (cJSON_IsString(t) && strcmp(t->valuestring, "BPE") != 0)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: model.type '%.40s' is not supported (BPE)", file, t->valuestring);
    if (!cJSON_IsString(t) && !get(model, "merges"))
        return bad(file, "model.type", "missing (and no merges: not a BPE model)");
    const cJSON *d = get(model, "dropout");
    if (d && !cJSON_IsNull(d) && !(cJSON_IsNumber(d) && d->valuedouble == 0))
        return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: model.dropout is not supported", file);
    static const char *const affixes[] = {"continuing_subword_prefix", "end_of_word_suffix"};
    for (int i = 0; i < 2; i++) {
        const cJSON *a = get(model, affixes[i]);
        if (a && !cJSON_IsNull(a) && !(cJSON_IsString(a) && !*a->valuestring))
            return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: model.%s is not supported", file, affixes[i]);
    }
    return L4A_OK;
}

static l4a_status load_model(l4a_vocab *v, const cJSON *model, const char *file) {
    v->byte_fallback = cJSON_IsTrue(get(model, "byte_fallback"));
    v->fuse_unk = cJSON_IsTrue(get(model, "fuse_unk"));
    v->ignore_merges = cJSON_IsTrue(get(model, "ignore_merges"));
    const cJSON *unk = get(model, "unk_token");
    if (cJSON_IsString(unk)) {
        v->unk = find_text(v, unk->valuestring);
        if (v->unk < 0)
            return l4a_fail(L4A_ERR_FORMAT, "%s: model.unk_token '%.40s' is not in the vocabulary", file, unk->valuestring);
        v->attr[v->unk] |= L4A_TOK_UNKNOWN;
        if (v->attr[v->unk] & L4A_TOK_NORMAL) v->attr[v->unk] = L4A_TOK_UNKNOWN;
    }
    if (v->byte_fallback) {  /* <0xXX> tokens decode to their byte */
        for (int b = 0; b < 256; b++) {
            char name[8];
            snprintf(name, sizeof name, "<0x%02X>", b);
            l4a_token id = find_text(v, name);
            if (id >= 0 && (v->attr[id] & L4A_TOK_NORMAL)) v->attr[id] = L4A_TOK_BYTE;
        }
    }
    return load_merges(v, get(model, "merges"), file);
}

/* ---------------------------------------------------------------- post-processor */

static l4a_token special_id(const l4a_vocab *v, const cJSON *pp, const char *name) {
    const cJSON *st = get(get(pp, "special_tokens"), name);
    int32_t id;
    const cJSON *ids = get(st, "ids");
    if (cJSON_IsArray(ids) && cJSON_GetArraySize(ids) == 1 && as_id(ids->child, &id) && id < v->n_tokens) return id;
    return find_text(v, name);
}

static l4a_status load_post(l4a_vocab *v, const cJSON *pp, const char *file, int depth) {
    if (!pp || cJSON_IsNull(pp)) return L4A_OK;
    const cJSON *t = get(pp, "type");
    if (!cJSON_IsString(t)) return bad(file, "post_processor", "an object with a string \"type\" is expected");
    if (strcmp(t->valuestring, "Sequence") == 0 && depth < 4) {
        const cJSON *list = get(pp, "processors");
        for (const cJSON *e = cJSON_IsArray(list) ? list->child : NULL; e; e = e->next) {
            l4a_status st = load_post(v, e, file, depth + 1);
            if (st) return st;
        }
        return L4A_OK;
    }
    if (strcmp(t->valuestring, "TemplateProcessing") == 0) {
        const cJSON *single = get(pp, "single");
        if (!cJSON_IsArray(single)) return bad(file, "post_processor.single", "an array is expected");
        const cJSON *first = single->child, *last = first;
        while (last && last->next) last = last->next;
        const cJSON *fs = get(get(first, "SpecialToken"), "id"), *ls = get(get(last, "SpecialToken"), "id");
        if (cJSON_IsString(fs)) {
            l4a_token id = special_id(v, pp, fs->valuestring);
            if (id < 0) return bad(file, "post_processor.single", "its first special token is not in the vocabulary");
            v->bos = id;
            v->add_bos = true;
        }
        if (cJSON_IsString(ls) && last != first) {
            l4a_token id = special_id(v, pp, ls->valuestring);
            if (id < 0) return bad(file, "post_processor.single", "its last special token is not in the vocabulary");
            v->eos = id;
            v->add_eos = true;
        }
        return L4A_OK;
    }
    if (strcmp(t->valuestring, "BertProcessing") == 0 || strcmp(t->valuestring, "RobertaProcessing") == 0) {
        const cJSON *cls = get(pp, "cls"), *sep = get(pp, "sep");
        int32_t a, b;
        if (!cJSON_IsArray(cls) || !cJSON_IsArray(sep) || cJSON_GetArraySize(cls) != 2 || cJSON_GetArraySize(sep) != 2 ||
            !as_id(cls->child->next, &a) || !as_id(sep->child->next, &b) || a >= v->n_tokens || b >= v->n_tokens)
            return bad(file, "post_processor", "cls and sep must be [text, id] pairs with ids in the vocabulary");
        v->bos = a;
        v->eos = b;
        v->add_bos = v->add_eos = true;
        return L4A_OK;
    }
    return L4A_OK;  /* ByteLevel (offsets only) and others: no tokens added */
}

/* ---------------------------------------------------------------- tokenizer_config.json */

/* bos_token etc.: a string or an AddedToken object {"content": ...}; NULL when absent. */
static const char *token_text(const cJSON *j) {
    if (cJSON_IsString(j)) return j->valuestring;
    const cJSON *c = get(j, "content");
    return cJSON_IsString(c) ? c->valuestring : NULL;
}

l4a_status l4a_vocab_apply_hf_config(l4a_vocab *v, const char *cfg, size_t cfg_len, const char *file) {
    if (!cfg) return L4A_OK;
    cJSON *j = cJSON_ParseWithLength(cfg, cfg_len);
    if (!j || !cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return l4a_fail(L4A_ERR_FORMAT, "%s: not a JSON object", file);
    }
    l4a_status st = L4A_OK;
    static const struct { const char *key; size_t field; } ids[] = {
        {"bos_token", offsetof(l4a_vocab, bos)}, {"eos_token", offsetof(l4a_vocab, eos)},
        {"unk_token", offsetof(l4a_vocab, unk)}, {"pad_token", offsetof(l4a_vocab, pad)},
    };
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        const cJSON *e = get(j, ids[i].key);
        if (!e || cJSON_IsNull(e)) continue;
        const char *s = token_text(e);
        if (!s) { st = bad(file, ids[i].key, "a string or an object with \"content\" is expected"); goto done; }
        l4a_token id = find_text(v, s);
        if (id < 0) {
            st = l4a_fail(L4A_ERR_FORMAT, "%s: %s '%.40s' is not in the vocabulary", file, ids[i].key, s);
            goto done;
        }
        *(l4a_token *)((char *)v + ids[i].field) = id;
    }
    static const struct { const char *key; size_t field; } flags[] = {
        {"add_bos_token", offsetof(l4a_vocab, add_bos)}, {"add_eos_token", offsetof(l4a_vocab, add_eos)},
        {"clean_up_tokenization_spaces", offsetof(l4a_vocab, clean_spaces)},
    };
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++) {
        const cJSON *e = get(j, flags[i].key);
        if (!e || cJSON_IsNull(e)) continue;
        if (!cJSON_IsBool(e)) { st = bad(file, flags[i].key, "a boolean is expected"); goto done; }
        *(bool *)((char *)v + flags[i].field) = cJSON_IsTrue(e);
    }
    if (v->add_bos && v->bos < 0) { st = bad(file, "add_bos_token", "true, but there is no bos_token"); goto done; }
    if (v->add_eos && v->eos < 0) { st = bad(file, "add_eos_token", "true, but there is no eos_token"); goto done; }

    const cJSON *ct = get(j, "chat_template");
    const char *tmpl = NULL;
    if (cJSON_IsString(ct)) {
        tmpl = ct->valuestring;
    } else if (cJSON_IsArray(ct)) {  /* [{"name": ..., "template": ...}]: the "default" one */
        for (const cJSON *e = ct->child; e; e = e->next) {
            const cJSON *n = get(e, "name"), *t = get(e, "template");
            if (!cJSON_IsString(n) || !cJSON_IsString(t)) {
                st = bad(file, "chat_template", "entries must be {\"name\": string, \"template\": string}");
                goto done;
            }
            if (strcmp(n->valuestring, "default") == 0) tmpl = t->valuestring;
        }
        if (!tmpl) L4A_LOG_W("%s: chat_template has no \"default\" entry: none used", file);
    } else if (ct && !cJSON_IsNull(ct)) {
        st = bad(file, "chat_template", "a string or a list of named templates is expected");
        goto done;
    }
    if (tmpl) {
        l4a_free(v->chat_template);
        if (!(v->chat_template = l4a_strdup(tmpl))) st = nomem(file);
    }
done:
    cJSON_Delete(j);
    return st;
}

/* ---------------------------------------------------------------- tokenizer.json */

/* tokenizer.json, then tokenizer_config.json cfg or, when g is not NULL, its GGUF keys. */
static l4a_status load_json(const char *json, size_t len, const char *cfg, size_t cfg_len,
                            const l4a_gguf *g, const char *file, l4a_vocab **out) {
    *out = NULL;
    char cfg_name[512];
    snprintf(cfg_name, sizeof cfg_name, "%s", file);
    char *slash = strrchr(cfg_name, '/');
    snprintf(slash ? slash + 1 : cfg_name, sizeof cfg_name - (size_t)(slash ? slash + 1 - cfg_name : 0),
             "tokenizer_config.json");

    cJSON *j = cJSON_ParseWithLength(json, len);
    if (!j || !cJSON_IsObject(j)) {
        const char *at = cJSON_GetErrorPtr();
        long off = at && at >= json && at <= json + len ? (long)(at - json) : -1;
        cJSON_Delete(j);
        return l4a_fail(L4A_ERR_FORMAT, "%s: not a JSON object (error near byte %ld)", file, off);
    }
    l4a_vocab *v = l4a_vocab_new();
    l4a_status st;
    if (!v) { cJSON_Delete(j); return nomem(file); }
    v->hf = true;
    const cJSON *model = get(j, "model");
    if ((st = check_model(model, file)) || (st = load_pre(v, get(j, "pre_tokenizer"), file)) ||
        (st = load_table(v, model, get(j, "added_tokens"), file)) || (st = load_model(v, model, file)) ||
        (st = l4a_hf_parse_normalizer(get(j, "normalizer"), file, &v->norm, &v->n_norm)) ||
        (st = l4a_hf_parse_decoder(get(j, "decoder"), file, &v->dec, &v->n_dec)) ||
        (st = load_post(v, get(j, "post_processor"), file, 0)) ||
        (st = g ? l4a_vocab_apply_gguf_ids(v, g) : l4a_vocab_apply_hf_config(v, cfg, cfg_len, cfg_name)) ||
        (st = l4a_vocab_finish(v)))
        goto fail;
    if (v->type == L4A_VOCAB_BPE && v->n_norm)
        L4A_LOG_D("%s: a normalizer before a byte-level pre-tokenizer", file);
    cJSON_Delete(j);
    *out = v;
    return L4A_OK;
fail:
    cJSON_Delete(j);
    l4a_vocab_free(v);
    return st;
}

l4a_status l4a_vocab_load_hf_json(const char *json, size_t len, const char *cfg, size_t cfg_len,
                                  const char *file, l4a_vocab **out) {
    return load_json(json, len, cfg, cfg_len, NULL, file, out);
}

l4a_status l4a_vocab_load_hf_json_gguf(const char *json, size_t len, const l4a_gguf *g,
                                       l4a_vocab **out) {
    *out = NULL;
    if (!g) return l4a_fail(L4A_ERR_INVALID_ARG, "l4a_vocab_load_hf_json_gguf: no gguf");
    return load_json(json, len, NULL, 0, g, "tokenizer.huggingface.json", out);
}

/* ---------------------------------------------------------------- folder */

static l4a_status read_opt(const char *dir, const char *name, l4a_mapped_file *f, bool *found, char *path,
                           size_t size) {
    snprintf(path, size, "%s/%s", dir, name);
    FILE *fp = fopen(path, "rb");
    *found = fp != NULL;
    memset(f, 0, sizeof *f);
    if (!fp) return L4A_OK;
    fclose(fp);
    return l4a_file_map(path, false, f);
}

l4a_status l4a_vocab_load_hf(const char *dir, l4a_vocab **out) {
    *out = NULL;
    if (!dir) return l4a_fail(L4A_ERR_INVALID_ARG, "tokenizer: no folder");
    char path[4096], cfg_path[4096];
    l4a_mapped_file tj, cfg, model;
    bool has_tj, has_cfg, has_model;
    l4a_status st = read_opt(dir, "tokenizer_config.json", &cfg, &has_cfg, cfg_path, sizeof cfg_path);
    if (st) return st;
    const char *cfg_text = has_cfg ? (const char *)(cfg.data ? cfg.data : (const uint8_t *)"") : NULL;
    if ((st = read_opt(dir, "tokenizer.json", &tj, &has_tj, path, sizeof path))) goto done_cfg;
    if (has_tj) {
        st = l4a_vocab_load_hf_json(tj.data ? (const char *)tj.data : "", (size_t)tj.size, cfg_text,
                                    (size_t)cfg.size, path, out);
        l4a_file_unmap(&tj);
        goto done_cfg;
    }
    if ((st = read_opt(dir, "tokenizer.model", &model, &has_model, path, sizeof path))) goto done_cfg;
    if (!has_model) {
        st = l4a_fail(L4A_ERR_IO, "%s: neither tokenizer.json nor tokenizer.model is there", dir);
        goto done_cfg;
    }
    st = l4a_vocab_load_spm_model(model.data, (size_t)model.size, cfg_text, (size_t)cfg.size, path, out);
    l4a_file_unmap(&model);
done_cfg:
    if (has_cfg) l4a_file_unmap(&cfg);
    return st;
}
