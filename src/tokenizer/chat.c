/*
 * chat.c - chat templates: a conversation rendered as the prompt text a model was trained on.
 *
 * Not a Jinja interpreter: the model's tokenizer.chat_template is recognised among a few
 * families by distinctive markers, and each family is a small C function that writes what the
 * family's reference template renders (HF tokenizer_config.json templates; the goldens in
 * tests/golden/chat/ are rendered with Jinja2 from the real templates):
 *
 *   ChatML   "<|im_start|>"        <|im_start|>{role}\n{content}<|im_end|>\n ... A default system
 *                                  prompt written in the template (SmolLM2, Qwen2.5) is used when
 *                                  the first message is not a system one. Templates that handle
 *                                  tool results (Qwen2.5: "<tool_response>") group role "tool"
 *                                  messages into one user turn and drop unknown roles.
 *   Llama 3  "<|start_header_id|>" <|start_header_id|>{role}<|end_header_id|>\n\n{trim}<|eot_id|>
 *                                  (the Llama 3.0 template: 3.1's date header is not produced)
 *   Gemma    "<start_of_turn>"     system text + "\n\n" folded into the first turn, "assistant"
 *                                  named "model", content trimmed, roles must alternate
 *   Llama 2  "[INST]" + "<<SYS>>"  [INST] <<SYS>>\n{system}\n<</SYS>>\n\n{user} [/INST] {answer} </s>
 *   Mistral  "[INST]"              [INST] {user} [/INST]{answer}</s> (Mistral-Instruct v0.1;
 *                                  no system role, as its template)
 *
 * BOS: the templates of Gemma, Llama and Mistral start with {{ bos_token }}. That first BOS is
 * not written (l4a_tokenize with add_special adds it, so the prompt has exactly one); BOS texts
 * inside the conversation (Llama 2 puts one before each user turn) are written.
 */
#include "tokenizer/unicode.h"
#include "tokenizer/vocab.h"

#include <stdio.h>
#include <string.h>

typedef enum family { CHATML, LLAMA3, GEMMA, LLAMA2, MISTRAL } family;

typedef struct style {
    family fam;
    char system[512];   /* ChatML: default system prompt ("" if none) */
    bool has_system;
    bool tools;         /* ChatML: Qwen-style tool turns */
    char bos[64], eos[64];  /* BOS and EOS texts for Llama 2 / Mistral */
} style;

/* Output into a caller buffer that may be short: count everything, copy what fits. */
typedef struct out {
    char *buf;
    size_t size, len;
} out;

