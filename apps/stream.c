/*
 * stream.c - writing generated text as it comes: a token's bytes may end inside a UTF-8
 * character (byte-level BPE splits them), and the end of the output may be the beginning of a
 * stop string. Both are held back until the next token decides; a stop string found in the
 * held text ends the stream and is not written.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

void app_stream_init(app_stream *s, FILE *out, const char *const *stops, int n_stops) {
    memset(s, 0, sizeof *s);
    s->out = out;
    s->stops = stops;
    s->n_stops = n_stops;
}

void app_stream_free(app_stream *s) {
    free(s->pending);
    free(s->text);
    memset(s, 0, sizeof *s);
}

static bool reserve(char **buf, size_t *cap, size_t need) {
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 256;
    while (c < need) c *= 2;
    char *nb = realloc(*buf, c);
    if (!nb) return false;
    *buf = nb;
    *cap = c;
    return true;
}

size_t app_utf8_incomplete_tail(const char *buf, size_t n) {
    /* walk back over at most 3 continuation bytes (10xxxxxx) to the lead byte */
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

/* Write n bytes of pending and keep them in text. */
static void emit(app_stream *s, size_t n) {
    if (n == 0) return;
    fwrite(s->pending, 1, n, s->out);
    fflush(s->out);
    if (reserve(&s->text, &s->cap_text, s->n_text + n + 1)) {
        memcpy(s->text + s->n_text, s->pending, n);
        s->n_text += n;
        s->text[s->n_text] = 0;
    }
    memmove(s->pending, s->pending + n, s->n_pending - n);
    s->n_pending -= n;
}

/* Longest tail of pending that is a proper prefix of some stop string. */
static size_t stop_prefix_hold(const app_stream *s) {
    size_t hold = 0;
    for (int i = 0; i < s->n_stops; i++) {
        size_t len = strlen(s->stops[i]);
        size_t k = len - 1 < s->n_pending ? len - 1 : s->n_pending;
        for (; k > hold; k--) {
            if (!memcmp(s->pending + s->n_pending - k, s->stops[i], k)) {
                hold = k;
                break;
            }
        }
    }
    return hold;
}

bool app_stream_push(app_stream *s, const char *bytes, size_t n) {
    if (s->stopped) return true;
    if (!reserve(&s->pending, &s->cap_pending, s->n_pending + n + 1)) return false;
    memcpy(s->pending + s->n_pending, bytes, n);
    s->n_pending += n;

    /* the earliest stop string in what is held */
    const char *first = NULL;
    for (int i = 0; i < s->n_stops; i++) {
        const char *hit = memmem(s->pending, s->n_pending, s->stops[i], strlen(s->stops[i]));
        if (hit && (!first || hit < first)) first = hit;
    }
    if (first) {
        emit(s, (size_t)(first - s->pending));
        s->n_pending = 0;
        s->stopped = true;
        return true;
    }
    size_t hold = app_utf8_incomplete_tail(s->pending, s->n_pending);
    size_t hold_stop = stop_prefix_hold(s);
    if (hold_stop > hold) hold = hold_stop;
    emit(s, s->n_pending - hold);
    return false;
}

void app_stream_finish(app_stream *s) {
    if (!s->stopped) emit(s, s->n_pending);
    fflush(s->out);
}
