/*
 * transcript.c - the transcript object: the builder the format parsers feed (text and
 * speaker normalisation, a speaker table), the final pass (empty turns dropped, speakers in
 * order of first appearance, optional merge, time flags), accessors and rendering.
 *
 * Not here: input checks and format detection (transcript_input.c), the formats
 * (transcript_plain.c, transcript_subtitle.c, transcript_json.c).
 *
 * Storage: turn texts live back to back in one pool, each followed by a NUL, in turn order,
 * so that only the last turn can grow (l4a_tb_append). Speaker names live in a second pool;
 * a small open-addressing hash table finds a name's index. While building, pools move on
 * growth, so turns keep offsets; pointers are handed out only after l4a_tb_finish.
 */
#include "meeting/transcript.h"

#include <string.h>

#define MAX_SPEAKER_BYTES 256   /* a longer "name" is not a speaker name: an error */

typedef struct tturn {
    int32_t spk;            /* index into names, -1 when unknown */
    double start, end;      /* seconds, -1 when unknown */
    int64_t cue;            /* cue id (0: none) */
    size_t off, len;        /* text in the pool, without its NUL */
} tturn;

struct l4a_transcript {
    l4a_transcript_format format;
    unsigned flags;
    int64_t n_replaced;
    int64_t cur_cue;

    tturn *turns;
    int32_t n_turns, cap_turns;
    char *text;             /* turn texts, NUL after each */
    size_t text_len, text_cap;

    char *names;            /* speaker names, NUL after each */
    size_t names_len, names_cap;
    size_t *name_off;       /* offset of each name in the pool */
    int32_t n_names, cap_names;
    int32_t *slots;         /* hash table: name index or -1; n_slots a power of two */
    size_t n_slots;

    /* after l4a_tb_finish */
    int32_t *spk_order;     /* speaker id -> index into names */
    int32_t n_speakers;
    bool overlap, has_times;
};

/* ---------------------------------------------------------------- small helpers */

static l4a_status nomem(void) { return l4a_fail(L4A_ERR_NOMEM, "out of memory"); }

/* Grow *buf (elements of size esz) so that it holds at least need elements. */
static bool grow(void **buf, size_t *cap, size_t need, size_t esz) {
    if (need <= *cap) return true;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2) return false;
        c *= 2;
    }
    uint64_t bytes;
    if (!l4a_mul_ok(c, esz, &bytes) || bytes > SIZE_MAX) return false;
    void *p = l4a_realloc(*buf, (size_t)bytes);
    if (!p) return false;
    *buf = p;
    *cap = c;
    return true;
}

/* White space or a control byte: collapsed to one space in turn text. */
static bool is_sep_byte(unsigned char c) { return c <= 0x20 || c == 0x7f; }

