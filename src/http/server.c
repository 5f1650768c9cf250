/* HTTP server. Thread-per-connection: a handler may block on the group-commit writer, and
 * blocking one connection's thread must not stall the others.
 * Caps: 1 MiB body, MHD's per-connection memory limit bounds headers, a connection limit and a
 * per-connection idle timeout against slow clients. */
#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "http/routes.h"
#include "service/internal.h"
#include "util/log.h"

#define MAX_BODY (1024 * 1024)

struct http_server {
    struct MHD_Daemon *d;
    app *a;
};

typedef struct req_state {
    char *body;
    size_t len, cap;
    int too_big;
    struct timespec start;
} req_state;

/* ---- metrics (Prometheus text format) ----------------------------------------------------- */

static const double bucket_bounds_ms[] = {1, 2, 5, 10, 25, 50, 100, 250, 1000};
#define N_BUCKETS (sizeof bucket_bounds_ms / sizeof *bucket_bounds_ms)
static atomic_ulong m_requests[6];          /* by status class 1xx..5xx (index 1..5) */
static atomic_ulong m_latency[N_BUCKETS + 1];
static atomic_ulong m_latency_sum_us;
static atomic_ulong m_registrations[4];     /* by channel */

void http_metric_registration(int channel)
{
    if (channel >= 0 && channel < 4)
        atomic_fetch_add(&m_registrations[channel], 1);
}

char *http_metrics_text(app *a)
{
    store_stats ss;
    store_get_stats(a->st, &ss);
    size_t cap = 4096, n = 0;
    char *out = malloc(cap);
    if (!out)
        return NULL;
#define P(...) n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__)
    P("# HELP ecustoms_http_requests_total HTTP requests by status class.\n");
    P("# TYPE ecustoms_http_requests_total counter\n");
    for (int i = 1; i <= 5; i++)
        P("ecustoms_http_requests_total{class=\"%dxx\"} %lu\n", i, atomic_load(&m_requests[i]));
    P("# HELP ecustoms_http_request_duration_seconds Request latency.\n");
    P("# TYPE ecustoms_http_request_duration_seconds histogram\n");
    unsigned long cum = 0;
    for (size_t i = 0; i < N_BUCKETS; i++) {
        cum += atomic_load(&m_latency[i]);
        P("ecustoms_http_request_duration_seconds_bucket{le=\"%g\"} %lu\n",
          bucket_bounds_ms[i] / 1000, cum);
    }
    cum += atomic_load(&m_latency[N_BUCKETS]);
    P("ecustoms_http_request_duration_seconds_bucket{le=\"+Inf\"} %lu\n", cum);
    P("ecustoms_http_request_duration_seconds_sum %.6f\n", atomic_load(&m_latency_sum_us) / 1e6);
    P("ecustoms_http_request_duration_seconds_count %lu\n", cum);
    P("# HELP ecustoms_registrations_total Registered declarations by channel.\n");
    P("# TYPE ecustoms_registrations_total counter\n");
    P("ecustoms_registrations_total{channel=\"green\"} %lu\n", atomic_load(&m_registrations[1]));
    P("ecustoms_registrations_total{channel=\"yellow\"} %lu\n", atomic_load(&m_registrations[2]));
    P("ecustoms_registrations_total{channel=\"red\"} %lu\n", atomic_load(&m_registrations[3]));
    P("# HELP ecustoms_store_commits_total Group commits of the writer.\n");
    P("# TYPE ecustoms_store_commits_total counter\n");
    P("ecustoms_store_commits_total %llu\n", (unsigned long long)ss.commits);
    P("# HELP ecustoms_store_jobs_total Write jobs committed.\n");
    P("# TYPE ecustoms_store_jobs_total counter\n");
    P("ecustoms_store_jobs_total %llu\n", (unsigned long long)ss.jobs);
    P("# HELP ecustoms_store_max_batch Largest group commit so far.\n");
    P("# TYPE ecustoms_store_max_batch gauge\n");
    P("ecustoms_store_max_batch %llu\n", (unsigned long long)ss.max_batch);
#undef P
    return out;
}

