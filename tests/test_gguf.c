/* test_gguf.c - the GGUF reader against hostile and valid input:
 *  - every file of tests/data/bad_gguf/ is rejected with the status and message substring of
 *    its row in tests/data/bad_gguf/README.md (written by scripts/make_bad_gguf.py);
 *  - tests/data/tiny_valid.gguf parses with exact values (getters, rendering, tensors);
 *  - every prefix of the valid file fails cleanly; thousands of random byte flips never crash;
 *  - allocation failures at each step give NOMEM (or OK), never a crash or a leak (ASan);
 *  - the three real models parse, with the counts and architectures gguf-py reports. */
#include "harness.h"
#include "formats/gguf.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#define BAD_DIR "data/bad_gguf"

/* Where a function must write NULL on failure, it is first given these. */
static l4a_gguf not_null_g;
static const l4a_gguf_kv not_null_kv;

static const char *status_name(l4a_status s) {
    switch (s) {
    case L4A_OK: return "OK";
    case L4A_ERR_FORMAT: return "FORMAT";
    case L4A_ERR_UNSUPPORTED: return "UNSUPPORTED";
    case L4A_ERR_IO: return "IO";
    case L4A_ERR_NOMEM: return "NOMEM";
    default: return "other";
    }
}

/* ---------------------------------------------------------------- hostile files */

typedef struct row { char file[128], by[64], status[32], sub[256]; } row;

/* Trim spaces and one pair of backticks, copy into out. */
static void field(const char *b, const char *e, char *out, size_t size) {
    while (b < e && *b == ' ') b++;
    while (e > b && (e[-1] == ' ' || e[-1] == '\n')) e--;
    if (e - b >= 2 && *b == '`' && e[-1] == '`') { b++; e--; }
    size_t n = (size_t)(e - b) < size - 1 ? (size_t)(e - b) : size - 1;
    memcpy(out, b, n);
    out[n] = 0;
}

/* The rows "| file | caught by | status | what is wrong | `substring` |" of the README. */
static int read_table(row *rows, int max) {
    char *text = l4a_test_read_file(l4a_test_path(BAD_DIR "/README.md"), NULL);
    CHECK_MSG(text != NULL, "cannot read tests/" BAD_DIR "/README.md");
    if (!text) return 0;
    int n = 0;
    for (char *line = strtok(text, "\n"); line && n < max; line = strtok(NULL, "\n")) {
        if (strncmp(line, "| ", 2) != 0 || !strstr(line, ".gguf |")) continue;
        const char *bar[7];
        int nb = 0;
        for (const char *p = line; *p && nb < 7; p++)
            if (*p == '|') bar[nb++] = p;
        CHECK_MSG(nb == 6, "README row with %d columns: %s", nb - 1, line);
        if (nb != 6) continue;
        row *r = &rows[n++];
        field(bar[0] + 1, bar[1], r->file, sizeof r->file);
        field(bar[1] + 1, bar[2], r->by, sizeof r->by);
        field(bar[2] + 1, bar[3], r->status, sizeof r->status);
        field(bar[4] + 1, bar[5], r->sub, sizeof r->sub);
    }
    free(text);
    return n;
}

