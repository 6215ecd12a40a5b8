/*
 * test_sampler_json.c - JSON-constrained sampling through the public sampler
 * (l4a_sampler_set_json_schema), with real models writing real output.
 *
 * The constraint's own machinery (schema compiler, matcher, mask) is tested token by token in
 * test_json_schema.c. Here the whole loop runs: a chat prompt, decoding, sampling with the
 * constraint at several temperatures and seeds, until an end-of-generation token. Each output
 * is then checked by an independent validator written here with cJSON for the schema used (not
 * by the matcher that produced it): it parses, has exactly the required properties with the
 * right types, ranges and enum values. The document must close before the token budget.
 * Also: json_object mode (any object), json_done, reset, clear, and the errors.
 */
#include "harness.h"
#include "llm4all.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const char *const schema =
    "{\"type\":\"object\",\"properties\":{"
    "\"nom\":{\"type\":\"string\",\"minLength\":1,\"maxLength\":40},"
    "\"age\":{\"type\":\"integer\",\"minimum\":0,\"maximum\":120},"
    "\"ville\":{\"enum\":[\"Paris\",\"Lyon\",\"Marseille\",\"Besançon\"]},"
    "\"urgent\":{\"type\":\"boolean\"},"
    "\"symptomes\":{\"type\":\"array\",\"items\":{\"type\":\"string\",\"maxLength\":30},"
    "\"minItems\":1,\"maxItems\":3}},"
    "\"required\":[\"nom\",\"age\",\"ville\",\"urgent\",\"symptomes\"],"
    "\"additionalProperties\":false}";

/* The independent check of a document against `schema` above. */
static bool valid_patient(const char *text, char *why, size_t n) {
    cJSON *j = cJSON_Parse(text);
    bool ok = false;
    if (!j || !cJSON_IsObject(j)) {
        snprintf(why, n, "not a JSON object");
        goto done;
    }
    int keys = 0;
    for (cJSON *c = j->child; c; c = c->next) keys++;
    cJSON *nom = cJSON_GetObjectItemCaseSensitive(j, "nom");
    cJSON *age = cJSON_GetObjectItemCaseSensitive(j, "age");
    cJSON *ville = cJSON_GetObjectItemCaseSensitive(j, "ville");
    cJSON *urg = cJSON_GetObjectItemCaseSensitive(j, "urgent");
    cJSON *sy = cJSON_GetObjectItemCaseSensitive(j, "symptomes");
    if (keys != 5 || !nom || !age || !ville || !urg || !sy) {
        snprintf(why, n, "wrong set of properties (%d)", keys);
        goto done;
    }
    if (!cJSON_IsString(nom) || !*nom->valuestring) { snprintf(why, n, "nom"); goto done; }
    if (!cJSON_IsNumber(age) || age->valuedouble < 0 || age->valuedouble > 120 ||
        age->valuedouble != (double)(int)age->valuedouble) {
        snprintf(why, n, "age");
        goto done;
    }
    const char *const cities[] = {"Paris", "Lyon", "Marseille", "Besançon"};
    bool city = false;
    for (int i = 0; i < 4; i++) city |= cJSON_IsString(ville) && !strcmp(ville->valuestring, cities[i]);
    if (!city) { snprintf(why, n, "ville"); goto done; }
    if (!cJSON_IsBool(urg)) { snprintf(why, n, "urgent"); goto done; }
    int items = cJSON_IsArray(sy) ? cJSON_GetArraySize(sy) : -1;
    if (items < 1 || items > 3) { snprintf(why, n, "symptomes: %d items", items); goto done; }
    for (cJSON *c = sy->child; c; c = c->next)
        if (!cJSON_IsString(c)) { snprintf(why, n, "symptomes item"); goto done; }
    ok = true;
done:
    cJSON_Delete(j);
    return ok;
}

/* Generate with the constraint: chat prompt, then sample until an end token or max tokens.
 * Returns the text (malloc'd) or NULL; *closed: an end token came. */
static char *generate(l4a_model *m, l4a_ctx *c, l4a_sampler *s, const char *ask, int max,
                      bool *closed) {
    char prompt[2048];
    l4a_chat_msg msg[1] = {{"user", ask}};
    int32_t pl = l4a_chat_apply(m, NULL, msg, 1, true, prompt, sizeof prompt);
    l4a_token toks[512];
    *closed = false;
    if (pl <= 0 || pl >= (int32_t)sizeof prompt) return NULL;
    int32_t n = l4a_tokenize(m, prompt, (size_t)pl, toks, 512, true, true);
    if (n <= 0 || l4a_ctx_truncate(c, 0) != L4A_OK || l4a_decode(c, toks, n, false) != L4A_OK)
        return NULL;
    l4a_token *out = malloc(sizeof *out * (size_t)max);
    int no = 0;
    while (no < max) {
        l4a_token t = l4a_sampler_sample(s, l4a_get_logits(c, -1));
        if (l4a_token_is_eog(m, t)) {
            *closed = true;
            break;
        }
        out[no++] = t;
        if (l4a_decode(c, &t, 1, false) != L4A_OK) break;
    }
    char *text = malloc(16384);
    int32_t len = l4a_detokenize(m, out, no, text, 16383, false);
    if (len < 0 || len > 16383) len = 0;
    text[len] = 0;
    free(out);
    return text;
}

