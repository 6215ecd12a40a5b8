/*
 * textout.c - generated tokens to visible text, one token at a time (the CLI's streamed output,
 * the server's completions).
 *
 * A token's bytes may end inside a UTF-8 character (byte-level BPE splits them), and the end
 * of the text may be the beginning of a stop string split across tokens. Both are held back
 * until later tokens decide; a stop string found in what is held ends the text and is not
 * part of it. With replace_invalid, bytes that are not UTF-8 (a model can produce them) become
 * U+FFFD, so that text sent as JSON is always valid.
 */
#include "core/core.h"

#include <string.h>
#include <utf8proc.h>

struct l4a_textout {
    char **stops;
    size_t *stop_len;
    int n_stops;
    bool replace_invalid;
    bool stopped;
    char *held;                 /* bytes not yet visible */
    size_t n_held, cap_held;
    char *out;                  /* what the last call made visible */
    size_t n_out, cap_out;
};

L4A_API l4a_status l4a_textout_new(const char *const *stops, int n_stops, bool replace_invalid,
                                   l4a_textout **out) {
    if (!out || n_stops < 0 || (n_stops > 0 && !stops))
        return l4a_fail(L4A_ERR_INVALID_ARG, "textout: bad arguments");
    *out = NULL;
    l4a_textout *t = l4a_calloc(1, sizeof *t);
    if (!t) return l4a_fail(L4A_ERR_NOMEM, "textout: out of memory");
    t->replace_invalid = replace_invalid;
    if (n_stops > 0) {
        t->stops = l4a_calloc((size_t)n_stops, sizeof *t->stops);
        t->stop_len = l4a_calloc((size_t)n_stops, sizeof *t->stop_len);
        if (!t->stops || !t->stop_len) goto nomem;
    }
    for (int i = 0; i < n_stops; i++) {
        if (!stops[i] || !stops[i][0]) continue;       /* an empty stop string stops nothing */
        size_t len = strlen(stops[i]);
        if (!(t->stops[t->n_stops] = l4a_strndup(stops[i], len))) goto nomem;
        t->stop_len[t->n_stops++] = len;
    }
    *out = t;
    return L4A_OK;
nomem:
    l4a_textout_free(t);
    return l4a_fail(L4A_ERR_NOMEM, "textout: out of memory");
}

L4A_API void l4a_textout_free(l4a_textout *t) {
    if (!t) return;
    for (int i = 0; i < t->n_stops; i++) l4a_free(t->stops[i]);
    l4a_free(t->stops);
    l4a_free(t->stop_len);
    l4a_free(t->held);
    l4a_free(t->out);
    l4a_free(t);
}

/* Bytes at the end of buf[0..n) that may still become a UTF-8 character (0..3). */
static size_t incomplete_tail(const char *buf, size_t n) {
    size_t i = n, back = 0;
    while (i > 0 && back < 3 && ((unsigned char)buf[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0) return 0;
    unsigned char lead = (unsigned char)buf[i - 1];
    size_t want = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 1;
    if (lead >= 0xF5 || (lead & 0xC0) == 0x80) want = 1;    /* invalid lead: do not wait */
    size_t have = back + 1;
    return have < want ? have : 0;
}

/* Longest tail of what is held that is a proper prefix of a stop string. */
static size_t stop_prefix_hold(const l4a_textout *t) {
    size_t hold = 0;
    for (int i = 0; i < t->n_stops; i++) {
        size_t k = t->stop_len[i] - 1 < t->n_held ? t->stop_len[i] - 1 : t->n_held;
        for (; k > hold; k--)
            if (!memcmp(t->held + t->n_held - k, t->stops[i], k)) {
                hold = k;
                break;
            }
    }
    return hold;
}

/* Move n held bytes to the visible text (invalid UTF-8 replaced when asked). */
static l4a_status emit(l4a_textout *t, size_t n) {
    if (n == 0) return L4A_OK;
    if (n > (SIZE_MAX - t->n_out - 1) / 3 || !l4a_reserve(&t->out, &t->cap_out, t->n_out + 3 * n + 1))
        return l4a_fail(L4A_ERR_NOMEM, "textout: out of memory");
    const unsigned char *p = (const unsigned char *)t->held;
    if (!t->replace_invalid) {
        memcpy(t->out + t->n_out, p, n);
        t->n_out += n;
    }
    for (size_t i = 0; t->replace_invalid && i < n;) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t len = utf8proc_iterate(p + i, (utf8proc_ssize_t)(n - i), &cp);
        if (len > 0) {
            memcpy(t->out + t->n_out, p + i, (size_t)len);
            t->n_out += (size_t)len;
            i += (size_t)len;
        } else {
            memcpy(t->out + t->n_out, "\xEF\xBF\xBD", 3);
            t->n_out += 3;
            i++;
        }
    }
    t->out[t->n_out] = 0;
    memmove(t->held, t->held + n, t->n_held - n);
    t->n_held -= n;
    return L4A_OK;
}

L4A_API l4a_status l4a_textout_push(l4a_textout *t, const char *bytes, size_t n,
                                    const char **text, size_t *len, bool *stopped) {
    if (!t || (!bytes && n) || !text || !len || !stopped)
        return l4a_fail(L4A_ERR_INVALID_ARG, "textout: bad arguments");
    t->n_out = 0;
    *text = "";
    *len = 0;
    *stopped = t->stopped;
    if (t->stopped) return L4A_OK;
    if (t->n_held + n + 1 < n || !l4a_reserve(&t->held, &t->cap_held, t->n_held + n + 1))
        return l4a_fail(L4A_ERR_NOMEM, "textout: out of memory");
    if (n) memcpy(t->held + t->n_held, bytes, n);
    t->n_held += n;
    const char *first = NULL;
    for (int i = 0; i < t->n_stops; i++) {
        const char *hit = memmem(t->held, t->n_held, t->stops[i], t->stop_len[i]);
        if (hit && (!first || hit < first)) first = hit;
    }
    l4a_status st;
    if (first) {
        st = emit(t, (size_t)(first - t->held));
        t->n_held = 0;
        t->stopped = *stopped = true;
    } else {
        size_t hold = incomplete_tail(t->held, t->n_held), hold_stop = stop_prefix_hold(t);
        st = emit(t, t->n_held - (hold_stop > hold ? hold_stop : hold));
    }
    if (st == L4A_OK && t->n_out) {
        *text = t->out;
        *len = t->n_out;
    }
    return st;
}

L4A_API l4a_status l4a_textout_flush(l4a_textout *t, const char **text, size_t *len) {
    if (!t || !text || !len) return l4a_fail(L4A_ERR_INVALID_ARG, "textout: bad arguments");
    t->n_out = 0;
    *text = "";
    *len = 0;
    l4a_status st = t->stopped ? L4A_OK : emit(t, t->n_held);
    if (st == L4A_OK && t->n_out) {
        *text = t->out;
        *len = t->n_out;
    }
    return st;
}