static void test_bad_files(void) {
    static row rows[128];
    int n = read_table(rows, 128);
    CHECK_MSG(n >= 25, "only %d hostile files in the README", n);

    // Every .gguf file in the folder has a row (and so is tested).
    int n_files = 0;
    DIR *d = opendir(l4a_test_path(BAD_DIR));
    CHECK(d != NULL);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 5 || strcmp(e->d_name + len - 5, ".gguf") != 0) continue;
        n_files++;
        bool listed = false;
        for (int i = 0; i < n; i++) listed |= strcmp(rows[i].file, e->d_name) == 0;
        CHECK_MSG(listed, "%s has no row in the README", e->d_name);
    }
    if (d) closedir(d);
    CHECK_EQ_INT(n_files, n);

    for (int i = 0; i < n; i++) {
        const row *r = &rows[i];
        char path[512];
        if (snprintf(path, sizeof path, "tests/" BAD_DIR "/%s", r->file) >= (int)sizeof path) continue;
        for (int mm = 0; mm < 2; mm++) {
            l4a_gguf *g = &not_null_g;
            l4a_status st = l4a_gguf_open(path, mm == 1, &g);
            if (strcmp(r->by, "gguf") != 0) {
                // Valid GGUF, for a later stage (the model loader) to reject.
                CHECK_MSG(st == L4A_OK, "%s: %s", r->file, l4a_last_error());
                l4a_gguf_free(st == L4A_OK ? g : NULL);
                continue;
            }
            const char *err = l4a_last_error();
            CHECK_MSG(strcmp(status_name(st), r->status) == 0, "%s: status %s, expected %s (%s)", r->file,
                      status_name(st), r->status, err);
            CHECK_MSG(st == L4A_OK || g == NULL, "%s: *out not NULL on failure", r->file);
            CHECK_MSG(strstr(err, r->sub) != NULL, "%s: message '%s' lacks '%s'", r->file, err, r->sub);
            CHECK_MSG(strncmp(err, path, strlen(path)) == 0, "%s: message '%s' does not name the file",
                      r->file, err);
            if (st == L4A_OK) l4a_gguf_free(g);
        }
    }

    // The one file caught later is still checked here for what makes it bad.
    l4a_gguf *g = NULL;
    char path[512];
    snprintf(path, sizeof path, "tests/" BAD_DIR "/vocab_mismatch.gguf");
    if (CHECK(l4a_gguf_open(path, true, &g) == L4A_OK)) {
        const l4a_gguf_kv *toks = NULL;
        CHECK(l4a_gguf_get_arr(g, "tokenizer.ggml.tokens", L4A_GGUF_STRING, true, &toks) == L4A_OK);
        CHECK(toks && toks->n == 10);
        const l4a_tensor *t = l4a_gguf_tensor(g, "token_embd.weight");
        CHECK(t && t->ne[0] == 8 && t->ne[1] == 12);
        l4a_gguf_free(g);
    }

    g = &not_null_g;
    CHECK(l4a_gguf_open("tests/data/no_such_file.gguf", true, &g) == L4A_ERR_IO);
    CHECK(strstr(l4a_last_error(), "no_such_file.gguf") != NULL);
}

/* ---------------------------------------------------------------- the valid file */

static bool str_is(l4a_str s, const char *want) {
    return s.len == strlen(want) && memcmp(s.ptr, want, s.len) == 0;
}

static const char *render(const l4a_gguf *g, const char *key) {
    static char buf[512];
    int64_t i = l4a_gguf_find(g, key);
    CHECK_MSG(i >= 0, "key '%s' missing", key);
    if (i < 0) return "";
    size_t n = l4a_gguf_value_str(&g->kv[i], buf, sizeof buf);
    CHECK_EQ_INT(n, strlen(buf));
    return buf;
}

