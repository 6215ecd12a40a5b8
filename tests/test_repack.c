/*
 * test_repack.c - weights repacked at load time for decode (models/repack.c, quant/x4.h) give
 * the same logits as the file's layout, bit for bit, on the real Q4_K_M models:
 *  - loaded three ways: the file's layout (repack off), repacked from the mapped file, and
 *    repacked in place after a read into memory (--no-mmap);
 *  - through the matmul's paths: a prompt of 16 tokens or more (the gemm, which unpacks tiles),
 *    one token at a time (decode's x4 kernel), and a batch of 3 (the x4 kernel token by token);
 *  - where this CPU has an x4 kernel for Q4_K the repacked loads must hold x4 matrices (an
 *    untied embedding table stays as it is; a tied one, the output matrix too, is repacked
 *    and its rows still looked up right); elsewhere none, and the logits still agree;
 *  - a mapped file repacked has every tensor but an untied embedding table moved into the
 *    model's anonymous pages, x4 or not: smollm2-135m (Q4_1 and Q8_0, no x4 layout) too;
 *  - the resident memory after load and one token stays within 3 % of the file layout's.
 * Real French text, tokenized by the model.
 */
#include "harness.h"
#include "kernels/vecdot.h"
#include "llm4all.h"
#include "models/model_impl.h"
#include "quant/x4.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *const TEXT =
    "Compte rendu de la réunion du service des urgences : l'équipe a discuté du planning des "
    "gardes de décembre, de la formation aux nouveaux protocoles et du renouvellement du "
    "matériel de réanimation.";

enum { N_TOK = 64, N_LOADS = 3 };

/* Logits of every step: the prompt (all but the last 8 tokens) in one batch, then 5 tokens one
 * at a time, then the last 3 in one batch; each step's last row. */
static int run(const l4a_model *m, const l4a_token *toks, int32_t n, float *out) {
    const int32_t nv = l4a_model_n_vocab(m);
    l4a_ctx_params cp = l4a_ctx_default_params();
    cp.n_ctx = 256;
    cp.n_threads = 2;
    l4a_ctx *c = NULL;
    if (!CHECK(l4a_ctx_new(m, cp, &c) == L4A_OK)) return 0;
    int32_t at = 0, k = 0;
    const int32_t steps[] = {n - 8, 1, 1, 1, 1, 1, 3};
    for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
        if (!CHECK(l4a_decode(c, toks + at, steps[s], false) == L4A_OK)) break;
        memcpy(out + (size_t)k++ * nv, l4a_get_logits(c, -1), sizeof(float) * (size_t)nv);
        at += steps[s];
    }
    l4a_ctx_free(c);
    return k;
}

static long rss_kib(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &rss) != 2) rss = 0;
        fclose(f);
    }
    return rss * 4;
}

/* Resident KiB after loading the model with p and decoding toks, in a child process: the
 * parent's heap, grown by the earlier loads, does not count. -1 on failure. */
static long child_rss(const char *path, l4a_model_params p) {
    int fd[2];
    if (pipe(fd) != 0) return -1;
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        close(fd[0]);
        long r = -1;
        l4a_model *m = NULL;
        if (l4a_model_load(path, p, &m) == L4A_OK) {
            l4a_token toks[N_TOK];
            const int32_t n = l4a_tokenize(m, TEXT, strlen(TEXT), toks, N_TOK, true, false);
            float *out = malloc(sizeof(float) * (size_t)l4a_model_n_vocab(m) * 8);
            if (out && n >= 24 && n <= N_TOK && run(m, toks, n, out) == 7) r = rss_kib();
            free(out);
            l4a_model_free(m);
        }
        _exit(write(fd[1], &r, sizeof r) == sizeof r ? 0 : 1);
    }
    close(fd[1]);
    long r = -1;
    if (pid < 0 || read(fd[0], &r, sizeof r) != sizeof r) r = -1;
    close(fd[0]);
    if (pid > 0) waitpid(pid, NULL, 0);
    return r;
}

static int count_x4(const l4a_model *m) {
    int n = 0;
    for (uint64_t i = 0; i < m->gguf->n_tensors; i++)
        n += m->gguf->tensors[i].layout == L4A_LAYOUT_X4;
    return n;
}

/* Tensors of m with a type that has an x4 layout. */
static int count_x4_types(const l4a_model *m) {
    int n = 0;
    for (uint64_t i = 0; i < m->gguf->n_tensors; i++)
        n += l4a_x4_has_layout(m->gguf->tensors[i].type);
    return n;
}

/* Tensors of m whose bytes lie in the model's repacked pages. */
static uint64_t count_moved(const l4a_model *m) {
    const uint8_t *lo = m->repacked, *hi = lo ? lo + m->repacked_bytes : NULL;
    uint64_t n = 0;
    for (uint64_t i = 0; i < m->gguf->n_tensors; i++) {
        const uint8_t *d = m->gguf->tensors[i].data;
        n += lo && d >= lo && d < hi;
    }
    return n;
}

