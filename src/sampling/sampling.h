/*
 * sampling.h - internal view of the sampler (src/sampling/sampler.c) for tests: a sampler that
 * needs no model, and the candidate set every stage leaves before the draw.
 *
 * Not public: programs use l4a_sampler_* from include/llm4all.h.
 */
#ifndef L4A_SAMPLING_H
#define L4A_SAMPLING_H

#include "core/core.h"

/* As l4a_sampler_new, for a vocabulary of n_vocab tokens without a model. */
l4a_status l4a_sampler_new_vocab(int32_t n_vocab, l4a_sampler_params p, l4a_sampler **out);

/* Run every stage but the draw on logits (n_vocab floats, not modified): penalties, top-k,
 * top-p, min-p, temperature. Writes the kept token ids and their probabilities (summing to 1;
 * by decreasing probability when a truncation stage ran, else in id order) into ids/probs
 * (either may be NULL) up to cap entries; returns how many tokens are kept. Greedy samplers
 * keep the one argmax token with probability 1. */
int32_t l4a_sampler_candidates(l4a_sampler *s, const float *logits, l4a_token *ids,
                               float *probs, int32_t cap);

/* Next raw 64-bit draw of the sampler's xoshiro256** generator (for tests of the RNG). */
uint64_t l4a_sampler_rng_next(l4a_sampler *s);

#endif