/* Values as scripts/make_bad_gguf.py wrote them (tiny_valid); offsets as gguf-py reads them. */
static void check_valid(const l4a_gguf *g) {
    CHECK_EQ_INT(g->version, 3);
    CHECK_EQ_INT(g->n_kv, 20);
    CHECK_EQ_INT(g->n_tensors, 2);
    CHECK_EQ_INT(g->alignment, 64);
    CHECK_EQ_INT(g->data_offset, 1088);    /* gguf 0.19 GGUFReader: tensor 'a' at 1088 */
    CHECK(str_is(g->kv[0].key, "general.architecture"));
    CHECK_EQ_INT(l4a_gguf_find(g, "test.u8"), 3);
    CHECK_EQ_INT(l4a_gguf_find(g, "test.u"), -1);
    CHECK_EQ_INT(l4a_gguf_find(g, "nope"), -1);

    uint32_t u = 7;
    int32_t i = 7;
    float f = 0;
    bool b = false;
    l4a_str s = {0};
    CHECK(l4a_gguf_get_u32(g, "test.u8", true, &u) == L4A_OK && u == 200);
    CHECK(l4a_gguf_get_u32(g, "test.u16", true, &u) == L4A_OK && u == 60000);
    CHECK(l4a_gguf_get_u32(g, "test.u32", true, &u) == L4A_OK && u == 4000000000u);
    CHECK(l4a_gguf_get_i32(g, "test.i8", true, &i) == L4A_OK && i == -100);
    CHECK(l4a_gguf_get_i32(g, "test.i16", true, &i) == L4A_OK && i == -30000);
    CHECK(l4a_gguf_get_i32(g, "test.i32", true, &i) == L4A_OK && i == -2000000000);
    CHECK(l4a_gguf_get_i32(g, "test.u16", true, &i) == L4A_OK && i == 60000);
    u = 7;
    CHECK(l4a_gguf_get_u32(g, "test.i8", true, &u) == L4A_ERR_FORMAT && u == 7);
    CHECK(strstr(l4a_last_error(), "key 'test.i8' value -100 does not fit in U32") != NULL);
    CHECK(l4a_gguf_get_i32(g, "test.u32", true, &i) == L4A_ERR_FORMAT);
    CHECK(strstr(l4a_last_error(), "4000000000 does not fit in I32") != NULL);
    CHECK(l4a_gguf_get_u32(g, "test.u64", true, &u) == L4A_ERR_FORMAT);
    CHECK(l4a_gguf_get_f32(g, "test.f32", true, &f) == L4A_OK && f == 0.5f);
    CHECK(l4a_gguf_get_f32(g, "test.f64", true, &f) == L4A_OK && f == 0.25f);
    CHECK(l4a_gguf_get_f32(g, "test.u8", true, &f) == L4A_ERR_FORMAT);
    CHECK(strstr(l4a_last_error(), "key 'test.u8' has type U8, expected F32") != NULL);
    CHECK(l4a_gguf_get_bool(g, "test.bool", true, &b) == L4A_OK && b);
    CHECK(l4a_gguf_get_str(g, "general.name", true, &s) == L4A_OK && str_is(s, "tiny valid"));
    CHECK(l4a_gguf_get_str(g, "test.str_arr", true, &s) == L4A_ERR_FORMAT);
    CHECK(strstr(l4a_last_error(), "has type ARRAY of STRING, expected STRING") != NULL);
    u = 7;
    CHECK(l4a_gguf_get_u32(g, "nope", false, &u) == L4A_OK && u == 7);
    CHECK(l4a_gguf_get_u32(g, "nope", true, &u) == L4A_ERR_FORMAT && u == 7);
    CHECK(strstr(l4a_last_error(), "required key 'nope' is missing") != NULL);

    const l4a_gguf_kv *kv = &not_null_kv;
    CHECK(l4a_gguf_get_arr(g, "nope", L4A_GGUF_STRING, false, &kv) == L4A_OK && kv == NULL);
    CHECK(l4a_gguf_get_arr(g, "test.str_arr", L4A_GGUF_I32, true, &kv) == L4A_ERR_FORMAT && !kv);
    CHECK(strstr(l4a_last_error(), "has type ARRAY of STRING, expected ARRAY of I32") != NULL);
    if (CHECK(l4a_gguf_get_arr(g, "test.str_arr", L4A_GGUF_STRING, true, &kv) == L4A_OK && kv)) {
        CHECK_EQ_INT(kv->n, 4);
        CHECK(str_is(kv->strs[0], "a") && str_is(kv->strs[1], "bc") && str_is(kv->strs[2], ""));
        CHECK(str_is(kv->strs[3], "d\xc3\xa9j\xc3\xa0"));
    }
    if (CHECK(l4a_gguf_get_arr(g, "test.i32_arr", L4A_GGUF_I32, true, &kv) == L4A_OK && kv)) {
        CHECK_EQ_INT(kv->n, 3);
        CHECK(l4a_gguf_arr_int(kv, 0) == 1 && l4a_gguf_arr_int(kv, 1) == -2 && l4a_gguf_arr_int(kv, 2) == 3);
        CHECK(l4a_gguf_arr_float(kv, 1) == -2.0);
    }
    if (CHECK(l4a_gguf_get_arr(g, "test.f32_arr", L4A_GGUF_F32, true, &kv) == L4A_OK && kv))
        CHECK(l4a_gguf_arr_float(kv, 0) == 0.5 && l4a_gguf_arr_float(kv, 1) == -1.25);

    CHECK(strcmp(render(g, "general.name"), "tiny valid") == 0);
    CHECK(strcmp(render(g, "test.u8"), "200") == 0);
    CHECK(strcmp(render(g, "test.i8"), "-100") == 0);
    CHECK(strcmp(render(g, "test.u64"), "1099511627779") == 0);
    CHECK(strcmp(render(g, "test.i64"), "-1099511627776") == 0);
    CHECK(strcmp(render(g, "test.f32"), "0.5") == 0);
    CHECK(strcmp(render(g, "test.f64"), "0.25") == 0);
    CHECK(strcmp(render(g, "test.bool"), "true") == 0);
    CHECK(strcmp(render(g, "test.str_arr"), "[\"a\", \"bc\", \"\", \"d\xc3\xa9j\xc3\xa0\"]") == 0);
    CHECK(strcmp(render(g, "test.i32_arr"), "[1, -2, 3]") == 0);
    CHECK(strcmp(render(g, "test.f32_arr"), "[0.5, -1.25]") == 0);
    CHECK(strcmp(render(g, "test.long_arr"), "[20 x U8]") == 0);
    CHECK(strcmp(render(g, "test.multiline"), "line1\\nline2\\ttab") == 0);
    const char *ls = render(g, "test.long_str");
    CHECK(strlen(ls) == 203 && strspn(ls, "x") == 200 && strcmp(ls + 200, "...") == 0);
    char small[5];
    int64_t ki = l4a_gguf_find(g, "general.name");
    CHECK_EQ_INT(l4a_gguf_value_str(&g->kv[ki], small, sizeof small), 10);
    CHECK(strcmp(small, "tiny") == 0);
    CHECK_EQ_INT(l4a_gguf_value_str(&g->kv[ki], NULL, 0), 10);

    // Tensors: 'a' F32 (4,2) = 0..7 at data offset 0; 'b' F32 (3) at 64 (the next multiple of
    // the alignment).
    const l4a_tensor *a = l4a_gguf_tensor(g, "a"), *t = l4a_gguf_tensor(g, "b");
    CHECK(l4a_gguf_tensor(g, "c") == NULL);
    if (!CHECK(a == &g->tensors[0] && t == &g->tensors[1])) return;
    CHECK(strcmp(a->name, "a") == 0 && a->type == L4A_TYPE_F32 && a->n_dims == 2);
    CHECK(a->ne[0] == 4 && a->ne[1] == 2 && a->ne[2] == 1 && a->ne[3] == 1);
    CHECK(a->nb[0] == 4 && a->nb[1] == 16 && a->nb[2] == 32 && a->nb[3] == 32);
    CHECK_EQ_INT(a->n_bytes, 32);
    CHECK_EQ_INT((const uint8_t *)a->data - g->file.data, 1088);
    CHECK_EQ_INT((const uint8_t *)t->data - g->file.data, 1152);
    CHECK(t->n_dims == 1 && t->ne[0] == 3 && t->ne[1] == 1 && t->n_bytes == 12);
    float va[8], vb[3];
    memcpy(va, a->data, sizeof va);
    memcpy(vb, t->data, sizeof vb);
    bool same = true;
    for (int k = 0; k < 8; k++) same &= va[k] == (float)k;
    CHECK(same);
    CHECK(vb[0] == -1.0f && vb[1] == 0.5f && vb[2] == 2.0f);
    CHECK(l4a_tensor_nelem(a) == 8);
}

