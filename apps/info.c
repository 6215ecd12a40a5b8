/*
 * info.c - `llm4all info -m MODEL [--json] [--meta]`: what a GGUF file holds: architecture,
 * name, hyper-parameters, tensor types (count and bytes per type), sizes, parameter count,
 * vocabulary specials, chat template family and (with --meta) every metadata key.
 */
#include "common.h"

#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

const app_verb app_verb_info = {
    .name = "info",
    .bit = VERB_INFO,
    .synopsis = "-m MODEL [--json] [--meta]",
    .summary = "describe a model file",
    .description =
        "Print a model's architecture, name, hyper-parameters, a histogram of tensor types\n"
        "(count and bytes per type), file size, parameter count and chat template family.\n"
        "--meta lists every metadata key; --json prints all of it as one JSON object.",
    .max_positional = 0,
};

typedef struct type_row {
    char name[16];
    int count;
    uint64_t bytes;
} type_row;

/* Count tensors and bytes per type, in order of first appearance. */
static int type_histogram(const l4a_model *m, type_row *rows, int max_rows) {
    int n = 0;
    for (int32_t i = 0; i < l4a_model_tensor_count(m); i++) {
        l4a_tensor_info ti;
        if (l4a_model_tensor_info(m, i, &ti) != L4A_OK) continue;
        int r = 0;
        while (r < n && strcmp(rows[r].name, ti.type_name)) r++;
        if (r == n) {
            if (n == max_rows) continue;
            snprintf(rows[n].name, sizeof rows[n].name, "%s", ti.type_name);
            rows[n].count = 0;
            rows[n].bytes = 0;
            n++;
        }
        rows[r].count++;
        rows[r].bytes += ti.n_bytes;
    }
    return n;
}

/* The family the library renders the chat template as: its rendering of a probe conversation
 * (tmpl NULL: the file's template, or the library's default for the architecture when the
 * file has none) compared with each named family's. "unrecognised" when the library cannot
 * render it, "other" when it renders but matches no family name. */
static const char *template_family(const l4a_model *m) {
    static const char *families[] = {"chatml", "llama3", "gemma", "mistral", "smollm"};
    /* with a system turn, so templates that insert a default system prompt still match */
    const l4a_chat_msg probe[3] = {
        {"system", "Sois bref."}, {"user", "Bonjour"}, {"assistant", "Salut"}};
    char own[2048], other[2048];
    int32_t n = l4a_chat_apply(m, NULL, probe, 3, true, own, sizeof own);
    if (n < 0 || n >= (int32_t)sizeof own) return "unrecognised";
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++) {
        int32_t k = l4a_chat_apply(m, families[i], probe, 3, true, other, sizeof other);
        if (k == n && !memcmp(own, other, (size_t)n)) return families[i];
    }
    return "other";
}

static bool has_template(const l4a_model *m) {
    char dummy[8];
    return l4a_model_meta_get(m, "tokenizer.chat_template", dummy, sizeof dummy) != INT32_MIN;
}

typedef int32_t (*meta_fn)(const l4a_model *, int32_t, char *, size_t);

/* A metadata string (key or value of entry i) as a malloc'ed copy. */
static char *meta_string(const l4a_model *m, int32_t i, meta_fn fn) {
    size_t size = 256;
    for (int attempt = 0; attempt < 2; attempt++) {
        char *buf = malloc(size);
        if (!buf) return NULL;
        int32_t n = fn(m, i, buf, size);
        if (n >= 0 && (size_t)n < size) {
            buf[n] = 0;
            return buf;
        }
        free(buf);
        size = (size_t)(n < 0 ? -(int64_t)n : n) + 1;
    }
    return NULL;
}

static int meta_entry(const l4a_model *m, int32_t i, char **key, char **value) {
    *key = meta_string(m, i, l4a_model_meta_key);
    *value = meta_string(m, i, l4a_model_meta_value);
    return *key && *value ? 0 : -1;
}

