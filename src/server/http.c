/*
 * http.c - the HTTP layer over libmicrohttpd (RFC 9110/9112 are the library's business):
 * listening, the checks every request passes before its body is read, reading the body under
 * a size limit, dispatch through the route table, the access log.
 *
 * Checks, in order, from the headers alone (so a 100 MB body is refused unread):
 *   413 Content-Length above max_body (a chunked body is counted as it comes, then refused);
 *   403 Host not a loopback name while bound to loopback (DNS rebinding: a page of
 *       evil.example whose name resolves to 127.0.0.1 sends Host: evil.example);
 *   403 Origin not ours (a browser page of another site calling us);
 *   404/405 unknown path or method; 401 missing or wrong Bearer key (when one is set);
 *   503 while the model loads or the server drains.
 * Slow clients: libmicrohttpd closes a connection idle for timeout_s; a body still arriving
 * after timeout_s gets 408. Connections are capped (max_conns).
 * Not here: what the endpoints do (handlers.c).
 */
#include "server/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Per-request state (libmicrohttpd's con_cls). */
typedef struct conn_req {
    char *body;
    size_t n, cap;
    int status;
    double t0;
    const l4a_srv_route *route;
    char path[128];
    char method[8];
} conn_req;

void l4a_srv_log(l4a_server *s, l4a_log_level lv, const char *fmt, ...) {
    if ((int)lv > s->p.log_level) return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* "host" or "host:port" or "[v6]:port" -> the host part, lower case, in out. */
static void host_part(const char *h, char *out, size_t size) {
    size_t n = 0;
    if (h[0] == '[') {
        const char *e = strchr(h, ']');
        n = e ? (size_t)(e - h + 1) : strlen(h);
    } else {
        const char *c = strchr(h, ':');
        n = c ? (size_t)(c - h) : strlen(h);
    }
    if (n >= size) n = size - 1;
    for (size_t i = 0; i < n; i++) out[i] = (char)(h[i] >= 'A' && h[i] <= 'Z' ? h[i] + 32 : h[i]);
    out[n] = 0;
}

static bool loopback_name(const char *host) {
    return !strcmp(host, "localhost") || !strcmp(host, "[::1]") || !strncmp(host, "127.", 4);
}

/* Host header allowed? Always when bound to a non-loopback address (an API key guards it). */
static bool host_ok(l4a_server *s, const char *host) {
    if (!s->p.host || !s->loopback) return true;
    if (!host) return false;    /* HTTP/1.1 requires one; HTTP/1.0 clients can send one */
    char h[256];
    host_part(host, h, sizeof h);
    return loopback_name(h);
}

/* Origin allowed? Absent (not a browser), ours (a page we serve: the same scheme-less host
 * and port as the Host header, which the Host check above has vetted, or our loopback or
 * --host name on our port), or --allow-origin. */
static bool origin_ok(l4a_server *s, const char *origin, const char *host_hdr) {
    if (!origin) return true;
    if (s->allow_origin && !strcmp(origin, s->allow_origin)) return true;
    const char *rest = NULL;
    if (!strncasecmp(origin, "http://", 7)) rest = origin + 7;
    else if (!strncasecmp(origin, "https://", 8)) rest = origin + 8;
    if (!rest) return false;
    /* same origin: the page was loaded from this Host (e.g. http://192.0.2.7:8080 while bound
     * to 0.0.0.0); a proxy that rewrites Host needs --allow-origin */
    if (host_hdr && host_ok(s, host_hdr) && !strcasecmp(rest, host_hdr) && !strchr(rest, '/'))
        return true;
    char h[256];
    host_part(rest, h, sizeof h);
    const char *colon = rest[0] == '[' ? strstr(rest, "]:") : strchr(rest, ':');
    int port = colon ? atoi(colon + (rest[0] == '[' ? 2 : 1)) : (origin[4] == 's' ? 443 : 80);
    if (port != s->port) return false;
    if (loopback_name(h)) return s->loopback;
    return s->host && !strcasecmp(h, s->host);
}

/* Constant-time comparison of the Authorization header with "Bearer KEY". */
static bool auth_ok(l4a_server *s, const char *auth) {
    if (!s->api_key) return true;
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0) return false;
    const char *k = auth + 7;
    size_t a = strlen(k), b = strlen(s->api_key);
    unsigned diff = (unsigned)(a != b);
    for (size_t i = 0; i < b; i++) diff |= (unsigned)(unsigned char)(k[i < a ? i : 0] ^ s->api_key[i]);
    return diff == 0;
}

