/* HTTP server. Thread-per-connection: a handler may block on the group-commit writer, and
 * blocking one connection's thread must not stall the others.
 * Caps: 1 MiB body, MHD's per-connection memory limit bounds headers, a total connection limit, a
 * per-address limit (one client cannot take every connection), and a whole-request deadline
 * enforced by a reaper thread (MHD's own timeout counts idle time only, so a client sending a byte
 * a second would hold its thread forever). */
#include "http/server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <openssl/crypto.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "http/checks.h"
#include "http/routes.h"
#include "service/attachments.h"
#include "service/internal.h"
#include "util/log.h"
#include "util/utf8.h"

#define MAX_BODY (1024 * 1024)

/* One per TCP connection (MHD's socket context), linked for the reaper. */
typedef struct conn_track {
    struct conn_track *prev, *next;
    int fd;
    struct sockaddr_storage peer;
    socklen_t peer_len;
    int loopback;
    int64_t deadline_ms; /* receiving a request must end by then; 0 = a handler is running */
    int cut;             /* shut down by the reaper */
} conn_track;

struct http_server {
    struct MHD_Daemon *d;
    app *a;
    http_options o;
    char *tls_cert, *tls_key;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    conn_track *conns;
    pthread_t reaper;
    int reaper_started, stopping;
};

typedef struct req_state {
    char *body;
    size_t len, cap;
    int too_big;
    size_t max; /* the body's cap: MAX_BODY, or a file's for an attachment upload */
    struct timespec start;
} req_state;

/* ---- metrics (Prometheus text format) ----------------------------------------------------- */

static const double bucket_bounds_ms[] = {1, 2, 5, 10, 25, 50, 100, 250, 1000};
#define N_BUCKETS (sizeof bucket_bounds_ms / sizeof *bucket_bounds_ms)
static atomic_ulong m_requests[6]; /* by status class 1xx..5xx (index 1..5) */
static atomic_ulong m_latency[N_BUCKETS + 1];
static atomic_ulong m_latency_sum_us;
static atomic_ulong m_registrations[4]; /* by channel */
static atomic_ulong m_request_timeouts; /* connections cut by the whole-request deadline */
static atomic_ulong m_rejected;         /* requests refused before routing (smuggling, URL) */

void http_metric_registration(int channel)
{
    if (channel >= 0 && channel < 4)
        atomic_fetch_add(&m_registrations[channel], 1);
}

/* One metric without labels: its HELP and TYPE lines and its value. */
static void metric_count(FILE *f, const char *name, const char *type, const char *help,
                         unsigned long long value)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %llu\n", name, help, name, type, name, value);
}

static void metric_real(FILE *f, const char *name, const char *type, const char *help, double value)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n%s %.3f\n", name, help, name, type, name, value);
}

char *http_metrics_text(app *a)
{
    store_stats ss;
    store_get_stats(a->st, &ss);
    /* a stream that grows: a fixed 4 KiB buffer was overrun (a heap overflow, the server killed
     * by SIGSEGV) once stop 29's read pool metrics were added */
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
#define P(...) fprintf(f, __VA_ARGS__)
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
    metric_count(f, "ecustoms_store_commits_total", "counter", "Group commits of the writer.",
                 ss.commits);
    metric_count(f, "ecustoms_store_jobs_total", "counter", "Write jobs committed.", ss.jobs);
    metric_count(f, "ecustoms_store_max_batch", "gauge", "Largest group commit so far.",
                 ss.max_batch);
    metric_count(f, "ecustoms_store_queued", "gauge", "Write jobs waiting for the writer now.",
                 ss.queued);
    metric_count(f, "ecustoms_store_in_batch", "gauge",
                 "Write jobs in the batch the writer is running now.", ss.in_batch);
    metric_count(f, "ecustoms_store_terms_slices_total", "counter",
                 "Slices of the recent search terms merged into their index.", ss.terms_slices);
    metric_count(f, "ecustoms_store_read_connections", "gauge",
                 "Read connections open now (pooled or in use).", ss.read_connections);
    metric_count(f, "ecustoms_store_read_connects_total", "counter",
                 "Read connections opened since start (a database server: a count that keeps "
                 "rising is connection churn).",
                 ss.read_connects);
    metric_count(f, "ecustoms_store_reads_waiting", "gauge",
                 "Reads waiting for a read connection now.", ss.reads_waiting);
    metric_count(f, "ecustoms_store_reads_shed_total", "counter",
                 "Reads answered 503 database_busy: every read connection stayed busy.",
                 ss.reads_shed);
    metric_count(f, "ecustoms_store_round_trips_total", "counter",
                 "Round trips to the database server (0 on SQLite).", ss.round_trips);
    metric_count(f, "ecustoms_store_writer_round_trips_total", "counter", "Of those, the writer's.",
                 ss.writer_round_trips);
    metric_real(f, "ecustoms_store_writer_busy_seconds_total", "counter",
                "Seconds the writer spent on batches (statements, database round trips, commits) "
                "and search-term merges.",
                ss.writer_busy_s);
    metric_real(f, "ecustoms_store_writer_cpu_seconds_total", "counter",
                "Of those, the writer thread's own CPU.", ss.writer_cpu_s);
    metric_count(f, "ecustoms_http_request_timeouts_total", "counter",
                 "Connections cut for not sending a whole request in time.",
                 atomic_load(&m_request_timeouts));
    metric_count(f, "ecustoms_http_rejected_total", "counter",
                 "Requests refused before routing (ambiguous framing, bad URL, bearer in clear).",
                 atomic_load(&m_rejected));
#undef P
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}

