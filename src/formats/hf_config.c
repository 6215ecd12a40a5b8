/*
 * hf_config.c - config.json -> l4a_hf_config (see hf_config.h).
 *
 * Key names are transformers' (and, for Falcon, the older RefinedWeb names n_embed, n_layer,
 * n_head, n_head_kv). RoPE settings are read from both spellings transformers has used:
 * top-level rope_theta / rope_scaling / rope_local_base_freq (4.x), and rope_parameters
 * ({rope_theta, rope_type, factor ...}, or one such object per layer type
 * {"full_attention": ..., "sliding_attention": ...} for Gemma 3) (5.x).
 * Defaults are those of the transformers config classes when a key is absent. A JSON null
 * counts as absent (transformers writes "sliding_window": null, "head_dim": null).
 */
#include "formats/hf_config.h"

#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define PFX "config.json: "

/* The item of the first of the names present and not null, or NULL; *which is its name. */
static const cJSON *item(const cJSON *o, const char *const *names, const char **which) {
    for (; *names; names++) {
        const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, *names);
        if (j && !cJSON_IsNull(j)) {
            *which = *names;
            return j;
        }
    }
    return NULL;
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})

/* An integer in [lo, hi]; absent: *out unchanged, error only if required. */
static l4a_status get_int(const cJSON *o, const char *const *names, bool required, int64_t lo,
                          int64_t hi, int32_t *out) {
    const char *k = names[0];
    const cJSON *j = item(o, names, &k);
    if (!j) return required ? l4a_fail(L4A_ERR_FORMAT, PFX "key '%s' is missing", k) : L4A_OK;
    double d = cJSON_IsNumber(j) ? j->valuedouble : NAN;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d))
        return l4a_fail(L4A_ERR_FORMAT, PFX "key '%s' must be an integer in %lld .. %lld", k,
                        (long long)lo, (long long)hi);
    *out = (int32_t)d;
    return L4A_OK;
}

/* A finite number > 0 (>= 0 when zero_ok). */
static l4a_status get_float(const cJSON *o, const char *const *names, bool zero_ok, float *out) {
    const char *k = names[0];
    const cJSON *j = item(o, names, &k);
    if (!j) return L4A_OK;
    double d = cJSON_IsNumber(j) ? j->valuedouble : NAN;
    if (!isfinite(d) || d < 0 || (!zero_ok && d == 0) || (float)d > 3.0e38f)
        return l4a_fail(L4A_ERR_FORMAT, PFX "key '%s' must be a finite %s number", k,
                        zero_ok ? "non-negative" : "positive");
    *out = (float)d;
    return L4A_OK;
}

static l4a_status get_bool(const cJSON *o, const char *const *names, bool *out) {
    const char *k = names[0];
    const cJSON *j = item(o, names, &k);
    if (!j) return L4A_OK;
    if (!cJSON_IsBool(j)) return l4a_fail(L4A_ERR_FORMAT, PFX "key '%s' must be true or false", k);
    *out = cJSON_IsTrue(j);
    return L4A_OK;
}

/* A string value or NULL when absent; a non-string is an error. */
static l4a_status get_str(const cJSON *o, const char *key, const char **out) {
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, key);
    *out = NULL;
    if (!j || cJSON_IsNull(j)) return L4A_OK;
    if (!cJSON_IsString(j)) return l4a_fail(L4A_ERR_FORMAT, PFX "key '%s' must be a string", key);
    *out = j->valuestring;
    return L4A_OK;
}

/* One RoPE description: {rope_theta, rope_type | type, factor, low/high_freq_factor,
 * original_max_position_embeddings}; `what` names it in messages. */
