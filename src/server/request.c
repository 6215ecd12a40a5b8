/*
 * request.c - parsing and validating the bodies of /v1/chat/completions and /v1/completions
 * (OpenAI API reference, "Create chat completion" / "Create completion"), and of
 * POST /v1/meetings/summarize (ours: docs/server.md).
 *
 * The body is untrusted: cJSON parses it (its nesting limit turns deep nesting into a parse
 * error), then every field we use is checked for type, range and valid UTF-8. Unknown fields
 * are ignored, as OpenAI does; a known field of the wrong type is a 400 naming the field.
 * Not here: tokenizing and the chat template (handlers.c), the schema's own checks (the
 * sampler's, at l4a_sampler_set_json_schema).
 */
#include "server/server.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool l4a_srv_utf8_valid(const char *s, size_t n) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        unsigned c = p[i];
        if (c < 0x80) { i++; continue; }
        size_t len;
        unsigned cp;
        if (c >= 0xC2 && c <= 0xDF) { len = 2; cp = c & 0x1F; }
        else if (c >= 0xE0 && c <= 0xEF) { len = 3; cp = c & 0x0F; }
        else if (c >= 0xF0 && c <= 0xF4) { len = 4; cp = c & 0x07; }
        else return false;
        if (n - i < len) return false;
        for (size_t k = 1; k < len; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += len;
    }
    return true;
}

static int fail(char *err, size_t errsz, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errsz, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errsz, fmt, ap);
    va_end(ap);
    return 400;
}

/* A string field's text, checked for UTF-8 and embedded NULs (cJSON stops at a \u0000). */
static bool text_ok(const cJSON *v) {
    return cJSON_IsString(v) && v->valuestring &&
           l4a_srv_utf8_valid(v->valuestring, strlen(v->valuestring));
}

/* Optional number field in [lo, hi]; integer-valued when integer. 0 absent, 1 set, or 400. */
static int num_field(const cJSON *root, const char *name, double lo, double hi, bool integer,
                     double *out, char *err, size_t errsz) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsNumber(v)) return fail(err, errsz, "'%s' must be a number", name);
    double x = v->valuedouble;
    if (!isfinite(x)) return fail(err, errsz, "'%s' must be finite", name);
    if (integer && x != floor(x)) return fail(err, errsz, "'%s' must be an integer", name);
    if (x < lo || x > hi)
        return fail(err, errsz, "'%s' is %g, outside [%g, %g]", name, x, lo, hi);
    *out = x;
    return 1;
}

static int bool_field(const cJSON *root, const char *name, bool *out, char *err, size_t errsz) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, name);
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsBool(v)) return fail(err, errsz, "'%s' must be true or false", name);
    *out = cJSON_IsTrue(v);
    return 1;
}

/* stop: a string or a list of strings. */
static int parse_stop(const cJSON *root, l4a_srv_req *r, char *err, size_t errsz) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "stop");
    if (!v || cJSON_IsNull(v)) return 0;
    const cJSON *one = cJSON_IsString(v) ? v : NULL;
    if (!one && !cJSON_IsArray(v)) return fail(err, errsz, "'stop' must be a string or a list");
    if (!one && cJSON_GetArraySize(v) > L4A_SRV_MAX_STOPS)
        return fail(err, errsz, "'stop' has more than %d strings", L4A_SRV_MAX_STOPS);
    const cJSON *it = one ? one : v->child;
    for (; it; it = one ? NULL : it->next) {
        if (!text_ok(it)) return fail(err, errsz, "'stop' entries must be UTF-8 strings");
        size_t len = strlen(it->valuestring);
        if (len == 0) continue;     /* an empty stop string would stop at once: ignored */
        if (len > L4A_SRV_MAX_STOP_LEN)
            return fail(err, errsz, "a 'stop' string is longer than %d bytes",
                        L4A_SRV_MAX_STOP_LEN);
        r->stops[r->n_stops++] = it->valuestring;
    }
    return 0;
}