static void test_valid(void) {
    const char *path = l4a_test_path("data/tiny_valid.gguf");
    for (int mm = 0; mm < 2; mm++) {
        l4a_gguf *g = NULL;
        l4a_status st = l4a_gguf_open(path, mm == 1, &g);
        CHECK_MSG(st == L4A_OK, "%s", l4a_last_error());
        if (st != L4A_OK) continue;
        CHECK(g->owns_file && g->file.mapped == (mm == 1));
        check_valid(g);
        l4a_gguf_free(g);
    }
    l4a_gguf_free(NULL);
}

/* Touch everything a parsed file exposes, so ASan sees any view that points outside it. */
static unsigned exercise(const l4a_gguf *g) {
    unsigned sum = 0;
    char buf[300];
    for (uint64_t i = 0; i < g->n_kv; i++) {
        sum += (unsigned)l4a_gguf_value_str(&g->kv[i], buf, sizeof buf);
        const l4a_gguf_kv *kv = &g->kv[i];
        if (kv->type == L4A_GGUF_ARRAY && kv->arr_type == L4A_GGUF_STRING && kv->n)
            sum += (unsigned)kv->strs[kv->n - 1].len;
    }
    for (uint64_t i = 0; i < g->n_tensors; i++) {
        const l4a_tensor *t = &g->tensors[i];
        const uint8_t *p = t->data;
        sum += p[0] + p[t->n_bytes - 1] + (unsigned)strlen(t->name);
    }
    return sum;
}

