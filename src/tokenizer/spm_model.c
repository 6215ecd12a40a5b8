/*
 * spm_model.c - a SentencePiece tokenizer.model (a serialized ModelProto) as an SPM vocabulary.
 *
 * Followed: sentencepiece_model.proto (SentencePiece's src/) and the protobuf wire format
 * (varint, 64-bit, length-delimited and 32-bit fields; groups are refused). Read, all
 * bounds-checked, from a hand-written reader:
 *   ModelProto      1 pieces (repeated), 2 trainer_spec, 3 normalizer_spec
 *   SentencePiece   1 piece, 2 score (float), 3 type (1 normal .. 6 byte, default 1)
 *   TrainerSpec     3 model_type (default 1 unigram; 2 bpe), 24 treat_whitespace_as_suffix,
 *                   35 byte_fallback, 40 unk_id (0), 41 bos_id (1), 42 eos_id (2), 43 pad_id (-1)
 *   NormalizerSpec  1 name, 2 precompiled_charsmap, 3 add_dummy_prefix (true),
 *                   4 remove_extra_whitespaces (true), 5 escape_whitespaces (true)
 * Only what llm4all runs exactly is accepted: BPE models with the identity normalizer (no
 * charsmap), whitespace escaped and not collapsed, no suffix whitespace. Other models are
 * L4A_ERR_UNSUPPORTED (Unigram needs another segmentation; nmt_nfkc a charsmap interpreter).
 * Unknown fields are skipped, as protobuf readers do. Not here: tokenizing (spm.c).
 */
#include "tokenizer/tokenizer_hf.h"

#include "tokenizer/vocab.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct pb {
    const uint8_t *p, *end;
} pb;

static bool varint(pb *r, uint64_t *out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 70; shift += 7) {
        if (r->p >= r->end) return false;
        uint8_t b = *r->p++;
        if (shift == 63 && (b & 0x7E)) return false;  /* more than 64 bits */
        v |= (uint64_t)(b & 0x7F) << shift;
        if (!(b & 0x80)) { *out = v; return true; }
    }
    return false;
}

/* One field: its number, wire type and value (varint / fixed in *num, bytes in *sub). */
typedef struct pbfield {
    uint32_t no, wire;
    uint64_t num;
    pb sub;
} pbfield;

static bool next_field(pb *r, pbfield *f) {
    uint64_t key;
    if (!varint(r, &key) || key >> 32 || (key >> 3) == 0) return false;
    f->no = (uint32_t)(key >> 3);
    f->wire = (uint32_t)(key & 7);
    switch (f->wire) {
    case 0: return varint(r, &f->num);
    case 1:
        if (r->end - r->p < 8) return false;
        f->num = 0;
        for (int i = 7; i >= 0; i--) f->num = f->num << 8 | r->p[i];
        r->p += 8;
        return true;
    case 5:
        if (r->end - r->p < 4) return false;
        f->num = (uint64_t)r->p[0] | (uint64_t)r->p[1] << 8 | (uint64_t)r->p[2] << 16 | (uint64_t)r->p[3] << 24;
        r->p += 4;
        return true;
    case 2: {
        uint64_t n;
        if (!varint(r, &n) || n > (uint64_t)(r->end - r->p)) return false;
        f->sub = (pb){r->p, r->p + n};
        r->p += n;
        return true;
    }
    default: return false;  /* groups (3, 4) and reserved types */
    }
}

static l4a_status bad(const char *file, const char *field, const char *what) {
    return l4a_fail(L4A_ERR_FORMAT, "%s: %s: %s", file, field, what);
}

typedef struct spec {
    uint64_t model_type;
    bool byte_fallback, suffix_ws;
    int64_t unk, bos, eos, pad;
    bool add_dummy_prefix, remove_extra_ws, escape_ws, charsmap;
    char name[32];
} spec;