static void print_text(const l4a_model *m, const char *path, const type_row *rows, int n_rows,
                       bool meta) {
    printf("file:            %s\n", path);
    printf("file size:       %llu bytes (%.1f MiB)\n", (unsigned long long)l4a_model_file_size(m),
           (double)l4a_model_file_size(m) / (1 << 20));
    printf("architecture:    %s\n", l4a_model_arch(m));
    printf("name:            %s\n", l4a_model_name(m));
    printf("parameters:      %llu (%.2f M)\n", (unsigned long long)l4a_model_n_params(m),
           (double)l4a_model_n_params(m) / 1e6);
    printf("tensor data:     %llu bytes (%.2f bits per parameter)\n",
           (unsigned long long)l4a_model_size_bytes(m),
           l4a_model_n_params(m) ? 8.0 * (double)l4a_model_size_bytes(m) /
                                       (double)l4a_model_n_params(m) : 0.0);
    printf("read per token:  %llu bytes (the weights a generated token reads)\n",
           (unsigned long long)l4a_model_decode_bytes(m));
    printf("n_vocab:         %d\n", l4a_model_n_vocab(m));
    printf("n_ctx_train:     %d\n", l4a_model_n_ctx_train(m));
    printf("n_embd:          %d\n", l4a_model_n_embd(m));
    printf("n_layer:         %d\n", l4a_model_n_layer(m));
    printf("n_head:          %d\n", l4a_model_n_head(m));
    printf("n_head_kv:       %d\n", l4a_model_n_head_kv(m));
    printf("tokens:          bos %d, eos %d, eot %d, add_bos %s\n", l4a_token_bos(m),
           l4a_token_eos(m), l4a_token_eot(m), l4a_add_bos(m) ? "yes" : "no");
    printf("chat template:   %s%s\n", template_family(m),
           has_template(m) ? "" : " (none in the file: the library's default)");
    printf("tensors:         %d\n", l4a_model_tensor_count(m));
    for (int r = 0; r < n_rows; r++)
        printf("  %-8s %5d tensors %12llu bytes\n", rows[r].name, rows[r].count,
               (unsigned long long)rows[r].bytes);
    printf("metadata:        %d keys%s\n", l4a_model_meta_count(m), meta ? "" : " (--meta lists them)");
    for (int32_t i = 0; meta && i < l4a_model_meta_count(m); i++) {
        char *k = NULL, *v = NULL;
        if (meta_entry(m, i, &k, &v) == 0) printf("  %s = %s\n", k, v);
        free(k);
        free(v);
    }
}

static int print_json(const l4a_model *m, const char *path, const type_row *rows, int n_rows,
                      bool meta) {
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "file", path);
    cJSON_AddNumberToObject(o, "file_size", (double)l4a_model_file_size(m));
    cJSON_AddStringToObject(o, "architecture", l4a_model_arch(m));
    cJSON_AddStringToObject(o, "name", l4a_model_name(m));
    cJSON_AddNumberToObject(o, "n_params", (double)l4a_model_n_params(m));
    cJSON_AddNumberToObject(o, "tensor_bytes", (double)l4a_model_size_bytes(m));
    cJSON_AddNumberToObject(o, "decode_bytes", (double)l4a_model_decode_bytes(m));
    cJSON_AddNumberToObject(o, "n_vocab", l4a_model_n_vocab(m));
    cJSON_AddNumberToObject(o, "n_ctx_train", l4a_model_n_ctx_train(m));
    cJSON_AddNumberToObject(o, "n_embd", l4a_model_n_embd(m));
    cJSON_AddNumberToObject(o, "n_layer", l4a_model_n_layer(m));
    cJSON_AddNumberToObject(o, "n_head", l4a_model_n_head(m));
    cJSON_AddNumberToObject(o, "n_head_kv", l4a_model_n_head_kv(m));
    cJSON_AddNumberToObject(o, "bos", l4a_token_bos(m));
    cJSON_AddNumberToObject(o, "eos", l4a_token_eos(m));
    cJSON_AddNumberToObject(o, "eot", l4a_token_eot(m));
    cJSON_AddBoolToObject(o, "add_bos", l4a_add_bos(m));
    cJSON_AddStringToObject(o, "chat_template", template_family(m));
    cJSON_AddBoolToObject(o, "chat_template_in_file", has_template(m));
    cJSON_AddNumberToObject(o, "n_tensors", l4a_model_tensor_count(m));
    cJSON *types = cJSON_AddArrayToObject(o, "tensor_types");
    for (int r = 0; r < n_rows; r++) {
        cJSON *t = cJSON_CreateObject();
        cJSON_AddStringToObject(t, "type", rows[r].name);
        cJSON_AddNumberToObject(t, "count", rows[r].count);
        cJSON_AddNumberToObject(t, "bytes", (double)rows[r].bytes);
        cJSON_AddItemToArray(types, t);
    }
    cJSON_AddNumberToObject(o, "n_metadata", l4a_model_meta_count(m));
    if (meta) {
        cJSON *md = cJSON_AddObjectToObject(o, "metadata");
        for (int32_t i = 0; i < l4a_model_meta_count(m); i++) {
            char *k = NULL, *v = NULL;
            if (meta_entry(m, i, &k, &v) == 0) cJSON_AddStringToObject(md, k, v);
            free(k);
            free(v);
        }
    }
    char *s = cJSON_Print(o);
    cJSON_Delete(o);
    if (!s) return app_error("out of memory");
    printf("%s\n", s);
    free(s);
    return 0;
}

int app_cmd_info(int argc, char **argv) {
    app_opts o;
    app_parse(argc, argv, &app_verb_info, &o);
    if (!o.model) app_usage_error(&app_verb_info, "give a model with -m PATH or -m NAME");
    l4a_model *m = NULL;
    char path[4096];
    int rc = app_load_model(&o, &app_verb_info, false, &m, path, sizeof path);
    if (rc) return rc;
    type_row rows[64];
    int n_rows = type_histogram(m, rows, 64);
    if (o.json) rc = print_json(m, path, rows, n_rows, o.meta);
    else print_text(m, path, rows, n_rows, o.meta);
    l4a_model_free(m);
    return rc;
}
