/*
 * sampler.c - choosing the next token from a row of logits: penalties, top-k, top-p, min-p,
 * temperature, then a seeded draw; or the argmax when temperature <= 0 (greedy).
 *
 * Not a grammar, beam search or speculative decoder. The stages run in the order of
 * llama.cpp's default chain, so a setting means the same thing in both programs:
 *   1. penalties over the last penalty_last_n accepted tokens, once per distinct token t
 *      seen c times: repetition (CTRL, Keskar et al. 2019, llama.cpp's form): logit /= r when
 *      positive, logit *= r otherwise; then presence and frequency (OpenAI API definition):
 *      logit -= presence + c * frequency.
 *   2. top-k: keep the k largest logits.
 *   3. top-p (nucleus, Holtzman et al. 2019): softmax (temperature 1) over what top-k left;
 *      keep the shortest prefix by decreasing probability whose mass reaches p.
 *   4. min-p: keep tokens with probability >= min_p * the largest one, i.e.
 *      logit >= max_logit + log(min_p).
 *   5. temperature T: probabilities exp((logit - max) / T), normalised, and one draw.
 * Each truncation keeps at least one token. Ties in ordering go to the lower token id.
 *
 * Ordering is lazy: the candidates sit in a binary max-heap (built in O(V)) and are popped in
 * decreasing order only as far as a stage needs, so top-k 40 over a 262k vocabulary costs
 * O(V + 40 log V), not a full sort.
 *
 * RNG: xoshiro256** (Blackman & Vigna, 2018) seeded through splitmix64, uniform doubles from
 * the top 53 bits: the same seed gives the same draws on every machine.
 * Memory: every buffer is sized n_vocab (V) and allocated once in l4a_sampler_new; sampling
 * never allocates.
 */
#include "sampling/sampling.h"
#include "sampling/sampler_json.h"

#include <math.h>
#include <string.h>

struct l4a_sampler {
    l4a_sampler_params p;
    int32_t n_vocab;        /* V */
    float *work;            /* (V) logits after penalties */
    float *prob;            /* (V) unnormalised probabilities of kept[0..n) */
    int32_t *heap;          /* (V) max-heap of token ids keyed by work[] */
    int32_t *kept;          /* (V) token ids popped from the heap, decreasing logit */
    int32_t *counts;        /* (V) occurrences of each token in the penalty window */
    l4a_token *recent;      /* (penalty_last_n) ring buffer of accepted tokens */
    int32_t n_recent, recent_head;
    int32_t n_heap, n_kept;
    uint64_t rng[4];        /* xoshiro256** state */
    const l4a_model *model; /* NULL for l4a_sampler_new_vocab */
    l4a_sjson *json;        /* the JSON constraint, or NULL (sampler_json.c) */
};

/* ---------------------------------------------------------------- RNG */