/* Every prefix of the valid file is an error, never a crash or an overread. */
static void test_truncations(void) {
    size_t len = 0;
    char *file = l4a_test_read_file(l4a_test_path("data/tiny_valid.gguf"), &len);
    if (!CHECK(file != NULL && len > 1000)) { free(file); return; }
    size_t bad_len = 0, n_bad = 0;
    for (size_t n = 0; n < len; n++) {
        uint8_t *buf = malloc(n ? n : 1);   /* exact size: ASan catches a read past n */
        memcpy(buf, file, n);
        l4a_gguf *g = &not_null_g;
        l4a_status st = l4a_gguf_parse(n ? buf : NULL, n, &g);
        if (st != L4A_ERR_FORMAT || g != NULL || strncmp(l4a_last_error(), "gguf: ", 6) != 0) {
            if (!n_bad++) bad_len = n;
            if (st == L4A_OK) l4a_gguf_free(g);
        }
        free(buf);
    }
    CHECK_MSG(n_bad == 0, "%zu of %zu prefixes not rejected cleanly (first: %zu bytes)", n_bad, len, bad_len);
    free(file);
}

/* Random byte changes: the parser may accept or reject, but never crash or overread. */
static void test_flips(void) {
    size_t len = 0;
    char *file = l4a_test_read_file(l4a_test_path("data/tiny_valid.gguf"), &len);
    if (!CHECK(file != NULL)) return;
    uint8_t *buf = malloc(len);
    uint64_t rng = 0x9E3779B97F4A7C15ull;
    int n_ok = 0, n_err = 0, iters = getenv("L4A_TEST_FAST") ? 2000 : 5000;
    for (int it = 0; it < iters; it++) {
        memcpy(buf, file, len);
        int n_flips = 1 + it % 4;
        for (int k = 0; k < n_flips; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            // Half the flips hit the header and infos (first 1088 bytes), where they matter.
            size_t at = (size_t)((rng >> 33) % (it % 2 ? len : 1088));
            uint8_t v = (uint8_t)(rng >> 20);
            if (it % 3 == 0) v = (uint8_t)(buf[at] ^ (1u << ((rng >> 13) % 8)));  /* one bit */
            buf[at] = v;
        }
        l4a_gguf *g = NULL;
        l4a_status st = l4a_gguf_parse((const uint8_t *)buf, len, &g);
        if (st == L4A_OK) { n_ok++; exercise(g); l4a_gguf_free(g); }
        else n_err++;
    }
    CHECK_EQ_INT(n_ok + n_err, iters);
    CHECK(n_err > 0 && n_ok > 0);   /* both outcomes are reached */
    printf("byte flips: %d parsed, %d rejected, no crash\n", n_ok, n_err);
    free(buf);
    free(file);
}