static void test_model_json(const char *name, int runs, bool object_mode) {
    const char *path = l4a_test_model(name);
    l4a_model *m = NULL;
    if (!path) return;
    l4a_status ls = l4a_model_load(path, l4a_model_default_params(), &m);
    CHECK_MSG(ls == L4A_OK, "%s", l4a_last_error());
    if (ls != L4A_OK) return;
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = 1024;
    cp.n_threads = 2;
    l4a_ctx *c = NULL;
    if (!CHECK(l4a_ctx_new(m, cp, &c) == L4A_OK)) goto done;
    int valid = 0;
    for (int r = 0; r < runs; r++) {
        l4a_sampler_params sp = l4a_sampler_default_params();
        sp.temperature = r == 0 ? 0.0f : 0.7f + 0.3f * (float)r;  /* greedy, then hotter */
        sp.seed = 1000 + (uint64_t)r;
        l4a_sampler *s = NULL;
        if (!CHECK(l4a_sampler_new(m, sp, &s) == L4A_OK)) break;
        CHECK(l4a_sampler_json_done(s) == -1);
        const l4a_status ss = l4a_sampler_set_json_schema(s, schema, strlen(schema));
        CHECK_MSG(ss == L4A_OK, "%s", l4a_last_error());
        if (ss != L4A_OK) {
            l4a_sampler_free(s);
            break;
        }
        CHECK(l4a_sampler_json_done(s) == 0);
        bool closed;
        char *text = generate(m, c, s,
                              "Fiche patient en JSON : Marie Dupont, 67 ans, de Lyon, douleur "
                              "thoracique et essoufflement, cas urgent.", 400, &closed);
        char why[128] = "";
        const bool ok = text && valid_patient(text, why, sizeof why);
        CHECK_MSG(ok, "%s run %d: %s: %s", name, r, why, text ? text : "(nothing)");
        CHECK_MSG(closed && l4a_sampler_json_done(s) == 1, "%s run %d: the document did not "
                  "close before the end token", name, r);
        if (ok) valid++;
        if (r == 0) printf("%s greedy: %s\n", name, text ? text : "");
        free(text);
        l4a_sampler_free(s);
    }
    printf("%s: %d of %d constrained outputs valid\n", name, valid, runs);

    /* json_object mode, reset and clear */
    l4a_sampler_params sp = l4a_sampler_default_params();
    sp.seed = 7;
    l4a_sampler *s = NULL;
    if (CHECK(l4a_sampler_new(m, sp, &s) == L4A_OK)) {
        CHECK(l4a_sampler_set_json_schema(s, NULL, 0) == L4A_OK);
        bool closed = true;
        /* The object's fields are named in the prompt: closing is the model's choice, not the
         * constraint's. With "Donne un objet JSON décrivant Paris." qwen's sampled objects
         * (valid, nested, long) ran past 300 tokens for seeds 7, 8 and 9 once the attention's
         * summation order changed; with three named fields both models close for all three. */
        char *text = object_mode ? generate(m, c, s, "Donne un objet JSON décrivant Paris avec "
                                            "trois champs : nom, pays, population.", 300,
                                            &closed)
                                 : NULL;
        cJSON *j = text ? cJSON_Parse(text) : NULL;
        if (object_mode)
            CHECK_MSG(j && cJSON_IsObject(j) && closed, "%s json_object: %s", name,
                      text ? text : "(nothing)");
        cJSON_Delete(j);
        free(text);
        l4a_sampler_reset(s);                       /* a new document */
        CHECK(l4a_sampler_json_done(s) == 0);
        l4a_sampler_clear_json(s);
        CHECK(l4a_sampler_json_done(s) == -1);
        /* errors: the constraint is left as it was */
        CHECK(l4a_sampler_set_json_schema(s, "{\"type\": 12}", 13) != L4A_OK);
        CHECK(l4a_sampler_set_json_schema(s, "{not json", 9) != L4A_OK);
        CHECK(l4a_sampler_json_done(s) == -1);
        l4a_sampler_free(s);
    }
    CHECK(l4a_sampler_set_json_schema(NULL, NULL, 0) == L4A_ERR_INVALID_ARG);
done:
    l4a_ctx_free(c);
    l4a_model_free(m);
}

int main(void) {
    const char *f = getenv("L4A_TEST_FAST");
    const bool fast = f && *f && strcmp(f, "0") != 0;
    test_model_json("smollm2-135m", fast ? 2 : 4, true);
    test_model_json("qwen2.5-1.5b-instruct", fast ? 1 : 3, !fast);
    return l4a_test_summary("test_sampler_json");
}
