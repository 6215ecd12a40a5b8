/*
 * test_tokenizer_hf.c - vocabularies from Hugging Face files against HF `tokenizers` and
 * `sentencepiece`.
 *
 * The real tokenizer files of the seed's models are in ../shared/data/tokenizers (a sibling of
 * the checkout; ../../shared for a worktree one level down; $L4A_TOKENIZERS_DIR overrides). A
 * missing folder is a failure. References: tests/golden/hf_tokens/<name>.txt
 * (scripts/golden_hf_tokens.py): for every valid-UTF-8 line of tests/data/tokenizer_corpus.txt
 * and tests/data/hf_tokenizer_fr.txt, and each file whole, the ids of encode with special
 * tokens added, and the decodings without and with special tokens. Our ids must equal them
 * exactly and our decodings must equal HF's (which give the text back except where the
 * tokenizer itself loses it: HF's Metaspace decoder drops every "▁" of the first token, so
 * Lucie turns a leading run of spaces into one less, etc.).
 * tokenizer.json texts are tokenized with parse_special (HF matches added tokens in text);
 * Mistral's tokenizer.model without (SentencePiece never matches control pieces in text).
 * Then: BOS/EOS facts from the files, Lucie's chat template rendered as Jinja2 renders it, and
 * hostile inputs (truncated and mistyped JSON, merges naming unknown tokens, huge ids, holes,
 * unsupported pre-tokenizers and regexes, truncated protobuf).
 */
#include "harness.h"

#include "tokenizer/tokenizer_hf.h"
#include "tokenizer/vocab.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *g_dir;

static const char *tokenizers_dir(void) {
    const char *env = getenv("L4A_TOKENIZERS_DIR");
    static const char *const cands[] = {"../shared/data/tokenizers", "../../shared/data/tokenizers"};
    if (env && *env) return access(env, R_OK) == 0 ? env : NULL;
    for (size_t i = 0; i < 2; i++)
        if (access(cands[i], R_OK) == 0) return cands[i];
    return NULL;
}

/* ---------------------------------------------------------------- golden files */

static size_t unhex(const char *h, char *out) {
    if (strcmp(h, "-") == 0) return 0;
    size_t n = 0;
    for (; h[0] && h[1]; h += 2) {
        unsigned v;
        sscanf(h, "%2x", &v);
        out[n++] = (char)v;
    }
    return n;
}

static void dump(const char *what, const l4a_token *ids, int32_t n) {
    fprintf(stderr, "    %s (%d):", what, n);
    for (int32_t i = 0; i < n && i < 40; i++) fprintf(stderr, " %d", ids[i]);
    fprintf(stderr, "%s\n", n > 40 ? " ..." : "");
}