/* FNV-1a: speaker names are short, a simple hash is enough. */
static uint32_t hash_bytes(const char *s, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

/* Normalise a speaker name into out (cap MAX_SPEAKER_BYTES + 1): trimmed, white space (NBSP
 * included) collapsed to one ASCII space. Returns the length, or -1 when too long. */
static int normalise_name(const char *s, size_t n, char *out) {
    size_t o = 0;
    bool pending = false;
    for (size_t i = 0; i < n;) {
        size_t w = l4a_tspace(s + i, n - i);
        if (!w && is_sep_byte((unsigned char)s[i])) w = 1;
        if (w) {
            pending = o > 0;
            i += w;
            continue;
        }
        if (o + 2 > MAX_SPEAKER_BYTES) return -1;
        if (pending) out[o++] = ' ';
        pending = false;
        out[o++] = s[i++];
    }
    out[o] = 0;
    return (int)o;
}

/* Index of a normalised name, -1 when absent. */
static int32_t find_name(const l4a_transcript *t, const char *s, size_t n) {
    if (!t->n_slots) return -1;
    size_t mask = t->n_slots - 1;
    for (size_t i = hash_bytes(s, n) & mask;; i = (i + 1) & mask) {
        int32_t k = t->slots[i];
        if (k < 0) return -1;
        const char *name = t->names + t->name_off[k];
        if (strlen(name) == n && memcmp(name, s, n) == 0) return k;
    }
}

static bool rehash(l4a_transcript *t, size_t n_slots) {
    int32_t *slots = l4a_malloc(n_slots * sizeof *slots);
    if (!slots) return false;
    for (size_t i = 0; i < n_slots; i++) slots[i] = -1;
    for (int32_t k = 0; k < t->n_names; k++) {
        const char *name = t->names + t->name_off[k];
        size_t i = hash_bytes(name, strlen(name)) & (n_slots - 1);
        while (slots[i] >= 0) i = (i + 1) & (n_slots - 1);
        slots[i] = k;
    }
    l4a_free(t->slots);
    t->slots = slots;
    t->n_slots = n_slots;
    return true;
}

/* Index of a normalised name, added when new. -2 when out of memory. */
static int32_t intern_name(l4a_transcript *t, const char *s, size_t n) {
    int32_t k = find_name(t, s, n);
    if (k >= 0) return k;
    size_t cap = (size_t)t->cap_names;
    if (!grow((void **)&t->name_off, &cap, (size_t)t->n_names + 1, sizeof *t->name_off))
        return -2;
    t->cap_names = (int32_t)(cap > INT32_MAX ? INT32_MAX : cap);
    if (!grow((void **)&t->names, &t->names_cap, t->names_len + n + 1, 1)) return -2;
    memcpy(t->names + t->names_len, s, n);
    t->names[t->names_len + n] = 0;
    t->name_off[t->n_names++] = t->names_len;
    t->names_len += n + 1;
    if ((size_t)t->n_names * 2 > t->n_slots) {
        if (!rehash(t, t->n_slots ? t->n_slots * 2 : 64)) return -2;
    } else {
        size_t i = hash_bytes(s, n) & (t->n_slots - 1);
        while (t->slots[i] >= 0) i = (i + 1) & (t->n_slots - 1);
        t->slots[i] = t->n_names - 1;
    }
    return t->n_names - 1;
}

/* Append n bytes of text to the pool, normalised; sep: the pool's last text is not empty and
 * a space goes before the first new character. Returns bytes added (the NUL not counted). */
static size_t put_text(l4a_transcript *t, const char *s, size_t n, bool sep) {
    size_t o = t->text_len, start = o;
    bool pending = sep;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0xef && i + 2 < n && (unsigned char)s[i + 1] == 0xbb &&
            (unsigned char)s[i + 2] == 0xbf) {
            i += 2;                 /* U+FEFF inside text: an invisible stray BOM, dropped */
            continue;
        }
        if (is_sep_byte(c)) {
            pending = o > start || sep;
            continue;
        }
        if (pending) t->text[o++] = ' ';
        pending = false;
        t->text[o++] = (char)c;
    }
    t->text[o] = 0;
    t->text_len = o;
    return o - start;
}

/* ---------------------------------------------------------------- builder */

l4a_status l4a_tb_turn(l4a_transcript *t, const char *spk, size_t spk_len, double start,
                       double end, const char *text, size_t len) {
    int32_t k = -1;
    if (spk && spk_len) {
        char name[MAX_SPEAKER_BYTES + 1];
        int nl = normalise_name(spk, spk_len, name);
        if (nl < 0)
            return l4a_fail(L4A_ERR_FORMAT, "speaker name longer than %d bytes ('%.40s...')",
                            MAX_SPEAKER_BYTES, name);
        if (nl > 0) {
            k = find_name(t, name, (size_t)nl);
            if (k < 0 && t->n_names >= L4A_TRANSCRIPT_MAX_SPEAKERS)
                return l4a_fail(L4A_ERR_FORMAT, "more than %d distinct speakers: not a meeting "
                                "transcript", L4A_TRANSCRIPT_MAX_SPEAKERS);
            if (k < 0) k = intern_name(t, name, (size_t)nl);
            if (k == -2) return nomem();
        }
    }
    if (t->n_turns >= L4A_TRANSCRIPT_MAX_TURNS)
        return l4a_fail(L4A_ERR_FORMAT, "more than %d turns (the limit)", L4A_TRANSCRIPT_MAX_TURNS);
    size_t cap = (size_t)t->cap_turns;
    if (!grow((void **)&t->turns, &cap, (size_t)t->n_turns + 1, sizeof *t->turns))
        return nomem();
    t->cap_turns = (int32_t)(cap > INT32_MAX ? INT32_MAX : cap);
    if (!grow((void **)&t->text, &t->text_cap, t->text_len + len + 2, 1)) return nomem();
    if (t->n_turns > 0) t->text_len++;     /* keep the previous turn's NUL */
    tturn *tu = &t->turns[t->n_turns++];
    tu->spk = k;
    tu->start = start;
    tu->end = end;
    tu->cue = t->cur_cue;
    tu->off = t->text_len;
    tu->len = put_text(t, text, len, false);
    return L4A_OK;
}