static uint64_t splitmix64(uint64_t *x) {
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void rng_seed(uint64_t st[4], uint64_t seed) {
    uint64_t x = seed;
    for (int i = 0; i < 4; i++) st[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t v, int k) { return (v << k) | (v >> (64 - k)); }

static uint64_t rng_next(uint64_t st[4]) {
    uint64_t out = rotl(st[1] * 5, 7) * 9;
    uint64_t t = st[1] << 17;
    st[2] ^= st[0];
    st[3] ^= st[1];
    st[1] ^= st[2];
    st[0] ^= st[3];
    st[2] ^= t;
    st[3] = rotl(st[3], 45);
    return out;
}

/* Uniform in [0, 1) with 53 random bits. */
static double rng_uniform(uint64_t st[4]) { return (double)(rng_next(st) >> 11) * 0x1.0p-53; }

uint64_t l4a_sampler_rng_next(l4a_sampler *s) { return rng_next(s->rng); }

/* ---------------------------------------------------------------- life cycle */

l4a_sampler_params l4a_sampler_default_params(void) {
    l4a_sampler_params p = {
        .temperature = 0.8f,
        .top_k = 40,
        .top_p = 0.95f,
        .min_p = 0.05f,
        .repeat_penalty = 1.0f,
        .presence_penalty = 0.0f,
        .frequency_penalty = 0.0f,
        .penalty_last_n = 64,
        .seed = 0xC0FFEE,
    };
    return p;
}

static l4a_status check_params(const l4a_sampler_params *p) {
    if (isnan(p->temperature) || isinf(p->temperature))
        return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: temperature must be finite");
    if (isnan(p->top_p)) return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: top_p is NaN");
    if (isnan(p->min_p) || p->min_p > 1.0f)
        return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: min_p must be <= 1 (got %g)",
                        (double)p->min_p);
    if (!(p->repeat_penalty > 0.0f) || isinf(p->repeat_penalty))
        return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: repeat_penalty must be > 0 (got %g)",
                        (double)p->repeat_penalty);
    if (!isfinite(p->presence_penalty) || !isfinite(p->frequency_penalty))
        return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: penalties must be finite");
    if (p->penalty_last_n < 0)
        return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: penalty_last_n must be >= 0 (got %d)",
                        p->penalty_last_n);
    return L4A_OK;
}

l4a_status l4a_sampler_new_vocab(int32_t n_vocab, l4a_sampler_params p, l4a_sampler **out) {
    if (!out) return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: out is NULL");
    *out = NULL;
    if (n_vocab <= 0)
        return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: vocabulary size %d", n_vocab);
    l4a_status st = check_params(&p);
    if (st != L4A_OK) return st;

    l4a_sampler *s = l4a_calloc(1, sizeof *s);
    if (!s) return l4a_fail(L4A_ERR_NOMEM, "sampler: out of memory");
    s->p = p;
    s->n_vocab = n_vocab;
    size_t v = (size_t)n_vocab;
    s->work = l4a_malloc(v * sizeof *s->work);
    s->prob = l4a_malloc(v * sizeof *s->prob);
    s->heap = l4a_malloc(v * sizeof *s->heap);
    s->kept = l4a_malloc(v * sizeof *s->kept);
    s->counts = l4a_calloc(v, sizeof *s->counts);
    s->recent = l4a_malloc((size_t)p.penalty_last_n * sizeof *s->recent);
    if (!s->work || !s->prob || !s->heap || !s->kept || !s->counts || !s->recent) {
        l4a_sampler_free(s);
        return l4a_fail(L4A_ERR_NOMEM, "sampler: out of memory for a vocabulary of %d",
                        n_vocab);
    }
    rng_seed(s->rng, p.seed);
    *out = s;
    return L4A_OK;
}

l4a_status l4a_sampler_new(const l4a_model *m, l4a_sampler_params p, l4a_sampler **out) {
    if (!m) {
        if (out) *out = NULL;
        return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: model is NULL");
    }
    l4a_status st = l4a_sampler_new_vocab(l4a_model_n_vocab(m), p, out);
    if (st == L4A_OK) (*out)->model = m;
    return st;
}

l4a_status l4a_sampler_set_json_schema(l4a_sampler *s, const char *schema, size_t len) {
    if (!s) return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: NULL sampler");
    if (!s->model)
        return l4a_fail(L4A_ERR_INVALID_ARG, "sampler: a JSON constraint needs a sampler made "
                        "with a model");
    l4a_sjson *j = NULL;
    l4a_status st = l4a_sjson_new(s->model, schema, len, &j);
    if (st != L4A_OK) return st;
    l4a_sjson_free(s->json);
    s->json = j;
    return L4A_OK;
}

void l4a_sampler_clear_json(l4a_sampler *s) {
    if (!s) return;
    l4a_sjson_free(s->json);
    s->json = NULL;
}

int l4a_sampler_json_done(const l4a_sampler *s) {
    return s && s->json ? l4a_sjson_done(s->json) : -1;
}

