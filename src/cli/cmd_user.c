/* e-Office people on the command line: user add, tokens issued to a person, token revoke, and
 * the demo people of `db init --demo`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "service/internal.h"
#include "service/admin.h"
#include "service/users.h"
#include "store/store_manifest.h"
#include "store/store_users.h"
#include "util/rand.h"

/* Splits "officer,risk_officer" into u->roles. -1 when there are too many. */
static int parse_roles(const char *list, user_row *u)
{
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (u->n_roles >= USER_MAX_ROLES || n >= sizeof u->roles[0])
            return -1;
        if (n) {
            memcpy(u->roles[u->n_roles], p, n);
            u->roles[u->n_roles++][n] = 0;
        }
        p += n + (e ? 1 : 0);
    }
    return 0;
}

/* The password: first line of the file (or of standard input), without its line ending. */
static int read_password(const char *path, char *out, size_t size)
{
    FILE *f = path ? fopen(path, "r") : stdin;
    if (!f) {
        fprintf(stderr, "cannot open %s\n", path);
        return -1;
    }
    int ok = fgets(out, (int)size, f) != NULL;
    if (path)
        fclose(f);
    if (!ok) {
        fprintf(stderr, "no password given (first line of --password-file or standard input)\n");
        return -1;
    }
    out[strcspn(out, "\r\n")] = 0;
    return 0;
}

static int user_add(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *pc = cli_opt(argc, argv, "--party"),
               *un = cli_opt(argc, argv, "--username"), *name = cli_opt(argc, argv, "--name"),
               *role = cli_opt(argc, argv, "--role"), *office = cli_opt(argc, argv, "--office"),
               *pwf = cli_opt(argc, argv, "--password-file");
    if (!db || !pc || !un || !name || !role) {
        fprintf(stderr, "usage: ecustoms user add --db FILE --party CODE --username U --name NAME "
                        "--role ROLE[,ROLE] [--office CODE] [--password-file F]  (else the "
                        "password is read from standard input)\n");
        return 2;
    }
    user_row u = {0};
    snprintf(u.username, sizeof u.username, "%s", un);
    snprintf(u.party, sizeof u.party, "%s", pc);
    snprintf(u.name, sizeof u.name, "%s", name);
    snprintf(u.office, sizeof u.office, "%s", office ? office : "");
    /* the role may be given several times, or as a comma-separated list */
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--role") && parse_roles(argv[i + 1], &u) != 0) {
            fprintf(stderr, "--role: at most %d roles\n", USER_MAX_ROLES);
            return 2;
        }
    char pw[256];
    if (read_password(pwf, pw, sizeof pw) != 0)
        return 2;
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    errs *e = calloc(1, sizeof *e);
    if (!e) {
        store_close(st);
        return 1;
    }
    errs_init(e);
    svc_req admin = svc_admin_cli();
    int rc = svc_user_add(st, &admin, &u, pw, e);
    store_close(st);
    for (int i = 0; i < e->n; i++)
        fprintf(stderr, "%s: %s\n", e->items[i].path + 1, e->items[i].message);
    free(e);
    memset(pw, 0, sizeof pw);
    if (rc < 0)
        fprintf(stderr, "cannot store the user\n");
    if (rc == 0)
        printf("%s\n", u.username);
    return rc == 0 ? 0 : rc > 0 ? 2 : 1;
}

int cmd_user(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "add"))
        return user_add(argc, argv);
    fprintf(stderr, "usage: ecustoms user add --db FILE --party CODE --username U --name NAME "
                    "--role ROLE [--office CODE] [--password-file F]\n");
    return 2;
}

/* ---- tokens of people --------------------------------------------------------------------- */

/* "90d", "12h", "30m", "3600" (seconds) -> seconds; -1 when malformed. */
static int64_t parse_duration(const char *s)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v <= 0)
        return -1;
    int64_t mul = !*end               ? 1
                  : !strcmp(end, "s") ? 1
                  : !strcmp(end, "m") ? 60
                  : !strcmp(end, "h") ? 3600
                  : !strcmp(end, "d") ? 86400
                                      : -1;
    return mul < 0 || v > 3650LL * 86400 / mul ? -1 : v * mul;
}