/* ---- plumbing ------------------------------------------------------------------------------ */

/* seconds a client should wait before retrying while the database is unreachable: about one
 * reconnect cycle of the writer, and a failover of the cluster takes a few of them */
#define RETRY_AFTER_S "1"

static enum MHD_Result send_text(struct MHD_Connection *conn, int status, const char *ctype,
                                 char *text, size_t len, const http_response *rs)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", ctype);
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    if (status == 503)
        MHD_add_response_header(resp, "Retry-After", RETRY_AFTER_S);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    if (rs && rs->set_cookie[0])
        MHD_add_response_header(resp, "Set-Cookie", rs->set_cookie);
    if (rs && rs->csp && !rs->web)
        MHD_add_response_header(resp, "Content-Security-Policy", rs->csp);
    if (rs && rs->web) { /* pages: our own scripts only, never framed, no referrer */
        MHD_add_response_header(
            resp, "Content-Security-Policy",
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
    /* a reply that cannot be built or encoded (a string that is not UTF-8 reached it) is a 500
     * that says so, never a 2xx/4xx with "{}" */
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    json_decref(body);
    if (!text) {
        log_error("reply (status %d) could not be encoded as JSON; answering 500", status);
        status = 500;
        text = strdup("{\"errors\":[{\"code\":\"internal\",\"path\":\"\",\"message\":"
                      "\"the reply could not be encoded\"}]}");
        if (!text)
            return MHD_NO;
    }
    return send_text(conn, status, "application/json", text, strlen(text), rs);
}

static enum MHD_Result send_unavailable(struct MHD_Connection *conn, int kind)
{
    /* every cause is "the database cannot serve now, nothing was done, retry": the code tells
     * an operator which (a failed disk needs a person; a lost server connection is being
     * re-established by the writer, and an overload passes, so their retries come sooner) */
    static const char storage[] =
        "{\"errors\":[{\"code\":\"storage_unavailable\",\"path\":\"\",\"message\":"
        "\"the database cannot be written or read now; nothing was changed; retry later\"}]}";
    static const char database[] =
        "{\"errors\":[{\"code\":\"database_unavailable\",\"path\":\"\",\"message\":"
        "\"the database is unreachable; retry after the Retry-After delay\"}]}";
    static const char busy[] =
        "{\"errors\":[{\"code\":\"database_busy\",\"path\":\"\",\"message\":"
        "\"the database is busy with other requests; nothing was changed; retry after the"
        " Retry-After delay\"}]}";
    const char *msg = kind == STORE_FAULT_CONNECTION ? database
                      : kind == STORE_FAULT_BUSY     ? busy
                                                     : storage;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    /* an Idempotency-Key makes the retry safe if an interrupted COMMIT did happen */
    MHD_add_response_header(resp, "Retry-After", kind == STORE_FAULT_STORAGE ? "5" : RETRY_AFTER_S);
    enum MHD_Result rc = MHD_queue_response(conn, 503, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* GET /healthz: 200 {"status":"ok"} while the database serves, 503 {"status":"degraded"} while
 * the storage fails (with the last fault's cause) or the database server is unreachable (a load
 * balancer stops sending requests here). */
int http_health(app *a, json_t **out)
{
    store_health_info h;
    store_health(a->st, &h);
    json_t *storage = json_pack("{s:s,s:I}", "status", h.failing ? "failing" : "ok", "faults",
                                (json_int_t)h.faults);
    if (storage && h.faults) {
        json_object_set_new(storage, "last_fault", json_string(h.fault_msg));
        json_object_set_new(storage, "last_fault_at", json_integer(h.fault_at));
    }
    /* the writer's last known state of the database connection: no query, so the probe stays
     * cheap (SQLite: always up; PostgreSQL: unavailable while the writer reconnects) */
    int up = store_db_up(a->st);
    int ok = up && !h.failing;
    *out =
        json_pack("{s:s,s:{s:s,s:s},s:o}", "status", ok ? "ok" : "degraded", "database", "engine",
                  store_engine(a->st), "state", up ? "up" : "unavailable", "storage", storage);
    return ok ? 200 : 503;
}

/* A request refused before routing; the connection is closed after the answer because what
 * follows on it cannot be trusted (framing) or read. */
static enum MHD_Result refuse(struct MHD_Connection *conn, int status, const char *code,
                              const char *msg)
{
    atomic_fetch_add(&m_rejected, 1);
    json_t *b =
        json_pack("{s:[{s:s,s:s,s:s}]}", "errors", "code", code, "path", "", "message", msg);
    char *text = b ? json_dumps(b, JSON_COMPACT) : NULL;
    json_decref(b);
    if (!text)
        return MHD_NO;
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE);
    MHD_add_response_header(resp, "Content-Type", "application/json");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Connection", "close");
    enum MHD_Result rc = MHD_queue_response(conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
    return rc;
}

/* ---- request checks done before routing --------------------------------------------------- */

static enum MHD_Result count_framing(void *cls, enum MHD_ValueKind kind, const char *key,
                                     const char *value)
{
    (void)kind;
    http_framing_add(cls, key, value);
    return MHD_YES;
}

static enum MHD_Result check_utf8_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                      const char *value)
{
    int *bad = cls;
    (void)kind;
    if ((key && !utf8_valid(key, strlen(key))) || (value && !utf8_valid(value, strlen(value)))) {
        *bad = 1;
        return MHD_NO;
    }
    return MHD_YES;
}

static const char *framing_problem(struct MHD_Connection *conn)
{
    http_framing f = {0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_framing, &f);
    return http_framing_problem(&f);
}

static int is_loopback(const struct sockaddr *sa)
{
    if (sa->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a6 = &((const struct sockaddr_in6 *)sa)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a6) || (IN6_IS_ADDR_V4MAPPED(a6) && a6->s6_addr[12] == 127);
    }
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static conn_track *track_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

/* deadline_ms = 0: a handler runs (not the client's time); else the end of the receive window */
static void track_set_deadline(http_server *srv, struct MHD_Connection *conn, int receiving)
{
    conn_track *t = track_of(conn);
    if (!t)
        return;
    pthread_mutex_lock(&srv->mu);
    t->deadline_ms = receiving ? now_ms() + (int64_t)srv->o.request_timeout * 1000 : 0;
    pthread_mutex_unlock(&srv->mu);
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
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **req_cls)
{
    http_server *srv = cls;
    req_state *st = *req_cls;
    (void)version;

    if (!st) {
        /* first call: headers only. Answering now would disable keep-alive,
         * which is what a refused request wants */
        st = calloc(1, sizeof *st);
        if (!st)
            return MHD_NO;
        clock_gettime(CLOCK_MONOTONIC, &st->start);
        st->max = svc_attach_is_upload_path(url) ? ATTACH_MAX_FILE : MAX_BODY;
        *req_cls = st;
        const char *why = framing_problem(conn);
        if (why) {
            char msg[160];
            snprintf(msg, sizeof msg, "ambiguous request framing: %s", why);
            return refuse(conn, 400, "bad_framing", msg);
        }
        int bad = !utf8_valid(url, strlen(url));
        if (!bad)
            MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, check_utf8_arg, &bad);
        if (bad)
            return refuse(conn, 400, "bad_url", "the URL, once percent-decoded, is not UTF-8");
        const char *authz = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
        conn_track *t = track_of(conn);
        if (authz && !srv->tls_cert && !srv->o.allow_plain_bearer && t && !t->loopback)
            return refuse(conn, 403, "tls_required",
                          "bearer tokens are accepted over HTTPS only (or from loopback, behind a "
                          "TLS-terminating proxy on the same host)");
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (!st->too_big) {
            if (st->len + *upload_data_size > st->max) {
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

    /* the whole request is in: from here the time is the server's, not the client's */
    track_set_deadline(srv, conn, 0);
    http_request rq = {.conn = conn,
                       .method = method,
                       .url = url,
                       .body = st->body,
                       .body_len = st->len,
                       .body_too_big = st->too_big};
    http_response rs = {0};
    store_thread_fault(1);
    routes_dispatch(srv->a, &rq, &rs);
    int kind = store_thread_fault(1);
    if (kind) {
        /* the database could not serve this request (storage fault or lost connection): whatever
         * the service made of it, the answer is "try again later", quickly; the cause is logged
         * by the store and shown by /healthz */
        json_decref(rs.json);
        free(rs.text);
        record(st, 503);
        return send_unavailable(conn, kind);
    }
    record(st, rs.status);
    if (rs.text)
        return send_text(conn, rs.status, rs.content_type ? rs.content_type : "text/plain", rs.text,
                         rs.text_len, &rs);
    return send_json(conn, rs.status, rs.json, &rs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode toe)
{
    http_server *srv = cls;
    req_state *st = *req_cls;
    (void)toe;
    if (st) {
        free(st->body);
        free(st);
    }
    *req_cls = NULL;
    /* the next request on this keep-alive connection has its own window, starting now */
    track_set_deadline(srv, conn, 1);
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode toe)
{
    http_server *srv = cls;
    if (toe == MHD_CONNECTION_NOTIFY_STARTED) {
        conn_track *t = calloc(1, sizeof *t);
        *socket_context = t;
        if (!t)
            return;
        const union MHD_ConnectionInfo *fd =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        t->fd = fd ? fd->connect_fd : -1;
        t->peer_len = sizeof t->peer;
        if (t->fd < 0 || getpeername(t->fd, (struct sockaddr *)&t->peer, &t->peer_len) != 0)
            t->peer_len = 0;
        t->loopback = t->peer_len && is_loopback((struct sockaddr *)&t->peer);
        pthread_mutex_lock(&srv->mu);
        t->deadline_ms = now_ms() + (int64_t)srv->o.request_timeout * 1000;
        t->next = srv->conns;
        if (srv->conns)
            srv->conns->prev = t;
        srv->conns = t;
        pthread_mutex_unlock(&srv->mu);
        return;
    }
    /* CLOSED: libmicrohttpd notifies before it closes the socket, so under the lock the fd is
     * still this connection's */
    conn_track *t = *socket_context;
    if (!t)
        return;
    pthread_mutex_lock(&srv->mu);
    if (t->prev)
        t->prev->next = t->next;
    else
        srv->conns = t->next;
    if (t->next)
        t->next->prev = t->prev;
    pthread_mutex_unlock(&srv->mu);
    free(t);
    *socket_context = NULL;
}

/* Cuts connections whose request did not arrive in time. shutdown() rather than close(): the
 * descriptor stays MHD's (its thread sees end-of-file and cleans up), so nothing is closed twice.
 * The peer address is compared again as a second guard against a reused descriptor. */
static void *reaper_main(void *arg)
{
    http_server *srv = arg;
    pthread_mutex_lock(&srv->mu);
    while (!srv->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&srv->cv, &srv->mu, &until);
        int64_t now = now_ms();
        unsigned long cut = 0;
        for (conn_track *t = srv->conns; t; t = t->next) {
            if (t->cut || !t->deadline_ms || t->deadline_ms > now || t->fd < 0 || !t->peer_len)
                continue;
            struct sockaddr_storage p;
            socklen_t pl = sizeof p;
            if (getpeername(t->fd, (struct sockaddr *)&p, &pl) != 0 || pl != t->peer_len ||
                memcmp(&p, &t->peer, pl) != 0)
                continue;
            shutdown(t->fd, SHUT_RDWR);
            t->cut = 1;
            cut++;
        }
        if (cut) {
            unsigned long before = atomic_fetch_add(&m_request_timeouts, cut);
            /* one line per burst, not one per connection: an attack must not flood the log */
            if (before / 1000 != (before + cut) / 1000 || before == 0)
                log_warn("cut %lu connection(s) that sent no whole request in %d s (%lu so far)",
                         cut, srv->o.request_timeout, before + cut);
        }
    }
    pthread_mutex_unlock(&srv->mu);
    return NULL;
}

/* libmicrohttpd's own messages ("Server reached connection limit", "closed with incomplete
 * request"): one per refused connection, so an abusive client could flood the log. At most one
 * line a second goes out, with the count of those left out. */
__attribute__((format(printf, 2, 0))) static void mhd_log(void *cls, const char *fmt, va_list ap)
{
    static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
    static time_t last;
    static unsigned long skipped;
    char msg[256];
    (void)cls;
    vsnprintf(msg, sizeof msg, fmt, ap);
    msg[strcspn(msg, "\n")] = '\0';
    time_t now = time(NULL);
    pthread_mutex_lock(&mu);
    int out = now != last;
    unsigned long n = skipped;
    if (out) {
        last = now;
        skipped = 0;
    } else
        skipped++;
    pthread_mutex_unlock(&mu);
    if (out) {
        if (n)
            log_warn("http: %s (%lu more http messages in the last second not logged)", msg, n);
        else
            log_warn("http: %s", msg);
    }
}

static void server_free(http_server *s)
{
    if (s->reaper_started) {
        pthread_mutex_lock(&s->mu);
        s->stopping = 1;
        pthread_cond_signal(&s->cv);
        pthread_mutex_unlock(&s->mu);
        pthread_join(s->reaper, NULL);
    }
    pthread_mutex_destroy(&s->mu);
    pthread_cond_destroy(&s->cv);
    free(s->tls_cert);
    free(s->tls_key);
    free(s);
}

int http_start_opts(app *a, http_options *o, http_server **out)
{
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)o->port)};
    http_server *s = calloc(1, sizeof *s);
    if (!s)
        return -1;
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cv, NULL);
    s->o = *o;
    if (s->o.max_connections <= 0)
        s->o.max_connections = HTTP_DEFAULT_MAX_CONNECTIONS;
    if (s->o.max_per_address <= 0)
        s->o.max_per_address = HTTP_DEFAULT_MAX_PER_ADDRESS;
    if (s->o.request_timeout <= 0)
        s->o.request_timeout = HTTP_DEFAULT_REQUEST_TIMEOUT;
    s->o.host = NULL; /* not kept: the caller's string */
    if (inet_pton(AF_INET, o->host, &addr.sin_addr) != 1) {
        log_error("listen address %s is not an IPv4 address", o->host);
        server_free(s);
        return -1;
    }
    unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                     MHD_USE_POLL | MHD_USE_ERROR_LOG;
    if (o->tls_cert_pem || o->tls_key_pem) {
        if (!o->tls_cert_pem || !o->tls_key_pem) {
            log_error("HTTPS needs both a certificate and a key");
            server_free(s);
            return -1;
        }
        if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) {
            log_error("this libmicrohttpd was built without TLS; serve behind a TLS proxy instead");
            server_free(s);
            return -1;
        }
        s->tls_cert = strdup(o->tls_cert_pem);
        s->tls_key = strdup(o->tls_key_pem);
        if (!s->tls_cert || !s->tls_key) {
            server_free(s);
            return -1;
        }
        flags |= MHD_USE_TLS;
    }
    s->o.tls_cert_pem = s->o.tls_key_pem = NULL;
    signal(SIGPIPE, SIG_IGN);
    json_object_seed(0);
    s->a = a;
    if (pthread_create(&s->reaper, NULL, reaper_main, s) != 0) {
        server_free(s);
        return -1;
    }
    s->reaper_started = 1;
    struct MHD_OptionItem tls[] = {
        {s->tls_cert ? MHD_OPTION_HTTPS_MEM_CERT : MHD_OPTION_END, 0, s->tls_cert},
        {MHD_OPTION_HTTPS_MEM_KEY, 0, s->tls_key},
        {MHD_OPTION_END, 0, NULL}};
    s->d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, s, MHD_OPTION_EXTERNAL_LOGGER, mhd_log, s,
        MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr, MHD_OPTION_NOTIFY_COMPLETED, on_completed,
        s, MHD_OPTION_NOTIFY_CONNECTION, on_connection, s, MHD_OPTION_CONNECTION_LIMIT,
        (unsigned)s->o.max_connections, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)s->o.max_per_address,
        /* idle time: the reaper's whole-request deadline is the tighter bound */
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)s->o.request_timeout + 5,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        (unsigned)1024, MHD_OPTION_ARRAY, tls, MHD_OPTION_END);
    if (!s->d) {
        log_error("cannot listen on %s:%d%s", o->host, o->port,
                  s->tls_cert ? " (or the TLS certificate and key were refused)" : "");
        server_free(s);
        return -1;
    }
    /* libmicrohttpd loaded the key into GnuTLS at start; no copy of it stays in our memory */
    if (s->tls_key)
        OPENSSL_cleanse(s->tls_key, strlen(s->tls_key));
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
    if (info)
        o->port = info->port;
    *out = s;
    return 0;
}

int http_start(app *a, const char *host, int *port, int max_connections, http_server **out)
{
    http_options o = {.host = host, .port = *port, .max_connections = max_connections};
    int rc = http_start_opts(a, &o, out);
    *port = o.port;
    return rc;
}

void http_stop(http_server *s)
{
    if (!s)
        return;
    MHD_stop_daemon(s->d);
    server_free(s);
}
