/* Administration commands that work directly on the database file: db init, party add,
 * token create, invalidate, serve. */
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/codes.h"
#include "core/manifest.h"
#include "http/routes.h"
#include "http/server.h"
#include "http/web.h"
#include "service/admin.h"
#include "service/app.h"
#include "service/risk_engine.h"
#include "service/kernel.h"
#include "service/barcodes.h"
#include "service/manifests.h"
#include "service/users.h"
#include "store/db.h"
#include "store/store_audit.h"
#include "store/store_manifest.h"
#include "util/decimal.h"
#include "util/file.h"
#include "util/log.h"
#include "util/rand.h"

/* ---- db init --------------------------------------------------------------------------- */

int cmd_db(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db");
    if (argc >= 2 && strcmp(argv[1], "migrate") == 0)
        return cmd_db_migrate(argc, argv);
    if (argc >= 2 && strcmp(argv[1], "seed") == 0)
        return cmd_db_seed(argc, argv);
    if (argc < 2 || strcmp(argv[1], "init") != 0 || !db) {
        fprintf(stderr,
                "usage: ecustoms db init --db FILE [--demo] [--signing-key FILE]\n"
                "       ecustoms db migrate --db FILE\n"
                "       ecustoms db seed --db FILE --declarations N [--seed S] [--append]\n");
        return 2;
    }
    store *st;
    if (store_open_ex(db, STORE_INIT, &st) != 0)
        return 1;
    svc_req admin = svc_admin_cli();
    int demo = cli_flag(argc, argv, "--demo"), n_fx = 0;
    int rc = svc_admin_db_init(st, &admin, cli_data_dir(), demo, &n_fx) == SVC_OK ? 0 : -1;
    if (rc == 0 && demo) {
        struct {
            const char *party, *role;
            char token[65];
        } t[] = {{"0101234567", "declarant", ""},    {"0301234568", "declarant", ""},
                 {"0201234569", "declarant", ""},    {"0000000000", "officer", ""},
                 {"0000000000", "risk_officer", ""}, {"0000000000", "admin", ""},
                 {"0100200001", "agency", ""},       {"0100200002", "agency", ""},
                 {"0100200003", "agency", ""}};
        size_t n = sizeof t / sizeof *t;
        for (size_t i = 0; i < n && rc == 0; i++)
            if (svc_admin_token_create(st, &admin, t[i].party, t[i].role, NULL, 0, t[i].token) !=
                SVC_OK)
                rc = -1;
        if (rc == 0) {
            printf(
                "demo database %s: %d exchange rates, 5 enterprises, 3 agencies bound to MARD, MOIT"
                " and MOT, 4 risk rules\n",
                db, n_fx);
            printf("demo tokens (role party token):\n");
            for (size_t i = 0; i < n; i++)
                printf("  %-13s %s %s\n", t[i].role, t[i].party, t[i].token);
            rc = cli_demo_people(st); /* one person per role, to sign in to the web portal */
        }
    }
    store_close(st);
    if (rc != 0) {
        fprintf(stderr, "db init failed\n");
        return 1;
    }
    /* the QR signing key, next to the database (a PostgreSQL database: in the state
     * directory, store/db.h) or --signing-key, never inside it */
    const char *kf = cli_opt(argc, argv, "--signing-key");
    char kpath[1100];
    if (kf)
        snprintf(kpath, sizeof kpath, "%s", kf);
    else
        svc_signing_key_default_path(db, kpath, sizeof kpath);
    if (access(kpath, F_OK) != 0 && cli_key_generate(kpath) != 0)
        return 1;
    return 0;
}

/* ---- party add / token create ---------------------------------------------------------- */

int cmd_party_key(int argc, char **argv); /* cmd_bank.c (e-Payment) */