static l4a_status parse_rope(const cJSON *r, const char *what, float *theta, l4a_hf_config *c) {
    if (!cJSON_IsObject(r)) return l4a_fail(L4A_ERR_FORMAT, PFX "'%s' must be an object", what);
    l4a_status st;
    const char *type = NULL;
    if ((st = get_float(r, NAMES("rope_theta"), false, theta)) ||
        (st = get_str(r, "rope_type", &type)))
        return st;
    if (!type && (st = get_str(r, "type", &type))) return st;
    if (!type || strcmp(type, "default") == 0) return L4A_OK;
    if (strcmp(type, "linear") == 0) c->rope_scaling = L4A_HF_ROPE_LINEAR;
    else if (strcmp(type, "llama3") == 0) c->rope_scaling = L4A_HF_ROPE_LLAMA3;
    else
        return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "%s type '%.32s' is not supported (only "
                        "linear and llama3)", what, type);
    c->rope_factor = 0;
    if ((st = get_float(r, NAMES("factor"), false, &c->rope_factor))) return st;
    if (c->rope_factor == 0)
        return l4a_fail(L4A_ERR_FORMAT, PFX "%s has no 'factor'", what);
    if (c->rope_scaling == L4A_HF_ROPE_LLAMA3) {
        c->rope_low_freq = 1.0f;
        c->rope_high_freq = 4.0f;
        c->rope_orig_ctx = 8192;
        if ((st = get_float(r, NAMES("low_freq_factor"), false, &c->rope_low_freq)) ||
            (st = get_float(r, NAMES("high_freq_factor"), false, &c->rope_high_freq)) ||
            (st = get_int(r, NAMES("original_max_position_embeddings"), false, 1, INT32_MAX,
                          &c->rope_orig_ctx)))
            return st;
        if (!(c->rope_high_freq > c->rope_low_freq))
            return l4a_fail(L4A_ERR_FORMAT, PFX "%s: high_freq_factor must exceed "
                            "low_freq_factor", what);
    }
    return L4A_OK;
}

static l4a_status parse_rope_all(const cJSON *root, l4a_hf_config *c) {
    l4a_status st;
    if ((st = get_float(root, NAMES("rope_theta"), false, &c->rope_theta)) ||
        (st = get_float(root, NAMES("rope_local_base_freq"), false, &c->rope_theta_local)))
        return st;
    const cJSON *sc = cJSON_GetObjectItemCaseSensitive(root, "rope_scaling");
    if (sc && !cJSON_IsNull(sc) && (st = parse_rope(sc, "rope_scaling", &c->rope_theta, c)))
        return st;
    const cJSON *rp = cJSON_GetObjectItemCaseSensitive(root, "rope_parameters");
    if (!rp || cJSON_IsNull(rp)) return L4A_OK;
    const cJSON *full = cJSON_GetObjectItemCaseSensitive(rp, "full_attention");
    const cJSON *local = cJSON_GetObjectItemCaseSensitive(rp, "sliding_attention");
    if (!full && !local) return parse_rope(rp, "rope_parameters", &c->rope_theta, c);
    if (full && (st = parse_rope(full, "rope_parameters.full_attention", &c->rope_theta, c)))
        return st;
    if (local) {
        l4a_hf_config tmp = *c;     /* local layers are never scaled */
        if ((st = parse_rope(local, "rope_parameters.sliding_attention", &c->rope_theta_local,
                             &tmp)))
            return st;
        if (tmp.rope_scaling != c->rope_scaling)
            return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "rope scaling of sliding-window layers is "
                            "not supported");
    }
    return L4A_OK;
}

