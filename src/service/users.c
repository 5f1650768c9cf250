/* e-Office people and sign-in.
 *
 * Passwords: scrypt from OpenSSL (memory-hard: 32 MiB per hash at N=2^15, r=8), salted, stored
 * as "scrypt$log2N$r$p$salt$hash". At most two hashes run at once, so a flood of sign-ins cannot
 * take more than 64 MiB or both cores; an unknown user costs the same hash as a known one, so
 * timing does not tell whether a username exists.
 *
 * Sessions: a random 24-byte id in an HttpOnly cookie, stored as its SHA-256 (like tokens);
 * idle expiry (30 min) and absolute expiry (12 h); a CSRF token per session that every
 * state-changing request made with the cookie must echo in X-CSRF-Token.
 *
 * Throttling: after 5 consecutive failures for a username (known or not) the next attempt must
 * wait 30 s, doubling per further failure up to 15 min; a success clears the count. */
#include "service/users.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "codec/json_session.h"
#include "service/audit_log.h"
#include "service/internal.h"
#include "util/rand.h"
#include "util/hex.h"

#define SCRYPT_LOG2N 15
#define SCRYPT_R 8
#define SCRYPT_P 1
#define SCRYPT_MAXMEM (64u * 1024 * 1024)
#define THROTTLE_AFTER 5
#define THROTTLE_BASE_S 30
#define THROTTLE_MAX_S 900
#define TOUCH_EVERY_S 60 /* seen_at is written at most once a minute per session */

static const char *const known_roles[] = {
    "declarant",     "officer", "risk_officer", "manager", "admin", "carrier",
    "port_operator", "bank",    "agency",       "asw",     NULL};

int svc_role_valid(const char *role)
{
    for (int i = 0; known_roles[i]; i++)
        if (!strcmp(known_roles[i], role))
            return 1;
    return 0;
}

const char *svc_roles_list(void)
{
    return "declarant, officer, risk_officer, manager, admin, carrier, port_operator, bank, "
           "agency, asw";
}

/* ---- passwords ------------------------------------------------------------------------------ */

static pthread_mutex_t hash_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t hash_cv = PTHREAD_COND_INITIALIZER;
static int hash_running;

static int scrypt(const char *pw, const unsigned char *salt, size_t salt_len, int log2n, int r,
                  int p, unsigned char *out, size_t out_len)
{
    pthread_mutex_lock(&hash_mu);
    while (hash_running >= 2)
        pthread_cond_wait(&hash_cv, &hash_mu);
    hash_running++;
    pthread_mutex_unlock(&hash_mu);
    int ok = EVP_PBE_scrypt(pw, strlen(pw), salt, salt_len, (uint64_t)1 << log2n, (uint64_t)r,
                            (uint64_t)p, SCRYPT_MAXMEM, out, out_len);
    pthread_mutex_lock(&hash_mu);
    hash_running--;
    pthread_cond_signal(&hash_cv);
    pthread_mutex_unlock(&hash_mu);
    return ok == 1 ? 0 : -1;
}

static void hex(const unsigned char *b, size_t n, char *out) { hex_encode(b, n, out); }

static int unhex(const char *s, unsigned char *out, size_t n)
{
    if (strlen(s) != 2 * n)
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
            sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return 0;
}

int svc_password_hash(const char *password, char out[256])
{
    unsigned char salt[16], key[32];
    char salt_hex[33], key_hex[65];
    if (rand_fill(salt, sizeof salt) != 0 ||
        scrypt(password, salt, sizeof salt, SCRYPT_LOG2N, SCRYPT_R, SCRYPT_P, key, sizeof key))
        return -1;
    hex(salt, sizeof salt, salt_hex);
    hex(key, sizeof key, key_hex);
    snprintf(out, 256, "scrypt$%d$%d$%d$%s$%s", SCRYPT_LOG2N, SCRYPT_R, SCRYPT_P, salt_hex,
             key_hex);
    OPENSSL_cleanse(key, sizeof key);
    return 0;
}

int svc_password_verify(const char *password, const char *stored)
{
    int log2n, r, p;
    char salt_hex[65], key_hex[129];
    unsigned char salt[32], want[64], got[64];
    if (sscanf(stored, "scrypt$%d$%d$%d$%64[0-9a-f]$%128[0-9a-f]", &log2n, &r, &p, salt_hex,
               key_hex) != 5 ||
        log2n < 10 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 4)
        return 0;
    size_t sl = strlen(salt_hex) / 2, kl = strlen(key_hex) / 2;
    if (unhex(salt_hex, salt, sl) || unhex(key_hex, want, kl) || kl < 16)
        return 0;
    if (scrypt(password, salt, sl, log2n, r, p, got, kl))
        return 0;
    int ok = CRYPTO_memcmp(got, want, kl) == 0;
    OPENSSL_cleanse(got, sizeof got);
    return ok;
}