static uint64_t fnv_bytes(uint64_t h, const void *p, size_t n) {
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* tests/data/fr_handbook.txt whole: count and FNV-1a 64 of the ids and of their decoding. */
static void check_big(const char *name, const l4a_vocab *v, bool parse_special, const char *line) {
    long long want_n;
    unsigned long long want_ids, want_text;
    CHECK(sscanf(line, "big %lld %llx %llx", &want_n, &want_ids, &want_text) == 3);
    size_t len;
    char *fr = l4a_test_read_file(l4a_test_path("data/fr_handbook.txt"), &len);
    CHECK_MSG(fr != NULL, "cannot read tests/data/fr_handbook.txt");
    if (!fr) return;
    l4a_token *ids = malloc((len + 2) * sizeof *ids);
    char *out = malloc(2 * len + 64);
    double t0 = l4a_time_s();
    int32_t n = l4a_vocab_tokenize(v, fr, len, ids, (int32_t)len + 2, true, parse_special);
    double t1 = l4a_time_s();
    uint64_t h = 0xcbf29ce484222325ull;
    for (int32_t i = 0; i < n; i++) {
        uint8_t le[4] = {(uint8_t)ids[i], (uint8_t)(ids[i] >> 8), (uint8_t)(ids[i] >> 16), (uint8_t)(ids[i] >> 24)};
        h = fnv_bytes(h, le, 4);
    }
    CHECK_MSG(n == want_n && h == want_ids, "%s: fr_handbook.txt: %d ids, hash %016llx; HF %lld, %016llx", name, n,
              (unsigned long long)h, want_n, want_ids);
    int32_t m = n >= 0 ? l4a_vocab_detokenize(v, ids, n, out, 2 * len + 64, false) : -1;
    uint64_t ht = m >= 0 ? fnv_bytes(0xcbf29ce484222325ull, out, (size_t)m) : 0;
    CHECK_MSG(m >= 0 && ht == want_text, "%s: fr_handbook.txt decodes differently from HF", name);
    printf("%s: fr_handbook.txt, %zu bytes -> %d tokens in %.1f ms, equal to HF: %s\n", name, len, n,
           (t1 - t0) * 1e3, n == want_n && h == want_ids && ht == want_text ? "yes" : "NO");
    free(fr);
    free(ids);
    free(out);
}

typedef struct stats {
    int cases, ids_ok, dec_ok, decs_ok, decs_cases, roundtrip;
} stats;

static void run_golden(const char *name, const l4a_vocab *v, bool parse_special, stats *s) {
    char path[256];
    snprintf(path, sizeof path, "golden/hf_tokens/%s.txt", name);
    size_t len;
    char *g = l4a_test_read_file(l4a_test_path(path), &len);
    CHECK_MSG(g != NULL, "cannot read tests/%s", path);
    if (!g) return;
    char *text = malloc(len), *want = malloc(len), *got = malloc(4 * len + 64);
    l4a_token *ids = malloc(len * sizeof *ids), *ref = malloc(len * sizeof *ref);
    size_t tn = 0;
    int32_t n = 0, nref = 0;
    int shown = 0;
    for (char *line = strtok(g, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "case ", 5) == 0) {
            tn = unhex(line + 5, text);
            s->cases++;
            n = l4a_vocab_tokenize(v, text, tn, ids, (int32_t)len, true, parse_special);
        } else if (strncmp(line, "ids ", 4) == 0) {
            char *p = line + 4, *e;
            nref = (int32_t)strtol(p, &e, 10);
            for (int32_t i = 0; i < nref; i++) ref[i] = (l4a_token)strtol(e, &e, 10);
            bool ok = n == nref && memcmp(ids, ref, (size_t)n * sizeof *ids) == 0;
            s->ids_ok += ok;
            if (!ok && shown++ < 4) {
                fprintf(stderr, "%s: ids differ for '%.*s'\n", name, (int)(tn > 120 ? 120 : tn), text);
                dump("ours", ids, n);
                dump("HF  ", ref, nref);
            }
        } else if (strncmp(line, "dec ", 4) == 0 || strncmp(line, "decs ", 5) == 0) {
            bool sp = line[3] == 's';
            const char *h = line + (sp ? 5 : 4);
            size_t wn;
            if (strcmp(h, "=") == 0) {  /* the text (dec) or the same as dec (decs) */
                if (!sp) { memcpy(want, text, tn); wn = tn; }
                else wn = (size_t)-1;
            } else {
                wn = unhex(h, want);
            }
            if (!sp) { s->roundtrip += strcmp(h, "=") == 0; }
            int32_t m = l4a_vocab_detokenize(v, nref > 0 ? ref : ids, nref, got, 4 * len + 64, sp);
            if (sp) {
                s->decs_cases++;
                if (wn == (size_t)-1) {  /* as dec: decode again without specials */
                    int32_t m0 = l4a_vocab_detokenize(v, ref, nref, want, len, false);
                    wn = m0 < 0 ? 0 : (size_t)m0;
                }
            }
            bool ok = m >= 0 && (size_t)m == wn && memcmp(got, want, wn) == 0;
            if (sp) s->decs_ok += ok;
            else s->dec_ok += ok;
            if (!ok && shown++ < 8)
                fprintf(stderr, "%s: decode%s differs:\n    ours '%.*s'\n    HF   '%.*s'\n", name, sp ? " (special)" : "",
                        m < 0 ? 0 : m > 200 ? 200 : m, got, (int)(wn > 200 ? 200 : wn), want);
        } else if (strncmp(line, "big ", 4) == 0) {
            check_big(name, v, parse_special, line);
        } else if (strncmp(line, "chat ", 5) == 0) {
            /* Lucie's template renders {{ bos_token }} first: ours leaves it to tokenize */
            size_t wn = unhex(line + 5, want);
            l4a_chat_msg msgs[] = {
                {"system", "Tu es un assistant qui répond en français."},
                {"user", "  Bonjour ! Peux-tu résumer « Les Misérables » ?  "},
                {"assistant", "Bien sûr : c’est l’histoire de Jean Valjean."},
                {"user", "Merci (vraiment) !"},
            };
            int32_t m = l4a_vocab_chat_apply(v, NULL, msgs, 4, true, got, 4 * len);
            CHECK_MSG(wn > 3 && memcmp(want, "<s>", 3) == 0, "the Jinja2 rendering starts with <s>");
            CHECK_MSG(m >= 0 && (size_t)m == wn - 3 && memcmp(got, want + 3, wn - 3) == 0,
                      "%s chat:\n    ours '%.*s'\n    Jinja2 '%.*s'", name, m < 0 ? 0 : m, got, (int)wn - 3, want + 3);
        }
    }
    free(g); free(text); free(want); free(got); free(ids); free(ref);
}

