/*
 * test_rouge.c - ROUGE-1/2/L F1 and the French-aware tokenisation of l4a_rouge:
 *   - hand-computed cases (overlap, clipping, bigrams, non-contiguous LCS, elision, empty);
 *   - tokens and scores against Google's rouge-score (PyPI) fed the same tokenisation, on 58
 *     pairs of real French summaries from FREDSum (tests/golden/rouge/, written once by
 *     scripts/golden_rouge.py).
 */
#include "harness.h"
#include "llm4all.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void hand(const char *c, const char *r, double f1, double f2, double fl) {
    l4a_rouge_scores s;
    CHECK(l4a_rouge(c, r, &s) == L4A_OK);
    /* exact rationals computed in double: only rounding separates them */
    CHECK_NEAR(s.r1_f, f1, 1e-12);
    CHECK_NEAR(s.r2_f, f2, 1e-12);
    CHECK_NEAR(s.rl_f, fl, 1e-12);
}

static void test_hand(void) {
    /* 5 of 6 unigrams, 3 of 5 bigrams, LCS "le chat est le tapis" = 5 */
    hand("le chat est sur le tapis", "le chat est sous le tapis", 5.0 / 6, 3.0 / 5, 5.0 / 6);
    /* clipping: "le" x3 against one "le": P 1/3, R 1/2, F 0.4; no bigram */
    hand("le le le", "le chat", 0.4, 0.0, 0.4);
    /* LCS a c d: P 3/4, R 3/5 */
    hand("a b c d", "a x c y d", 2 * 0.75 * 0.6 / 1.35, 0.0, 2 * 0.75 * 0.6 / 1.35);
    /* case, accents, elision with ' and ’, punctuation */
    hand("L'ÉCOLE, qu'il dit !", "l’école qu’il dit", 1.0, 1.0, 1.0);
    hand("", "quelque chose", 0, 0, 0);
    hand("", "", 0, 0, 0);
    hand("...", "!!!", 0, 0, 0);
    /* order matters for bigrams and LCS, not for unigrams */
    hand("a b c", "c b a", 1.0, 0.0, 1.0 / 3);
    l4a_rouge_scores s;
    CHECK(l4a_rouge(NULL, "x", &s) == L4A_ERR_INVALID_ARG);
    /* precision/recall orientation: candidate shorter than the reference */
    CHECK(l4a_rouge("le chat", "le chat dort bien", &s) == L4A_OK);
    CHECK_NEAR(s.r1_p, 1.0, 1e-12);
    CHECK_NEAR(s.r1_r, 0.5, 1e-12);
    /* invalid UTF-8 separates */
    CHECK(l4a_rouge("ab\xff" "cd", "ab cd", &s) == L4A_OK);
    CHECK_NEAR(s.r2_f, 1.0, 1e-12);
}

static const char *fredsum_dir(void) {
    static const char *const dirs[] = {"../shared/data/fredsum", "/work/shared/data/fredsum"};
    struct stat sb;
    for (int i = 0; i < 2; i++)
        if (stat(dirs[i], &sb) == 0 && S_ISDIR(sb.st_mode)) return dirs[i];
    return NULL;
}

static void test_golden_tokens(void) {
    size_t len;
    char *g = l4a_test_read_file(l4a_test_path("golden/rouge/tokens.tsv"), &len);
    CHECK(g != NULL);
    if (!g) return;
    int n = 0;
    for (char *line = strtok(g, "\n"); line; line = strtok(NULL, "\n")) {
        char *tab = strchr(line, '\t');
        if (!tab) continue;
        *tab = 0;
        char *toks = NULL;
        CHECK(l4a_rouge_tokens(line, &toks) == L4A_OK);
        CHECK_MSG(toks && !strcmp(toks, tab + 1), "'%s': got '%s', want '%s'", line,
                  toks ? toks : "(null)", tab + 1);
        l4a_free(toks);
        n++;
    }
    CHECK(n == 4);
    free(g);
}

static void test_golden_scores(void) {
    const char *dir = fredsum_dir();
    CHECK_MSG(dir != NULL, "FREDSum data not found (../shared/data/fredsum)");
    size_t len;
    char *g = l4a_test_read_file(l4a_test_path("golden/rouge/fredsum.tsv"), &len);
    CHECK(g != NULL);
    if (!g || !dir) { free(g); return; }
    int n = 0;
    char *save = NULL;
    for (char *line = strtok_r(g, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '#') continue;
        char cand[512], ref[512];
        double f1, f2, fl;
        if (sscanf(line, "%511[^\t]\t%511[^\t]\t%lf\t%lf\t%lf", cand, ref, &f1, &f2, &fl) != 5) {
            CHECK_MSG(0, "bad golden line: %s", line);
            continue;
        }
        char pc[1100], pr[1100];
        snprintf(pc, sizeof pc, "%s/%s", dir, cand);
        snprintf(pr, sizeof pr, "%s/%s", dir, ref);
        size_t lc, lr;
        char *c = l4a_test_read_file(pc, &lc), *r = l4a_test_read_file(pr, &lr);
        CHECK_MSG(c && r, "cannot read %s or %s", pc, pr);
        l4a_rouge_scores s;
        if (c && r && CHECK(l4a_rouge(c, r, &s) == L4A_OK)) {
            /* the golden file keeps 10 decimals */
            CHECK_MSG(fabs(s.r1_f - f1) < 1e-9 && fabs(s.r2_f - f2) < 1e-9 &&
                          fabs(s.rl_f - fl) < 1e-9,
                      "%s vs %s: %.10f %.10f %.10f, rouge-score %.10f %.10f %.10f", cand, ref,
                      s.r1_f, s.r2_f, s.rl_f, f1, f2, fl);
        }
        free(c);
        free(r);
        n++;
    }
    CHECK_MSG(n == 58, "%d golden pairs", n);
    free(g);
}

int main(void) {
    test_hand();
    test_golden_tokens();
    test_golden_scores();
    return l4a_test_summary("test_rouge");
}