/* Gemma 3's layer_types: local layers except every period-th; other patterns unsupported. */
static l4a_status parse_layer_types(const cJSON *root, l4a_hf_config *c) {
    const cJSON *lt = cJSON_GetObjectItemCaseSensitive(root, "layer_types");
    if (!lt || cJSON_IsNull(lt)) return L4A_OK;
    if (!cJSON_IsArray(lt) || cJSON_GetArraySize(lt) != c->n_layer)
        return l4a_fail(L4A_ERR_FORMAT, PFX "'layer_types' must be an array of %d strings",
                        c->n_layer);
    int32_t period = 0, i = 0;
    for (const cJSON *e = lt->child; e && !period; e = e->next, i++)
        if (cJSON_IsString(e) && strcmp(e->valuestring, "full_attention") == 0) period = i + 1;
    if (period == 0) period = c->n_layer + 1;  /* all local */
    i = 0;
    for (const cJSON *e = lt->child; e; e = e->next, i++) {
        const bool full = i % period == period - 1;
        if (!cJSON_IsString(e) ||
            strcmp(e->valuestring, full ? "full_attention" : "sliding_attention") != 0)
            return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "layer_types[%d]: only a repeating pattern "
                            "of sliding_attention layers then one full_attention is supported",
                            i);
    }
    c->swa_period = period;
    return L4A_OK;
}

static l4a_status family_of(const char *arch, const char *model_type, l4a_hf_config *c) {
    static const struct { const char *name; l4a_hf_family f; } known[] = {
        {"LlamaForCausalLM", L4A_HF_LLAMA}, {"MistralForCausalLM", L4A_HF_MISTRAL},
        {"Qwen2ForCausalLM", L4A_HF_QWEN2}, {"Gemma3ForCausalLM", L4A_HF_GEMMA3},
        {"FalconForCausalLM", L4A_HF_FALCON}, {"RWForCausalLM", L4A_HF_FALCON},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(arch, known[i].name) == 0) {
            c->family = known[i].f;
            snprintf(c->arch, sizeof c->arch, "%s", arch);
            return L4A_OK;
        }
    (void)model_type;
    return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "architecture '%.64s' is not supported (supported: "
                    "LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Gemma3ForCausalLM, "
                    "FalconForCausalLM, RWForCausalLM)", arch);
}

static l4a_status parse_falcon(const cJSON *root, const char *model_type, l4a_hf_config *c) {
    l4a_status st;
    bool multi_query = true, bias = false, alibi = false;
    c->parallel_attn = true;
    c->new_decoder = model_type && strcmp(model_type, "RefinedWeb") == 0;   /* Falcon-40B's */
    c->tie_embd = true;
    c->n_ctx_train = 2048;
    int32_t n_kv = 0, n_ln = 0;
    if ((st = get_bool(root, NAMES("multi_query"), &multi_query)) ||
        (st = get_bool(root, NAMES("parallel_attn"), &c->parallel_attn)) ||
        (st = get_bool(root, NAMES("new_decoder_architecture"), &c->new_decoder)) ||
        (st = get_bool(root, NAMES("bias"), &bias)) ||
        (st = get_bool(root, NAMES("alibi"), &alibi)) ||
        (st = get_int(root, NAMES("num_kv_heads", "n_head_kv"), false, 1, 1 << 20, &n_kv)) ||
        (st = get_int(root, NAMES("num_ln_in_parallel_attn"), false, 1, 2, &n_ln)) ||
        (st = get_float(root, NAMES("layer_norm_epsilon"), false, &c->norm_eps)))
        return st;
    if (alibi)
        return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "Falcon with alibi = true (ALiBi position "
                        "biases) is not supported: only rotary");
    if (bias)
        return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "Falcon with bias = true (linear layers with "
                        "biases) is not supported");
    if (!c->parallel_attn && !c->new_decoder)
        return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "Falcon with parallel_attn = false (sequential "
                        "attention then MLP) is not supported");
    if (c->new_decoder) {
        c->n_head_kv = n_kv ? n_kv : c->n_head;
        c->n_ln = n_ln ? n_ln : 2;
    } else {
        c->n_head_kv = multi_query ? 1 : c->n_head;
        c->n_ln = 1;
    }
    c->n_ff = 4 * c->n_embd;
    const char *act = NULL;
    if ((st = get_int(root, NAMES("ffn_hidden_size"), false, 1, INT32_MAX, &c->n_ff)) ||
        (st = get_str(root, "activation", &act)))
        return st;
    if (act && strcmp(act, "gelu") != 0)
        return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "Falcon activation '%.32s' is not supported "
                        "(only gelu)", act);
    return L4A_OK;
}

