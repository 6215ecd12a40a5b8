/* harness.c - see harness.h. */
#include "harness.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int l4a_test_passed, l4a_test_failed;

bool l4a_test_check(bool ok, const char *file, int line, const char *expr) {
    if (ok) {
        l4a_test_passed++;
        return true;
    }
    l4a_test_failed++;
    fprintf(stderr, "FAIL %s:%d: %s\n", file, line, expr);
    return false;
}

int l4a_test_summary(const char *name) {
    printf("%s: %d passed, %d failed\n", name, l4a_test_passed, l4a_test_failed);
    return l4a_test_failed ? 1 : 0;
}

const char *l4a_test_model(const char *name) {
    static char path[4096];
    const char *home = getenv("LLM4ALL_HOME");
    if (home && *home) snprintf(path, sizeof path, "%s/models/%s.gguf", home, name);
    else snprintf(path, sizeof path, "%s/.cache/llm4all/models/%s.gguf",
                  getenv("HOME") ? getenv("HOME") : ".", name);
    if (access(path, R_OK) != 0) {
        CHECK_MSG(false, "model '%s' is not in the cache (%s): run `build/llm4all pull %s`",
                  name, path, name);
        return NULL;
    }
    return path;
}

const char *l4a_test_path(const char *rel) {
    static char path[4096];
    snprintf(path, sizeof path, "tests/%s", rel);
    return path;
}

char *l4a_test_read_file(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    if (n < 0) { fclose(f); return NULL; }
    char *buf = malloc((size_t)n + 1);
    if (!buf) { fclose(f); return NULL; }
    size_t got = fread(buf, 1, (size_t)n, f);
    fclose(f);
    buf[got] = 0;
    if (len) *len = got;
    return buf;
}