static void test_real(void) {
    static const struct {
        const char *name;
        bool json;
        int32_t n_tokens, bos, eos;
        bool add_bos;
    } k[] = {
        {"falcon-7b", true, 65024, -1, 11, false},
        {"lucie-7b", true, 65024, 0, 1, true},
        {"lucie-7b-instruct", true, 65024, 0, 267, true},
        {"mistral-7b-v0.1", false, 32000, 1, 2, true},
    };
    for (size_t i = 0; i < sizeof k / sizeof k[0]; i++) {
        char dir[512];
        snprintf(dir, sizeof dir, "%s/%s", g_dir, k[i].name);
        l4a_vocab *v = NULL;
        double t0 = l4a_time_s();
        l4a_status st = l4a_vocab_load_hf(dir, &v);
        double t1 = l4a_time_s();
        CHECK_MSG(st == L4A_OK, "%s: %s", dir, l4a_last_error());
        if (st) continue;
        CHECK_EQ_INT(l4a_vocab_n_tokens(v), k[i].n_tokens);
        CHECK_EQ_INT(l4a_vocab_bos(v), k[i].bos);
        CHECK_EQ_INT(l4a_vocab_eos(v), k[i].eos);
        CHECK_EQ_INT(l4a_vocab_add_bos(v), k[i].add_bos);
        CHECK(l4a_vocab_is_eog(v, k[i].eos));
        stats s = {0};
        run_golden(k[i].name, v, k[i].json, &s);
        double t2 = l4a_time_s();
        CHECK_MSG(s.cases >= 80, "%s: %d cases in the golden file", k[i].name, s.cases);
        CHECK_MSG(s.ids_ok == s.cases, "%s: ids equal for %d of %d texts", k[i].name, s.ids_ok, s.cases);
        CHECK_MSG(s.dec_ok == s.cases, "%s: decode equal for %d of %d", k[i].name, s.dec_ok, s.cases);
        CHECK_MSG(s.decs_ok == s.decs_cases, "%s: decode with specials equal for %d of %d", k[i].name, s.decs_ok,
                  s.decs_cases);
        printf("%s: load %.0f ms; %d texts, ids equal %d, decode equal %d (gives the text back: %d), "
               "with specials %d/%d; %.0f ms\n", k[i].name, (t1 - t0) * 1e3, s.cases, s.ids_ok, s.dec_ok,
               s.roundtrip, s.decs_ok, s.decs_cases, (t2 - t1) * 1e3);
        if (strcmp(k[i].name, "lucie-7b-instruct") == 0) {
            const char *ct = l4a_vocab_chat_template(v);
            CHECK(ct && strstr(ct, "<|start_header_id|>"));
            CHECK(l4a_vocab_is_control(v, 265) && l4a_vocab_is_control(v, 267));
            l4a_token t[4];
            CHECK_EQ_INT(l4a_vocab_tokenize(v, "<|eot_id|>", 10, t, 4, false, true), 1);
            CHECK_EQ_INT(t[0], 267);
            /* without parse_special the text is text */
            CHECK(l4a_vocab_tokenize(v, "<|eot_id|>", 10, t, 4, false, false) != 1);
        }
        if (strcmp(k[i].name, "falcon-7b") == 0) {
            l4a_token t[4];
            CHECK_EQ_INT(l4a_vocab_tokenize(v, ">>TITLE<<", 9, t, 4, true, true), 1);
            CHECK_EQ_INT(t[0], 0);
        }
        l4a_vocab_free(v);
    }
}

