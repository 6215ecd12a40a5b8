/*
 * test_chat.c - chat templates against Jinja2 renderings of the real templates
 * (tests/golden/chat/, from scripts/golden_tokens.py):
 *   smollm2-135m, qwen2.5-1.5b-instruct  the templates in the GGUF files (model vocabularies,
 *                                        tmpl = NULL)
 *   gemma3-270m                          Gemma 3's official template: the GGUF has none, so
 *                                        the family comes from the vocabulary's <start_of_turn>
 *   llama3, llama2, mistral              the official templates, by family name, no model
 * Each conversation is rendered with and without the generation prompt; "expect error" means
 * the template raises (roles that do not alternate, roles it rejects).
 * Then: short buffers, unknown templates, template text given directly, and one BOS only when
 * a Gemma prompt is tokenized with add_special.
 */
#include "harness.h"

#include "formats/gguf.h"
#include "tokenizer/tokenizer.h"

#include <stdlib.h>
#include <string.h>

static l4a_vocab *load_vocab(const char *name) {
    const char *path = l4a_test_model(name);
    if (!path) return NULL;
    l4a_gguf *g = NULL;
    l4a_vocab *v = NULL;
    if (l4a_gguf_open(path, true, &g) == L4A_OK) {
        CHECK_MSG(l4a_vocab_load(g, &v) == L4A_OK, "%s: %s", name, l4a_last_error());
        l4a_gguf_free(g);
    } else CHECK_MSG(false, "open %s: %s", path, l4a_last_error());
    return v;
}

static char *unhex(const char *h, size_t *n) {
    size_t len = strcmp(h, "-") ? strlen(h) / 2 : 0;
    char *out = malloc(len + 1);
    for (size_t i = 0; i < len; i++) {
        unsigned b;
        sscanf(h + 2 * i, "%2x", &b);
        out[i] = (char)b;
    }
    out[len] = 0;
    *n = len;
    return out;
}

/* Render with l4a_vocab_chat_apply into a malloc'ed string; *n = its result. */
static char *render(const l4a_vocab *v, const char *tmpl, const l4a_chat_msg *m, size_t n_msgs, bool gen,
                    int32_t *n) {
    int32_t need = l4a_vocab_chat_apply(v, tmpl, m, n_msgs, gen, NULL, 0);
    if (need == INT32_MIN) { *n = need; return NULL; }
    if (need < 0) need = -need;
    char *buf = malloc((size_t)need + 1);
    *n = l4a_vocab_chat_apply(v, tmpl, m, n_msgs, gen, buf, (size_t)need + 1);
    return buf;
}

/* Compare every case of tests/golden/chat/<file>.txt. */
static void check_golden(const char *file, const l4a_vocab *v, const char *tmpl) {
    char path[256];
    snprintf(path, sizeof path, "golden/chat/%s.txt", file);
    size_t len;
    char *g = l4a_test_read_file(l4a_test_path(path), &len);
    CHECK_MSG(g != NULL, "cannot read tests/%s: run scripts/golden_tokens.py", path);
    if (!g) return;
    l4a_chat_msg msgs[16];
    char *contents[16];
    size_t n_msgs = 0;
    char name[64] = "";
    int gen = 0, n_cases = 0, n_ok = 0;
    for (char *line = strtok(g, "\n"); line; line = strtok(NULL, "\n")) {
        char role[32], hex[8192];
        size_t n;
        if (sscanf(line, "case %63s %d", name, &gen) == 2) {
            for (size_t i = 0; i < n_msgs; i++) { free(contents[i]); free((char *)msgs[i].role); }
            n_msgs = 0;
        } else if (sscanf(line, "msg %31s %8191s", role, hex) == 2 && n_msgs < 16) {
            contents[n_msgs] = unhex(hex, &n);
            msgs[n_msgs] = (l4a_chat_msg){strdup(role), contents[n_msgs]};
            n_msgs++;
        } else if (sscanf(line, "expect %8191s", hex) == 1) {
            int32_t got_n;
            char *got = render(v, tmpl, msgs, n_msgs, gen, &got_n);
            bool ok;
            if (!strcmp(hex, "error")) {
                ok = got_n == INT32_MIN && strstr(l4a_last_error(), "chat:") != NULL;
            } else {
                char *want = unhex(hex, &n);
                ok = got_n == (int32_t)n && !memcmp(got, want, n) && got[n] == 0;
                if (!ok)
                    fprintf(stderr, "    %s %s gen=%d:\n      got  (%d) '%s'\n      want (%zu) '%s'\n", file, name, gen,
                            got_n, got_n >= 0 ? got : l4a_last_error(), n, want);
                free(want);
            }
            n_cases++;
            n_ok += ok;
            free(got);
        }
    }
    for (size_t i = 0; i < n_msgs; i++) { free(contents[i]); free((char *)msgs[i].role); }
    printf("%s: %d/%d conversations as Jinja2 renders them\n", file, n_ok, n_cases);
    CHECK_MSG(n_cases >= 18 && n_ok == n_cases, "%s: %d of %d conversations differ", file, n_cases - n_ok, n_cases);
    free(g);
}

static const l4a_chat_msg k_conv[] = {
    {"system", "Tu es un assistant."},
    {"user", "Bonjour !"},
    {"assistant", "Bonjour, que puis-je faire ?"},
    {"user", "Rien."},
};

