/*
 * prompts.h - the summariser's data: French prompt templates and JSON Schemas, embedded at
 * build time from data/prompts/ and data/schemas/ (tools/embed.c writes $(BUILD)/gen/
 * embedded.c), each prompt overridable by a file of the same name in a folder; and the
 * {{NAME}} placeholder filler.
 *
 * Not here: which prompt is used when (summarize.c), the token budgets (docs/summarize.md).
 */
#ifndef L4A_MEETING_PROMPTS_H
#define L4A_MEETING_PROMPTS_H

#include <stddef.h>

#include "core/core.h"

typedef struct l4a_embedded_file {
    const char *name;       /* base name: "minutes_map.txt" */
    const char *data;       /* NUL-terminated */
    size_t len;             /* bytes without the NUL */
} l4a_embedded_file;

/* Defined in the generated $(BUILD)/gen/embedded.c. */
extern const l4a_embedded_file l4a_embedded_files[];
extern const size_t l4a_embedded_n_files;

/* An embedded file by base name, NULL if absent. */
const l4a_embedded_file *l4a_embedded_find(const char *name);

/* The prompt set. Placeholders each template may use (any other {{NAME}} is an error):
 *   system: LANGUAGE          single: LANGUAGE TRANSCRIPT (TRANSCRIPT required)
 *   map:    LANGUAGE PART N_PARTS TRANSCRIPT (TRANSCRIPT required)
 *   merge, reduce: LANGUAGE NOTES (NOTES required) */
typedef enum {
    L4A_PROMPT_SYSTEM = 0,
    L4A_PROMPT_SINGLE,
    L4A_PROMPT_MAP,
    L4A_PROMPT_MERGE,
    L4A_PROMPT_REDUCE,
    L4A_PROMPT_COUNT
} l4a_prompt_kind;

typedef struct l4a_prompts {
    char *text[L4A_PROMPT_COUNT];   /* owned templates */
    const char *schema_full;        /* embedded minutes schema */
    const char *schema_partial;     /* embedded partial-notes schema (map) */
    const char *schema_notes_prose;     /* summary and topics of notes (merge) */
    const char *schema_minutes_prose;   /* title, summary and topics (final reduce) */
} l4a_prompts;

/* The file name of a prompt kind ("minutes_map.txt"). */
const char *l4a_prompt_file(l4a_prompt_kind k);
/* Load the templates: from dir when a file of that name is there (dir may be NULL), else
 * embedded. Each template is checked: valid UTF-8 without NUL, at most 64 KiB, only its own
 * placeholders, the required one present. Errors name the file. */
l4a_status l4a_prompts_load(l4a_prompts *p, const char *dir);
void l4a_prompts_free(l4a_prompts *p);

/* Replace each {{KEY}} of tmpl by its value (keys[i] -> vals[i]); an unknown placeholder is
 * L4A_ERR_FORMAT naming it (what names the template in the message). *out: l4a_malloc'ed. */
l4a_status l4a_prompt_fill(const char *tmpl, const char *what, const char *const *keys,
                           const char *const *vals, size_t n, char **out);

#endif