/* ---------------------------------------------------------------- hostile input */

static l4a_status load_json(const char *json, const char *cfg) {
    l4a_vocab *v = NULL;
    l4a_status st = l4a_vocab_load_hf_json(json, strlen(json), cfg, cfg ? strlen(cfg) : 0, "t/tokenizer.json", &v);
    l4a_vocab_free(v);
    return st;
}

#define MODEL "\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"vocab\":"
#define CBPE_HEAD "{" MODEL
static const char *k_ok = CBPE_HEAD "{\"a\":0,\"b\":1,\"ab\":2,\"<unk>\":3},\"merges\":[\"a b\"]}}";

static const char *k_lucie =
    "{\"added_tokens\":[{\"id\":0,\"content\":\"<s>\",\"special\":true}],"
    "\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFC\"},{\"type\":\"Replace\","
    "\"pattern\":{\"Regex\":\"\\\\((?=[ \\\\w])\"},\"content\":\"( \"},{\"type\":\"Prepend\",\"prepend\":\" \"},"
    "{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"[ \\\\u00A0]\"},\"content\":\"\xe2\x96\x81\"}]},"
    "\"post_processor\":{\"type\":\"TemplateProcessing\",\"single\":[{\"SpecialToken\":{\"id\":\"<s>\"}},"
    "{\"Sequence\":{\"id\":\"A\"}}]},"
    "\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"ByteFallback\"},{\"type\":\"Metaspace\","
    "\"replacement\":\"\xe2\x96\x81\"},{\"type\":\"Fuse\"},{\"type\":\"Replace\",\"pattern\":{\"String\":\"( \"},"
    "\"content\":\"(\"}]},"
    "\"model\":{\"type\":\"BPE\",\"unk_token\":\"<unk>\",\"byte_fallback\":true,\"fuse_unk\":true,"
    "\"vocab\":{\"<s>\":0,\"<unk>\":1,\"<0xE2>\":2,\"<0x80>\":3,\"<0x99>\":4,\"\xe2\x96\x81\":5,\"a\":6,"
    "\"b\":7,\"(\":8,\"\xe2\x96\x81" "a\":9,\"ab\":10},\"merges\":[\"\xe2\x96\x81 a\",\"a b\"]}}";

/* Lucie's pipeline in small: normalizer, byte fallback, decoder chain undoing the spaces. */
static void test_small_lucie(void) {
    l4a_vocab *v = NULL;
    CHECK_MSG(l4a_vocab_load_hf_json(k_lucie, strlen(k_lucie), NULL, 0, "t/tokenizer.json", &v) == L4A_OK, "%s",
              l4a_last_error());
    if (!v) return;
    const char *text = "(ab a\xe2\x80\x99" "b";  /* "(ab a’b" */
    l4a_token t[32], want[] = {0, 5, 8, 9, 7, 9, 2, 3, 4, 7};  /* ▁ ( ▁a b ▁a <0xE2><0x80><0x99> b */
    int32_t k = l4a_vocab_tokenize(v, text, strlen(text), t, 32, true, true);
    CHECK_EQ_INT(k, (int32_t)(sizeof want / sizeof want[0]));
    CHECK(k == 10 && memcmp(t, want, sizeof want) == 0);
    char out[64];
    int32_t m = l4a_vocab_detokenize(v, t, k, out, sizeof out, false);
    CHECK_MSG(m == (int32_t)strlen(text) && memcmp(out, text, (size_t)m) == 0, "decoded '%.*s'", m < 0 ? 0 : m, out);
    l4a_vocab_free(v);
}