static enum MHD_Result queue(l4a_server *s, struct MHD_Connection *c, conn_req *cr,
                             l4a_srv_resp *r) {
    struct MHD_Response *resp;
    if (r->sse) {
        resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, l4a_sse_read, r->sse,
                                                 l4a_sse_free);
        if (!resp) {
            l4a_sse_free(r->sse);
            return MHD_NO;
        }
        MHD_add_response_header(resp, "Content-Type", "text/event-stream");
        MHD_add_response_header(resp, "Cache-Control", "no-cache");
    } else {
        resp = MHD_create_response_from_buffer(r->len, r->body,
                                               r->body_static ? MHD_RESPMEM_PERSISTENT
                                                              : MHD_RESPMEM_MUST_FREE);
        if (!resp) {
            if (!r->body_static) free(r->body);
            return MHD_NO;
        }
        if (r->type) MHD_add_response_header(resp, "Content-Type", r->type);
    }
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            r->csp ? r->csp : "default-src 'none'; frame-ancestors 'none'");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    if (r->location[0]) MHD_add_response_header(resp, "Location", r->location);
    if (r->no_store) MHD_add_response_header(resp, "Cache-Control", "no-store");
    const char *origin = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin");
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (origin && origin_ok(s, origin, host)) {
        MHD_add_response_header(resp, "Access-Control-Allow-Origin", origin);
        MHD_add_response_header(resp, "Vary", "Origin");
    }
    if (r->status == 401) MHD_add_response_header(resp, "WWW-Authenticate", "Bearer");
    cr->status = r->status;
    enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result reply_error(l4a_server *s, struct MHD_Connection *c, conn_req *cr,
                                   int status, const char *type, const char *fmt, const char *arg) {
    l4a_srv_resp r = {0};
    l4a_srv_error(&r, status, type, NULL, fmt, arg);
    if (!r.body) return MHD_NO;
    return queue(s, c, cr, &r);
}

const char *l4a_srv_query(const l4a_srv_http_req *rq, const char *key) {
    return rq->conn ? MHD_lookup_connection_value(rq->conn, MHD_GET_ARGUMENT_KIND, key) : NULL;
}

/* Static pages added with l4a_server_add_static. */
static const struct l4a_static_page *find_page(l4a_server *s, const char *path) {
    for (const struct l4a_static_page *p = s->pages; p; p = p->next)
        if (!strcmp(p->path, path)) return p;
    return NULL;
}

