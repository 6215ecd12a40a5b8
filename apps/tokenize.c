/*
 * tokenize.c - `llm4all tokenize -m MODEL -p TEXT`: token ids and the text of each token.
 *
 * Defaults follow `run`: BOS/EOS added as the model asks (--no-bos: not), special-token text
 * such as "<|im_start|>" recognised (--no-special: plain text). Output: one "id -> 'piece'"
 * line per token, or --ids (a list), or --json. JSON strings must be valid UTF-8, so pieces
 * that hold part of a character show U+FFFD there.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

const app_verb app_verb_tokenize = {
    .name = "tokenize",
    .bit = VERB_TOKENIZE,
    .synopsis = "-m MODEL (-p TEXT | -f FILE) [--ids] [--json] [--no-special] [--no-bos]",
    .summary = "show the tokens of a text",
    .description =
        "Tokenize a text with the model's tokenizer and print each token id with its text.\n"
        "The model's BOS is added when it asks for one (--no-bos: never), and special-token\n"
        "text is recognised (--no-special: treated as plain text).",
    .max_positional = 0,
};

/* Copy s[0..n) into out as valid UTF-8, each bad byte replaced by U+FFFD. out holds 3n+1. */
static void utf8_sanitize(const char *s, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        size_t len = c < 0x80 ? 1 : c >= 0xC2 && c <= 0xDF ? 2 : c >= 0xE0 && c <= 0xEF ? 3
                   : c >= 0xF0 && c <= 0xF4 ? 4 : 0;
        bool ok = len > 0 && i + len <= n;
        for (size_t k = 1; ok && k < len; k++) ok = ((unsigned char)s[i + k] & 0xC0) == 0x80;
        if (ok && len == 3) {   /* no overlongs, no surrogates */
            unsigned char c1 = (unsigned char)s[i + 1];
            ok = !(c == 0xE0 && c1 < 0xA0) && !(c == 0xED && c1 >= 0xA0);
        } else if (ok && len == 4) {
            unsigned char c1 = (unsigned char)s[i + 1];
            ok = !(c == 0xF0 && c1 < 0x90) && !(c == 0xF4 && c1 >= 0x90);
        }
        if (ok && c != 0) {
            memcpy(out + o, s + i, len);
            o += len;
            i += len;
        } else {
            memcpy(out + o, "\xEF\xBF\xBD", 3);
            o += 3;
            i++;
        }
    }
    out[o] = 0;
}

static int print_tokens(const app_opts *o, const l4a_model *m, const l4a_token *t, int32_t n) {
    char *piece = NULL, *clean = NULL;
    size_t cap = 0;
    int rc = 0;
    cJSON *root = NULL, *ids = NULL, *pieces = NULL;
    if (o->json) {
        root = cJSON_CreateObject();
        cJSON_AddNumberToObject(root, "n_tokens", n);
        ids = cJSON_AddArrayToObject(root, "ids");
        if (!o->ids) pieces = cJSON_AddArrayToObject(root, "pieces");
    } else if (o->ids) {
        printf("[");
    }
    for (int32_t i = 0; i < n && !rc; i++) {
        int32_t len = 0;
        if (!o->ids) {
            len = app_piece(m, t[i], true, &piece, &cap);
            if (len < 0) { rc = app_lib_error("token to text"); break; }
        }
        if (o->json) {
            cJSON_AddItemToArray(ids, cJSON_CreateNumber(t[i]));
            if (pieces) {
                char *nc = realloc(clean, 3 * (size_t)len + 1);
                if (!nc) { rc = app_error("out of memory"); break; }
                clean = nc;
                utf8_sanitize(piece, (size_t)len, clean);
                cJSON_AddItemToArray(pieces, cJSON_CreateString(clean));
            }
        } else if (o->ids) {
            printf("%s%d", i ? ", " : "", t[i]);
        } else {
            printf("%6d -> '", t[i]);
            fwrite(piece, 1, (size_t)len, stdout);
            printf("'\n");
        }
    }
    if (o->json) {
        char *s = rc ? NULL : cJSON_Print(root);
        if (s) printf("%s\n", s);
        free(s);
        cJSON_Delete(root);
    } else if (o->ids) {
        printf("]\n");
    }
    free(piece);
    free(clean);
    return rc;
}

int app_cmd_tokenize(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_tokenize, &o);
    if (!o.prompt && !o.file) app_usage_error(&app_verb_tokenize, "give a text with -p or -f");
    if (!o.model) app_usage_error(&app_verb_tokenize, "give a model with -m PATH or -m NAME");
    l4a_model *m = NULL;
    l4a_token *toks = NULL;
    int32_t n = 0;
    size_t len = 0;
    char *text = NULL;
    int rc = app_load_model(&o, &app_verb_tokenize, true, &m, NULL, 0);
    if (!rc) {
        text = app_prompt_text(&o, &app_verb_tokenize, false, &len);
        if (!text) rc = APP_EXIT_RUNTIME;
    }
    if (!rc) rc = app_tokenize(m, text, len, !o.no_bos, !o.no_special, &toks, &n);
    if (!rc) rc = print_tokens(&o, m, toks, n);
    free(text);
    free(toks);
    l4a_model_free(m);
    return rc;
}