static void expect(const char *json, const char *cfg, l4a_status want, const char *in_msg) {
    l4a_status st = load_json(json, cfg);
    CHECK_MSG(st == want && (!in_msg || strstr(l4a_last_error(), in_msg)),
              "status %d (want %d), message '%s' (want '%s') for %.120s", st, want,
              st ? l4a_last_error() : "", in_msg ? in_msg : "", json);
}

static void test_small_json(void) {
    l4a_vocab *v = NULL;
    CHECK_MSG(l4a_vocab_load_hf_json(k_ok, strlen(k_ok), NULL, 0, "t/tokenizer.json", &v) == L4A_OK, "%s",
              l4a_last_error());
    if (v) {
        l4a_token t[8];
        CHECK_EQ_INT(l4a_vocab_tokenize(v, "abbac", 5, t, 8, true, false), 4);
        CHECK(t[0] == 2 && t[1] == 1 && t[2] == 0 && t[3] == 3);  /* c: <unk> */
        l4a_vocab_free(v);
    }
    /* merges as pairs */
    expect(CBPE_HEAD "{\"a\":0,\"b\":1,\"ab\":2,\"<unk>\":3},\"merges\":[[\"a\",\"b\"]]}}", NULL, L4A_OK, NULL);
    /* malformed */
    expect("{\"model\":", NULL, L4A_ERR_FORMAT, "not a JSON object");
    expect("[1,2]", NULL, L4A_ERR_FORMAT, "not a JSON object");
    expect("{\"model\":[]}", NULL, L4A_ERR_FORMAT, "model");
    expect(CBPE_HEAD "[\"a\"],\"merges\":[]}}", NULL, L4A_ERR_FORMAT, "model.vocab");
    expect(CBPE_HEAD "{\"a\":\"x\"},\"merges\":[]}}", NULL, L4A_ERR_FORMAT, "model.vocab['a']");
    expect(CBPE_HEAD "{\"a\":0,\"<unk>\":1},\"merges\":5}}", NULL, L4A_ERR_FORMAT, "model.merges");
    expect(CBPE_HEAD "{\"a\":0,\"<unk>\":1},\"merges\":[\"a\"]}}", NULL, L4A_ERR_FORMAT, "model.merges[0]");
    expect(CBPE_HEAD "{\"a\":0,\"<unk>\":1},\"merges\":[[\"a\",1]]}}", NULL, L4A_ERR_FORMAT, "model.merges[0]");
    expect(CBPE_HEAD "{\"a\":0,\"b\":1,\"<unk>\":2},\"merges\":[\"a b\"]}}", NULL, L4A_ERR_FORMAT,
           "their concatenation is not in the vocabulary");
    expect(CBPE_HEAD "{\"a\":0,\"ax\":1,\"<unk>\":2},\"merges\":[\"a x\"]}}", NULL, L4A_ERR_FORMAT,
           "a side is not in the vocabulary");
    expect(CBPE_HEAD "{\"a\":0,\"<unk>\":99999999999},\"merges\":[]}}", NULL, L4A_ERR_FORMAT, "model.vocab['<unk>']");
    expect(CBPE_HEAD "{\"a\":0,\"<unk>\":1.5},\"merges\":[]}}", NULL, L4A_ERR_FORMAT, "model.vocab['<unk>']");
    expect(CBPE_HEAD "{\"a\":0,\"<unk>\":-1},\"merges\":[]}}", NULL, L4A_ERR_FORMAT, "model.vocab['<unk>']");
    expect(CBPE_HEAD "{\"a\":0,\"<unk>\":5},\"merges\":[]}}", NULL, L4A_ERR_FORMAT, "id 1 has no token");
    expect(CBPE_HEAD "{\"a\":0,\"b\":0,\"<unk>\":1},\"merges\":[]}}", NULL, L4A_ERR_FORMAT, "id 0 is given");
    expect(CBPE_HEAD "{\"a\":0},\"merges\":[]}}", NULL, L4A_ERR_FORMAT, "unk_token");
    expect("{\"added_tokens\":[{\"id\":\"x\"}]," MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}", NULL,
           L4A_ERR_FORMAT, "added_tokens[0]");
    expect("{\"added_tokens\":[{\"id\":16777216,\"content\":\"x\"}]," MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}",
           NULL, L4A_ERR_FORMAT, "added_tokens[0]");
    /* unsupported */
    expect("{\"model\":{\"type\":\"Unigram\",\"vocab\":[]}}", NULL, L4A_ERR_UNSUPPORTED, "model.type");
    expect("{\"pre_tokenizer\":{\"type\":\"Split\",\"pattern\":{\"Regex\":\"\\\\d+\"},\"behavior\":\"Isolated\"},"
           MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}", NULL, L4A_ERR_UNSUPPORTED, "pre_tokenizer");
    expect("{\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Split\",\"pattern\":{\"Regex\":"
           "\"\\\\p{N}{1,2}\"},\"behavior\":\"Isolated\"},{\"type\":\"ByteLevel\",\"use_regex\":false}]},"
           MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}", NULL, L4A_ERR_UNSUPPORTED, "not one we know");
    expect("{\"pre_tokenizer\":{\"type\":\"Whitespace\"}," MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}", NULL,
           L4A_ERR_UNSUPPORTED, "Whitespace");
    expect("{\"normalizer\":{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"a+\"},\"content\":\"\"},"
           MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}", NULL, L4A_ERR_UNSUPPORTED, "normalizer");
    expect("{\"normalizer\":{\"type\":\"Precompiled\"}," MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}", NULL,
           L4A_ERR_UNSUPPORTED, "Precompiled");
    expect("{\"decoder\":{\"type\":\"WordPiece\"}," MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}", NULL,
           L4A_ERR_UNSUPPORTED, "WordPiece");
    expect("{\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":{}}," MODEL "{\"a\":0,\"<unk>\":1},\"merges\":[]}}",
           NULL, L4A_ERR_FORMAT, "normalizers");
    /* tokenizer_config.json */
    expect(k_ok, "{\"add_bos_token\":\"yes\"}", L4A_ERR_FORMAT, "add_bos_token");
    expect(k_ok, "{\"bos_token\":\"<s>\"}", L4A_ERR_FORMAT, "bos_token '<s>' is not in the vocabulary");
    expect(k_ok, "{\"bos_token\":{\"content\":\"a\"},\"add_bos_token\":true,\"chat_template\":[{\"name\":\"x\",\"template\":\"t\"}]}",
           L4A_OK, NULL);
    expect(k_ok, "{\"chat_template\":7}", L4A_ERR_FORMAT, "chat_template");
    expect(k_ok, "{\"add_eos_token\":true}", L4A_ERR_FORMAT, "add_eos_token");
    expect(k_ok, "nope", L4A_ERR_FORMAT, "tokenizer_config.json");
    v = NULL;
    const char *cfg = "{\"chat_template\":[{\"name\":\"tool_use\",\"template\":\"T\"},{\"name\":\"default\",\"template\":\"D\"}]}";
    CHECK(l4a_vocab_load_hf_json(k_ok, strlen(k_ok), cfg, strlen(cfg), "t/tokenizer.json", &v) == L4A_OK);
    CHECK(v && l4a_vocab_chat_template(v) && strcmp(l4a_vocab_chat_template(v), "D") == 0);
    l4a_vocab_free(v);

    /* the real Falcon file, truncated at many points: an error each time, never a crash */
    char path[512];
    snprintf(path, sizeof path, "%s/falcon-7b/tokenizer.json", g_dir);
    size_t len;
    char *f = l4a_test_read_file(path, &len);
    CHECK(f != NULL);
    int errors = 0, tries = 0;
    for (size_t cut = 1; f && cut < len; cut += len / 7 + 1, tries++) {
        l4a_vocab *w = NULL;
        errors += l4a_vocab_load_hf_json(f, cut, NULL, 0, path, &w) == L4A_ERR_FORMAT;
        l4a_vocab_free(w);
    }
    CHECK_MSG(errors == tries, "%d of %d truncations of tokenizer.json failed cleanly", errors, tries);
    free(f);

    l4a_vocab *w = NULL;
    CHECK(l4a_vocab_load_hf("/nonexistent/folder", &w) != L4A_OK && w == NULL);
    CHECK(strstr(l4a_last_error(), "tokenizer.json") != NULL);
}