void l4a_sampler_free(l4a_sampler *s) {
    if (!s) return;
    l4a_sjson_free(s->json);
    l4a_free(s->work);
    l4a_free(s->prob);
    l4a_free(s->heap);
    l4a_free(s->kept);
    l4a_free(s->counts);
    l4a_free(s->recent);
    l4a_free(s);
}

/* Forget the accepted tokens and restart the RNG from the seed. */
void l4a_sampler_reset(l4a_sampler *s) {
    if (!s) return;
    memset(s->counts, 0, (size_t)s->n_vocab * sizeof *s->counts);
    s->n_recent = 0;
    s->recent_head = 0;
    rng_seed(s->rng, s->p.seed);
    l4a_sjson_restart(s->json);
}

/* Push t into the penalty window; the oldest token leaves it once the window is full.
 * Ids outside the vocabulary are ignored (they cannot be penalised). */
void l4a_sampler_accept(l4a_sampler *s, l4a_token t) {
    int32_t cap = s ? s->p.penalty_last_n : 0;
    if (cap == 0 || t < 0 || t >= s->n_vocab) return;
    if (s->n_recent == cap) s->counts[s->recent[s->recent_head]]--;
    else s->n_recent++;
    s->recent[s->recent_head] = t;
    s->counts[t]++;
    s->recent_head = (s->recent_head + 1) % cap;
}

/* ---------------------------------------------------------------- stages */

static bool penalties_on(const l4a_sampler_params *p) {
    return p->repeat_penalty != 1.0f || p->presence_penalty != 0.0f ||
           p->frequency_penalty != 0.0f;
}

/* Stage 1 on w (V). Each distinct token of the window is penalised once: its count is
 * negated while visited as a mark, then restored. */
static void apply_penalties(l4a_sampler *s, float *w) {
    if (s->n_recent == 0 || !penalties_on(&s->p)) return;
    const float r = s->p.repeat_penalty;
    for (int32_t i = 0; i < s->n_recent; i++) {
        l4a_token t = s->recent[i];
        int32_t c = s->counts[t];
        if (c <= 0) continue;   /* already done */
        w[t] = w[t] > 0.0f ? w[t] / r : w[t] * r;
        w[t] -= s->p.presence_penalty + (float)c * s->p.frequency_penalty;
        s->counts[t] = -c;
    }
    for (int32_t i = 0; i < s->n_recent; i++) {
        l4a_token t = s->recent[i];
        if (s->counts[t] < 0) s->counts[t] = -s->counts[t];
    }
}

static int32_t argmax(const float *w, int32_t n) {
    int32_t best = 0;
    for (int32_t i = 1; i < n; i++)
        if (w[i] > w[best]) best = i;
    return best;
}

/* Heap order: larger logit first, lower id on ties. */
static inline bool before(const float *w, int32_t a, int32_t b) {
    return w[a] > w[b] || (w[a] == w[b] && a < b);
}

static void sift_down(int32_t *h, int32_t n, int32_t i, const float *w) {
    for (;;) {
        int32_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < n && before(w, h[l], h[top])) top = l;
        if (r < n && before(w, h[r], h[top])) top = r;
        if (top == i) return;
        int32_t t = h[i];
        h[i] = h[top];
        h[top] = t;
        i = top;
    }
}

/* Make kept[i] exist, popping the heap as needed; false when fewer than i+1 candidates. */
static bool take(l4a_sampler *s, int32_t i) {
    while (s->n_kept <= i) {
        if (s->n_heap == 0) return false;
        s->kept[s->n_kept++] = s->heap[0];
        s->heap[0] = s->heap[--s->n_heap];
        sift_down(s->heap, s->n_heap, 0, s->work);
    }
    return true;
}

/* Stages 1-5 without the draw: fills kept[0..n) and prob[0..n) (unnormalised), returns n
 * and the sum of prob in *sum. Greedy: n = 1. */