static void test_model(const char *name) {
    const char *path = l4a_test_model(name);
    if (!path) return;
    const l4a_vecdot *v = l4a_vecdot_get(L4A_TYPE_Q4_K);
    const bool has_x4 = v && v->dot_x4 && strcmp(v->isa, "ref") != 0;
    float *logits[N_LOADS] = {0};
    int steps[N_LOADS] = {0};
    long rss[N_LOADS] = {0};
    int32_t nv = 0, n = 0;
    l4a_token toks[N_TOK];
    for (int k = 0; k < 2; k++) {   /* first: no earlier load has grown this process's heap */
        l4a_model_params p = l4a_model_default_params();
        p.repack = k > 0;
        rss[k] = child_rss(path, p);
        printf("%s, mapped, repack %s: %ld KiB resident after the run\n", name,
               k ? "on" : "off", rss[k]);
    }
    for (int k = 0; k < N_LOADS; k++) {
        l4a_model_params p = l4a_model_default_params();
        p.repack = k > 0;
        p.use_mmap = k < 2;
        l4a_model *m = NULL;
        if (l4a_model_load(path, p, &m) != L4A_OK) {
            CHECK_MSG(false, "%s: %s", name, l4a_last_error());
            break;
        }
        if (k == 0) {
            n = l4a_tokenize(m, TEXT, strlen(TEXT), toks, N_TOK, true, false);
            CHECK_MSG(n >= 24 && n <= N_TOK, "%s: %d tokens", name, n);
            if (n < 24 || n > N_TOK) n = 0;
            nv = l4a_model_n_vocab(m);
            for (int j = 0; j < N_LOADS; j++) {     /* all resident before any RSS is read */
                logits[j] = malloc(sizeof(float) * (size_t)nv * 8);
                if (logits[j]) memset(logits[j], 0, sizeof(float) * (size_t)nv * 8);
            }
        }
        const int x4 = count_x4(m);
        if (k == 0 || !has_x4 || count_x4_types(m) == 0)
            CHECK_MSG(x4 == 0, "%s load %d: %d x4 matrices without repacking", name, k, x4);
        else
            CHECK_MSG(x4 > 0, "%s load %d: repacking left no x4 matrix", name, k);
        if (m->output != m->tok_embd)   /* looked up a row at a time: stays mapped */
            CHECK_MSG(m->tok_embd->layout == L4A_LAYOUT_ROWS,
                      "%s: the untied embedding table was repacked", name);
        const uint64_t moved = count_moved(m), untied = m->output != m->tok_embd;
        if (k == 1)
            CHECK_MSG(moved == m->gguf->n_tensors - untied, "%s: %llu of %llu tensors moved to "
                      "anonymous pages", name, (unsigned long long)moved,
                      (unsigned long long)m->gguf->n_tensors);
        else
            CHECK_MSG(moved == 0, "%s load %d: %llu tensors moved", name, k,
                      (unsigned long long)moved);
        if (n && logits[k]) steps[k] = run(m, toks, n, logits[k]);
        printf("%s, load %d: %d tokens, %d x4 matrices\n", name, k, n, x4);
        l4a_model_free(m);
    }
    for (int k = 1; k < N_LOADS; k++) {
        if (!logits[k] || !logits[0]) continue;
        CHECK_MSG(steps[k] == 7 && steps[0] == 7, "%s: %d and %d steps", name, steps[0], steps[k]);
        for (int s = 0; s < steps[k] && s < steps[0]; s++)
            CHECK_MSG(memcmp(logits[0] + (size_t)s * nv, logits[k] + (size_t)s * nv,
                             sizeof(float) * (size_t)nv) == 0,
                      "%s: load %d, step %d: logits differ from the file layout's", name, k, s);
    }
    /* the mapped loads: the file layout's pages against the copy's (the no-mmap load reads
     * the whole file, an untied embedding table included) */
    CHECK_MSG(rss[0] > 0 && rss[1] > 0 && rss[1] <= rss[0] + rss[0] / 33,
              "%s: resident %ld KiB repacked, %ld KiB not", name,
              rss[1], rss[0]);
    for (int k = 0; k < N_LOADS; k++) free(logits[k]);
}

/* A mapped file with nothing to repack loads when there is no memory to move its weights: the
 * move is only for speed, so the mapping serves (in a child whose address space is capped
 * below the copy's size). */
static void test_no_memory_to_move(const char *name) {
    const char *path = l4a_test_model(name);
    if (!path) return;
    l4a_model *m = NULL;
    if (!CHECK(l4a_model_load(path, l4a_model_default_params(), &m) == L4A_OK)) return;
    const bool fits = count_x4_types(m) == 0 && m->repacked != NULL;
    const size_t bytes = m->repacked_bytes;
    l4a_model_free(m);
    CHECK_MSG(fits, "%s: expected a moved model without x4 types", name);
    if (!fits) return;
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        long pages = 0;
        FILE *f = fopen("/proc/self/statm", "r");
        if (!f || fscanf(f, "%ld", &pages) != 1) _exit(3);
        fclose(f);
        struct stat st;
        if (stat(path, &st) != 0) _exit(3);
        /* room for the mapping and the load's own memory, not for the copy */
        const rlim_t cap = (rlim_t)pages * (rlim_t)sysconf(_SC_PAGESIZE) + (rlim_t)st.st_size +
                          bytes / 2;
        const struct rlimit rl = {cap, cap};
        if (setrlimit(RLIMIT_AS, &rl) != 0) _exit(3);
        l4a_model *c = NULL;
        if (l4a_model_load(path, l4a_model_default_params(), &c) != L4A_OK) _exit(1);
        const int moved = c->repacked != NULL;
        l4a_model_free(c);
        _exit(moved ? 2 : 0);
    }
    int status = 0;
    if (!CHECK(pid > 0 && waitpid(pid, &status, 0) == pid)) return;
    CHECK_MSG(WIFEXITED(status) && WEXITSTATUS(status) == 0,
              "%s with its address space capped: exit %d (1: the load failed, 2: moved anyway)",
              name, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

int main(void) {
    test_model("smollm2-135m");
    test_no_memory_to_move("smollm2-135m");
    test_model("gemma3-270m");
    test_model("qwen2.5-1.5b-instruct");
    return l4a_test_summary("test_repack");
}
