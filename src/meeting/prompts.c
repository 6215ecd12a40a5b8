/*
 * prompts.c - loading the summariser's prompt templates (embedded, or overridden by files of
 * a folder) and filling their {{NAME}} placeholders. See prompts.h for the contract.
 *
 * Not here: the budgets and the choice of prompt (summarize.c).
 */
#include "meeting/prompts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define PROMPT_MAX_BYTES ((size_t)64 << 10)

static const char *const FILES[L4A_PROMPT_COUNT] = {
    "minutes_system.txt", "minutes_single.txt", "minutes_map.txt", "minutes_merge.txt",
    "minutes_reduce.txt",
};

/* Allowed placeholders per kind; the first listed after the '|' is required. */
static const char *const ALLOWED[L4A_PROMPT_COUNT][5] = {
    {"LANGUAGE", NULL},
    {"LANGUAGE", "TRANSCRIPT", NULL},
    {"LANGUAGE", "PART", "N_PARTS", "TRANSCRIPT", NULL},
    {"LANGUAGE", "NOTES", NULL},
    {"LANGUAGE", "NOTES", NULL},
};
static const char *const REQUIRED[L4A_PROMPT_COUNT] = {NULL, "TRANSCRIPT", "TRANSCRIPT",
                                                      "NOTES", "NOTES"};

const char *l4a_prompt_file(l4a_prompt_kind k) {
    return (unsigned)k < L4A_PROMPT_COUNT ? FILES[k] : "?";
}

const l4a_embedded_file *l4a_embedded_find(const char *name) {
    for (size_t i = 0; i < l4a_embedded_n_files; i++)
        if (l4a_embedded_files[i].name && !strcmp(l4a_embedded_files[i].name, name))
            return &l4a_embedded_files[i];
    return NULL;
}

/* Read dir/name into *out (NULL when the file does not exist). */
static l4a_status read_override(const char *dir, const char *name, char **out) {
    *out = NULL;
    char path[4096];
    int w = snprintf(path, sizeof path, "%s/%s", dir, name);
    if (w < 0 || (size_t)w >= sizeof path)
        return l4a_fail(L4A_ERR_INVALID_ARG, "prompts: folder path too long: %s", dir);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT) return L4A_OK;
        return l4a_fail(L4A_ERR_IO, "prompts: cannot open %s: %s", path, strerror(errno));
    }
    char *buf = l4a_malloc(PROMPT_MAX_BYTES + 1);
    if (!buf) {
        fclose(f);
        return l4a_fail(L4A_ERR_NOMEM, "prompts: out of memory reading %s", path);
    }
    size_t n = fread(buf, 1, PROMPT_MAX_BYTES + 1, f);
    bool err = ferror(f);
    fclose(f);
    if (err) {
        l4a_free(buf);
        return l4a_fail(L4A_ERR_IO, "prompts: cannot read %s", path);
    }
    if (n > PROMPT_MAX_BYTES) {
        l4a_free(buf);
        return l4a_fail(L4A_ERR_FORMAT, "prompts: %s is larger than %zu bytes", path,
                        PROMPT_MAX_BYTES);
    }
    buf[n] = 0;
    if (strlen(buf) != n) {
        l4a_free(buf);
        return l4a_fail(L4A_ERR_FORMAT, "prompts: %s contains a NUL byte", path);
    }
    *out = buf;
    return L4A_OK;
}

/* Structural UTF-8 check (no overlongs, no surrogates, <= U+10FFFF). */
static bool utf8_ok(const char *s, size_t *bad) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (p[i]) {
        unsigned c = p[i];
        size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (!n || (n == 2 && c < 0xC2) || (n == 4 && c > 0xF4)) { *bad = i; return false; }
        for (size_t k = 1; k < n; k++)
            if ((p[i + k] & 0xC0) != 0x80) { *bad = i; return false; }
        if ((n == 3 && c == 0xE0 && p[i + 1] < 0xA0) || (n == 3 && c == 0xED && p[i + 1] >= 0xA0) ||
            (n == 4 && c == 0xF0 && p[i + 1] < 0x90) || (n == 4 && c == 0xF4 && p[i + 1] >= 0x90)) {
            *bad = i;
            return false;
        }
        i += n;
    }
    return true;
}