static void put(out *o, const char *s, size_t n) {
    if (o->len < o->size && n) {
        size_t room = o->size - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}
static void puts_(out *o, const char *s) { put(o, s, strlen(s)); }

static const char k_alternate[] = "conversation roles must alternate user/assistant/user/assistant/...";

static int32_t fail(l4a_status st, const char *msg, const char *detail) {
    l4a_fail(st, "chat: %s%s", msg, detail ? detail : "");
    return INT32_MIN;
}

/* ---------------------------------------------------------------- helpers */

/* Python's str.isspace for the code points that matter: White_Space, plus U+001C..U+001F. */
static bool py_space(uint32_t cp) {
    return (l4a_cp_class(cp) & L4A_CP_SPACE) || (cp >= 0x1C && cp <= 0x1F);
}

/* Jinja's trim filter (Python str.strip()): write s without leading and trailing whitespace. */
static void put_trimmed(out *o, const char *s) {
    const uint8_t *p = (const uint8_t *)s;
    size_t n = strlen(s), a = 0, b = n;
    while (a < n) {
        size_t used;
        uint32_t cp = l4a_utf8_decode(p + a, n - a, &used);
        if (!py_space(cp)) break;
        a += used;
    }
    while (b > a) {  /* step back over one whole code point (skip continuation bytes) */
        size_t k = b - 1;
        while (k > a && (p[k] & 0xC0) == 0x80 && b - k < 4) k--;
        size_t used;
        uint32_t cp = l4a_utf8_decode(p + k, b - k, &used);
        if (used != b - k || !py_space(cp)) break;
        b = k;
    }
    put(o, s + a, b - a);
}

static bool is_role(const l4a_chat_msg *m, const char *role) { return strcmp(m->role, role) == 0; }

/* The default system prompt of a ChatML template: the literal text of a string that starts
 * with "<|im_start|>system" and a newline (written as a real newline or as \n) and ends at
 * "<|im_end|>", Jinja string escapes undone. False when the template has none. */
static bool find_default_system(const char *t, char *outbuf, size_t cap) {
    static const char head[] = "<|im_start|>system";
    for (const char *p = strstr(t, head); p; p = strstr(p + 1, head)) {
        const char *q = p + sizeof head - 1;
        if (*q == '\n') q++;
        else if (q[0] == '\\' && q[1] == 'n') q += 2;
        else continue;
        const char *end = strstr(q, "<|im_end|>");
        if (!end) continue;
        size_t n = 0;
        bool literal = true;
        for (const char *c = q; c < end && literal; c++) {
            if (*c == '\'' || *c == '"' || *c == '{' || *c == '}') literal = false;  /* an expression */
            else if (*c == '\\' && c + 1 < end) {
                c++;
                char e = *c == 'n' ? '\n' : *c == 't' ? '\t' : *c;
                if (n + 1 < cap) outbuf[n++] = e;
            } else if (n + 1 < cap) outbuf[n++] = *c;
        }
        if (!literal || end == q) continue;
        outbuf[n] = 0;
        return true;
    }
    return false;
}

static bool has_token_text(const l4a_vocab *v, const char *s) {
    return l4a_strmap_get(&v->by_text, s, strlen(s), 0) >= 0;
}

/* ---------------------------------------------------------------- families */

static int32_t render_chatml(const style *st, const l4a_chat_msg *m, size_t n, bool gen, out *o) {
    if (st->has_system && n > 0 && !is_role(&m[0], "system")) {
        puts_(o, "<|im_start|>system\n");
        puts_(o, st->system);
        puts_(o, "<|im_end|>\n");
    }
    for (size_t i = 0; i < n; i++) {
        if (st->tools && is_role(&m[i], "tool")) {
            if (i == 0 || !is_role(&m[i - 1], "tool")) puts_(o, "<|im_start|>user");
            puts_(o, "\n<tool_response>\n");
            puts_(o, m[i].content);
            puts_(o, "\n</tool_response>");
            if (i + 1 == n || !is_role(&m[i + 1], "tool")) puts_(o, "<|im_end|>\n");
            continue;
        }
        if (st->tools && !is_role(&m[i], "user") && !is_role(&m[i], "system") && !is_role(&m[i], "assistant"))
            continue;  /* Qwen's template renders nothing for other roles */
        puts_(o, "<|im_start|>");
        puts_(o, m[i].role);
        puts_(o, "\n");
        puts_(o, m[i].content);
        puts_(o, "<|im_end|>\n");
    }
    if (gen) puts_(o, "<|im_start|>assistant\n");
    return 0;
}

static int32_t render_llama3(const l4a_chat_msg *m, size_t n, bool gen, out *o) {
    for (size_t i = 0; i < n; i++) {
        puts_(o, "<|start_header_id|>");
        puts_(o, m[i].role);
        puts_(o, "<|end_header_id|>\n\n");
        put_trimmed(o, m[i].content);
        puts_(o, "<|eot_id|>");
    }
    if (gen) puts_(o, "<|start_header_id|>assistant<|end_header_id|>\n\n");
    return 0;
}

static int32_t render_gemma(const l4a_chat_msg *m, size_t n, bool gen, out *o) {
    const char *sys = NULL;
    if (n > 0 && is_role(&m[0], "system")) { sys = m[0].content; m++; n--; }
    for (size_t i = 0; i < n; i++) {
        if (is_role(&m[i], "user") != (i % 2 == 0))
            return fail(L4A_ERR_INVALID_ARG, k_alternate, " (Gemma)");
        puts_(o, "<start_of_turn>");
        puts_(o, is_role(&m[i], "assistant") ? "model" : m[i].role);
        puts_(o, "\n");
        if (i == 0 && sys) {
            puts_(o, sys);
            puts_(o, "\n\n");
        }
        put_trimmed(o, m[i].content);
        puts_(o, "<end_of_turn>\n");
    }
    if (gen) puts_(o, "<start_of_turn>model\n");
    return 0;
}

/* Llama 2 chat and Mistral-Instruct v0.1. add_generation_prompt changes nothing: the prompt
 * already ends with [/INST]. */
static int32_t render_inst(const style *st, const l4a_chat_msg *m, size_t n, out *o) {
    const char *sys = NULL;
    bool llama2 = st->fam == LLAMA2;
    if (llama2 && n > 0 && is_role(&m[0], "system")) { sys = m[0].content; m++; n--; }
    for (size_t i = 0; i < n; i++) {
        if (is_role(&m[i], "user") != (i % 2 == 0))
            return fail(L4A_ERR_INVALID_ARG, k_alternate, st->fam == LLAMA2 ? " (Llama 2)" : " (Mistral)");
        bool user = is_role(&m[i], "user");
        if (!llama2 && !user && !is_role(&m[i], "assistant"))
            return fail(L4A_ERR_INVALID_ARG, "Mistral: only user and assistant roles are supported", NULL);
        if (!llama2) {
            if (user) { puts_(o, "[INST] "); puts_(o, m[i].content); puts_(o, " [/INST]"); }
            else { puts_(o, m[i].content); puts_(o, st->eos); }
            continue;
        }
        /* Llama 2: content.strip() of "<<SYS>>\n{system}\n<</SYS>>\n\n{content}" for the first */
        char *joined = NULL;
        const char *content = m[i].content;
        if (i == 0 && sys) {
            size_t len = strlen(sys) + strlen(m[i].content) + 32;
            joined = l4a_malloc(len);
            if (!joined) return fail(L4A_ERR_NOMEM, "out of memory", NULL);
            snprintf(joined, len, "<<SYS>>\n%s\n<</SYS>>\n\n%s", sys, m[i].content);
            content = joined;
        }
        if (user) {
            if (i > 0) puts_(o, st->bos);  /* the first BOS is the tokenizer's (see the top) */
            puts_(o, "[INST] ");
            put_trimmed(o, content);
            puts_(o, " [/INST]");
        } else if (is_role(&m[i], "assistant")) {
            puts_(o, " ");
            put_trimmed(o, content);
            puts_(o, " ");
            puts_(o, st->eos);
        }
        l4a_free(joined);
    }
    return 0;
}

/* ---------------------------------------------------------------- choosing the family */

/* The text of token t (NUL-terminated into dst), or dflt when there is none. */
static void copy_token_text(const l4a_vocab *v, l4a_token t, const char *dflt, char *dst, size_t cap) {
    size_t len;
    const char *s = v && t >= 0 ? l4a_vocab_token_text(v, t, &len) : NULL;
    if (s && len < cap) snprintf(dst, cap, "%.*s", (int)len, s);
    else snprintf(dst, cap, "%s", dflt);
}

static bool style_from_name(const char *name, style *st) {
    static const char k_smollm[] = "You are a helpful AI assistant named SmolLM, trained by Hugging Face";
    static const char k_qwen[] = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";
    if (!strcmp(name, "chatml")) st->fam = CHATML;
    else if (!strcmp(name, "smollm")) {
        st->fam = CHATML;
        st->has_system = true;
        snprintf(st->system, sizeof st->system, "%s", k_smollm);
    } else if (!strcmp(name, "qwen") || !strcmp(name, "qwen2")) {
        st->fam = CHATML;
        st->has_system = st->tools = true;
        snprintf(st->system, sizeof st->system, "%s", k_qwen);
    } else if (!strcmp(name, "llama3")) st->fam = LLAMA3;
    else if (!strcmp(name, "gemma") || !strcmp(name, "gemma3")) st->fam = GEMMA;
    else if (!strcmp(name, "llama2")) st->fam = LLAMA2;
    else if (!strcmp(name, "mistral")) st->fam = MISTRAL;
    else return false;
    return true;
}

static bool style_from_text(const char *t, style *st) {
    if (strstr(t, "<|im_start|>")) {
        st->fam = CHATML;
        st->has_system = find_default_system(t, st->system, sizeof st->system);
        st->tools = strstr(t, "<tool_response>") != NULL;
    } else if (strstr(t, "<|start_header_id|>")) st->fam = LLAMA3;
    else if (strstr(t, "<start_of_turn>")) st->fam = GEMMA;
    else if (strstr(t, "[INST]")) st->fam = strstr(t, "<<SYS>>") ? LLAMA2 : MISTRAL;
    else return false;
    return true;
}

int32_t l4a_vocab_chat_apply(const l4a_vocab *v, const char *tmpl, const l4a_chat_msg *msgs,
                             size_t n_msgs, bool add_assistant, char *buf, size_t size) {
    if ((!msgs && n_msgs) || (!buf && size) || (!v && !tmpl))
        return fail(L4A_ERR_INVALID_ARG, "bad arguments", NULL);
    for (size_t i = 0; i < n_msgs; i++)
        if (!msgs[i].role || !msgs[i].content)
            return fail(L4A_ERR_INVALID_ARG, "a message has a NULL role or content", NULL);

    style st;
    memset(&st, 0, sizeof st);
    copy_token_text(v, v ? v->bos : -1, "<s>", st.bos, sizeof st.bos);
    copy_token_text(v, v ? v->eos : -1, "</s>", st.eos, sizeof st.eos);
    const char *text = tmpl ? tmpl : v->chat_template;
    if (tmpl && style_from_name(tmpl, &st)) {
        /* a family name */
    } else if (text) {
        if (!style_from_text(text, &st)) {
            char head[48];
            snprintf(head, sizeof head, "%s", text);
            for (char *c = head; *c; c++) if (*c == '\n') *c = ' ';
            return fail(L4A_ERR_UNSUPPORTED, "unknown chat template (ChatML, Llama 3, Gemma, Llama 2 and "
                        "Mistral are recognised), it starts: ", head);
        }
    } else if (has_token_text(v, "<start_of_turn>")) st.fam = GEMMA;
    else if (has_token_text(v, "<|start_header_id|>")) st.fam = LLAMA3;
    else if (has_token_text(v, "<|im_start|>")) st.fam = CHATML;
    else
        return fail(L4A_ERR_UNSUPPORTED, "the model has no tokenizer.chat_template and no known chat tokens",
                    NULL);

    out o = {buf, size, 0};
    int32_t r;
    switch (st.fam) {
    case CHATML: r = render_chatml(&st, msgs, n_msgs, add_assistant, &o); break;
    case LLAMA3: r = render_llama3(msgs, n_msgs, add_assistant, &o); break;
    case GEMMA: r = render_gemma(msgs, n_msgs, add_assistant, &o); break;
    default: r = render_inst(&st, msgs, n_msgs, &o); break;
    }
    if (r == INT32_MIN) return r;
    if (o.len > INT32_MAX) return fail(L4A_ERR_UNSUPPORTED, "the conversation is over 2 GiB", NULL);
    if (o.len > size) return -(int32_t)o.len;
    if (o.len < size) buf[o.len] = 0;
    return (int32_t)o.len;
}