static l4a_status read_trainer(pb r, spec *s, const char *file) {
    pbfield f;
    while (r.p < r.end) {
        if (!next_field(&r, &f)) return bad(file, "trainer_spec", "truncated or malformed field");
        if (f.wire != 0) continue;
        switch (f.no) {
        case 3: s->model_type = f.num; break;
        case 24: s->suffix_ws = f.num != 0; break;
        case 35: s->byte_fallback = f.num != 0; break;
        case 40: s->unk = (int32_t)(uint32_t)f.num; break;  /* int32: negatives are 64-bit varints */
        case 41: s->bos = (int32_t)(uint32_t)f.num; break;
        case 42: s->eos = (int32_t)(uint32_t)f.num; break;
        case 43: s->pad = (int32_t)(uint32_t)f.num; break;
        }
    }
    return L4A_OK;
}

static l4a_status read_normalizer(pb r, spec *s, const char *file) {
    pbfield f;
    while (r.p < r.end) {
        if (!next_field(&r, &f)) return bad(file, "normalizer_spec", "truncated or malformed field");
        if (f.no == 1 && f.wire == 2) {
            size_t n = (size_t)(f.sub.end - f.sub.p);
            if (n >= sizeof s->name) n = sizeof s->name - 1;
            memcpy(s->name, f.sub.p, n);
            s->name[n] = 0;
        } else if (f.no == 2 && f.wire == 2) {
            s->charsmap = f.sub.end > f.sub.p;
        } else if (f.wire == 0) {
            if (f.no == 3) s->add_dummy_prefix = f.num != 0;
            if (f.no == 4) s->remove_extra_ws = f.num != 0;
            if (f.no == 5) s->escape_ws = f.num != 0;
        }
    }
    return L4A_OK;
}

/* One SentencePiece message: text, score, type. */
static l4a_status read_piece(pb r, int64_t i, const char *file, l4a_str *text, float *score, int *type) {
    pbfield f;
    *text = (l4a_str){NULL, 0};
    *score = 0;
    *type = 1;
    while (r.p < r.end) {
        if (!next_field(&r, &f))
            return l4a_fail(L4A_ERR_FORMAT, "%s: pieces[%lld]: truncated or malformed field", file, (long long)i);
        if (f.no == 1 && f.wire == 2) {
            *text = (l4a_str){(const char *)f.sub.p, (uint64_t)(f.sub.end - f.sub.p)};
        } else if (f.no == 2 && f.wire == 5) {
            uint32_t u = (uint32_t)f.num;
            memcpy(score, &u, sizeof *score);
            if (!isfinite(*score))
                return l4a_fail(L4A_ERR_FORMAT, "%s: pieces[%lld].score is not a finite number", file, (long long)i);
        } else if (f.no == 3 && f.wire == 0) {
            if (f.num < 1 || f.num > 6)
                return l4a_fail(L4A_ERR_FORMAT, "%s: pieces[%lld].type %llu is not 1..6", file, (long long)i,
                                (unsigned long long)f.num);
            *type = (int)f.num;
        }
    }
    if (!text->ptr || text->len == 0)
        return l4a_fail(L4A_ERR_FORMAT, "%s: pieces[%lld].piece is missing or empty", file, (long long)i);
    return L4A_OK;
}

static l4a_token check(int64_t id, int32_t n) { return id >= 0 && id < n ? (l4a_token)id : -1; }