/* A protobuf writer for small SentencePiece models. */
typedef struct pbw {
    uint8_t b[4096];
    size_t n;
} pbw;

static void w_varint(pbw *w, uint64_t v) {
    do { w->b[w->n++] = (uint8_t)((v & 0x7F) | (v > 0x7F ? 0x80 : 0)); v >>= 7; } while (v);
}
static void w_bytes(pbw *w, int no, const void *p, size_t n) {
    w_varint(w, (uint64_t)no << 3 | 2);
    w_varint(w, n);
    memcpy(w->b + w->n, p, n);
    w->n += n;
}
static void w_piece(pbw *w, const char *text, float score, int type) {
    pbw p = {{0}, 0};
    w_bytes(&p, 1, text, strlen(text));
    w_varint(&p, 2 << 3 | 5);
    memcpy(p.b + p.n, &score, 4);
    p.n += 4;
    w_varint(&p, 3 << 3 | 0);
    w_varint(&p, (uint64_t)type);
    w_bytes(w, 1, p.b, p.n);
}

static void small_model(pbw *w, int model_type) {
    w->n = 0;
    w_piece(w, "<unk>", 0, 2);
    w_piece(w, "<s>", 0, 3);
    w_piece(w, "</s>", 0, 3);
    w_piece(w, "\xe2\x96\x81", -1, 1);
    w_piece(w, "a", -2, 1);
    w_piece(w, "\xe2\x96\x81" "a", -0.5f, 1);
    pbw t = {{0}, 0};
    w_varint(&t, 3 << 3 | 0);
    w_varint(&t, (uint64_t)model_type);
    w_bytes(w, 2, t.b, t.n);
    pbw nspec = {{0}, 0};
    w_bytes(&nspec, 1, "identity", 8);
    w_varint(&nspec, 4 << 3 | 0);  /* remove_extra_whitespaces = false */
    w_varint(&nspec, 0);
    w_bytes(w, 3, nspec.b, nspec.n);
}