/* The checks that need only the headers; MHD_YES with cr->status set when answered. */
static enum MHD_Result first_call(l4a_server *s, struct MHD_Connection *c, conn_req *cr,
                                  const char *url, const char *method) {
    const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (cl) {
        char *end = NULL;
        unsigned long long v = strtoull(cl, &end, 10);
        if (end == cl || *end || v > (unsigned long long)s->p.max_body)
            return reply_error(s, c, cr, 413, "invalid_request_error",
                               "the body is larger than the limit (%s bytes)", s->max_body_str);
    }
    if (!host_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host")))
        return reply_error(s, c, cr, 403, "permission_error",
                           "Host header not allowed%s (DNS rebinding protection)", "");
    if (!origin_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Origin"),
                   MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host")))
        return reply_error(s, c, cr, 403, "permission_error",
                           "Origin not allowed%s (see --allow-origin)", "");
    bool known = false;
    cr->route = l4a_srv_route_find(method, url, &known);
    if (!cr->route) {
        const struct l4a_static_page *pg = !strcmp(method, "GET") ? find_page(s, url) : NULL;
        if (pg) {
            l4a_srv_resp r = {.status = 200, .type = pg->type, .body = pg->data, .len = pg->len,
                              .body_static = true, .csp = L4A_SRV_PAGE_CSP};
            return queue(s, c, cr, &r);
        }
        return reply_error(s, c, cr, known ? 405 : 404, "invalid_request_error",
                           known ? "method not allowed on %s" : "no endpoint %s", cr->path);
    }
    if (!cr->route->public_path &&
        !auth_ok(s, MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization")))
        return reply_error(s, c, cr, 401, "authentication_error",
                           "missing or wrong API key%s (Authorization: Bearer KEY)", "");
    if (cr->route->needs_model && (atomic_load(&s->draining) || !s->model))
        return reply_error(s, c, cr, 503, "server_error", "%s",
                           s->model ? "the server is shutting down" : "the model is loading");
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    l4a_server *s = cls;
    conn_req *cr = *con_cls;
    if (!cr) {
        cr = calloc(1, sizeof *cr);
        if (!cr) return MHD_NO;
        *con_cls = cr;
        atomic_fetch_add(&s->in_flight, 1);
        cr->t0 = l4a_srv_now();
        snprintf(cr->path, sizeof cr->path, "%s", url);
        snprintf(cr->method, sizeof cr->method, "%s", method);
        return first_call(s, c, cr, url, method);
    }
    if (cr->status) {   /* answered already: swallow the rest of the body */
        *upload_size = 0;
        return MHD_YES;
    }
    if (*upload_size) {
        size_t k = *upload_size;
        *upload_size = 0;
        /* answered at once: libmicrohttpd then closes the connection, unread */
        if (l4a_srv_now() - cr->t0 > s->p.timeout_s)
            return reply_error(s, c, cr, 408, "invalid_request_error",
                               "the body took too long to arrive%s", "");
        if (cr->n + k > (size_t)s->p.max_body)
            return reply_error(s, c, cr, 413, "invalid_request_error",
                               "the body is larger than the limit (%s bytes)", s->max_body_str);
        if (!l4a_reserve(&cr->body, &cr->cap, cr->n + k + 1)) return MHD_NO;
        else {
            memcpy(cr->body + cr->n, upload, k);
            cr->n += k;
        }
        return MHD_YES;
    }
    const union MHD_ConnectionInfo *fi = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
    l4a_srv_http_req rq = {.method = method, .path = url, .body = cr->body ? cr->body : "",
                           .len = cr->n, .fd = fi ? (int)fi->connect_fd : -1, .conn = c};
    l4a_srv_resp r = {0};
    cr->route->fn(s, &rq, &r);
    if (!r.body && !r.sse) l4a_srv_error(&r, 500, "server_error", NULL, "out of memory");
    return queue(s, c, cr, &r);
}

/* End of a request: the access log line, the counters. */
static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode toe) {
    l4a_server *s = cls;
    conn_req *cr = *con_cls;
    if (!cr) return;
    char ip[INET6_ADDRSTRLEN] = "?";
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, ip, sizeof ip);
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, ip, sizeof ip);
    }
    l4a_srv_count_status(s, cr->status);
    l4a_srv_log(s, L4A_LOG_INFO, "%s \"%s %s\" %d %.3fs%s", ip, cr->method, cr->path, cr->status,
                l4a_srv_now() - cr->t0,
                toe == MHD_REQUEST_TERMINATED_COMPLETED_OK ? "" : " (connection closed early)");
    free(cr->body);
    free(cr);
    *con_cls = NULL;
    atomic_fetch_sub(&s->in_flight, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap) {
    l4a_server *s = cls;
    if (s->p.log_level < L4A_LOG_DEBUG) return;
    vfprintf(stderr, fmt, ap);
}

int l4a_srv_http_start(l4a_server *s, const struct sockaddr *addr) {
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr->sa_family == AF_INET6) flags |= MHD_USE_IPv6;
    s->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s,
        MHD_OPTION_SOCK_ADDR, addr,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)s->p.max_conns,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->p.timeout_s,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
        MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_END);
    if (!s->mhd) return -1;
    const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->mhd, MHD_DAEMON_INFO_BIND_PORT);
    s->port = di ? di->port : s->p.port;
    return 0;
}

void l4a_srv_http_quiesce(l4a_server *s) {
    if (s->mhd && s->listen_fd < 0) s->listen_fd = (int)MHD_quiesce_daemon(s->mhd);
}

void l4a_srv_http_stop(l4a_server *s) {
    if (s->mhd) MHD_stop_daemon(s->mhd);
    s->mhd = NULL;
    if (s->listen_fd >= 0) close(s->listen_fd);
    s->listen_fd = -1;
}