int cmd_party(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *tc = cli_opt(argc, argv, "--tax-code"),
               *name = cli_opt(argc, argv, "--name"), *status = cli_opt(argc, argv, "--status"),
               *comp = cli_opt(argc, argv, "--compliance"),
               *debt = cli_opt(argc, argv, "--overdue-debt-days");
    if (argc >= 2 && strcmp(argv[1], "key") == 0)
        return cmd_party_key(argc, argv);
    if (argc < 2 || strcmp(argv[1], "add") != 0 || !db || !tc || !name) {
        fprintf(stderr, "usage: ecustoms party add --db FILE --tax-code CODE --name NAME "
                        "[--status active|suspended|dissolved] [--aeo] [--compliance 1..4] "
                        "[--overdue-debt-days N] [--bank]\n"
                        "       ecustoms party key --db FILE --party CODE --public-key PEM_FILE\n");
        return 2;
    }
    party p = {0};
    int bad = 0;
    if (!codes_tax_code_valid(tc)) {
        fprintf(stderr, "--tax-code: a tax code has 10 or 13 digits\n");
        bad = 1;
    }
    if (strlen(name) >= sizeof p.name || !*name) {
        fprintf(stderr, "--name: 1-255 characters\n");
        bad = 1;
    }
    if (status && strcmp(status, "active") && strcmp(status, "suspended") &&
        strcmp(status, "dissolved")) {
        fprintf(stderr, "--status: active, suspended or dissolved\n");
        bad = 1;
    }
    int64_t cv = 2, dv = 0;
    if (comp && (decimal_parse(comp, 0, 0, &cv) != 0 || cv < 1 || cv > 4)) {
        fprintf(stderr, "--compliance: 1 (high) to 4 (non-compliant)\n");
        bad = 1;
    }
    if (debt && (decimal_parse(debt, 0, 0, &dv) != 0 || dv < 0 || dv > 100000)) {
        fprintf(stderr, "--overdue-debt-days: a non-negative number of days\n");
        bad = 1;
    }
    if (bad)
        return 2;
    snprintf(p.tax_code, sizeof p.tax_code, "%s", tc);
    snprintf(p.name, sizeof p.name, "%s", name);
    snprintf(p.status, sizeof p.status, "%s", status ? status : "active");
    snprintf(p.kind, sizeof p.kind, "%s", cli_flag(argc, argv, "--bank") ? "bank" : "enterprise");
    p.aeo = cli_flag(argc, argv, "--aeo");
    p.compliance = (int)cv;
    p.overdue_debt_days = (int)dv;
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    svc_req admin = svc_admin_cli();
    svc_code rc = svc_admin_party_put(st, &admin, &p);
    store_close(st);
    if (rc != SVC_OK) {
        fprintf(stderr, "cannot store the party\n");
        return 1;
    }
    printf("%s\n", p.tax_code);
    return 0;
}

