/*
 * stream.c - writing generated text as it comes, through the library's l4a_textout (which
 * holds back an incomplete UTF-8 character and a possible stop-string prefix), to a FILE, and
 * keeping what was written (the chat's history).
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

void app_stream_init(app_stream *s, FILE *out, const char *const *stops, int n_stops) {
    memset(s, 0, sizeof *s);
    s->out = out;
    if (l4a_textout_new(stops, n_stops, false, &s->to) != L4A_OK)
        fprintf(stderr, "error: %s\n", l4a_last_error());
}

void app_stream_free(app_stream *s) {
    l4a_textout_free(s->to);
    free(s->text);
    memset(s, 0, sizeof *s);
}

/* Write n bytes and keep them in text. */
static void emit(app_stream *s, const char *bytes, size_t n) {
    if (n == 0) return;
    fwrite(bytes, 1, n, s->out);
    fflush(s->out);
    if (s->n_text + n + 1 > s->cap_text) {
        size_t c = s->cap_text ? s->cap_text : 256;
        while (c < s->n_text + n + 1) c *= 2;
        char *nb = realloc(s->text, c);
        if (!nb) return;
        s->text = nb;
        s->cap_text = c;
    }
    memcpy(s->text + s->n_text, bytes, n);
    s->n_text += n;
    s->text[s->n_text] = 0;
}

bool app_stream_push(app_stream *s, const char *bytes, size_t n) {
    if (s->stopped || !s->to) return true;
    const char *text;
    size_t len;
    if (l4a_textout_push(s->to, bytes, n, &text, &len, &s->stopped) != L4A_OK) {
        fprintf(stderr, "error: %s\n", l4a_last_error());
        return s->stopped = true;
    }
    emit(s, text, len);
    return s->stopped;
}

void app_stream_finish(app_stream *s) {
    const char *text;
    size_t len;
    if (s->to && l4a_textout_flush(s->to, &text, &len) == L4A_OK) emit(s, text, len);
    fflush(s->out);
}
