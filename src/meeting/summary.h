/*
 * summary.h - the summariser's internal parts, one file each: chunking a transcript under a
 * token budget (chunk.c), one constrained generation with prompt-prefix reuse (generate.c),
 * closing and normalising generated minutes (minutes_fix.c), checking them (minutes_check.c),
 * the map and reduce steps (summarize.c, reduce.c), Markdown (markdown.c).
 *
 * The public entry points are in include/llm4all.h; docs/summarize.md explains the strategy
 * and the budget arithmetic.
 */
#ifndef L4A_MEETING_SUMMARY_H
#define L4A_MEETING_SUMMARY_H

#include <cjson/cJSON.h>

#include "core/core.h"
#include "meeting/prompts.h"

/* ---- chunking (chunk.c) */

/* Token count of a piece of text; negative on error (message set). */
typedef int32_t (*l4a_count_fn)(const char *text, size_t len, void *user);

/* One line of a chunk: a whole turn, or a part of a turn cut at sentence ends (or, for a
 * sentence longer than a chunk, at spaces, and for a word longer than a chunk, at UTF-8
 * characters). Rendered "speaker: text\n" ("text\n" when the speaker is unknown). */
typedef struct l4a_chunk_piece {
    int32_t turn;           /* index of its turn */
    const char *speaker;    /* the transcript's, "" when unknown */
    const char *text;       /* into the transcript's turn text */
    size_t len;
    int32_t tokens;         /* count of the rendered line */
} l4a_chunk_piece;

typedef struct l4a_chunks {
    l4a_chunk_piece *pieces;
    int32_t n_pieces;
    int32_t *first;         /* chunk c is pieces[first[c] .. first[c+1]) */
    int32_t n_chunks;
    int64_t total_tokens;   /* sum of the pieces' counts */
} l4a_chunks;

/* Cut t into chunks of at most budget tokens (sum of the rendered lines' counts), in order,
 * at turn boundaries; a turn longer than budget is cut into pieces that each fit. Every byte
 * of every turn's text is in exactly one piece (pieces of one turn joined with one space give
 * the turn's text back, since cuts are at single spaces). Errors: L4A_ERR_INVALID_ARG for a
 * budget below 8 tokens or a speaker label that alone does not fit, the counter's error,
 * L4A_ERR_NOMEM. */
l4a_status l4a_chunk_transcript(const l4a_transcript *t, int32_t budget, l4a_count_fn count,
                                void *user, l4a_chunks *out);
void l4a_chunks_free(l4a_chunks *c);
/* The text of chunk c (its lines), l4a_malloc'ed. */
char *l4a_chunk_render(const l4a_chunks *c, int32_t chunk);

/* ---- generation (generate.c) */

typedef struct l4a_gen {
    const l4a_model *m;
    l4a_ctx *ctx;
    l4a_sampler *smp;
    l4a_token *prev;        /* tokens of the last prompt (its KV entries are reused) */
    int32_t n_prev;
    l4a_summary_stats *stats;
    l4a_summary_cancel_fn cancel;   /* from the params (NULL: never) */
    void *cancel_user;
    int32_t n_batch;        /* prompt tokens per l4a_decode call (cancellation points:
                               at most 128 when a cancel callback is set) */
} l4a_gen;

l4a_status l4a_gen_init(l4a_gen *g, const l4a_model *m, const l4a_summary_params *p,
                        l4a_summary_stats *stats);
void l4a_gen_free(l4a_gen *g);
/* Tokens of the chat prompt (system + user, assistant turn opened); negative on error. */
int32_t l4a_gen_prompt_tokens(l4a_gen *g, const char *system, const char *user);
/* Generate one JSON document valid against schema for the chat (system, user), at most
 * max_tokens tokens. A document cut at max_tokens is closed and normalised (minutes_fix.c),
 * *truncated set. *out: compact JSON, l4a_malloc'ed. L4A_ERR_CONTEXT_FULL when the prompt
 * plus max_tokens exceed the context. */
l4a_status l4a_gen_json(l4a_gen *g, const char *system, const char *user, const char *schema,
                        int32_t max_tokens, char **out, bool *truncated);

/* ---- minutes JSON (minutes_fix.c, minutes_check.c) */

/* Parse a generated document, closing it first when it was cut (a prefix of a valid
 * document: the open string is closed or the unfinished member dropped, containers closed),
 * then normalise it into the schema's structure (partial or full): wrong or missing fields
 * become their empty value, strings trimmed and cut at the schema's maxLength, arrays at
 * maxItems, a missing title or summary gets a placeholder. NULL when nothing parses. */
cJSON *l4a_minutes_repair(const char *text, size_t len, bool partial, const char *language);
/* The same normalisation of a parsed object (taken over: freed or returned). */
cJSON *l4a_minutes_normalize(cJSON *in, bool partial, const char *language);
/* Check a parsed document (see l4a_minutes_validate). */
l4a_status l4a_minutes_check(const cJSON *doc, bool partial);

/* ---- one summarisation (summarize.c: budgets, map step; reduce.c: reduce step) */

