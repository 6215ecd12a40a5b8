/*
 * summarize.c - meeting minutes from a transcript of any length (docs/summarize.md): the
 * public entry points, the token budgets, the choice between one pass and map-reduce, and the
 * map step (one partial-notes document per chunk). The reduce step is reduce.c.
 *
 * Budgets, all in tokens of the model (docs/summarize.md has the arithmetic):
 *   avail   = n_ctx - margin (margin = 8 + n_ctx/64, for template/tokenizer seams)
 *   r_final = min(max_output_tokens, (avail - o_notes) / 3)
 *   r_part  = min(max(min(256, max_output_tokens), max_output_tokens / 2),
 *                 (avail - o_notes - r_final) / 2)
 *   chunk   = avail - o_map - r_part           (or less: params.chunk_tokens)
 * so that any two partial notes plus the notes prompt plus a final output fit the context,
 * which makes every reduce level shrink the number of notes.
 */
#include "meeting/summary.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

L4A_API l4a_summary_params l4a_summary_default_params(void) {
    l4a_summary_params p;
    memset(&p, 0, sizeof p);
    p.n_batch = 512;
    p.temperature = 0.0f;
    p.seed = 0xC0FFEE;
    p.max_output_tokens = 1024;
    p.format = L4A_TRANSCRIPT_AUTO;
    p.language = "fr";
    return p;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

int32_t l4a_sum_count(const char *text, size_t len, void *user) {
    l4a_sum_run *r = user;
    if (len + 8 > r->tokcap) {
        size_t nc = len + 8 > 2 * r->tokcap ? len + 8 : 2 * r->tokcap;
        if (nc > INT32_MAX) {
            l4a_fail(L4A_ERR_INVALID_ARG, "summarize: text too long");
            return -1;
        }
        l4a_token *nb = l4a_realloc(r->tokbuf, nc * sizeof *nb);
        if (!nb) { l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory"); return -1; }
        r->tokbuf = nb;
        r->tokcap = nc;
    }
    int32_t k = l4a_tokenize(r->m, text, len, r->tokbuf, (int32_t)r->tokcap, false, false);
    if (k < 0) {
        if (k != INT32_MIN) l4a_fail(L4A_ERR_INTERNAL, "summarize: more tokens than bytes");
        return -1;
    }
    return k;
}

char *l4a_sum_sanitize(const char *text) {
    static const char *const MARK[] = {"<|", "<start_of_turn>", "<end_of_turn>", "<s>", "</s>",
                                       "[INST]", "[/INST]"};
    size_t n = strlen(text);
    char *out = l4a_malloc(2 * n + 1);
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (text[i] == '<' || text[i] == '[')
            for (size_t k = 0; k < sizeof MARK / sizeof *MARK; k++)
                if (!strncmp(text + i, MARK[k], strlen(MARK[k]))) {
                    out[o++] = text[i++];
                    out[o++] = ' ';
                    break;
                }
        out[o++] = text[i];
    }
    out[o] = 0;
    return out;
}

void l4a_sum_progress(l4a_sum_run *r, const char *stage, int32_t done, int32_t total) {
    if (r->p.progress) r->p.progress(stage, done, total, r->p.progress_user);
}

l4a_status l4a_sum_fill(l4a_sum_run *r, l4a_prompt_kind k, const char *const *keys,
                        const char *const *vals, size_t n, char **out) {
    const char *K[6] = {"LANGUAGE"};
    const char *V[6] = {r->lang_name};
    if (n > 5) return l4a_fail(L4A_ERR_INTERNAL, "summarize: too many placeholders");
    for (size_t i = 0; i < n; i++) { K[i + 1] = keys[i]; V[i + 1] = vals[i]; }
    return l4a_prompt_fill(r->pr.text[k], l4a_prompt_file(k), K, V, n + 1, out);
}

l4a_status l4a_sum_generate(l4a_sum_run *r, l4a_prompt_kind k, const char *user,
                            int32_t max_tokens, cJSON **out) {
    *out = NULL;
    const char *schema = k == L4A_PROMPT_MAP     ? r->pr.schema_partial
                         : k == L4A_PROMPT_MERGE  ? r->pr.schema_notes_prose
                         : k == L4A_PROMPT_REDUCE ? r->pr.schema_minutes_prose
                                                  : r->pr.schema_full;
    bool partial = k == L4A_PROMPT_MAP || k == L4A_PROMPT_MERGE;
    char *raw = NULL;
    bool cut = false;
    l4a_status st = l4a_gen_json(&r->g, r->system, user, schema, max_tokens, &raw, &cut);
    if (st != L4A_OK) return st;
    r->st.n_generations++;
    r->st.n_truncated += cut;
    cJSON *doc = l4a_minutes_repair(raw, strlen(raw), partial, r->p.language);
    if (!doc) {
        L4A_LOG_W("summarize: %s: unreadable output, replaced by empty notes: %.200s",
                  l4a_prompt_file(k), raw);
        doc = l4a_minutes_normalize(cJSON_CreateObject(), partial, r->p.language);
    }
    l4a_free(raw);
    if (!doc) return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory for the minutes");
    *out = doc;
    return L4A_OK;
}

char *l4a_sum_print(const cJSON *doc) {
    char *s = cJSON_PrintUnformatted(doc), *out = s ? l4a_strdup(s) : NULL;
    cJSON_free(s);
    if (!out) l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory for the minutes");
    return out;
}

/* Overhead of a prompt kind: tokens of the chat with empty placeholders. */
static int32_t overhead(l4a_sum_run *r, l4a_prompt_kind k) {
    static const char *const keys[] = {"PART", "N_PARTS", "TRANSCRIPT", "NOTES"};
    static const char *const vals[] = {"999", "999", "", ""};
    char *user = NULL;
    if (l4a_sum_fill(r, k, keys, vals, 4, &user) != L4A_OK) return -1;
    int32_t n = l4a_gen_prompt_tokens(&r->g, r->system, user);
    l4a_free(user);
    return n;
}

static l4a_status budgets(l4a_sum_run *r) {
    int32_t n_ctx = l4a_ctx_n_ctx(r->g.ctx);
    r->st.n_ctx = n_ctx;
    r->avail = n_ctx - (8 + n_ctx / 64);
    r->o_single = overhead(r, L4A_PROMPT_SINGLE);
    r->o_map = overhead(r, L4A_PROMPT_MAP);
    int32_t o_merge = overhead(r, L4A_PROMPT_MERGE), o_red = overhead(r, L4A_PROMPT_REDUCE);
    if (r->o_single < 0 || r->o_map < 0 || o_merge < 0 || o_red < 0) return L4A_ERR_INTERNAL;
    r->o_notes = o_merge > o_red ? o_merge : o_red;
    int32_t maxo = r->p.max_output_tokens;
    int32_t room = r->avail - r->o_notes;
    r->r_final = maxo < room / 3 ? maxo : room / 3;
    int32_t part = maxo / 2 > 256 ? maxo / 2 : maxo < 256 ? maxo : 256;
    int32_t room2 = (room - r->r_final) / 2;
    r->r_part = part < room2 ? part : room2;
    r->chunk_budget = r->avail - r->o_map - r->r_part;
    if (r->p.chunk_tokens > 0 && r->p.chunk_tokens < r->chunk_budget)
        r->chunk_budget = r->p.chunk_tokens;
    /* a smaller output budget than these minimums is the caller's choice, not a lack of room */
    int32_t min_final = maxo < 128 ? maxo : 128, min_part = maxo < 96 ? maxo : 96;
    if (r->r_final < min_final || r->r_part < min_part || r->chunk_budget < 64) {
        int32_t o = r->o_notes > r->o_map ? r->o_notes : r->o_map;
        return l4a_fail(L4A_ERR_INVALID_ARG, "summarize: a context of %d tokens is too small "
                        "for the prompts (%d tokens) and the minutes: use a context of at least "
                        "%d tokens", n_ctx, o, (o + 3 * 128 + 64) * 66 / 64 + 8);
    }
    L4A_LOG_I("summarize: n_ctx %d, avail %d, overheads single %d map %d notes %d, reserves "
              "final %d part %d, chunk %d", n_ctx, r->avail, r->o_single, r->o_map, r->o_notes,
              r->r_final, r->r_part, r->chunk_budget);
    return L4A_OK;
}

/* Chunk so that every map prompt really fits (the counts are sums of line counts: check the
 * rendered prompts, and cut smaller when one is over). */
static l4a_status plan_chunks(l4a_sum_run *r, const l4a_transcript *t, l4a_chunks *ch) {
    int32_t budget = r->chunk_budget;
    for (int attempt = 0; attempt < 6; attempt++) {
        l4a_status st = l4a_chunk_transcript(t, budget, l4a_sum_count, r, ch);
        if (st != L4A_OK) return st;
        int32_t over = 0;
        for (int32_t c = 0; c < ch->n_chunks && st == L4A_OK; c++) {
            char *text = l4a_chunk_render(ch, c), *safe = text ? l4a_sum_sanitize(text) : NULL;
            char *user = NULL;
            char num[16];
            snprintf(num, sizeof num, "%d", ch->n_chunks);
            const char *keys[] = {"PART", "N_PARTS", "TRANSCRIPT"};
            const char *vals[] = {num, num, safe};
            st = safe ? l4a_sum_fill(r, L4A_PROMPT_MAP, keys, vals, 3, &user)
                      : l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory");
            int32_t n = st == L4A_OK ? l4a_gen_prompt_tokens(&r->g, r->system, user) : -1;
            if (st == L4A_OK && n < 0) st = L4A_ERR_INTERNAL;
            if (st == L4A_OK && n + r->r_part > r->avail && n + r->r_part - r->avail > over)
                over = n + r->r_part - r->avail;
            l4a_free(text);
            l4a_free(safe);
            l4a_free(user);
        }
        if (st != L4A_OK) { l4a_chunks_free(ch); return st; }
        if (!over) {
            r->st.chunk_budget = budget;
            return L4A_OK;
        }
        L4A_LOG_I("summarize: a chunk prompt is %d tokens over: chunks of %d tokens", over,
                  budget - over - budget / 20);
        l4a_chunks_free(ch);
        budget -= over + budget / 20;
        if (budget < 64) break;
    }
    return l4a_fail(L4A_ERR_INTERNAL, "summarize: cannot fit the chunks in the context");
}

/* One pass over the whole transcript. */
static l4a_status single_pass(l4a_sum_run *r, const char *text, int32_t n_tokens, char **out) {
    char *safe = l4a_sum_sanitize(text), *user = NULL;
    if (!safe) return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory");
    const char *keys[] = {"TRANSCRIPT"};
    const char *vals[] = {safe};
    l4a_status st = l4a_sum_fill(r, L4A_PROMPT_SINGLE, keys, vals, 1, &user);
    l4a_free(safe);
    if (st != L4A_OK) return st;
    int32_t n = l4a_gen_prompt_tokens(&r->g, r->system, user);
    int32_t room = r->avail - n;
    int32_t maxo = r->p.max_output_tokens < room ? r->p.max_output_tokens : room;
    if (n < 0 || maxo < r->r_final) {
        l4a_free(user);
        return l4a_fail(L4A_ERR_INTERNAL, "summarize: the single-pass prompt (%d tokens, "
                        "transcript %d) does not fit as planned", n, n_tokens);
    }
    l4a_sum_progress(r, "final", 0, 1);
    cJSON *doc = NULL;
    st = l4a_sum_generate(r, L4A_PROMPT_SINGLE, user, maxo, &doc);
    l4a_free(user);
    if (st == L4A_OK) st = l4a_explicit_decisions(text, doc);
    if (st == L4A_OK) st = l4a_explicit_next_meeting(text, doc);
    if (st == L4A_OK) st = l4a_deadlines_from_text(doc);
    if (st == L4A_OK && !(doc = l4a_minutes_normalize(doc, false, r->p.language)))
        st = l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory for the minutes");
    if (st == L4A_OK && !(*out = l4a_sum_print(doc))) st = L4A_ERR_NOMEM;
    cJSON_Delete(doc);
    if (st == L4A_OK) l4a_sum_progress(r, "final", 1, 1);
    return st;
}

/* The map step: notes for each chunk, then the reduce step. */
static l4a_status map_reduce(l4a_sum_run *r, const l4a_transcript *t, char **out) {
    l4a_chunks ch;
    l4a_status st = plan_chunks(r, t, &ch);
    if (st != L4A_OK) return st;
    r->st.n_chunks = ch.n_chunks;
    cJSON **notes = l4a_calloc((size_t)ch.n_chunks, sizeof *notes);
    if (!notes) { l4a_chunks_free(&ch); return l4a_fail(L4A_ERR_NOMEM, "summarize: notes"); }
    char num[16], tot[16];
    snprintf(tot, sizeof tot, "%d", ch.n_chunks);
    l4a_sum_progress(r, "map", 0, ch.n_chunks);
    for (int32_t c = 0; c < ch.n_chunks && st == L4A_OK; c++) {
        char *text = l4a_chunk_render(&ch, c), *safe = text ? l4a_sum_sanitize(text) : NULL;
        char *user = NULL;
        snprintf(num, sizeof num, "%d", c + 1);
        const char *keys[] = {"PART", "N_PARTS", "TRANSCRIPT"};
        const char *vals[] = {num, tot, safe};
        st = safe ? l4a_sum_fill(r, L4A_PROMPT_MAP, keys, vals, 3, &user)
                  : l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory");
        if (st == L4A_OK)
            st = l4a_sum_generate(r, L4A_PROMPT_MAP, user, r->r_part, &notes[c]);
        if (st == L4A_OK) st = l4a_explicit_decisions(text, notes[c]);
        if (st == L4A_OK) st = l4a_explicit_next_meeting(text, notes[c]);
        if (st == L4A_OK) st = l4a_deadlines_from_text(notes[c]);
        l4a_free(text);
        l4a_free(safe);
        l4a_free(user);
        if (st == L4A_OK) {
            char *js = cJSON_PrintUnformatted(notes[c]);
            L4A_LOG_D("summarize: notes %d/%d: %s", c + 1, ch.n_chunks, js ? js : "?");
            cJSON_free(js);
            l4a_sum_progress(r, "map", c + 1, ch.n_chunks);
        }
    }
    if (st == L4A_OK) st = l4a_sum_reduce(r, notes, ch.n_chunks, out);
    for (int32_t c = 0; c < ch.n_chunks; c++) cJSON_Delete(notes[c]);
    l4a_free(notes);
    l4a_chunks_free(&ch);
    return st;
}

static l4a_status run(l4a_sum_run *r, const l4a_transcript *t, char **json) {
    l4a_status st = l4a_prompts_load(&r->pr, r->p.prompts_dir);
    if (st != L4A_OK) return st;
    const char *K[] = {"LANGUAGE"};
    const char *V[] = {r->lang_name};
    st = l4a_prompt_fill(r->pr.text[L4A_PROMPT_SYSTEM], l4a_prompt_file(L4A_PROMPT_SYSTEM), K, V,
                         1, &r->system);
    if (st == L4A_OK) st = l4a_gen_init(&r->g, r->m, &r->p, &r->st);
    if (st == L4A_OK) st = budgets(r);
    if (st != L4A_OK) return st;
    l4a_sum_progress(r, "plan", 0, 1);
    /* the whole transcript as one chunk: its token count */
    l4a_chunks all;
    st = l4a_chunk_transcript(t, INT32_MAX / 2, l4a_sum_count, r, &all);
    if (st != L4A_OK) return st;
    int64_t total = all.total_tokens;
    l4a_chunks_free(&all);
    r->st.transcript_tokens = total > INT32_MAX ? INT32_MAX : (int32_t)total;
    l4a_sum_progress(r, "plan", 1, 1);
    bool forced = r->p.chunk_tokens > 0 && total > r->p.chunk_tokens;
    if (!forced && total + r->o_single + r->r_final <= r->avail) {
        r->st.n_chunks = 1;
        int64_t need = l4a_transcript_render(t, NULL, 0);
        char *text = l4a_malloc((size_t)(need < 0 ? -need : need) + 1);
        if (!text) return l4a_fail(L4A_ERR_NOMEM, "summarize: out of memory");
        l4a_transcript_render(t, text, (size_t)(need < 0 ? -need : need) + 1);
        st = single_pass(r, text, (int32_t)total, json);
        l4a_free(text);
        return st;
    }
    return map_reduce(r, t, json);
}

L4A_API l4a_status l4a_meeting_summarize_transcript(const l4a_model *m, const l4a_transcript *t,
                                                    const l4a_summary_params *p,
                                                    char **minutes_json, char **minutes_md) {
    if (minutes_json) *minutes_json = NULL;
    if (minutes_md) *minutes_md = NULL;
    if (!m || !t || !minutes_json)
        return l4a_fail(L4A_ERR_INVALID_ARG, "summarize: NULL model, transcript or output");
    double t0 = now_s();
    l4a_sum_run r;
    memset(&r, 0, sizeof r);
    r.m = m;
    r.p = p ? *p : l4a_summary_default_params();
    if (!r.p.language) r.p.language = "fr";
    if (!strcmp(r.p.language, "fr")) r.lang_name = "français";
    else if (!strcmp(r.p.language, "en")) r.lang_name = "anglais";
    else return l4a_fail(L4A_ERR_INVALID_ARG, "summarize: language '%s' (fr or en)", r.p.language);
    if (r.p.max_output_tokens < 64 || r.p.n_ctx < 0 || r.p.chunk_tokens < 0 || r.p.n_batch < 0)
        return l4a_fail(L4A_ERR_INVALID_ARG, "summarize: max_output_tokens %d (>= 64), n_ctx %d, "
                        "chunk_tokens %d, n_batch %d (>= 0)", r.p.max_output_tokens, r.p.n_ctx,
                        r.p.chunk_tokens, r.p.n_batch);
    char *json = NULL;
    l4a_status st = run(&r, t, &json);
    if (st == L4A_OK && minutes_md) {
        cJSON *doc = cJSON_Parse(json);
        st = doc ? l4a_minutes_markdown(doc, r.p.language, minutes_md)
                 : l4a_fail(L4A_ERR_INTERNAL, "summarize: minutes do not parse");
        cJSON_Delete(doc);
    }
    r.st.seconds = now_s() - t0;
    if (r.p.stats) *r.p.stats = r.st;
    l4a_gen_free(&r.g);
    l4a_prompts_free(&r.pr);
    l4a_free(r.system);
    l4a_free(r.tokbuf);
    if (st != L4A_OK) { l4a_free(json); return st; }
    *minutes_json = json;
    return L4A_OK;
}

L4A_API l4a_status l4a_meeting_summarize(const l4a_model *m, const char *transcript, size_t len,
                                         const l4a_summary_params *p, char **minutes_json,
                                         char **minutes_md) {
    if (minutes_json) *minutes_json = NULL;
    if (minutes_md) *minutes_md = NULL;
    if (!transcript) return l4a_fail(L4A_ERR_INVALID_ARG, "summarize: NULL transcript");
    l4a_transcript *t = NULL;
    l4a_transcript_format fmt = p ? p->format : L4A_TRANSCRIPT_AUTO;
    l4a_status st = l4a_transcript_parse_ex(transcript, len, fmt,
                                            L4A_TRANSCRIPT_MERGE_SPEAKERS, &t);
    if (st != L4A_OK) return st;
    st = l4a_meeting_summarize_transcript(m, t, p, minutes_json, minutes_md);
    l4a_transcript_free(t);
    return st;
}