/* content: a string, or a list of parts {type: "text", text: "..."} joined. */
static int parse_content(const cJSON *c, size_t i, l4a_srv_req *r, char *err, size_t errsz) {
    if (cJSON_IsString(c)) {
        if (!text_ok(c)) return fail(err, errsz, "messages[%zu].content is not valid UTF-8", i);
        r->msgs[i].content = c->valuestring;
        return 0;
    }
    if (cJSON_IsNull(c)) { r->msgs[i].content = ""; return 0; }
    if (!cJSON_IsArray(c))
        return fail(err, errsz, "messages[%zu].content must be a string or a list of parts", i);
    size_t total = 0;
    for (const cJSON *p = c->child; p; p = p->next) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(p, "type");
        const cJSON *text = cJSON_GetObjectItemCaseSensitive(p, "text");
        if (!cJSON_IsObject(p) || !cJSON_IsString(type))
            return fail(err, errsz, "messages[%zu].content parts must be objects with a type", i);
        if (strcmp(type->valuestring, "text") != 0)
            return fail(err, errsz, "messages[%zu]: content part type '%.32s' is not supported "
                        "(text only)", i, type->valuestring);
        if (!text_ok(text))
            return fail(err, errsz, "messages[%zu].content[].text must be a UTF-8 string", i);
        total += strlen(text->valuestring);
    }
    char *joined = malloc(total + 1);
    if (!joined) return fail(err, errsz, "out of memory");
    size_t n = 0;
    for (const cJSON *p = c->child; p; p = p->next) {
        const char *t = cJSON_GetObjectItemCaseSensitive(p, "text")->valuestring;
        size_t len = strlen(t);
        memcpy(joined + n, t, len);
        n += len;
    }
    joined[n] = 0;
    r->msg_text[i] = joined;
    r->msgs[i].content = joined;
    return 0;
}

static int parse_messages(const cJSON *root, l4a_srv_req *r, char *err, size_t errsz) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "messages");
    if (!v) return fail(err, errsz, "'messages' is required");
    if (!cJSON_IsArray(v)) return fail(err, errsz, "'messages' must be a list");
    int n = cJSON_GetArraySize(v);
    if (n < 1) return fail(err, errsz, "'messages' is empty");
    if (n > L4A_SRV_MAX_MESSAGES)
        return fail(err, errsz, "'messages' has more than %d entries", L4A_SRV_MAX_MESSAGES);
    r->msgs = calloc((size_t)n, sizeof *r->msgs);
    r->msg_text = calloc((size_t)n, sizeof *r->msg_text);
    if (!r->msgs || !r->msg_text) return fail(err, errsz, "out of memory");
    r->n_msgs = (size_t)n;
    size_t i = 0;
    for (const cJSON *m = v->child; m; m = m->next, i++) {
        if (!cJSON_IsObject(m)) return fail(err, errsz, "messages[%zu] must be an object", i);
        const cJSON *role = cJSON_GetObjectItemCaseSensitive(m, "role");
        if (!cJSON_IsString(role)) return fail(err, errsz, "messages[%zu].role must be a string", i);
        const char *ro = role->valuestring;
        if (strcmp(ro, "system") && strcmp(ro, "user") && strcmp(ro, "assistant") &&
            strcmp(ro, "developer"))
            return fail(err, errsz, "messages[%zu].role must be system, user or assistant", i);
        r->msgs[i].role = strcmp(ro, "developer") ? ro : "system";
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(m, "content");
        if (!c) return fail(err, errsz, "messages[%zu].content is required", i);
        int rc = parse_content(c, i, r, err, errsz);
        if (rc) return rc;
    }
    return 0;
}

static int parse_format(const cJSON *root, l4a_srv_req *r, char *err, size_t errsz) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "response_format");
    if (!v || cJSON_IsNull(v)) return 0;
    if (!cJSON_IsObject(v)) return fail(err, errsz, "'response_format' must be an object");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(v, "type");
    if (!cJSON_IsString(type)) return fail(err, errsz, "'response_format.type' must be a string");
    const char *t = type->valuestring;
    if (!strcmp(t, "text")) return 0;
    if (!strcmp(t, "json_object")) { r->json_mode = 1; return 0; }
    if (strcmp(t, "json_schema") != 0)
        return fail(err, errsz, "'response_format.type' must be text, json_object or json_schema");
    const cJSON *js = cJSON_GetObjectItemCaseSensitive(v, "json_schema");
    if (!cJSON_IsObject(js))
        return fail(err, errsz, "'response_format.json_schema' must be an object");
    const cJSON *schema = cJSON_GetObjectItemCaseSensitive(js, "schema");
    if (!schema) schema = cJSON_GetObjectItemCaseSensitive(v, "schema");    /* llama.cpp form */
    if (!cJSON_IsObject(schema) && !cJSON_IsBool(schema))
        return fail(err, errsz, "'response_format.json_schema.schema' must be an object");
    r->schema = cJSON_PrintUnformatted(schema);
    if (!r->schema) return fail(err, errsz, "out of memory");
    r->json_mode = 2;
    return 0;
}