typedef struct l4a_sum_run {
    const l4a_model *m;
    l4a_summary_params p;
    l4a_prompts pr;
    l4a_gen g;
    l4a_summary_stats st;
    const char *lang_name;  /* the language as the prompts name it ("français") */
    char *system;           /* the filled system prompt */
    l4a_token *tokbuf;      /* scratch of the token counter */
    size_t tokcap;
    /* budgets in tokens (docs/summarize.md) */
    int32_t avail;          /* n_ctx minus the safety margin */
    int32_t o_single, o_map, o_notes;   /* prompt overheads (chat template included) */
    int32_t r_final, r_part;            /* output reserves: final minutes, partial notes */
    int32_t chunk_budget;
} l4a_sum_run;

/* Token counter over the run's model (no special-token parsing): an l4a_count_fn. */
int32_t l4a_sum_count(const char *text, size_t len, void *run);
/* A copy of text where chat-template markers ("<|", "<start_of_turn>" ...) are broken by a
 * space, so a transcript cannot open a turn of its own. l4a_malloc'ed, NULL when out of
 * memory. */
char *l4a_sum_sanitize(const char *text);
void l4a_sum_progress(l4a_sum_run *r, const char *stage, int32_t done, int32_t total);
/* Fill a prompt template of kind k with LANGUAGE and the given extra pairs. */
l4a_status l4a_sum_fill(l4a_sum_run *r, l4a_prompt_kind k, const char *const *keys,
                        const char *const *vals, size_t n, char **out);
/* Generate one document for the prompt kind k with the user text filled, under the kind's
 * schema (single: the minutes; map: partial notes; merge: prose notes; reduce: prose
 * minutes), normalised into the minutes' structure (partial for map and merge, lists empty
 * where the schema has none) and returned parsed (*out, cJSON_Delete). */
l4a_status l4a_sum_generate(l4a_sum_run *r, l4a_prompt_kind k, const char *user,
                            int32_t max_tokens, cJSON **out);
/* doc printed as compact JSON, l4a_malloc'ed; NULL when out of memory (message set). */
char *l4a_sum_print(const cJSON *doc);
/* The reduce step: partial notes (normalised, in meeting order) into the final minutes
 * (compact JSON, l4a_malloc'ed). The lists are merged by code (lists.c); the prose (summary,
 * topics) of groups of notes that fit the context is merged by the model, level after level,
 * until all fit one final prompt, which writes the title, summary and topics. */
l4a_status l4a_sum_reduce(l4a_sum_run *r, cJSON *const *notes, int32_t n, char **out);

/* ---- lists merged by code (lists.c) */

/* Whether text a says what b says: the ROUGE-1 F1 of the two is at least min_f1, or at least
 * min_recall of b's words are in a (above 1: F1 alone decides). */
l4a_status l4a_text_near(const char *a, const char *b, double min_f1, double min_recall,
                         bool *yes);
/* An empty accumulator {participants, decisions, action_items, open_questions, next_meeting
 * null}; NULL when out of memory (message set). */
cJSON *l4a_lists_new(void);
/* Add the lists of a normalised note to acc, in order, dropping near-duplicates (the longer
 * text of two stays; an action without deadline takes its duplicate's); the note's
 * next_meeting, when a string, replaces acc's. */
l4a_status l4a_lists_add(cJSON *acc, const cJSON *note);
/* Copy acc's lists and next_meeting into doc (replacing doc's). */
l4a_status l4a_lists_put(const cJSON *acc, cJSON *doc);

/* ---- explicit decisions (explicit.c) */
/* Add to doc's "decisions" (first, in meeting order) every sentence of the rendered transcript
 * text that states a decision in so many words ("Décision : …", "Nous décidons …") and has no
 * near-duplicate there. The schema's bounds are the caller's (l4a_minutes_normalize). */
l4a_status l4a_explicit_decisions(const char *text, cJSON *doc);
/* Set doc's "next_meeting" to the last sentence of the rendered transcript text that
 * announces the next meeting ("La prochaine réunion aura lieu le 22 mai.") with a date or day
 * in it, in place of the model's wording; leave doc as it is when there is none. */
l4a_status l4a_explicit_next_meeting(const char *text, cJSON *doc);

/* ---- deadlines from the action's text (deadline.c) */
/* For each action item of doc whose deadline is not a string, the first date in its action
 * text with the words that bind it ("avant le 15 avril", "d'ici vendredi"), when there is one. */
l4a_status l4a_deadlines_from_text(cJSON *doc);
/* Whether text names a French month or weekday as a whole word (case-insensitive for ASCII). */
bool l4a_names_day(const char *text);
/* The length of the word of list (n entries) that starts at s inside text, as a whole word
 * (case-insensitive for ASCII; a byte >= 0x80 counts as a letter), or 0. */
size_t l4a_word_at(const char *text, const char *s, const char *const *list, size_t n);

/* ---- Markdown (markdown.c) */
l4a_status l4a_minutes_markdown(const cJSON *doc, const char *language, char **out);

#endif