static l4a_status parse_llama_like(const cJSON *root, l4a_hf_config *c) {
    l4a_status st;
    const bool gemma = c->family == L4A_HF_GEMMA3;
    bool attn_bias = false, mlp_bias = false, use_swa = c->family == L4A_HF_MISTRAL || gemma;
    c->tie_embd = gemma;
    c->n_ctx_train = gemma ? 131072 : 2048;
    c->n_head_kv = c->n_head;
    c->norm_eps = 1e-6f;
    if (gemma) {
        c->rope_theta = 1000000.0f;
        c->swa_period = 6;
        c->sliding_window = 4096;
        c->query_pre_attn_scalar = 256;
    }
    if ((st = get_int(root, NAMES("num_key_value_heads"), false, 1, 1 << 20, &c->n_head_kv)) ||
        (st = get_int(root, NAMES("intermediate_size"), true, 1, INT32_MAX, &c->n_ff)) ||
        (st = get_float(root, NAMES("rms_norm_eps"), false, &c->norm_eps)) ||
        (st = get_bool(root, NAMES("attention_bias"), &attn_bias)) ||
        (st = get_bool(root, NAMES("mlp_bias"), &mlp_bias)) ||
        (st = get_bool(root, NAMES("use_sliding_window"), &use_swa)) ||
        (st = get_int(root, NAMES("sliding_window"), false, 1, INT32_MAX, &c->sliding_window)) ||
        (st = get_int(root, NAMES("sliding_window_pattern"), false, 1, INT32_MAX,
                      &c->swa_period)) ||
        (st = get_float(root, NAMES("query_pre_attn_scalar"), false, &c->query_pre_attn_scalar)))
        return st;
    if (attn_bias || mlp_bias)
        return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "key '%s' = true (biases in a Llama-family "
                        "model) is not supported", attn_bias ? "attention_bias" : "mlp_bias");
    if (c->family == L4A_HF_QWEN2 && use_swa)
        return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "Qwen2 with use_sliding_window = true is not "
                        "supported");
    if (c->family == L4A_HF_LLAMA || c->family == L4A_HF_QWEN2) c->sliding_window = 0;
    if (gemma && (st = parse_layer_types(root, c))) return st;
    const char *act = NULL;
    if ((st = get_str(root, gemma ? "hidden_activation" : "hidden_act", &act))) return st;
    const char *want = gemma ? "gelu_pytorch_tanh" : "silu";
    if (act && strcmp(act, want) != 0)
        return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "activation '%.32s' is not supported for %s "
                        "(only %s)", act, c->arch, want);
    if (gemma) {
        const cJSON *cap = cJSON_GetObjectItemCaseSensitive(root, "final_logit_softcapping");
        const cJSON *acap = cJSON_GetObjectItemCaseSensitive(root, "attn_logit_softcapping");
        if ((cap && !cJSON_IsNull(cap)) || (acap && !cJSON_IsNull(acap)))
            return l4a_fail(L4A_ERR_UNSUPPORTED, PFX "logit soft-capping is not supported");
    }
    return L4A_OK;
}