static int32_t prepare(l4a_sampler *s, const float *logits, double *sum) {
    const int32_t V = s->n_vocab;
    const l4a_sampler_params *p = &s->p;
    float *w = s->work;
    for (int32_t i = 0; i < V; i++) w[i] = isnan(logits[i]) ? -INFINITY : logits[i];
    apply_penalties(s, w);

    int32_t best = argmax(w, V);
    float max = w[best];
    if (p->temperature <= 0.0f || max == -INFINITY || max == INFINITY) {
        s->kept[0] = best;    /* greedy, or nothing sensible to normalise */
        s->prob[0] = 1.0f;
        *sum = 1.0;
        return 1;
    }

    const int32_t limit = p->top_k > 0 && p->top_k < V ? p->top_k : V;
    int32_t n = V;
    if (limit < V || p->top_p < 1.0f || p->min_p > 0.0f) {
        for (int32_t i = 0; i < V; i++) s->heap[i] = i;
        s->n_heap = V;
        s->n_kept = 0;
        for (int32_t i = V / 2 - 1; i >= 0; i--) sift_down(s->heap, V, i, w);
        n = limit;
        take(s, limit < V ? limit - 1 : 0);    /* top-k: the k best, in order */

        if (p->top_p < 1.0f) {
            /* probability mass at temperature 1 over what top-k kept */
            double norm = 0.0;
            if (limit < V) for (int32_t i = 0; i < limit; i++) norm += exp(w[s->kept[i]] - max);
            else for (int32_t i = 0; i < V; i++) norm += exp(w[i] - max);
            double cum = 0.0;
            for (int32_t i = 0; i < limit && take(s, i); i++) {
                cum += exp(w[s->kept[i]] - max) / norm;
                if (cum >= p->top_p) { n = i + 1; break; }
            }
        }
        if (p->min_p > 0.0f) {
            const float floor_logit = max + logf(p->min_p);
            for (int32_t i = 1; i < n && take(s, i); i++)
                if (w[s->kept[i]] < floor_logit) { n = i; break; }
        }
        L4A_ASSERT(n <= s->n_kept);
    } else {
        for (int32_t i = 0; i < V; i++) s->kept[i] = i;
    }

    const double inv_t = 1.0 / (double)p->temperature;
    double total = 0.0;
    for (int32_t i = 0; i < n; i++) {
        s->prob[i] = (float)exp(((double)w[s->kept[i]] - max) * inv_t);
        total += s->prob[i];
    }
    *sum = total;
    return n;
}

static l4a_token draw(l4a_sampler *s, const float *logits) {
    double sum;
    int32_t n = prepare(s, logits, &sum);
    if (n == 1) return s->kept[0];
    double u = rng_uniform(s->rng) * sum, cum = 0.0;
    for (int32_t i = 0; i < n; i++) {
        cum += s->prob[i];
        if (u < cum) return s->kept[i];
    }
    /* rounding left u at the very top: the last token with non-zero probability */
    for (int32_t i = n - 1; i > 0; i--)
        if (s->prob[i] > 0.0f) return s->kept[i];
    return s->kept[0];
}

l4a_token l4a_sampler_sample(l4a_sampler *s, const float *logits) {
    if (!s || !logits) return 0;
    if (!s->json) return draw(s, logits);
    const float *masked = l4a_sjson_apply(s->json, logits);
    if (!l4a_sjson_any_allowed(s->json)) return l4a_sjson_fallback(s->json);
    l4a_token t = draw(s, masked);
    l4a_sjson_advance(s->json, t);
    return t;
}

int32_t l4a_sampler_candidates(l4a_sampler *s, const float *logits, l4a_token *ids,
                               float *probs, int32_t cap) {
    double sum;
    int32_t n = prepare(s, logits, &sum);
    for (int32_t i = 0; i < n && i < cap; i++) {
        if (ids) ids[i] = s->kept[i];
        if (probs) probs[i] = (float)(s->prob[i] / sum);
    }
    return n;
}