l4a_status l4a_tb_append(l4a_transcript *t, const char *text, size_t len) {
    if (t->n_turns == 0) return l4a_tb_turn(t, NULL, 0, -1, -1, text, len);
    if (!grow((void **)&t->text, &t->text_cap, t->text_len + len + 3, 1)) return nomem();
    tturn *tu = &t->turns[t->n_turns - 1];
    L4A_ASSERT(tu->off + tu->len == t->text_len);
    tu->len += put_text(t, text, len, tu->len > 0);
    return L4A_OK;
}

void l4a_tb_set_cue(l4a_transcript *t, int64_t cue_id) { t->cur_cue = cue_id; }

bool l4a_tb_known_speaker(const l4a_transcript *t, const char *spk, size_t len) {
    char name[MAX_SPEAKER_BYTES + 1];
    int nl = normalise_name(spk, len, name);
    return nl > 0 && find_name(t, name, (size_t)nl) >= 0;
}

/* Merge runs of turns of the same known speaker: rebuild the text pool. */
static l4a_status merge_turns(l4a_transcript *t) {
    char *pool = l4a_malloc(t->text_len + 2);
    if (!pool) return nomem();
    size_t o = 0;
    int32_t w = -1;
    for (int32_t i = 0; i < t->n_turns; i++) {
        tturn cur = t->turns[i];
        const char *src = t->text + cur.off;
        if (w >= 0 && cur.spk >= 0 && cur.spk == t->turns[w].spk) {
            tturn *dst = &t->turns[w];
            pool[o - 1] = ' ';                  /* the NUL becomes the separator */
            memcpy(pool + o, src, cur.len);
            o += cur.len;
            pool[o++] = 0;
            dst->len += 1 + cur.len;
            if (dst->start < 0) dst->start = cur.start;
            if (cur.end > dst->end) dst->end = cur.end;
            if (cur.cue != dst->cue) dst->cue = 0;
            continue;
        }
        t->turns[++w] = cur;
        t->turns[w].off = o;
        memcpy(pool + o, src, cur.len);
        o += cur.len;
        pool[o++] = 0;
    }
    l4a_free(t->text);
    t->text = pool;
    t->text_len = o ? o - 1 : 0;
    t->text_cap = t->text_len + 2;
    t->n_turns = w + 1;
    return L4A_OK;
}

l4a_status l4a_tb_finish(l4a_transcript *t) {
    /* drop empty turns (their texts are empty: offsets of the others stay valid) */
    int32_t w = 0;
    for (int32_t i = 0; i < t->n_turns; i++)
        if (t->turns[i].len > 0) t->turns[w++] = t->turns[i];
    t->n_turns = w;
    if (w == 0) return l4a_fail(L4A_ERR_FORMAT, "no text: the transcript has no turns");

    if (t->flags & L4A_TRANSCRIPT_MERGE_SPEAKERS) {
        l4a_status st = merge_turns(t);
        if (st != L4A_OK) return st;
    }

    /* speakers in order of first appearance; turn.spk becomes the speaker id */
    int32_t *id_of = l4a_malloc(((size_t)t->n_names + 1) * sizeof *id_of);
    t->spk_order = l4a_malloc(((size_t)t->n_names + 1) * sizeof *t->spk_order);
    if (!id_of || !t->spk_order) {
        l4a_free(id_of);
        return nomem();
    }
    for (int32_t k = 0; k < t->n_names; k++) id_of[k] = -1;
    t->n_speakers = 0;
    for (int32_t i = 0; i < t->n_turns; i++) {
        int32_t k = t->turns[i].spk;
        if (k < 0) continue;
        if (id_of[k] < 0) {
            id_of[k] = t->n_speakers;
            t->spk_order[t->n_speakers++] = k;
        }
        t->turns[i].spk = id_of[k];
    }
    l4a_free(id_of);

    /* time flags: a start before an earlier start or end, outside one cue */
    double max_start = -1, max_end = -1;
    for (int32_t i = 0; i < t->n_turns; i++) {
        const tturn *tu = &t->turns[i];
        if (tu->start < 0) continue;
        t->has_times = true;
        bool same_cue = i > 0 && tu->cue != 0 && tu->cue == t->turns[i - 1].cue;
        if (!same_cue && (tu->start < max_start || tu->start < max_end)) t->overlap = true;
        if (tu->start > max_start) max_start = tu->start;
        double e = tu->end >= 0 ? tu->end : tu->start;
        if (e > max_end) max_end = e;
    }
    return L4A_OK;
}