int cli_token_for_user(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *un = cli_opt(argc, argv, "--user"),
               *exp = cli_opt(argc, argv, "--expires-in");
    int64_t ttl = exp ? parse_duration(exp) : 90 * 86400; /* a person's token lives 90 days */
    if (!db || !un || ttl < 0) {
        fprintf(stderr, "usage: ecustoms token create --db FILE --user USERNAME [--role ROLE] "
                        "[--expires-in N[s|m|h|d]] (default 90d)\n");
        return 2;
    }
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    svc_req admin = svc_admin_cli();
    char token[65];
    const char *problem = NULL;
    svc_code rc = svc_admin_token_for_user(st, &admin, un, cli_opt(argc, argv, "--role"),
                                           cli_opt(argc, argv, "--party"),
                                           (int64_t)time(NULL) + ttl, token, &problem);
    store_close(st);
    if (problem) {
        fprintf(stderr, "%s: %s\n", un, problem);
        return 1;
    }
    if (rc != SVC_OK) {
        fprintf(stderr, "cannot store the token\n");
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

/* Machine tokens (--party/--role) may carry an expiry too: the instant, or -1 when malformed. */
long long cli_expiry_at(const char *expires_in)
{
    int64_t ttl = parse_duration(expires_in);
    return ttl < 0 ? -1 : (int64_t)time(NULL) + ttl;
}

int cli_token_revoke(int argc, char **argv)
{
    const char *db = cli_opt(argc, argv, "--db"), *token = NULL;
    /* the token is the one argument that is neither an option nor an option's value */
    for (int i = 2; i < argc; i++) {
        if (!strncmp(argv[i], "--", 2)) {
            i++;
            continue;
        }
        token = argv[i];
    }
    if (!db || !token) {
        fprintf(stderr, "usage: ecustoms token revoke --db FILE TOKEN\n");
        return 2;
    }
    store *st;
    if (store_open(db, &st) != 0)
        return 1;
    svc_req admin = svc_admin_cli();
    svc_code rc = svc_admin_token_revoke(st, &admin, token);
    store_close(st);
    if (rc == SVC_NOT_FOUND) {
        fprintf(stderr, "no such token\n");
        return 1;
    }
    if (rc != SVC_OK) {
        fprintf(stderr, "cannot revoke the token\n");
        return 1;
    }
    /* a running server may still accept it from its cache for up to 60 s */
    printf("revoked\n");
    return 0;
}

/* ---- demo people ---------------------------------------------------------------------------- */

typedef struct demo_person {
    const char *username, *party, *name, *role, *office;
} demo_person;

static const demo_person demo_people[] = {
    {"declarant", "0101234567", "Nguyễn Thị Lan", "declarant", ""},
    {"broker", "0301234568", "Trần Văn Hùng", "declarant", ""},
    {"officer", "0000000000", "Lê Minh Tuấn", "officer", "02CI"},
    {"risk", "0000000000", "Phạm Thu Hà", "risk_officer", "02CI"},
    {"manager", "0000000000", "Vũ Đức Thắng", "manager", "02CI"},
    {"admin", "0000000000", "Hoàng Anh Dũng", "admin", ""},
    {"bank", "0100112437", "Đỗ Thị Mai", "bank", ""},
    {"carrier", "0901234565", "Bùi Quang Huy", "carrier", ""},
    {"portop", "0921234567", "Ngô Thanh Sơn", "port_operator", ""},
    /* MOIT's quality inspection, bound to MOIT by db init --demo: records the results that the
     * example phones wait for before clearance */
    {"agency", "0100200002", "Đặng Thị Hương", "agency", ""},
};

int cli_demo_people(void *stp)
{
    store *st = stp;
    svc_req admin = svc_admin_cli();
    if (svc_admin_demo_parties(st, &admin) != SVC_OK) /* the bank, carrier and port operator */
        return -1;
    printf("demo people (username role password) — sign in at / :\n");
    for (size_t i = 0; i < sizeof demo_people / sizeof *demo_people; i++) {
        const demo_person *p = &demo_people[i];
        user_row u = {0};
        char pw[32];
        if (rand_hex(pw, 9) != 0)
            return -1;
        snprintf(u.username, sizeof u.username, "%s", p->username);
        snprintf(u.party, sizeof u.party, "%s", p->party);
        snprintf(u.name, sizeof u.name, "%s", p->name);
        snprintf(u.office, sizeof u.office, "%s", p->office);
        snprintf(u.roles[0], sizeof u.roles[0], "%s", p->role);
        u.n_roles = 1;
        errs *e = calloc(1, sizeof *e);
        if (!e)
            return -1;
        errs_init(e);
        int rc = svc_user_add(st, &admin, &u, pw, e);
        if (rc)
            fprintf(stderr, "demo user %s: %s\n", p->username,
                    e->n ? e->items[0].message : "storage");
        free(e);
        if (rc)
            return -1;
        printf("  %-10s %-14s %s\n", p->username, p->role, pw);
    }
    return 0;
}