static int parse_sampling(const cJSON *root, const l4a_srv_limits *lim, l4a_srv_req *r,
                          char *err, size_t errsz) {
    double x;
    int rc;
    /* OpenAI's ranges where it has them; top_k, min_p, repetition_penalty as llama-server */
#define NUM(name, lo, hi, integer, dst)                                                       \
    if ((rc = num_field(root, name, lo, hi, integer, &x, err, errsz)) == 400) return 400;   \
    if (rc == 1) dst;
    NUM("temperature", 0, 2, false, r->sp.temperature = (float)x)
    NUM("top_p", 0, 1, false, r->sp.top_p = (float)x)
    NUM("min_p", 0, 1, false, r->sp.min_p = (float)x)
    NUM("top_k", 0, 1 << 20, true, r->sp.top_k = (int32_t)x)
    NUM("presence_penalty", -2, 2, false, r->sp.presence_penalty = (float)x)
    NUM("frequency_penalty", -2, 2, false, r->sp.frequency_penalty = (float)x)
    NUM("repetition_penalty", 0.01, 10, false, r->sp.repeat_penalty = (float)x)
    NUM("repeat_penalty", 0.01, 10, false, r->sp.repeat_penalty = (float)x)
    /* seeds as JSON numbers: integers that a double holds exactly */
    NUM("seed", -9007199254740992.0, 9007199254740992.0, true,
        (r->sp.seed = (uint64_t)(int64_t)x, r->has_seed = true))
    NUM("max_tokens", 0, lim->max_tokens, true, r->max_tokens = (int32_t)x)
    NUM("max_completion_tokens", 0, lim->max_tokens, true, r->max_tokens = (int32_t)x)
    NUM("n", 1, 1, true, (void)0)
#undef NUM
    if (bool_field(root, "stream", &r->stream, err, errsz) == 400) return 400;
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(root, "stream_options");
    if (so && !cJSON_IsNull(so)) {
        if (!cJSON_IsObject(so)) return fail(err, errsz, "'stream_options' must be an object");
        if (bool_field(so, "include_usage", &r->include_usage, err, errsz) == 400) return 400;
    }
    return 0;
}

/* The body as a JSON object (*json set, also on a non-object, for the caller to free). */
static int parse_body(const char *body, size_t len, void **json, char *err, size_t errsz) {
    if (!body || len == 0) return fail(err, errsz, "the request body is empty");
    if (!l4a_srv_utf8_valid(body, len)) return fail(err, errsz, "the body is not valid UTF-8");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(body, len, &end, false);
    if (!root) {
        size_t at = end && end >= body && end <= body + len ? (size_t)(end - body) : 0;
        return fail(err, errsz, "the body is not valid JSON (near byte %zu; nesting deeper "
                    "than %d is refused)", at, CJSON_NESTING_LIMIT);
    }
    *json = root;
    if (!cJSON_IsObject(root)) return fail(err, errsz, "the body must be a JSON object");
    return 0;
}