/* ---------------------------------------------------------------- object, accessors */

l4a_transcript *l4a_tb_new(l4a_transcript_format fmt, unsigned flags) {
    l4a_transcript *t = l4a_calloc(1, sizeof *t);
    if (!t) return NULL;
    t->format = fmt;
    t->flags = flags;
    return t;
}

void l4a_tb_set_replaced(l4a_transcript *t, int64_t n) { t->n_replaced = n; }

void l4a_transcript_free(l4a_transcript *t) {
    if (!t) return;
    l4a_free(t->turns);
    l4a_free(t->text);
    l4a_free(t->names);
    l4a_free(t->name_off);
    l4a_free(t->slots);
    l4a_free(t->spk_order);
    l4a_free(t);
}

l4a_transcript_format l4a_transcript_format_of(const l4a_transcript *t) {
    return t ? t->format : L4A_TRANSCRIPT_AUTO;
}

int32_t l4a_transcript_n_turns(const l4a_transcript *t) { return t ? t->n_turns : 0; }

l4a_status l4a_transcript_get_turn(const l4a_transcript *t, int32_t i, l4a_transcript_turn *out) {
    if (!t || !out || i < 0 || i >= t->n_turns)
        return l4a_fail(L4A_ERR_INVALID_ARG, "transcript: turn %d out of range (%d turns)", i,
                        t ? t->n_turns : 0);
    const tturn *tu = &t->turns[i];
    out->speaker_id = tu->spk;
    out->speaker = tu->spk >= 0 ? t->names + t->name_off[t->spk_order[tu->spk]] : "";
    out->start_s = tu->start;
    out->end_s = tu->end;
    out->text = t->text + tu->off;
    out->text_len = tu->len;
    return L4A_OK;
}

int32_t l4a_transcript_n_speakers(const l4a_transcript *t) { return t ? t->n_speakers : 0; }

const char *l4a_transcript_speaker(const l4a_transcript *t, int32_t i) {
    if (!t || i < 0 || i >= t->n_speakers) return NULL;
    return t->names + t->name_off[t->spk_order[i]];
}

bool l4a_transcript_times_overlap(const l4a_transcript *t) { return t && t->overlap; }
bool l4a_transcript_has_times(const l4a_transcript *t) { return t && t->has_times; }
int64_t l4a_transcript_n_replaced(const l4a_transcript *t) { return t ? t->n_replaced : 0; }

/* ---------------------------------------------------------------- rendering */

int64_t l4a_transcript_render(const l4a_transcript *t, char *buf, size_t size) {
    if (!t) return 0;
    uint64_t need = 0;
    for (int32_t i = 0; i < t->n_turns; i++) {
        const tturn *tu = &t->turns[i];
        if (tu->spk >= 0) need += strlen(t->names + t->name_off[t->spk_order[tu->spk]]) + 2;
        need += tu->len + 1;
    }
    if (!buf || size <= need) return -(int64_t)need;
    size_t o = 0;
    for (int32_t i = 0; i < t->n_turns; i++) {
        const tturn *tu = &t->turns[i];
        if (tu->spk >= 0) {
            const char *name = t->names + t->name_off[t->spk_order[tu->spk]];
            size_t nl = strlen(name);
            memcpy(buf + o, name, nl);
            o += nl;
            buf[o++] = ':';
            buf[o++] = ' ';
        }
        memcpy(buf + o, t->text + tu->off, tu->len);
        o += tu->len;
        buf[o++] = '\n';
    }
    buf[o] = 0;
    return (int64_t)need;
}