l4a_status l4a_hf_config_parse(const char *json, size_t len, l4a_hf_config *c) {
    memset(c, 0, sizeof *c);
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) return l4a_fail(L4A_ERR_FORMAT, PFX "not valid JSON");
    l4a_status st = L4A_OK;
    const cJSON *archs = cJSON_GetObjectItemCaseSensitive(root, "architectures");
    const char *model_type = NULL;
    if (!cJSON_IsObject(root)) {
        st = l4a_fail(L4A_ERR_FORMAT, PFX "not a JSON object");
        goto done;
    }
    for (const cJSON *a = root->child; a; a = a->next)     /* cJSON keeps duplicates */
        for (const cJSON *b = a->next; b; b = b->next)
            if (strcmp(a->string, b->string) == 0) {
                st = l4a_fail(L4A_ERR_FORMAT, PFX "key '%.64s' appears twice", a->string);
                goto done;
            }
    if (!cJSON_IsArray(archs) || !cJSON_IsString(archs->child)) {
        st = l4a_fail(L4A_ERR_FORMAT, PFX "key 'architectures' must be a non-empty array of "
                      "strings");
        goto done;
    }
    if ((st = get_str(root, "model_type", &model_type)) ||
        (st = family_of(archs->child->valuestring, model_type, c)))
        goto done;
    const bool falcon = c->family == L4A_HF_FALCON;
    c->rope_theta = 10000.0f;
    c->rope_theta_local = 10000.0f;
    c->norm_eps = 1e-5f;
    c->bos = c->eos = -1;
    if ((st = get_int(root, NAMES("vocab_size"), true, 1, INT32_MAX, &c->n_vocab)) ||
        (st = get_int(root, NAMES("hidden_size", "n_embed"), true, 1, 1 << 20, &c->n_embd)) ||
        (st = get_int(root, NAMES("num_hidden_layers", "n_layer"), true, 1, 100000,
                      &c->n_layer)) ||
        (st = get_int(root, NAMES("num_attention_heads", "n_head"), true, 1, 1 << 20,
                      &c->n_head)))
        goto done;
    st = falcon ? parse_falcon(root, model_type, c) : parse_llama_like(root, c);
    if (st) goto done;
    c->head_dim = c->n_embd / c->n_head;
    if ((st = get_int(root, NAMES("head_dim"), false, 1, 1 << 20, &c->head_dim)) ||
        (st = get_int(root, NAMES("max_position_embeddings"), false, 1, INT32_MAX,
                      &c->n_ctx_train)) ||
        (st = get_bool(root, NAMES("tie_word_embeddings"), &c->tie_embd)) ||
        (st = parse_rope_all(root, c)))
        goto done;
    /* bos/eos may be lists (several end tokens): kept as -1 then */
    const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "bos_token_id");
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(root, "eos_token_id");
    if (cJSON_IsNumber(b) && b->valuedouble >= 0 && b->valuedouble < c->n_vocab)
        c->bos = (int32_t)b->valuedouble;
    if (cJSON_IsNumber(e) && e->valuedouble >= 0 && e->valuedouble < c->n_vocab)
        c->eos = (int32_t)e->valuedouble;
    if (c->n_head % c->n_head_kv != 0)
        st = l4a_fail(L4A_ERR_FORMAT, PFX "num_attention_heads (%d) is not a multiple of the "
                      "key/value heads (%d)", c->n_head, c->n_head_kv);
    else if (!c->head_dim || c->head_dim % 2 || (falcon && c->n_embd % c->n_head))
        st = l4a_fail(L4A_ERR_FORMAT, PFX "head size %d (hidden_size %d / %d heads) must be a "
                      "positive even number", c->head_dim, c->n_embd, c->n_head);
done:
    cJSON_Delete(root);
    return st;
}

l4a_status l4a_hf_config_load(const char *dir, l4a_hf_config *out) {
    char path[4096];
    if (snprintf(path, sizeof path, "%s/config.json", dir) >= (int)sizeof path)
        return l4a_fail(L4A_ERR_INVALID_ARG, "hf: folder name too long");
    l4a_mapped_file f;
    l4a_status st = l4a_file_map(path, false, &f);
    if (st) return st;
    st = f.size > (16u << 20) ? l4a_fail(L4A_ERR_FORMAT, PFX "larger than 16 MiB")
                              : l4a_hf_config_parse((const char *)f.data, (size_t)f.size, out);
    l4a_file_unmap(&f);
    if (st) l4a_error_prefix("%s", dir);
    return st;
}