l4a_status l4a_vocab_load_spm_model(const uint8_t *data, size_t len, const char *cfg, size_t cfg_len,
                                    const char *file, l4a_vocab **out) {
    *out = NULL;
    spec s = {.model_type = 1, .unk = 0, .bos = 1, .eos = 2, .pad = -1,
              .add_dummy_prefix = true, .remove_extra_ws = true, .escape_ws = true};
    pb r = {data, data + len};
    pbfield f;
    int64_t n = 0;
    l4a_status st;
    if (!data || len == 0) return bad(file, "ModelProto", "the file is empty");
    /* pass 1: count pieces, read the specs */
    while (r.p < r.end) {
        if (!next_field(&r, &f)) return bad(file, "ModelProto", "truncated or malformed field");
        if (f.no == 1 && f.wire == 2) n++;
        else if (f.no == 2 && f.wire == 2 && (st = read_trainer(f.sub, &s, file))) return st;
        else if (f.no == 3 && f.wire == 2 && (st = read_normalizer(f.sub, &s, file))) return st;
    }
    if (n == 0) return bad(file, "pieces", "there are none");
    if (n > (1 << 24)) return bad(file, "pieces", "more than 16M pieces");
    if (s.model_type != 2)
        return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: trainer_spec.model_type %llu is not supported (2, BPE)", file,
                        (unsigned long long)s.model_type);
    if (s.suffix_ws || !s.escape_ws || s.remove_extra_ws || s.charsmap ||
        (s.name[0] && strcmp(s.name, "identity") != 0))
        return l4a_fail(L4A_ERR_UNSUPPORTED, "%s: normalizer_spec '%s' (remove_extra_whitespaces %d, "
                        "escape_whitespaces %d, charsmap %d, whitespace suffix %d) is not supported (identity)",
                        file, s.name, s.remove_extra_ws, s.escape_ws, s.charsmap, s.suffix_ws);

    l4a_str *texts = l4a_malloc((size_t)n * sizeof *texts);
    uint8_t *types = l4a_malloc((size_t)n);
    float *scores = l4a_malloc((size_t)n * sizeof *scores);
    l4a_vocab *v = l4a_vocab_new();
    if (!texts || !types || !scores || !v) { st = l4a_fail(L4A_ERR_NOMEM, "%s: out of memory", file); goto fail; }
    r = (pb){data, data + len};
    int64_t i = 0;
    while (r.p < r.end) {
        next_field(&r, &f);  /* checked in pass 1 */
        if (f.no != 1 || f.wire != 2) continue;
        int type;
        if ((st = read_piece(f.sub, i, file, &texts[i], &scores[i], &type))) goto fail;
        types[i++] = (uint8_t)type;
    }
    v->type = L4A_VOCAB_SPM;
    if ((st = l4a_vocab_set_tokens(v, texts, (int32_t)n, file))) goto fail;
    static const uint8_t attr[7] = {0, L4A_TOK_NORMAL, L4A_TOK_UNKNOWN, L4A_TOK_CONTROL,
                                    L4A_TOK_USER_DEFINED, L4A_TOK_UNUSED, L4A_TOK_BYTE};
    for (int32_t t = 0; t < v->n_tokens; t++) {
        v->attr[t] = attr[types[t]];
        v->score[t] = scores[t];
    }
    v->unk = check(s.unk, v->n_tokens);
    v->bos = check(s.bos, v->n_tokens);
    v->eos = check(s.eos, v->n_tokens);
    v->pad = check(s.pad, v->n_tokens);
    v->byte_fallback = s.byte_fallback;
    v->add_space_prefix = s.add_dummy_prefix;
    v->add_bos = v->bos >= 0;  /* as LlamaTokenizer and llama.cpp's "llama" vocabularies */
    char cfg_name[512];
    snprintf(cfg_name, sizeof cfg_name, "%s", file);
    char *slash = strrchr(cfg_name, '/');
    snprintf(slash ? slash + 1 : cfg_name, sizeof cfg_name - (size_t)(slash ? slash + 1 - cfg_name : 0),
             "tokenizer_config.json");
    if ((st = l4a_vocab_apply_hf_config(v, cfg, cfg_len, cfg_name)) || (st = l4a_vocab_finish(v))) goto fail;
    l4a_free(texts);
    l4a_free(types);
    l4a_free(scores);
    *out = v;
    return L4A_OK;
fail:
    l4a_free(texts);
    l4a_free(types);
    l4a_free(scores);
    l4a_vocab_free(v);
    return st;
}