static void test_spm_model(void) {
    pbw w;
    small_model(&w, 2);
    l4a_vocab *v = NULL;
    CHECK_MSG(l4a_vocab_load_spm_model(w.b, w.n, NULL, 0, "t/tokenizer.model", &v) == L4A_OK, "%s", l4a_last_error());
    if (v) {
        l4a_token t[8];
        CHECK_EQ_INT(l4a_vocab_tokenize(v, "a a", 3, t, 8, true, false), 3);
        CHECK(t[0] == 1 && t[1] == 5 && t[2] == 5);
        l4a_vocab_free(v);
    }
    v = NULL;
    CHECK(l4a_vocab_load_spm_model(w.b, w.n, "{\"add_bos_token\":false}", 23, "t/tokenizer.model", &v) == L4A_OK);
    CHECK(v && !l4a_vocab_add_bos(v));
    l4a_vocab_free(v);

    /* every truncation of it fails cleanly or loads (a cut between fields is a valid message) */
    int bad = 0;
    for (size_t cut = 0; cut < w.n; cut++) {
        l4a_vocab *x = NULL;
        l4a_status st = l4a_vocab_load_spm_model(w.b, cut, NULL, 0, "t/tokenizer.model", &x);
        bad += st != L4A_OK && st != L4A_ERR_FORMAT && st != L4A_ERR_UNSUPPORTED;
        l4a_vocab_free(x);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(l4a_vocab_load_spm_model(w.b, w.n - 1, NULL, 0, "t/tokenizer.model", &v) == L4A_ERR_FORMAT);
    CHECK(strstr(l4a_last_error(), "t/tokenizer.model") != NULL);

    small_model(&w, 1);
    CHECK(l4a_vocab_load_spm_model(w.b, w.n, NULL, 0, "t/tokenizer.model", &v) == L4A_ERR_UNSUPPORTED);
    CHECK(strstr(l4a_last_error(), "model_type") != NULL);

    /* a group wire type, a piece type out of range, a NaN score, a huge length */
    const uint8_t group[] = {0x0B, 0x0C};
    CHECK(l4a_vocab_load_spm_model(group, sizeof group, NULL, 0, "t", &v) == L4A_ERR_FORMAT);
    pbw x = {{0}, 0};
    w_piece(&x, "a", 0, 9);
    CHECK(l4a_vocab_load_spm_model(x.b, x.n, NULL, 0, "t", &v) != L4A_OK);
    x.n = 0;
    w_piece(&x, "a", 0.0f / 0.0f, 1);
    small_model(&w, 2);
    memcpy(w.b + w.n, x.b, x.n);
    w.n += x.n;
    CHECK(l4a_vocab_load_spm_model(w.b, w.n, NULL, 0, "t", &v) == L4A_ERR_FORMAT);
    CHECK(strstr(l4a_last_error(), "score") != NULL);
    const uint8_t huge[] = {0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 'a'};
    CHECK(l4a_vocab_load_spm_model(huge, sizeof huge, NULL, 0, "t", &v) == L4A_ERR_FORMAT);

    /* the real Mistral model, truncated */
    char path[512];
    snprintf(path, sizeof path, "%s/mistral-7b-v0.1/tokenizer.model", g_dir);
    size_t len;
    char *f = l4a_test_read_file(path, &len);
    CHECK(f != NULL);
    int errors = 0, tries = 0;
    for (size_t cut = 7; f && cut < len; cut += len / 9 + 3, tries++) {
        l4a_vocab *y = NULL;
        l4a_status st = l4a_vocab_load_spm_model((const uint8_t *)f, cut, NULL, 0, path, &y);
        errors += st == L4A_ERR_FORMAT || st == L4A_ERR_UNSUPPORTED;
        l4a_vocab_free(y);
    }
    CHECK_MSG(errors == tries, "%d of %d truncations of tokenizer.model failed cleanly", errors, tries);
    free(f);
}

/* Every allocation failure while loading and using a small vocabulary is a clean error. */
static void test_out_of_memory(void) {
    pbw w;
    small_model(&w, 2);
    const char *cfg = "{\"chat_template\":\"x\",\"add_bos_token\":true,\"bos_token\":\"a\"}";
    int loaded = 0, failed = 0, bad = 0;
    for (int64_t n = 0; n < 400; n++) {
        for (int kind = 0; kind < 3; kind++) {
            l4a_vocab *v = NULL;
            l4a_alloc_fail_after(n);
            l4a_status st;
            if (kind == 0) st = l4a_vocab_load_hf_json(k_ok, strlen(k_ok), cfg, strlen(cfg), "t/tokenizer.json", &v);
            else if (kind == 1) st = l4a_vocab_load_hf_json(k_lucie, strlen(k_lucie), NULL, 0, "t/tokenizer.json", &v);
            else st = l4a_vocab_load_spm_model(w.b, w.n, NULL, 0, "t/tokenizer.model", &v);
            if (st == L4A_OK) {
                loaded++;
                l4a_token t[32];
                char out[64];
                int32_t k = l4a_vocab_tokenize(v, "(ab a\xe2\x80\x99" "b", 9, t, 32, true, true);
                if (k >= 0) l4a_vocab_detokenize(v, t, k, out, sizeof out, true);
            } else {
                failed++;
                bad += st != L4A_ERR_NOMEM || v != NULL;
            }
            l4a_alloc_fail_after(-1);
            l4a_vocab_free(v);
        }
    }
    CHECK_MSG(bad == 0 && loaded > 0 && failed > 0, "out of memory: %d loaded, %d failed, %d not as NOMEM",
              loaded, failed, bad);
}

int main(void) {
    g_dir = tokenizers_dir();
    CHECK_MSG(g_dir != NULL, "the tokenizer files are missing: ../shared/data/tokenizers (or $L4A_TOKENIZERS_DIR)");
    if (!g_dir) return l4a_test_summary("test_tokenizer_hf");
    test_real();
    test_small_json();
    test_small_lucie();
    test_spm_model();
    test_out_of_memory();
    return l4a_test_summary("test_tokenizer_hf");
}