/* ---- plumbing ------------------------------------------------------------------------------ */

static enum MHD_Result send_text(struct MHD_Connection *conn, int status, const char *ctype,
                                 char *text, size_t len, const http_response *rs)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (rs && rs->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", rs->set_cookie);
    if (rs && rs->web) { /* pages: our own scripts only, never framed, no referrer */
        MHD_add_response_header(resp, "Content-Security-Policy",
                                "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'");
        MHD_add_response_header(resp, "X-Frame-Options", "DENY");
        MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    }
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

static enum MHD_Result send_json(struct MHD_Connection *conn, int status, json_t *body,
                                 const http_response *rs)
{
    char *text = json_dumps(body ? body : json_object(), JSON_COMPACT);
    json_decref(body);
    if (!text)
        text = strdup("{}");
    return send_text(conn, status, "application/json", text, strlen(text), rs);
}

static void record(req_state *st, int status)
{
    struct timespec end;
    clock_gettime(CLOCK_MONOTONIC, &end);
    double ms = (double)(end.tv_sec - st->start.tv_sec) * 1e3 +
                (double)(end.tv_nsec - st->start.tv_nsec) / 1e6;
    size_t b = 0;
    while (b < N_BUCKETS && ms > bucket_bounds_ms[b])
        b++;
    atomic_fetch_add(&m_latency[b], 1);
    atomic_fetch_add(&m_latency_sum_us, (unsigned long)(ms * 1000));
    if (status >= 100 && status < 600)
        atomic_fetch_add(&m_requests[status / 100], 1);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **req_cls)
{
    http_server *srv = cls;
    req_state *st = *req_cls;
    (void)version;

    if (!st) {
        /* first call: headers only. Answering now would disable keep-alive */
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        *req_cls = st;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->too_big) {
            if (st->len + *upload_data_size > MAX_BODY) {
                st->too_big = 1;
                free(st->body);
                st->body = NULL;
            } else {
                if (st->len + *upload_data_size + 1 > st->cap) {
                    size_t cap = st->cap ? st->cap : 4096;
                    while (cap < st->len + *upload_data_size + 1)
                        cap *= 2;
                    char *nb = realloc(st->body, cap);
                    if (!nb)
                        return MHD_NO;
                    st->body = nb;
                    st->cap = cap;
                }
                memcpy(st->body + st->len, upload_data, *upload_data_size);
                st->len += *upload_data_size;
                st->body[st->len] = '\0';
            }
        }
        *upload_data_size = 0;
        return MHD_YES;
    }

    http_request rq = {.conn = conn, .method = method, .url = url, .body = st->body,
                       .body_len = st->len, .body_too_big = st->too_big};
    http_response rs = {0};
    routes_dispatch(srv->a, &rq, &rs);
    record(st, rs.status);
    if (rs.text)
        return send_text(conn, rs.status, rs.content_type ? rs.content_type : "text/plain",
                         rs.text, rs.text_len, &rs);
    return send_json(conn, rs.status, rs.json, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    req_state *st = *req_cls;
    (void)cls, (void)conn, (void)toe;
    if (st) {
        free(st->body);
        free(st);
    }
    *req_cls = NULL;
}

int http_start(app *a, const char *host, int *port, int max_connections, http_server **out)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)*port)};
    http_server *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
        log_error("listen address %s is not an IPv4 address", host);
        free(s);
        return -1;
    }
    signal(SIGPIPE, SIG_IGN);
    json_object_seed(0);
    s->a = a;
    s->d = MHD_start_daemon(
        MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
            MHD_USE_ERROR_LOG,
        0, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_NOTIFY_COMPLETED, on_completed, s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)max_connections, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)1024, MHD_OPTION_END);
    if (!s->d) {
        log_error("cannot listen on %s:%d", host, *port);
        free(s);
        return -1;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        *port = info->port;
    *out = s;
    return 0;
}

void http_stop(http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    free(s);
}