/* Allocation k fails: NOMEM with nothing leaked (ASan's leak check), or OK once k is past the
 * number of allocations the parse makes. */
static void test_alloc_failures(void) {
    const char *path = l4a_test_path("data/tiny_valid.gguf");
    for (int mm = 0; mm < 2; mm++) {
        int n_nomem = 0, n_ok = 0, n_other = 0;
        for (int k = 0; k <= 50; k++) {
            l4a_gguf *g = NULL;
            l4a_alloc_fail_after(k);
            l4a_status st = l4a_gguf_open(path, mm == 1, &g);
            l4a_alloc_fail_after(-1);
            if (st == L4A_OK) { n_ok++; check_valid(g); l4a_gguf_free(g); }
            else if (st == L4A_ERR_NOMEM && g == NULL) n_nomem++;
            else { n_other++; fprintf(stderr, "    k=%d: %s: %s\n", k, status_name(st), l4a_last_error()); }
        }
        CHECK_EQ_INT(n_other, 0);
        CHECK(n_nomem >= 5);        /* g, kv, tensors, strings, names ... each can fail */
        CHECK(n_ok > 0);            /* and 50 is past the last one */
    }
}

/* ---------------------------------------------------------------- real models */

static void test_real_models(void) {
    static const struct { const char *name, *arch; uint64_t n_tensors, n_kv; } models[] = {
        {"smollm2-135m", "llama", 272, 33},
        {"gemma3-270m", "gemma3", 236, 33},
        {"qwen2.5-1.5b-instruct", "qwen2", 339, 26},
    };
    for (size_t m = 0; m < sizeof models / sizeof models[0]; m++) {
        const char *path = l4a_test_model(models[m].name);
        if (!path) continue;
        l4a_gguf *g = NULL;
        l4a_status st = l4a_gguf_open(path, true, &g);
        CHECK_MSG(st == L4A_OK, "%s: %s", models[m].name, l4a_last_error());
        if (st != L4A_OK) continue;
        CHECK_EQ_INT(g->n_tensors, models[m].n_tensors);
        CHECK_EQ_INT(g->n_kv, models[m].n_kv);
        l4a_str arch = {0};
        CHECK(l4a_gguf_get_str(g, "general.architecture", true, &arch) == L4A_OK);
        CHECK_MSG(str_is(arch, models[m].arch), "%s: architecture '%.*s'", models[m].name, (int)arch.len,
                  arch.ptr);
        const l4a_gguf_kv *toks = NULL;
        CHECK(l4a_gguf_get_arr(g, "tokenizer.ggml.tokens", L4A_GGUF_STRING, true, &toks) == L4A_OK);
        const l4a_tensor *emb = l4a_gguf_tensor(g, "token_embd.weight");
        CHECK(emb && toks && (uint64_t)emb->ne[1] == toks->n);
        // The tensors tile the data section: their bytes add up to at most what is there.
        uint64_t total = 0;
        for (uint64_t i = 0; i < g->n_tensors; i++) total += g->tensors[i].n_bytes;
        CHECK(total <= g->file.size - g->data_offset && total > g->file.size / 2);
        char buf[300];
        for (uint64_t i = 0; i < g->n_kv; i++) l4a_gguf_value_str(&g->kv[i], buf, sizeof buf);
        printf("%s: %llu tensors, %llu keys, arch %.*s, %llu tokens\n", models[m].name,
               (unsigned long long)g->n_tensors, (unsigned long long)g->n_kv, (int)arch.len, arch.ptr,
               toks ? (unsigned long long)toks->n : 0ull);
        l4a_gguf_free(g);
    }
}

int main(void) {
    test_bad_files();
    test_valid();
    test_truncations();
    test_flips();
    test_alloc_failures();
    test_real_models();
    return l4a_test_summary("test_gguf");
}