int cmd_token(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *pc = cli_opt(argc, argv, "--party"),
               *role = cli_opt(argc, argv, "--role");
    if (argc >= 2 && !strcmp(argv[1], "revoke"))
        return cli_token_revoke(argc, argv);
    if (argc >= 2 && !strcmp(argv[1], "create") && cli_opt(argc, argv, "--user"))
        return cli_token_for_user(argc, argv); /* a token acting as a person (e-Office) */
    const char *exp = cli_opt(argc, argv, "--expires-in");
    long long expires_at = exp ? cli_expiry_at(exp) : 0;
    if (argc < 2 || strcmp(argv[1], "create") != 0 || !db || !pc || !role || expires_at < 0) {
        fprintf(stderr,
                "usage: ecustoms token create --db FILE --party CODE --role ROLE [--location CODE] "
                "[--expires-in N[s|m|h|d]]\n"
                "       ecustoms token create --db FILE --user USERNAME [--role ROLE] "
                "[--expires-in 90d]\n"
                "       ecustoms token revoke --db FILE TOKEN\n");
        return 2;
    }
    if (!svc_role_valid(role)) {
        fprintf(stderr, "--role: one of %s\n", svc_roles_list());
        return 2;
    }
    const char *loc = cli_opt(argc, argv, "--location");
    if (loc && (strcmp(role, "port_operator") != 0 || !manifest_location_valid(loc))) {
        fprintf(stderr, "--location: a port operator's UN/LOCODE, optionally with a terminal "
                        "code (VNHPH or VNHPH-TC01)\n");
        return 2;
    }
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    svc_req admin = svc_admin_cli();
    char token[65];
    svc_code rc = svc_admin_token_create(st, &admin, pc, role, loc, expires_at, token);
    store_close(st);
    if (rc == SVC_NOT_FOUND) {
        fprintf(stderr, "no party with tax code %s (add it with `ecustoms party add`)\n", pc);
        return 1;
    }
    if (rc != SVC_OK) {
        fprintf(stderr, "cannot store the token\n");
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

/* ---- invalidate -------------------------------------------------------------------------- */

int cmd_invalidate(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *ds = cli_opt(argc, argv, "--date");
    date_ymd d;
    if (!db || (ds && date_parse(ds, &d) != 0)) {
        fprintf(stderr, "usage: ecustoms invalidate --db FILE [--date YYYY-MM-DD]\n");
        return 2;
    }
    app a;
    if (app_open(&a, db, cli_data_dir()) != 0)
        return 1;
    svc_req admin = {.party = "CLI",
                     .role = "admin"}; /* the operator at the console, audited as such */
    svc_reply r = svc_admin_invalidate(&a, &admin, ds);
    app_close(&a);
    int ok = r.code == SVC_OK;
    if (ok)
        printf("expired %d provisional, invalidated %d registered\n",
               (int)json_integer_value(json_object_get(r.body, "expired")),
               (int)json_integer_value(json_object_get(r.body, "invalidated")));
    else /* a future --date is refused like the API's as_of (exit 2, a usage error) */
        fprintf(stderr, "ecustoms invalidate: %s\n",
                json_string_value(json_object_get(
                    json_array_get(json_object_get(r.body, "errors"), 0), "message")));
    json_decref(r.body);
    return ok ? 0 : r.code == SVC_INVALID ? 2 : 1;
}

/* ---- serve ------------------------------------------------------------------------------ */

static volatile sig_atomic_t stop_requested;
static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* a positive integer option, or dflt when absent; -1 when present but not a number in range */
static int int_opt(int argc, char **argv, const char *name, int dflt, int max)
{
    const char *v = cli_opt(argc, argv, name);
    char *end;
    if (!v)
        return dflt;
    long n = strtol(v, &end, 10);
    return *v && !*end && n > 0 && n <= max ? (int)n : -1;
}

int cmd_serve(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *listen = cli_opt(argc, argv, "--listen");
    const char *cert = cli_opt(argc, argv, "--tls-cert"), *key = cli_opt(argc, argv, "--tls-key");
    const char *signing = cli_opt(argc, argv, "--signing-key");
    char host[64] = "127.0.0.1";
    int port = 8080, rc = 1;
    http_options ho = {.max_connections = int_opt(argc, argv, "--max-connections",
                                                  HTTP_DEFAULT_MAX_CONNECTIONS, 100000),
                       .max_per_address = int_opt(argc, argv, "--max-connections-per-address",
                                                  HTTP_DEFAULT_MAX_PER_ADDRESS, 100000),
                       .request_timeout = int_opt(argc, argv, "--request-timeout",
                                                  HTTP_DEFAULT_REQUEST_TIMEOUT, 3600),
                       .allow_plain_bearer = cli_flag(argc, argv, "--allow-plain-http-tokens")};
    int readers = int_opt(argc, argv, "--db-readers", 0, STORE_READ_CONNS_MAX);
    if (!db || ho.max_connections < 0 || ho.max_per_address < 0 || ho.request_timeout < 0 ||
        readers < 0 || !cert != !key) {
        fprintf(stderr,
                "usage: ecustoms serve --db FILE --listen 127.0.0.1:PORT [--max-connections N]\n"
                "  [--max-connections-per-address N] [--request-timeout SECONDS]\n"
                "  [--tls-cert PEM --tls-key PEM] [--allow-plain-http-tokens]\n"
                "  [--signing-key FILE (default: the database path + .signing-key.pem)]\n"
                "  [--db-readers N (a database server's read connections, 1-%d; default %d:"
                " twice the cores)]\n"
                "  [--state-dir DIR (a PostgreSQL database: its audit key, audit log and"
                " signing key)]\n",
                STORE_READ_CONNS_MAX, store_default_read_connections());
        return 2;
    }
    if (listen) {
        const char *colon = strrchr(listen, ':');
        if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host) {
            fprintf(stderr, "--listen HOST:PORT\n");
            return 2;
        }
        memcpy(host, listen, (size_t)(colon - listen));
        host[colon - listen] = 0;
        port = atoi(colon + 1);
    }
    /* serve never creates a database: a mistyped or empty --db would otherwise become a fresh
     * empty database on which every token is refused (a database server's database: store_open
     * fails on a missing one; a file's permissions below are SQLite's concern only) */
    struct stat sb;
    if (!db_is_server(db) && (stat(db, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size == 0)) {
        fprintf(stderr, "serve: %s is %s; create it with `ecustoms db init --db %s`\n", db,
                stat(db, &sb) != 0     ? "missing"
                : !S_ISREG(sb.st_mode) ? "not a file"
                                       : "empty",
                db);
        return 1;
    }
    char dir[1024];
    snprintf(dir, sizeof dir, "%s", db);
    char *slash = strrchr(dir, '/');
    if (slash)
        slash[slash == dir ? 1 : 0] = '\0';
    else
        snprintf(dir, sizeof dir, ".");
    if (!db_is_server(db) && (access(db, W_OK) != 0 || access(dir, W_OK) != 0))
        log_warn("the database %s%s is not writable by this process: it will serve reads, and "
                 "every write will answer 503 until that is fixed",
                 db, access(db, W_OK) != 0 ? "" : "'s directory (WAL and -shm files)");
    char *cert_pem = NULL, *key_pem = NULL;
    if (cert) {
        size_t n;
        cert_pem = file_read_all(cert, &n);
        key_pem = file_read_all(key, &n);
        if (!cert_pem || !key_pem) {
            fprintf(stderr, "serve: cannot read %s\n", cert_pem ? key : cert);
            free(cert_pem);
            free(key_pem);
            return 1;
        }
    }
    /* One malloc arena per connection thread rather than glibc's default of 8 per core: with
     * thread-per-connection the shared arenas' locks dominated the profile under load, and
     * measured p99 fell from ~100 ms to ~20 ms at 1,000 registrations/s (docs/performance.md). */
    mallopt(M_ARENA_MAX, 256);
    static char openapi[1024];
    snprintf(openapi, sizeof openapi, "%s/openapi.json", cli_data_dir());
    http_openapi_path = openapi;
    static char web[1024];
    snprintf(web, sizeof web, "%s/web", cli_data_dir());
    http_web_dir = web;
    app a;
    /* a damaged file is refused at start rather than answering with partial histories;
     * --no-integrity-check skips the scan for very large files (docs/reliability.md: its cost) */
    int flags = cli_flag(argc, argv, "--no-integrity-check") ? 0 : STORE_CHECK;
    if (app_open_ex(&a, db, cli_data_dir(), flags) != 0) {
        free(cert_pem);
        free(key_pem);
        return 1;
    }
    if (readers)
        store_set_read_connections(a.st, readers);
    char kerr[300];
    svc_signing_key_file(signing);
    if (svc_signing_key_prepare(&a, kerr, sizeof kerr) != 0) {
        fprintf(stderr, "serve: QR signing key: %s\n", kerr);
        app_close(&a);
        free(cert_pem);
        free(key_pem);
        return 1;
    }
    http_server *srv;
    ho.host = host;
    ho.port = port;
    ho.tls_cert_pem = cert_pem;
    ho.tls_key_pem = key_pem;
    /* before the listener: once /healthz answers, a SIGTERM must mean a clean stop (installed
     * after it, a stop sent right after start-up killed the process: exit -15 in the tests) */
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rc = http_start_opts(&a, &ho, &srv);
    if (key_pem)
        OPENSSL_cleanse(key_pem, strlen(key_pem));
    free(cert_pem);
    free(key_pem);
    if (rc != 0) {
        app_close(&a);
        return 1;
    }
    port = ho.port;
    printf("ecustoms serving on %s://%s:%d\n", cert ? "https" : "http", host, port);
    fflush(stdout);
    time_t last_sweep = time(NULL);
    risk_engine_refresh(a.risk_engine, a.st);
    for (unsigned tick = 1; !stop_requested; tick++) {
        sleep(1);
        /* a risk model activated meanwhile (`ecustoms risk activate`) is picked up within 5 s */
        if (tick % 5 == 0)
            risk_engine_refresh(a.risk_engine, a.st);
        /* idempotency keys live 48 h (docs/storage.md): small sweeps, often */
        if (tick % 10 == 1)
            svc_idem_sweep(&a, (int64_t)time(NULL));
        /* the 15-day invalidation and 7-day expiry, hourly (also `ecustoms invalidate`) */
        if (time(NULL) - last_sweep >= 3600) {
            int e, i;
            svc_invalidate(&a, NULL, (int64_t)time(NULL), &e, &i);
            if (e || i)
                log_info("expired %d provisional, invalidated %d registered declarations", e, i);
            last_sweep = time(NULL);
        }
    }
    http_stop(srv);
    app_close(&a);
    return 0;
}

/* ---- audit verify ------------------------------------------------------------------------- */

/* Exit 0 only when the database passes its integrity check and the whole trail could be read
 * and verified; every read error is a failure. */
int cmd_audit(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db");
    if (argc >= 2 &&
        strcmp(argv[1], "verify") != 0) /* post-clearance audit (cmd_post_clearance.c) */
        return cmd_post_clearance(argc, argv);
    if (argc < 2 || !db) {
        fprintf(stderr, "usage: ecustoms audit verify --db FILE\n");
        return 2;
    }
    if (!db_is_server(db) && access(db, R_OK) != 0) {
        fprintf(stderr, "audit verify: cannot read %s\n", db);
        return 1;
    }
    store *st;
    if (store_open_ex(db, STORE_CHECK, &st) != 0) {
        fprintf(stderr, "audit verify: FAILED: the database cannot be opened or is damaged\n");
        return 1;
    }
    audit_report *r = calloc(1, sizeof *r);
    if (!r) {
        store_close(st);
        return 1;
    }
    int rc = store_audit_verify(st, r);
    store_close(st);
    for (int i = 0; i < r->n_problems && i < AUDIT_MAX_PROBLEMS; i++)
        printf("TAMPERED: %s\n", r->problems[i]);
    if (r->n_problems > AUDIT_MAX_PROBLEMS)
        printf("... and %d more problems\n", r->n_problems - AUDIT_MAX_PROBLEMS);
    int ok = rc == 0 && r->n_problems == 0;
    if (rc != 0)
        printf("FAILED: the audit trail could not be read to the end\n");
    else if (ok)
        printf("ok: %lld events of %lld declarations, every hash chain intact, %lld checkpoints "
               "match%s\n",
               (long long)r->events, (long long)r->declarations, (long long)r->checkpoints,
               r->legacy_events ? " (some events predate the key: hash-chained only)" : "");
    else
        printf("FAILED: %d problems in %lld events\n", r->n_problems, (long long)r->events);
    free(r);
    return ok ? 0 : 1;
}