/* Check the placeholders of one template. */
static l4a_status check_template(l4a_prompt_kind k, const char *text, const char *what) {
    size_t bad;
    if (!utf8_ok(text, &bad))
        return l4a_fail(L4A_ERR_FORMAT, "prompts: %s: invalid UTF-8 at byte %zu", what, bad);
    bool has_required = REQUIRED[k] == NULL;
    for (const char *p = strstr(text, "{{"); p; p = strstr(p + 2, "{{")) {
        const char *e = strstr(p + 2, "}}");
        if (!e) return l4a_fail(L4A_ERR_FORMAT, "prompts: %s: '{{' without '}}'", what);
        size_t n = (size_t)(e - p - 2);
        bool known = false;
        for (int i = 0; ALLOWED[k][i]; i++)
            if (strlen(ALLOWED[k][i]) == n && !strncmp(p + 2, ALLOWED[k][i], n)) known = true;
        if (!known)
            return l4a_fail(L4A_ERR_FORMAT, "prompts: %s: unknown placeholder {{%.*s}}", what,
                            (int)(n > 40 ? 40 : n), p + 2);
        if (REQUIRED[k] && strlen(REQUIRED[k]) == n && !strncmp(p + 2, REQUIRED[k], n))
            has_required = true;
    }
    if (!has_required)
        return l4a_fail(L4A_ERR_FORMAT, "prompts: %s: the placeholder {{%s}} is missing", what,
                        REQUIRED[k]);
    return L4A_OK;
}

l4a_status l4a_prompts_load(l4a_prompts *p, const char *dir) {
    if (!p) return l4a_fail(L4A_ERR_INVALID_ARG, "prompts: NULL argument");
    memset(p, 0, sizeof *p);
    for (int k = 0; k < L4A_PROMPT_COUNT; k++) {
        char *text = NULL;
        char what[4200];
        snprintf(what, sizeof what, "%s%s%s", dir ? dir : "", dir ? "/" : "(embedded) ", FILES[k]);
        if (dir) {
            l4a_status st = read_override(dir, FILES[k], &text);
            if (st != L4A_OK) { l4a_prompts_free(p); return st; }
        }
        if (!text) {
            const l4a_embedded_file *e = l4a_embedded_find(FILES[k]);
            if (!e) {
                l4a_prompts_free(p);
                return l4a_fail(L4A_ERR_INTERNAL, "prompts: %s is not embedded", FILES[k]);
            }
            text = l4a_strdup(e->data);
            snprintf(what, sizeof what, "(embedded) %s", FILES[k]);
            if (!text) { l4a_prompts_free(p); return l4a_fail(L4A_ERR_NOMEM, "prompts: copy"); }
        } else {
            L4A_LOG_I("prompts: %s from %s", FILES[k], dir);
        }
        p->text[k] = text;
        l4a_status st = check_template((l4a_prompt_kind)k, text, what);
        if (st != L4A_OK) { l4a_prompts_free(p); return st; }
    }
    const l4a_embedded_file *full = l4a_embedded_find("meeting_minutes.json");
    const l4a_embedded_file *part = l4a_embedded_find("meeting_minutes_partial.json");
    const l4a_embedded_file *np = l4a_embedded_find("meeting_notes_prose.json");
    const l4a_embedded_file *mp = l4a_embedded_find("meeting_minutes_prose.json");
    if (!full || !part || !np || !mp) {
        l4a_prompts_free(p);
        return l4a_fail(L4A_ERR_INTERNAL, "prompts: the minutes schemas are not embedded");
    }
    p->schema_full = full->data;
    p->schema_partial = part->data;
    p->schema_notes_prose = np->data;
    p->schema_minutes_prose = mp->data;
    return L4A_OK;
}

void l4a_prompts_free(l4a_prompts *p) {
    if (!p) return;
    for (int k = 0; k < L4A_PROMPT_COUNT; k++) l4a_free(p->text[k]);
    memset(p, 0, sizeof *p);
}

l4a_status l4a_prompt_fill(const char *tmpl, const char *what, const char *const *keys,
                           const char *const *vals, size_t n, char **out) {
    *out = NULL;
    /* two passes: size, then copy */
    char *buf = NULL;
    size_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        size_t o = 0;
        const char *s = tmpl;
        for (;;) {
            const char *p = strstr(s, "{{");
            const char *e = p ? strstr(p + 2, "}}") : NULL;
            size_t lit = p && e ? (size_t)(p - s) : strlen(s);
            if (pass) memcpy(buf + o, s, lit);
            o += lit;
            if (!p || !e) break;
            size_t kn = (size_t)(e - p - 2);
            size_t i = 0;
            while (i < n && !(strlen(keys[i]) == kn && !strncmp(p + 2, keys[i], kn))) i++;
            if (i == n) {
                l4a_free(buf);
                return l4a_fail(L4A_ERR_FORMAT, "prompts: %s: unknown placeholder {{%.*s}}", what,
                                (int)(kn > 40 ? 40 : kn), p + 2);
            }
            size_t vn = strlen(vals[i]);
            if (pass) memcpy(buf + o, vals[i], vn);
            if (o + vn < o) return l4a_fail(L4A_ERR_NOMEM, "prompts: size overflow");
            o += vn;
            s = e + 2;
        }
        if (!pass) {
            total = o;
            buf = l4a_malloc(total + 1);
            if (!buf) return l4a_fail(L4A_ERR_NOMEM, "prompts: out of memory (%zu bytes)", total);
        } else {
            buf[o] = 0;
        }
    }
    *out = buf;
    return L4A_OK;
}