int l4a_srv_parse_request(l4a_srv_kind kind, const char *body, size_t len,
                          const l4a_srv_limits *lim, l4a_srv_req *r, char *err, size_t errsz) {
    memset(r, 0, sizeof *r);
    r->kind = kind;
    r->max_tokens = -1;
    r->sp = l4a_sampler_default_params();
    r->sp.temperature = 1.0f;   /* OpenAI's defaults: temperature 1, top_p 1, no top-k/min-p */
    r->sp.top_p = 1.0f;
    r->sp.top_k = 0;
    r->sp.min_p = 0.0f;
    int rc = parse_body(body, len, &r->json, err, errsz);
    if (rc) return rc;
    const cJSON *root = r->json;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (model && !cJSON_IsNull(model) && !cJSON_IsString(model))
        return fail(err, errsz, "'model' must be a string");
    if (kind == L4A_SRV_CHAT) {
        if ((rc = parse_messages(root, r, err, errsz))) return rc;
    } else {
        const cJSON *p = cJSON_GetObjectItemCaseSensitive(root, "prompt");
        if (!p) return fail(err, errsz, "'prompt' is required");
        if (cJSON_IsArray(p) && cJSON_GetArraySize(p) == 1 && cJSON_IsString(p->child))
            p = p->child;   /* a list of one prompt */
        if (!cJSON_IsString(p))
            return fail(err, errsz, "'prompt' must be a string (or a list of one string)");
        if (!text_ok(p)) return fail(err, errsz, "'prompt' is not valid UTF-8");
        r->prompt = p->valuestring;
    }
    if ((rc = parse_stop(root, r, err, errsz))) return rc;
    if ((rc = parse_format(root, r, err, errsz))) return rc;
    if ((rc = parse_sampling(root, lim, r, err, errsz))) return rc;
    return 0;
}

void l4a_srv_req_free(l4a_srv_req *r) {
    if (!r) return;
    if (r->msg_text)
        for (size_t i = 0; i < r->n_msgs; i++) free(r->msg_text[i]);
    free(r->msg_text);
    free(r->msgs);
    free(r->schema);
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}

/* ---------------------------------------------------------------- POST /v1/meetings/summarize */

int l4a_srv_parse_meeting(const char *body, size_t len, int32_t max_tokens,
                          l4a_srv_meeting_req *r, char *err, size_t errsz) {
    memset(r, 0, sizeof *r);
    r->language = "fr";
    int rc = parse_body(body, len, &r->json, err, errsz);
    if (rc) return rc;
    const cJSON *root = r->json;
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(root, "transcript");
    if (!t || cJSON_IsNull(t))
        return fail(err, errsz, "'transcript' is required (the text of the transcript)");
    if (!cJSON_IsString(t)) return fail(err, errsz, "'transcript' must be a string");
    if (!text_ok(t)) return fail(err, errsz, "'transcript' is not valid UTF-8");
    r->transcript = t->valuestring;
    r->transcript_len = strlen(t->valuestring);
    if (r->transcript_len == 0) return fail(err, errsz, "'transcript' is empty");
    const cJSON *f = cJSON_GetObjectItemCaseSensitive(root, "format");
    if (f && !cJSON_IsNull(f)) {
        if (!cJSON_IsString(f) || !l4a_transcript_format_from_name(f->valuestring, &r->format))
            return fail(err, errsz, "'format' must be one of auto, plain, srt, vtt, json");
    }
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(root, "language");
    if (l && !cJSON_IsNull(l)) {
        if (cJSON_IsString(l) && !strcmp(l->valuestring, "fr")) r->language = "fr";
        else if (cJSON_IsString(l) && !strcmp(l->valuestring, "en")) r->language = "en";
        else return fail(err, errsz, "'language' must be \"fr\" or \"en\"");
    }
    int32_t hi = max_tokens < L4A_SRV_MEETING_MAX_OUT ? max_tokens : L4A_SRV_MEETING_MAX_OUT;
    if (hi < L4A_SRV_MEETING_MIN_OUT) hi = L4A_SRV_MEETING_MIN_OUT;
    double x;
    rc = num_field(root, "max_output_tokens", L4A_SRV_MEETING_MIN_OUT, hi, true, &x, err,
                       errsz);
    if (rc == 400) return 400;
    if (rc == 1) r->max_output_tokens = (int32_t)x;
    if (bool_field(root, "wait", &r->wait, err, errsz) == 400) return 400;
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (model && !cJSON_IsNull(model) && !cJSON_IsString(model))
        return fail(err, errsz, "'model' must be a string");
    return 0;
}

void l4a_srv_meeting_req_free(l4a_srv_meeting_req *r) {
    if (!r) return;
    cJSON_Delete(r->json);
    memset(r, 0, sizeof *r);
}
