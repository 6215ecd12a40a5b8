/*
 * chunk.c - cutting a transcript into chunks of at most B tokens for the map step of the
 * summariser (docs/summarize.md): whole speaker turns, in order; a turn longer than B is cut
 * at sentence ends, a sentence longer than B at spaces, a word longer than B at UTF-8
 * characters. Nothing is dropped: every byte of every turn lands in exactly one piece, and
 * pieces of one turn are separated by at most the one space where they were cut.
 *
 * Costs are token counts of each rendered line ("Speaker: text\n"), from the caller's
 * counter; a chunk's cost is the sum of its lines' counts (line ends split tokens in the
 * pre-tokenizers of the supported models, so the sum is the chunk's count; summarize.c checks
 * the real prompt length anyway).
 */
#include "meeting/summary.h"

#include <string.h>

typedef struct chunker {
    l4a_count_fn count;
    void *user;
    int32_t budget;
    char *line;             /* scratch for rendering a line */
    size_t line_cap;
    l4a_chunk_piece *pieces;
    int32_t n, cap;
} chunker;

/* Token count of "spk: text\n"; negative on error. */
static int32_t line_cost(chunker *c, const char *spk, const char *s, size_t n) {
    size_t sl = strlen(spk);
    size_t need = sl + 2 + n + 2;
    if (need > c->line_cap) {
        char *nb = l4a_realloc(c->line, need);
        if (!nb) { l4a_fail(L4A_ERR_NOMEM, "chunk: out of memory (%zu bytes)", need); return -1; }
        c->line = nb;
        c->line_cap = need;
    }
    size_t o = 0;
    if (sl) {
        memcpy(c->line, spk, sl);
        memcpy(c->line + sl, ": ", 2);
        o = sl + 2;
    }
    memcpy(c->line + o, s, n);
    o += n;
    c->line[o++] = '\n';
    c->line[o] = 0;
    return c->count(c->line, o, c->user);
}

static l4a_status add_piece(chunker *c, int32_t turn, const char *spk, const char *s, size_t n,
                            int32_t tokens) {
    if (c->n == c->cap) {
        int32_t nc = c->cap ? c->cap * 2 : 64;
        if (nc <= c->cap) return l4a_fail(L4A_ERR_NOMEM, "chunk: too many pieces");
        l4a_chunk_piece *np = l4a_realloc(c->pieces, (size_t)nc * sizeof *np);
        if (!np) return l4a_fail(L4A_ERR_NOMEM, "chunk: out of memory for %d pieces", nc);
        c->pieces = np;
        c->cap = nc;
    }
    c->pieces[c->n++] = (l4a_chunk_piece){turn, spk, s, n, tokens};
    return L4A_OK;
}

/* Length of the UTF-8 character at s (1 for a stray byte). */
static size_t u8len(const char *s, size_t n) {
    unsigned char b = (unsigned char)s[0];
    size_t k = b < 0xC0 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    return k > n ? n : k;
}

/* Is position i (a space) a sentence end: after . ! ? … possibly followed by a closing
 * quote or bracket? */
static bool sentence_end(const char *s, size_t i) {
    size_t j = i;
    while (j > 0 && (s[j - 1] == '"' || s[j - 1] == ')' || s[j - 1] == '\'')) j--;
    if (j >= 2 && (unsigned char)s[j - 2] == 0xC2 && (unsigned char)s[j - 1] == 0xBB) {
        j -= 2;                                         /* » */
        while (j > 0 && s[j - 1] == ' ') j--;           /* "non ! »" */
    }
    if (j == 0) return false;
    char p = s[j - 1];
    if (p == '.' || p == '!' || p == '?') return true;
    return j >= 3 && !memcmp(s + j - 3, "\xE2\x80\xA6", 3); /* … */
}

/* Cut [s, s+n) (a whole turn or a unit of one) into pieces that fit: level 0 cuts at sentence
 * ends, 1 at spaces, 2 between characters. */