/* ---- people ---------------------------------------------------------------------------------- */

typedef struct add_ctx {
    const svc_req *by;
    const user_row *u;
    int party_found;
} add_ctx;

static int add_job(db_conn *c, void *ctx)
{
    add_ctx *x = ctx;
    party p;
    x->party_found = store_party_get(c, x->u->party, &p);
    if (x->party_found != 1)
        return 1;
    int rc = store_user_put(c, x->u);
    if (rc)
        return rc;
    /* who the person is and may do; never the password's hash */
    json_t *roles = json_array();
    for (int i = 0; i < x->u->n_roles; i++)
        json_array_append_new(roles, json_string(x->u->roles[i]));
    json_t *d = json_pack("{s:s,s:s,s:s,s:o,s:s}", "username", x->u->username, "name", x->u->name,
                          "party", x->u->party, "roles", roles, "office", x->u->office);
    rc = svc_audit_append(c, x->by, "users", x->u->created_at, "user.add", d);
    json_decref(d);
    return rc;
}

static int username_valid(const char *u)
{
    size_t n = strlen(u);
    if (n < 3 || n > 63)
        return 0;
    for (const char *p = u; *p; p++)
        if (!(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '.' || *p == '_' ||
              *p == '-'))
            return 0;
    return 1;
}

int svc_user_add(store *st, const svc_req *by, const user_row *in, const char *password, errs *e)
{
    if (!svc_role_is(by, "admin"))
        return -1;
    user_row u = *in;
    if (!username_valid(u.username))
        errs_add(e, "username", "/username",
                 "3-63 characters: lower-case letters, digits, '.', '_' or '-'");
    if (!u.name[0])
        errs_add(e, "name", "/name", "the person's full name is required");
    if (u.n_roles == 0)
        errs_add(e, "role", "/role", "at least one role: %s", svc_roles_list());
    for (int i = 0; i < u.n_roles; i++)
        if (!svc_role_valid(u.roles[i]))
            errs_add(e, "role", "/role", "unknown role '%s' (one of %s)", u.roles[i],
                     svc_roles_list());
    if (strlen(u.office) > 8)
        errs_add(e, "office", "/office", "a customs office code has at most 8 characters");
    size_t pl = password ? strlen(password) : 0;
    if (pl < 10 || pl > 200)
        errs_add(e, "password", "/password", "a password has 10 to 200 characters");
    if (e->n)
        return 1;
    if (svc_password_hash(password, u.password) != 0)
        return -1;
    u.created_at = svc_now();
    add_ctx x = {by, &u, 0};
    int rc = store_write(st, add_job, &x);
    if (x.party_found != 1) {
        errs_add(e, "party", "/party",
                 "no party with tax code %s (add it with `ecustoms party add`)", u.party);
        return 1;
    }
    return rc == 0 ? 0 : -1;
}

/* ---- sessions -------------------------------------------------------------------------------- */

typedef struct login_ctx {
    const char *username;
    user_row user;
    int found;
    int failures;
    int64_t last_at, now;
    /* write */
    int ok;
    const char *id_hash;
    session_row s;
} login_ctx;

static int login_read_job(db_conn *c, void *ctx)
{
    login_ctx *x = ctx;
    int rc = store_login_failures_get(c, x->username, &x->failures, &x->last_at);
    if (rc < 0)
        return rc;
    x->found = store_user_get(c, x->username, &x->user);
    return x->found < 0 ? x->found : 0;
}

static int login_write_job(db_conn *c, void *ctx)
{
    login_ctx *x = ctx;
    if (!x->ok)
        return store_login_failure_add(c, x->username, x->now);
    int rc = store_login_failures_clear(c, x->username);
    return rc ? rc : store_session_put(c, x->id_hash, &x->s);
}

static json_t *person_json(const user_row *u, const char *role, const char *csrf)
{
    json_t *roles = json_array();
    for (int i = 0; i < u->n_roles; i++)
        json_array_append_new(roles, json_string(u->roles[i]));
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o,s:s?,s:i,s:i}", "username", u->username, "name",
                          u->name, "party", u->party, "role", role, "roles", roles, "office",
                          u->office[0] ? u->office : NULL, "idle_timeout_s", SESSION_IDLE_S,
                          "absolute_timeout_s", SESSION_ABSOLUTE_S);
    if (csrf)
        json_object_set_new(o, "csrf_token", json_string(csrf));
    return o;
}

