/*
 * webui.c - the web page of `llm4all serve` (docs/server.md, "Web page"): GET / (index.html),
 * /app.js and /style.css, from data/web/, embedded in the library at build time by
 * tools/embed.c like the prompts (so an installed binary needs no data folder).
 *
 * Headers: the exact Content-Type with charset, a strict Content-Security-Policy
 * (L4A_SRV_PAGE_CSP: the script is a file of ours, no inline script, no eval), nosniff (every
 * answer, http.c), no-referrer, and Cache-Control: no-store (a new build serves its own page).
 * The page is public (it holds no data); the API calls it makes carry the key the user types.
 * Not here: what the page does (data/web/app.js), the API it calls (meetings.c).
 */
#include "server/server.h"
#include "meeting/prompts.h"

#include <string.h>

static const struct {
    const char *path, *file, *type;
} PAGES[] = {
    {"/", "index.html", "text/html; charset=utf-8"},
    {"/app.js", "app.js", "text/javascript; charset=utf-8"},
    {"/style.css", "style.css", "text/css; charset=utf-8"},
};

void l4a_h_web_page(l4a_server *s, const l4a_srv_http_req *rq, l4a_srv_resp *out) {
    (void)s;
    for (size_t i = 0; i < sizeof PAGES / sizeof PAGES[0]; i++) {
        if (strcmp(rq->path, PAGES[i].path) != 0) continue;
        const l4a_embedded_file *f = l4a_embedded_find(PAGES[i].file);
        if (!f) break;
        out->status = 200;
        out->type = PAGES[i].type;
        out->body = (char *)f->data;
        out->len = f->len;
        out->body_static = true;
        out->csp = L4A_SRV_PAGE_CSP;
        out->no_store = true;
        return;
    }
    l4a_srv_error(out, 404, "invalid_request_error", NULL, "no page %s (not built in)", rq->path);
}