static l4a_status split(chunker *c, int32_t turn, const char *spk, const char *s, size_t n,
                        int level) {
    if (level >= 2) {
        size_t pos = 0;
        while (pos < n) {
            /* longest run of whole characters that fits, by doubling then bisection */
            size_t lo = 0, hi = 0;
            int32_t lo_cost = 0;
            size_t step = u8len(s + pos, n - pos);
            for (;;) {
                size_t cand = hi + step;
                if (cand > n - pos) cand = n - pos;
                while (cand < n - pos && ((unsigned char)s[pos + cand] & 0xC0) == 0x80) cand++;
                int32_t k = line_cost(c, spk, s + pos, cand);
                if (k < 0) return L4A_ERR_NOMEM;
                if (k > c->budget) { hi = cand; break; }
                lo = cand;
                lo_cost = k;
                if (cand == n - pos) { hi = 0; break; }
                step *= 2;
                hi = cand;
            }
            while (hi && hi - lo > 4) {                 /* bisect between lo (fits) and hi */
                size_t mid = lo + (hi - lo) / 2;
                while (mid > lo && ((unsigned char)s[pos + mid] & 0xC0) == 0x80) mid--;
                if (mid == lo) break;
                int32_t k = line_cost(c, spk, s + pos, mid);
                if (k < 0) return L4A_ERR_NOMEM;
                if (k <= c->budget) { lo = mid; lo_cost = k; } else hi = mid;
            }
            if (lo == 0)
                return l4a_fail(L4A_ERR_INVALID_ARG, "chunk: a chunk of %d tokens cannot hold "
                                "one character of turn %d with its speaker '%s'", c->budget,
                                turn + 1, spk);
            l4a_status st = add_piece(c, turn, spk, s + pos, lo, lo_cost);
            if (st != L4A_OK) return st;
            pos += lo;
        }
        return L4A_OK;
    }
    /* units: [ustart, uend) separated by single spaces at the cut points of this level */
    size_t i = 0;
    while (i < n) {
        size_t end = i, best = 0;
        int32_t best_cost = -1;
        for (;;) {
            /* next cut point after end */
            size_t j = end;
            while (j < n) {
                if (s[j] == ' ' && j > i && (level == 1 || sentence_end(s, j))) break;
                j++;
            }
            int32_t k = line_cost(c, spk, s + i, j - i);
            if (k < 0) return L4A_ERR_NOMEM;
            if (k > c->budget) break;
            best = j;
            best_cost = k;
            if (j >= n) break;
            end = j + 1;
        }
        if (best_cost < 0) {
            /* the first unit alone does not fit: cut it finer */
            size_t j = i;
            while (j < n && !(s[j] == ' ' && j > i && (level == 1 || sentence_end(s, j)))) j++;
            l4a_status st = split(c, turn, spk, s + i, j - i, level + 1);
            if (st != L4A_OK) return st;
            i = j < n ? j + 1 : n;
        } else {
            l4a_status st = add_piece(c, turn, spk, s + i, best - i, best_cost);
            if (st != L4A_OK) return st;
            i = best < n ? best + 1 : n;
        }
    }
    return L4A_OK;
}

l4a_status l4a_chunk_transcript(const l4a_transcript *t, int32_t budget, l4a_count_fn count,
                                void *user, l4a_chunks *out) {
    if (!t || !count || !out) return l4a_fail(L4A_ERR_INVALID_ARG, "chunk: NULL argument");
    memset(out, 0, sizeof *out);
    if (budget < 8) return l4a_fail(L4A_ERR_INVALID_ARG, "chunk: budget of %d tokens", budget);
    chunker c = {.count = count, .user = user, .budget = budget};
    l4a_status st = L4A_OK;
    int32_t nt = l4a_transcript_n_turns(t);
    for (int32_t i = 0; i < nt && st == L4A_OK; i++) {
        l4a_transcript_turn tr;
        st = l4a_transcript_get_turn(t, i, &tr);
        if (st != L4A_OK) break;
        int32_t k = line_cost(&c, tr.speaker, tr.text, tr.text_len);
        if (k < 0) { st = L4A_ERR_NOMEM; break; }
        st = k <= budget ? add_piece(&c, i, tr.speaker, tr.text, tr.text_len, k)
                         : split(&c, i, tr.speaker, tr.text, tr.text_len, 0);
    }
    l4a_free(c.line);
    if (st != L4A_OK) { l4a_free(c.pieces); return st; }
    int32_t *first = l4a_malloc(((size_t)c.n + 1) * sizeof *first);
    if (!first) { l4a_free(c.pieces); return l4a_fail(L4A_ERR_NOMEM, "chunk: out of memory"); }
    int32_t nc = 0;
    int64_t cur = 0, total = 0;
    for (int32_t i = 0; i < c.n; i++) {
        if (i == 0 || cur + c.pieces[i].tokens > budget) {
            first[nc++] = i;
            cur = 0;
        }
        cur += c.pieces[i].tokens;
        total += c.pieces[i].tokens;
    }
    first[nc] = c.n;
    *out = (l4a_chunks){c.pieces, c.n, first, nc, total};
    return L4A_OK;
}

void l4a_chunks_free(l4a_chunks *c) {
    if (!c) return;
    l4a_free(c->pieces);
    l4a_free(c->first);
    memset(c, 0, sizeof *c);
}

char *l4a_chunk_render(const l4a_chunks *c, int32_t chunk) {
    if (!c || chunk < 0 || chunk >= c->n_chunks) return NULL;
    size_t need = 1;
    for (int32_t i = c->first[chunk]; i < c->first[chunk + 1]; i++)
        need += strlen(c->pieces[i].speaker) + 2 + c->pieces[i].len + 1;
    char *buf = l4a_malloc(need);
    if (!buf) return NULL;
    size_t o = 0;
    for (int32_t i = c->first[chunk]; i < c->first[chunk + 1]; i++) {
        const l4a_chunk_piece *p = &c->pieces[i];
        size_t sl = strlen(p->speaker);
        if (sl) {
            memcpy(buf + o, p->speaker, sl);
            memcpy(buf + o + sl, ": ", 2);
            o += sl + 2;
        }
        memcpy(buf + o, p->text, p->len);
        o += p->len;
        buf[o++] = '\n';
    }
    buf[o] = 0;
    return buf;
}