/* A throwaway hash for unknown users: the same work as a real verification. */
static const char dummy_hash[] = "scrypt$15$8$1$00000000000000000000000000000000$"
                                 "0000000000000000000000000000000000000000000000000000000000000000";

svc_reply svc_session_login(app *a, const login_in *in, errs *e, char session_id[65])
{
    if (e->n)
        return svc_errors(e);
    const char *un = in->username, *pw = in->password, *role = in->role;

    login_ctx x = {.username = un, .now = (int64_t)time(NULL)};
    if (store_read(a->st, login_read_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot read the user");
    if (x.failures >= THROTTLE_AFTER) {
        int shift = x.failures - THROTTLE_AFTER;
        int64_t wait = shift > 5 ? THROTTLE_MAX_S : (int64_t)THROTTLE_BASE_S << shift;
        if (wait > THROTTLE_MAX_S)
            wait = THROTTLE_MAX_S;
        if (x.now - x.last_at < wait) {
            char msg[160];
            snprintf(msg, sizeof msg, "too many failed sign-ins: try again in %lld s",
                     (long long)(wait - (x.now - x.last_at)));
            return svc_error(SVC_TOO_MANY, "throttled", msg);
        }
    }
    int ok = svc_password_verify(pw, x.found == 1 ? x.user.password : dummy_hash);
    if (x.found != 1 || x.user.disabled || x.user.n_roles == 0)
        ok = 0;
    x.ok = ok;
    char id_hash[65], csrf[65];
    if (ok) {
        if (role && *role) {
            int held = 0;
            for (int i = 0; i < x.user.n_roles; i++)
                held |= !strcmp(x.user.roles[i], role);
            if (!held)
                return svc_error(SVC_FORBIDDEN, "role", "you do not hold this role");
        }
        /* a session id or CSRF token from a failed generator would be guessable: no session */
        if (rand_hex(session_id, 24) != 0 || rand_hex(csrf, 24) != 0)
            return svc_error(SVC_ERROR, "random", "the random number generator failed");
        svc_sha256_hex(session_id, 48, id_hash);
        x.id_hash = id_hash;
        snprintf(x.s.username, sizeof x.s.username, "%s", x.user.username);
        snprintf(x.s.role, sizeof x.s.role, "%s", role && *role ? role : x.user.roles[0]);
        memcpy(x.s.csrf, csrf, sizeof x.s.csrf);
        x.s.created_at = x.s.seen_at = x.now;
    }
    if (store_write(a->st, login_write_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot record the sign-in");
    if (!ok)
        return svc_error(SVC_UNAUTHORIZED, "invalid_credentials", "wrong username or password");
    svc_reply r = {.code = SVC_OK, .body = person_json(&x.user, x.s.role, csrf)};
    return r;
}

typedef struct sess_ctx {
    char id_hash[65];
    session_row s;
    int found;
    user_row user;
    int user_found;
    int64_t now;
    const char *role; /* PUT: the new role */
} sess_ctx;

static int sess_read_job(db_conn *c, void *ctx)
{
    sess_ctx *x = ctx;
    x->found = store_session_get(c, x->id_hash, &x->s);
    if (x->found == 1)
        x->user_found = store_user_get(c, x->s.username, &x->user);
    return x->found < 0 ? x->found : x->user_found < 0 ? x->user_found : 0;
}

static int sess_touch_job(db_conn *c, void *ctx)
{
    sess_ctx *x = ctx;
    return store_session_touch(c, x->id_hash, x->now);
}

static int sess_delete_job(db_conn *c, void *ctx)
{
    sess_ctx *x = ctx;
    return store_session_delete(c, x->id_hash);
}

static int sess_role_job(db_conn *c, void *ctx)
{
    sess_ctx *x = ctx;
    return store_session_set_role(c, x->id_hash, x->role);
}

static int session_id_valid(const char *id)
{
    if (!id || strlen(id) != 48)
        return 0;
    for (const char *p = id; *p; p++)
        if (!isxdigit((unsigned char)*p))
            return 0;
    return 1;
}

/* Loads a live session (1), or 0 when unknown, expired, or its person lost the role. */
static int session_load(app *a, const char *session_id, sess_ctx *x)
{
    memset(x, 0, sizeof *x);
    if (!session_id_valid(session_id))
        return 0;
    svc_sha256_hex(session_id, 48, x->id_hash);
    x->now = (int64_t)time(NULL);
    if (store_read(a->st, sess_read_job, x) != 0)
        return -1;
    if (x->found != 1 || x->user_found != 1 || x->user.disabled)
        return 0;
    if (x->now - x->s.seen_at >= SESSION_IDLE_S || x->now - x->s.created_at >= SESSION_ABSOLUTE_S) {
        store_write(a->st, sess_delete_job, x);
        return 0;
    }
    int held = 0;
    for (int i = 0; i < x->user.n_roles; i++)
        held |= !strcmp(x->user.roles[i], x->s.role);
    return held;
}

int svc_session_authenticate(app *a, const char *session_id, svc_req *req, char csrf[65])
{
    sess_ctx x;
    int rc = session_load(a, session_id, &x);
    if (rc != 1)
        return rc;
    if (x.now - x.s.seen_at >= TOUCH_EVERY_S && store_write(a->st, sess_touch_job, &x) != 0)
        return -1;
    snprintf(req->party, sizeof req->party, "%s", x.user.party);
    snprintf(req->role, sizeof req->role, "%s", x.s.role);
    snprintf(req->user, sizeof req->user, "%s", x.user.username);
    snprintf(req->user_name, sizeof req->user_name, "%s", x.user.name);
    snprintf(req->office, sizeof req->office, "%s", x.user.office);
    memcpy(csrf, x.s.csrf, 65);
    return 1;
}

typedef struct who_ctx {
    const char *username;
    user_row user;
    int found;
} who_ctx;

static int who_job(db_conn *c, void *ctx)
{
    who_ctx *x = ctx;
    x->found = store_user_get(c, x->username, &x->user);
    return x->found < 0 ? x->found : 0;
}

svc_reply svc_session_get(app *a, const svc_req *req, const char *session_id)
{
    sess_ctx x;
    if (session_id && session_load(a, session_id, &x) == 1) {
        svc_reply r = {.code = SVC_OK, .body = person_json(&x.user, x.s.role, x.s.csrf)};
        return r;
    }
    if (req->user[0]) { /* a token issued to a person */
        who_ctx w = {.username = req->user};
        if (store_read(a->st, who_job, &w) != 0 || w.found != 1)
            return svc_error(SVC_ERROR, "storage", "cannot read the user");
        svc_reply r = {.code = SVC_OK, .body = person_json(&w.user, req->role, NULL)};
        return r;
    }
    svc_reply r = {
        .code = SVC_OK,
        .body = json_pack("{s:n,s:s,s:s}", "username", "party", req->party, "role", req->role)};
    return r;
}

svc_reply svc_session_put(app *a, const svc_req *req, const char *session_id, const char *role,
                          errs *e)
{
    sess_ctx x;
    (void)req;
    if (!session_id || session_load(a, session_id, &x) != 1)
        return svc_error(SVC_UNAUTHORIZED, "unauthorized", "sign in first");
    if (e->n)
        return svc_error(SVC_INVALID, e->items[0].code, e->items[0].message);
    int held = 0;
    for (int i = 0; i < x.user.n_roles; i++)
        held |= !strcmp(x.user.roles[i], role);
    if (!held)
        return svc_error(SVC_FORBIDDEN, "role", "you do not hold this role");
    x.role = role;
    if (store_write(a->st, sess_role_job, &x) != 0)
        return svc_error(SVC_ERROR, "storage", "cannot change the role");
    svc_reply r = {.code = SVC_OK, .body = person_json(&x.user, role, x.s.csrf)};
    return r;
}

svc_reply svc_session_delete(app *a, const char *session_id)
{
    sess_ctx x = {0};
    if (session_id_valid(session_id)) {
        svc_sha256_hex(session_id, 48, x.id_hash);
        if (store_write(a->st, sess_delete_job, &x) != 0)
            return svc_error(SVC_ERROR, "storage", "cannot end the session");
    }
    svc_reply r = {.code = SVC_OK, .body = json_pack("{s:b}", "signed_out", 1)};
    return r;
}

/* ---- audit ----------------------------------------------------------------------------------- */

json_t *svc_event_actor(const svc_req *req, json_t *detail)
{
    if (!req || !req->user[0])
        return detail;
    if (!detail)
        detail = json_object();
    if (!json_is_object(detail))
        return detail;
    json_object_set_new(detail, "user", json_string(req->user));
    json_object_set_new(detail, "user_name", json_string(req->user_name));
    return detail;
}

int svc_audit_append(db_conn *c, const svc_req *req, const char *chain, int64_t at,
                     const char *action, json_t *detail)
{
    char subject[64];
    snprintf(subject, sizeof subject, "audit:%s", chain);
    json_t *d = detail ? json_incref(detail) : json_object();
    int rc = audit_log_append(c, subject, at, req, action, d); /* adds the person */
    json_decref(d);
    return rc;
}