static void check_buffers_and_errors(const l4a_vocab *smol) {
    int32_t need = l4a_vocab_chat_apply(smol, NULL, k_conv, 4, true, NULL, 0);
    CHECK(need < -50);
    char buf[512];
    memset(buf, 'x', sizeof buf);
    CHECK_EQ_INT(l4a_vocab_chat_apply(smol, NULL, k_conv, 4, true, buf, (size_t)-need - 1), need);
    CHECK_EQ_INT(l4a_vocab_chat_apply(smol, NULL, k_conv, 4, true, buf, (size_t)-need), -need);  /* fits, no NUL */
    CHECK(buf[-need] == 'x');
    CHECK_EQ_INT(l4a_vocab_chat_apply(smol, NULL, k_conv, 4, true, buf, sizeof buf), -need);
    CHECK(buf[-need] == 0);

    /* unknown templates: INT32_MIN and a message naming the problem */
    CHECK_EQ_INT(l4a_vocab_chat_apply(smol, "{{ messages }} ### Human:", k_conv, 4, true, buf, sizeof buf), INT32_MIN);
    CHECK(strstr(l4a_last_error(), "unknown chat template") != NULL);
    CHECK(strstr(l4a_last_error(), "### Human") != NULL);
    CHECK_EQ_INT(l4a_vocab_chat_apply(NULL, NULL, k_conv, 4, true, buf, sizeof buf), INT32_MIN);
    l4a_chat_msg bad[] = {{"user", NULL}};
    CHECK_EQ_INT(l4a_vocab_chat_apply(smol, NULL, bad, 1, true, buf, sizeof buf), INT32_MIN);

    /* a template text given directly is recognised like the model's own */
    const char *own = l4a_vocab_chat_template(smol);
    int32_t a, b;
    char *x = render(smol, NULL, k_conv + 1, 3, true, &a);
    char *y = render(NULL, own, k_conv + 1, 3, true, &b);
    CHECK(a > 0 && a == b && !strcmp(x, y));
    CHECK(strstr(x, "named SmolLM") != NULL);  /* its default system prompt, taken from the text */
    free(x);
    free(y);
}

/* Gemma: the rendered prompt has no BOS text; tokenize(add_special) adds the one BOS. */
static void check_gemma_bos(const l4a_vocab *gemma) {
    int32_t n;
    char *p = render(gemma, NULL, k_conv, 4, true, &n);
    CHECK(n > 0 && strncmp(p, "<bos>", 5) != 0);
    l4a_token ids[256];
    int32_t nt = l4a_vocab_tokenize(gemma, p, (size_t)n, ids, 256, true, true);
    CHECK(nt > 10);
    int n_bos = 0;
    for (int32_t i = 0; i < nt; i++) n_bos += ids[i] == l4a_vocab_bos(gemma);
    CHECK_MSG(nt > 0 && ids[0] == l4a_vocab_bos(gemma) && n_bos == 1, "%d BOS tokens", n_bos);
    free(p);
}

/* The public wrappers without a model: a family name is enough for l4a_chat_apply; the
 * vocabulary functions report the missing model. (With a model they call the functions above
 * on l4a_model_vocab(m).) */
static void check_public_api_without_model(void) {
    char buf[256];
    int32_t n = l4a_chat_apply(NULL, "chatml", k_conv + 1, 1, true, buf, sizeof buf);
    CHECK_MSG(n > 0 && !strcmp(buf, "<|im_start|>user\nBonjour !<|im_end|>\n<|im_start|>assistant\n"), "'%s'", buf);
    CHECK_EQ_INT(l4a_chat_apply(NULL, NULL, k_conv, 1, true, buf, sizeof buf), INT32_MIN);
    l4a_token ids[4];
    CHECK_EQ_INT(l4a_tokenize(NULL, "a", 1, ids, 4, true, false), INT32_MIN);
    CHECK(strstr(l4a_last_error(), "l4a_tokenize") != NULL);
    CHECK_EQ_INT(l4a_detokenize(NULL, ids, 0, buf, sizeof buf, false), INT32_MIN);
    CHECK_EQ_INT(l4a_token_to_piece(NULL, 0, buf, sizeof buf, false), INT32_MIN);
    CHECK(l4a_token_bos(NULL) == -1 && l4a_token_eos(NULL) == -1 && l4a_token_eot(NULL) == -1);
    CHECK(!l4a_token_is_eog(NULL, 0) && !l4a_token_is_control(NULL, 0) && !l4a_add_bos(NULL));
}

int main(void) {
    l4a_vocab *smol = load_vocab("smollm2-135m");
    l4a_vocab *qwen = load_vocab("qwen2.5-1.5b-instruct");
    l4a_vocab *gemma = load_vocab("gemma3-270m");
    if (smol) check_golden("smollm2-135m", smol, NULL);
    if (qwen) check_golden("qwen2.5-1.5b-instruct", qwen, NULL);
    if (gemma) check_golden("gemma3-270m", gemma, NULL);
    check_golden("llama3", NULL, "llama3");
    check_golden("llama2", NULL, "llama2");
    check_golden("mistral", NULL, "mistral");
    if (smol) check_buffers_and_errors(smol);
    if (gemma) check_gemma_bos(gemma);
    check_public_api_without_model();
    l4a_vocab_free(smol);
    l4a_vocab_free(qwen);
    l4a_vocab_free(gemma);
    return l4a_test_summary("test_chat");
}
