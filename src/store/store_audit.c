#include "store/store_audit.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/decl.h"
#include "store/store_dashboard.h"
#include "store/store_payments.h"
#include "store/pack.h"
#include "util/log.h"
#include "util/ecdsa.h"
#include "util/hex.h"
#include "util/outbuf.h"

static size_t utoa(size_t v, char *out)
{
    char t[24];
    size_t n = 0, k = 0;
    do
        t[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n)
        out[k++] = t[--n];
    return k;
}

/* ---- a length-prefixed message: "len:bytes;" per field, so no field can borrow another's
 * bytes (a '|' inside a detail cannot shift the fields after it) ----------------------------- */

static void mb_add(outbuf *m, const char *s)
{
    if (!s)
        s = "";
    size_t len = strlen(s);
    /* the length's digits (20 at most), ':', the bytes and ';' */
    if (outbuf_reserve(m, len + 24) != 0)
        return;
    m->n += utoa(len, m->p + m->n);
    m->p[m->n++] = ':';
    memcpy(m->p + m->n, s, len);
    m->n += len;
    m->p[m->n++] = ';';
    m->p[m->n] = 0;
}

static void mb_addi(outbuf *m, int64_t v)
{
    char b[24];
    snprintf(b, sizeof b, "%lld", (long long)v);
    mb_add(m, b);
}

static void mac_hex(const unsigned char key[32], const outbuf *m, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key, 32, (const unsigned char *)m->p, m->n, md, &len);
    hex_encode(md, 32, out);
}

/* ---- the state digest as a stream (store_audit.h): the same "len:bytes;" framing --------- */

/* SHA-256 fetched once: an implicit fetch on every init showed in the seed's profile */
static pthread_once_t sha_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha_md;
static void sha_fetch(void) { sha_md = EVP_MD_fetch(NULL, "SHA256", NULL); }

static void dg_flush(audit_digest *d)
{
    if (d->n && EVP_DigestUpdate(d->ctx, d->buf, d->n) != 1)
        d->failed = 1;
    d->n = 0;
}

int audit_digest_begin(audit_digest *d)
{
    pthread_once(&sha_once, sha_fetch);
    if (!d->ctx && !(d->ctx = EVP_MD_CTX_new()))
        return -1;
    d->n = 0;
    d->failed = EVP_DigestInit_ex(d->ctx, sha_md ? sha_md : EVP_sha256(), NULL) != 1;
    return d->failed ? -1 : 0;
}

/* Small fields are framed into a buffer and hashed together: one EVP call per field was most
 * of the digest's cost for rows of short columns. */
void audit_digest_addn(audit_digest *d, const char *s, size_t len)
{
    if (d->n + len + 24 > sizeof d->buf)
        dg_flush(d);
    d->n += utoa(len, d->buf + d->n);
    d->buf[d->n++] = ':';
    if (len + 1 <= sizeof d->buf - d->n) {
        memcpy(d->buf + d->n, s, len);
        d->n += len;
    } else {
        dg_flush(d);
        if (EVP_DigestUpdate(d->ctx, s, len) != 1)
            d->failed = 1;
    }
    d->buf[d->n++] = ';';
}

void audit_digest_add(audit_digest *d, const char *s)
{
    if (!s)
        s = "";
    audit_digest_addn(d, s, strlen(s));
}

void audit_digest_addi(audit_digest *d, int64_t v)
{
    char b[24];
    size_t n = 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        b[n++] = '-';
    n += utoa((size_t)u, b + n);
    audit_digest_addn(d, b, n);
}

int audit_digest_copy(audit_digest *to, const audit_digest *from)
{
    if (!to->ctx && !(to->ctx = EVP_MD_CTX_new()))
        return -1;
    to->failed = from->failed || EVP_MD_CTX_copy_ex(to->ctx, from->ctx) != 1;
    memcpy(to->buf, from->buf, from->n);
    to->n = from->n;
    return to->failed ? -1 : 0;
}

int audit_digest_end(audit_digest *d, char out[65])
{
    unsigned char md[32];
    unsigned int len = 0;
    dg_flush(d);
    if (d->failed || EVP_DigestFinal_ex(d->ctx, md, &len) != 1)
        return -1;
    hex_encode(md, 32, out);
    return 0;
}

void audit_digest_free(audit_digest *d)
{
    EVP_MD_CTX_free(d->ctx);
    d->ctx = NULL;
}

/* ---- the state the job left a declaration in (audit_state_begin) ---------------------------- */

audit_digest *audit_state_begin(db_conn *c)
{
    audit_anchor *a = c ? c->audit : NULL;
    if (!a || !a->heads_on || !a->defer)
        return NULL;
    a->st_id[0] = 0;
    return audit_digest_begin(&a->st) == 0 ? &a->st : NULL;
}

void audit_state_keep(db_conn *c, const char *decl_id)
{
    audit_anchor *a = c->audit;
    if (a && !a->st.failed && strlen(decl_id) < sizeof a->st_id)
        snprintf(a->st_id, sizeof a->st_id, "%s", decl_id);
}

/* A ledger entry as state_read digests the row it reads: every column as text, integers in
 * decimal, the texts as bound (store_ledger_append_seq binds no NULL). */
void audit_state_digest_ledger(audit_digest *d, int seq, const ledger_row *r)
{
    audit_digest_add(d, "ledger");
    audit_digest_addi(d, seq);
    audit_digest_addi(d, r->at);
    audit_digest_add(d, r->kind);
    audit_digest_addi(d, r->amount);
    audit_digest_add(d, r->party);
    audit_digest_add(d, r->bank);
    audit_digest_add(d, r->bank_txn);
    audit_digest_add(d, r->note);
    audit_digest_addi(d, r->due);
}

int audit_state_kept(db_conn *c, const char *decl_id)
{
    audit_anchor *a = c ? c->audit : NULL;
    return a && a->st_id[0] && decl_id && strcmp(a->st_id, decl_id) == 0;
}

void audit_state_ledger(db_conn *c, const char *decl_id, int seq, const ledger_row *r)
{
    if (audit_state_kept(c, decl_id))
        audit_state_digest_ledger(&c->audit->st, seq, r);
}

void audit_state_forget(db_conn *c, const char *decl_id)
{
    audit_anchor *a = c ? c->audit : NULL;
    if (a && a->st_id[0] && (!decl_id || strcmp(a->st_id, decl_id) == 0))
        a->st_id[0] = 0;
}

/* The kept state's digest so far, finished on a copy (the job may add to it still) */
static int state_kept_hex(audit_anchor *a, char out[65])
{
    audit_digest d = {0};
    int rc = audit_digest_copy(&d, &a->st);
    if (rc == 0)
        rc = audit_digest_end(&d, out);
    audit_digest_free(&d);
    return rc;
}

/* ---- the declaration's current state ------------------------------------------------------- */

/* An event's reads: its declaration's chain head, the global one, and the state (below) */
static const char head_sql[] =
    "SELECT seq, hash FROM events WHERE decl_id = ? ORDER BY seq DESC LIMIT 1";
static const char ghead_sql[] =
    "SELECT gseq, hash FROM events WHERE gseq IS NOT NULL ORDER BY gseq DESC LIMIT 1";
static const char state_decl_sql[] =
    "SELECT number, kind, type_code, status, channel, amendment, declarant, party, office,"
    " customs_value, total_tax, tax_date, created_at, registered_at, cleared_at, doc, taxes,"
    " risk, decisions FROM declarations WHERE id = ?";
static const char state_ledger_sql[] =
    "SELECT seq, at, kind, amount, party, bank, bank_txn, note, due FROM ledger_entries"
    " WHERE decl_id = ? ORDER BY seq";

/* Digest of the declaration row (every column but updated_at, a mere touch) and of every ledger
 * entry of it; "absent" when the row does not exist. In two halves so that an event's append
 * sends its reads together (db_send: one round trip to a database server): state_send starts
 * the two queries (st[0], st[1]; dsql and lsql: the texts above, or a copy of them), state_read
 * steps them into the digest. number gets the declaration's number (or "") when not NULL. */
static int state_send_sql(db_conn *c, const char *dsql, const char *lsql, const char *decl_id,
                          int no_ledger, db_stmt *st[2])
{
    int rc = DB_ERR;
    st[0] = st[1] = NULL;
    if (!(st[0] = db_prepare(c, dsql)))
        return DB_ERR;
    db_bind_text(c, st[0], 1, decl_id);
    if ((rc = db_send(c, st[0])) == 0 && no_ledger)
        return 0;
    if (rc == 0 && (st[1] = db_prepare(c, lsql))) {
        db_bind_text(c, st[1], 1, decl_id);
        rc = db_send(c, st[1]);
    }
    if (rc == 0 && st[1])
        return 0;
    db_reset(c, st[0]);
    if (st[1])
        db_reset(c, st[1]);
    st[0] = st[1] = NULL;
    return rc < 0 ? rc : DB_ERR;
}

static int state_send(db_conn *c, const char *decl_id, int no_ledger, db_stmt *st[2])
{
    return state_send_sql(c, state_decl_sql, state_ledger_sql, decl_id, no_ledger, st);
}

static int state_read(db_conn *c, db_stmt *st[2], char out[65], char number[13])
{
    audit_digest m = {0};
    int rc = DB_ERR;
    if (audit_digest_begin(&m) != 0)
        goto done;
    rc = db_step(c, st[0]);
    if (number)
        number[0] = 0;
    if (rc == DB_ROW) {
        audit_digest_add(&m, "declaration");
        for (int i = 0; i < 19; i++) {
            if (i == 15 || i == 16) { /* doc, taxes: bytes, hashed as the text they were bound as */
                char *t = store_col_packed(c, st[0], i);
                audit_digest_add(&m, t ? t : AUDIT_NULL);
                free(t);
                continue;
            }
            audit_digest_add(&m,
                             db_col_is_null(c, st[0], i) ? AUDIT_NULL : db_col_text(c, st[0], i));
        }
        if (number)
            db_col_copy(c, st[0], 0, number, 13);
    } else {
        audit_digest_add(&m, "absent");
    }
    if (rc != DB_ROW && rc != DB_DONE)
        goto done;
    rc = DB_DONE; /* no ledger read: none */
    while (st[1] && (rc = db_step(c, st[1])) == DB_ROW) {
        audit_digest_add(&m, "ledger");
        for (int i = 0; i < 9; i++)
            audit_digest_add(&m, db_col_text(c, st[1], i));
    }
    if (rc == DB_DONE)
        rc = audit_digest_end(&m, out) == 0 ? 0 : DB_ERR;
done:
    db_reset(c, st[0]);
    if (st[1])
        db_reset(c, st[1]);
    audit_digest_free(&m);
    return rc == 0 ? 0 : rc < 0 ? rc : DB_ERR;
}

static int state_digest(db_conn *c, const char *decl_id, char out[65], char number[13])
{
    db_stmt *st[2];
    int rc = state_send(c, decl_id, 0, st);
    return rc ? rc : state_read(c, st, out, number);
}

/* The MAC of an event: every field, both chain links and the state digest. */
static int event_mac(const unsigned char key[32], const char *prev, const char *gprev,
                     const char *decl_id, int64_t seq, int64_t gseq, int64_t at, const char *actor,
                     const char *role, const char *action, int64_t from, int64_t to,
                     const char *detail, const char *extra, const char *state, char out[65])
{
    outbuf m = {0};
    mb_add(&m, "ev2");
    mb_add(&m, prev);
    mb_add(&m, gprev);
    mb_add(&m, decl_id);
    mb_addi(&m, seq);
    mb_addi(&m, gseq);
    mb_addi(&m, at);
    mb_add(&m, actor);
    mb_add(&m, role);
    mb_add(&m, action);
    mb_addi(&m, from);
    mb_addi(&m, to);
    mb_add(&m, detail);
    mb_add(&m, extra);
    mb_add(&m, state);
    if (m.failed) {
        outbuf_free(&m);
        return DB_ERR;
    }
    mac_hex(key, &m, out);
    outbuf_free(&m);
    return 0;
}

int audit_mac_key_init(audit_mac_key *k, const unsigned char key[32])
{
    unsigned char pad[64];
    memset(k, 0, sizeof *k);
    k->inner = EVP_MD_CTX_new();
    k->outer = EVP_MD_CTX_new();
    k->work = EVP_MD_CTX_new();
    if (!k->inner || !k->outer || !k->work)
        goto fail;
    /* HMAC-SHA-256 (RFC 2104) with its two padded keys absorbed once: HMAC() set them up (and
     * fetched the digest) on every event */
    memset(pad, 0x36, sizeof pad);
    for (int i = 0; i < 32; i++)
        pad[i] ^= key[i];
    if (EVP_DigestInit_ex(k->inner, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(k->inner, pad, sizeof pad) != 1)
        goto fail;
    memset(pad, 0x5c, sizeof pad);
    for (int i = 0; i < 32; i++)
        pad[i] ^= key[i];
    if (EVP_DigestInit_ex(k->outer, EVP_sha256(), NULL) != 1 ||
        EVP_DigestUpdate(k->outer, pad, sizeof pad) != 1)
        goto fail;
    OPENSSL_cleanse(pad, sizeof pad);
    return 0;
fail:
    OPENSSL_cleanse(pad, sizeof pad);
    audit_mac_key_free(k);
    return -1;
}

void audit_mac_key_free(audit_mac_key *k)
{
    EVP_MD_CTX_free(k->inner);
    EVP_MD_CTX_free(k->outer);
    EVP_MD_CTX_free(k->work);
    memset(k, 0, sizeof *k);
}

int audit_event_mac_k(audit_mac_key *k, const audit_event *e, char out[65])
{
    outbuf m = {0};
    unsigned char md[32];
    unsigned int len = 0;
    mb_add(&m, "ev2");
    mb_add(&m, e->prev);
    mb_add(&m, e->gprev);
    mb_add(&m, e->decl_id);
    mb_addi(&m, e->seq);
    mb_addi(&m, e->gseq);
    mb_addi(&m, e->at);
    mb_add(&m, e->actor);
    mb_add(&m, e->role);
    mb_add(&m, e->action);
    mb_addi(&m, e->from_status);
    mb_addi(&m, e->to_status);
    mb_add(&m, e->detail);
    mb_add(&m, e->extra);
    mb_add(&m, e->state);
    int ok = !m.failed && EVP_MD_CTX_copy_ex(k->work, k->inner) == 1 &&
             EVP_DigestUpdate(k->work, m.p, m.n) == 1 &&
             EVP_DigestFinal_ex(k->work, md, &len) == 1 &&
             EVP_MD_CTX_copy_ex(k->work, k->outer) == 1 && EVP_DigestUpdate(k->work, md, 32) == 1 &&
             EVP_DigestFinal_ex(k->work, md, &len) == 1;
    outbuf_free(&m);
    if (!ok)
        return -1;
    hex_encode(md, 32, out);
    return 0;
}

/* Events written before the trail was keyed: SHA-256 over '|'-joined fields. */
static void legacy_hash(const char *prev, const char *decl_id, int64_t seq, int64_t at,
                        const char *actor, const char *role, const char *action, int64_t from,
                        int64_t to, const char *detail, char out[65])
{
    size_t dlen = detail ? strlen(detail) : 0;
    char *buf = malloc(dlen + 512);
    if (!buf) {
        out[0] = 0;
        return;
    }
    int n = snprintf(buf, dlen + 512, "%s|%s|%d|%lld|%s|%s|%s|%d|%d|%s", prev, decl_id, (int)seq,
                     (long long)at, actor, role, action, (int)from, (int)to, detail ? detail : "");
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(buf, (size_t)n, md, &len, EVP_sha256(), NULL);
    hex_encode(md, 32, out);
    free(buf);
}

/* ---- the batch's chain heads and the job's dashboard row ---------------------------------- */

void audit_heads_reset(audit_anchor *a, int on)
{
    if (!a)
        return;
    a->heads_on = on;
    a->g_known = 0;
    a->d_id[0] = 0;
    a->st_id[0] = 0;
}

/* The dashboard row the job owes (audit_anchor dash_id), written now. */
static int dash_sync_now(db_conn *c)
{
    audit_anchor *a = c->audit;
    if (!a || !a->dash_id[0])
        return 0;
    char id[sizeof a->dash_id];
    memcpy(id, a->dash_id, sizeof id);
    a->dash_id[0] = 0;
    return store_dash_fact_sync(c, id);
}

/* ---- an event's reads, sent ahead (db_send) and read when its row is written --------------- */

/* Events a job may hold back (audit_defer_events) before they are written. Each holds its own
 * copies of the chain-head and state reads: a prepared statement is one per SQL text, and the
 * held-back reads wait for their rows side by side. */
#define PENDING_MAX 8

/* slot k's copy of each read (slot 0: the texts above, as the events written at once use) */
static char slot_sql[PENDING_MAX][3][sizeof state_decl_sql];
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;

static void slot_init(void)
{
    for (int k = 1; k < PENDING_MAX; k++) {
        snprintf(slot_sql[k][0], sizeof slot_sql[k][0], "%s", head_sql);
        snprintf(slot_sql[k][1], sizeof slot_sql[k][1], "%s", state_decl_sql);
        snprintf(slot_sql[k][2], sizeof slot_sql[k][2], "%s", state_ledger_sql);
    }
}

static const char *slot_text(int k, int which)
{
    static const char *const base[3] = {head_sql, state_decl_sql, state_ledger_sql};
    if (k == 0)
        return base[which];
    pthread_once(&slot_once, slot_init);
    return slot_sql[k][which];
}

/* What an event needs before its MAC: its declaration's chain head and the global one (known,
 * or read), and the state digest (given, or read). */
typedef struct event_reads {
    db_stmt *head, *ghead, *st[2]; /* the reads sent (NULL: not needed); st: state_send's */
    int d_known, g_known;          /* heads known when the reads were sent */
    int64_t d_seq, g_seq;
    char d_hash[65], g_hash[65];
    const char *given; /* the state digest given (store_decl_create), or NULL: read */
} event_reads;

static void reads_reset(db_conn *c, event_reads *r)
{
    db_stmt *st[] = {r->head, r->ghead, r->st[0], r->st[1]};
    for (size_t i = 0; i < sizeof st / sizeof *st; i++)
        if (st[i])
            db_reset(c, st[i]);
    r->head = r->ghead = r->st[0] = r->st[1] = NULL;
}

/* Sends what the event must read (slot: the statements' copy), after taking what is known:
 * d/g NULL or a head known (the chain is new: seq 0, ""). 0 or <0. */
static int reads_send(db_conn *c, int slot, const char *decl_id, int no_ledger, int new_chain,
                      const event_reads *d, const event_reads *g, const char *state, event_reads *r)
{
    int rc = 0;
    memset(r, 0, sizeof *r);
    r->given = state;
    if (new_chain || d) {
        r->d_known = 1;
        r->d_seq = new_chain ? 0 : d->d_seq;
        snprintf(r->d_hash, sizeof r->d_hash, "%s", new_chain ? "" : d->d_hash);
    } else if ((r->head = db_prepare(c, slot_text(slot, 0))) &&
               (rc = db_bind_chain(c, r->head, 1, decl_id, NULL)) == 0) { /* (16 bytes) */
        rc = db_send(c, r->head);
    } else {
        rc = rc ? rc : DB_ERR;
    }
    if (rc == 0 && g) {
        r->g_known = 1;
        r->g_seq = g->g_seq;
        snprintf(r->g_hash, sizeof r->g_hash, "%s", g->g_hash);
    } else if (rc == 0) {
        rc = (r->ghead = db_prepare(c, ghead_sql)) ? db_send(c, r->ghead) : DB_ERR;
    }
    if (rc == 0 && !state)
        rc = state_send_sql(c, slot_text(slot, 1), slot_text(slot, 2), decl_id, no_ledger, r->st);
    if (rc != 0)
        reads_reset(c, r);
    return rc < 0 ? rc : rc ? DB_ERR : 0;
}

/* A declaration's chain head read ahead by a job (audit_head_send): head_sql's text in a
 * statement of its own, which an event's reads do not reset meanwhile */
static const char job_head_sql[] =
    "SELECT seq, hash FROM events WHERE decl_id = ? ORDER BY seq DESC LIMIT 1";

int audit_head_send(db_conn *c, const char *decl_id, db_stmt **out)
{
    *out = NULL;
    audit_anchor *a = c->audit;
    if (!a || !a->heads_on || !a->defer)
        return 0; /* (nothing to keep it in: the event reads it) */
    db_stmt *st = db_prepare(c, job_head_sql);
    if (!st)
        return DB_ERR;
    int rc = db_bind_chain(c, st, 1, decl_id, NULL);
    if (rc != 0) {
        db_reset(c, st);
        return rc < 0 ? rc : DB_ERR;
    }
    return db_send_into(c, st, out);
}

int audit_head_take(db_conn *c, db_stmt *st, const char *decl_id)
{
    audit_anchor *a = c->audit;
    if (!st)
        return 0;
    int rc = db_step(c, st);
    if (rc == DB_ROW && a && strlen(decl_id) < sizeof a->d_id) {
        a->d_seq = db_col_int64(c, st, 0);
        db_col_hex(c, st, 1, a->d_hash);
        snprintf(a->d_id, sizeof a->d_id, "%s", decl_id);
    }
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

/* A held-back event: its fields (heap copies) and its reads. */
typedef struct audit_pending {
    char *decl_id, *actor, *role, *action, *detail, *extra;
    char given[65]; /* the state digest given (r.given points here), or "" */
    int64_t at;
    int from, to;
    event_reads r;
} audit_pending;

struct audit_pending_list {
    int n;
    audit_pending p[PENDING_MAX];
};

static void pending_free(audit_pending *p)
{
    free(p->decl_id);
    free(p->actor);
    free(p->role);
    free(p->action);
    free(p->detail);
    free(p->extra);
    memset(p, 0, sizeof *p);
}

/* ---- append -------------------------------------------------------------------------------- */

/* Writes the event whose reads r were sent: steps them, MACs the row and queues its INSERT;
 * the chain heads it makes known go to the anchor (while a batch is open) and to *made (the
 * pending events after it: NULL when none). */
static int event_write(db_conn *c, const char *decl_id, int64_t at, const char *actor,
                       const char *role, const char *action, int from_status, int to_status,
                       const char *detail_json, const char *extra_json, event_reads *r,
                       event_reads *made)
{
    /* feed: commit order across declarations, for GET /notifications (one writer: no race);
     * not covered by the MAC (gseq already orders the trail) */
    static const char ins[] =
        "INSERT INTO events (decl_id, seq, at, actor, role, action, from_status, to_status,"
        " detail, hash, gseq, state, extra, feed)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
        " (SELECT COALESCE(MAX(feed), 0) + 1 FROM events))";
    audit_anchor *a = c->audit;
    char prev[65] = "", gprev[65] = "", hash[65], state[65];
    int64_t seq = 1, gseq = 1;
    int rc = DB_DONE, grc = DB_DONE, src = 0;
    if ((!r->d_known && !r->head) || (!r->g_known && !r->ghead) || (!r->given && !r->st[0]))
        return DB_ERR; /* (a head neither known nor read: cannot happen) */
    if (r->d_known) {
        seq = r->d_seq + 1;
        memcpy(prev, r->d_hash, sizeof prev);
    } else {
        if ((rc = db_step(c, r->head)) == DB_ROW) {
            seq = db_col_int64(c, r->head, 0) + 1;
            db_col_hex(c, r->head, 1, prev);
        }
        db_reset(c, r->head);
        r->head = NULL;
    }
    if (r->g_known) {
        gseq = r->g_seq + 1;
        memcpy(gprev, r->g_hash, sizeof gprev);
    } else {
        if ((grc = db_step(c, r->ghead)) == DB_ROW) {
            gseq = db_col_int64(c, r->ghead, 0) + 1;
            db_col_hex(c, r->ghead, 1, gprev);
        }
        db_reset(c, r->ghead);
        r->ghead = NULL;
    }
    if (r->given)
        snprintf(state, sizeof state, "%s", r->given);
    else
        src = state_read(c, r->st, state, NULL);
    r->st[0] = r->st[1] = NULL; /* (state_read reset them) */
    if (rc != DB_ROW && rc != DB_DONE)
        return rc < 0 ? rc : DB_ERR;
    if (grc != DB_ROW && grc != DB_DONE)
        return grc < 0 ? grc : DB_ERR;
    if (src != 0)
        return src;
    if (event_mac(a->key, prev, gprev, decl_id, seq, gseq, at, actor, role, action, from_status,
                  to_status, detail_json, extra_json, state, hash) != 0)
        return DB_ERR;
    db_stmt *st = db_prepare(c, ins);
    if (!st)
        return DB_ERR;
    if ((rc = db_bind_chain(c, st, 1, decl_id, NULL)) != 0) {
        db_reset(c, st);
        return rc < 0 ? rc : DB_ERR;
    }
    db_bind_int64(c, st, 2, seq);
    db_bind_int64(c, st, 3, at);
    db_bind_text(c, st, 4, actor);
    db_bind_text(c, st, 5, role);
    db_bind_text(c, st, 6, action);
    db_bind_int64(c, st, 7, from_status);
    db_bind_int64(c, st, 8, to_status);
    db_bind_text(c, st, 9, detail_json);
    /* digests as their 32 bytes (store/db.h); the links (prev, gprev) are the hashes of the
     * events before in the two chains, read from those rows (migration 20: not stored twice) */
    db_bind_hex(c, st, 10, hash);
    db_bind_int64(c, st, 11, gseq);
    db_bind_hex(c, st, 12, state);
    db_bind_text(c, st, 13, extra_json);
    if ((rc = db_run_nowait(c, st)) != 0)
        return rc;
    a->dirty = 1;
    if (made) {
        made->d_seq = seq;
        made->g_seq = gseq;
        memcpy(made->d_hash, hash, sizeof made->d_hash);
        memcpy(made->g_hash, hash, sizeof made->g_hash);
    }
    if (a->heads_on) { /* (a failure of the write fails its job: store.c forgets these) */
        a->g_known = 1;
        a->g_seq = gseq;
        memcpy(a->g_hash, hash, sizeof a->g_hash);
        if (strlen(decl_id) < sizeof a->d_id) /* (a longer chain name is never kept) */
            snprintf(a->d_id, sizeof a->d_id, "%s", decl_id);
        else
            a->d_id[0] = 0;
        a->d_seq = seq;
        memcpy(a->d_hash, hash, sizeof a->d_hash);
    }
    /* every change of a declaration or its ledger is followed by its event (the state digest
     * above covers both): the dashboard's row of the declaration follows -- in a writer's batch
     * once at the job's end (audit_job_end, which sees everything the job wrote), unless the
     * job moves on to another declaration first.
     * A declaration's first event (from no status to provisional, the IDA) creates it
     * unregistered: the dashboard has no row for it and gets none (dash_facts holds registered
     * declarations only), so its upsert would select nothing -- one statement per registration
     * saved; a later event of the same job (an IDC) still syncs it */
    if (from_status == 0 && to_status == ST_PROVISIONAL)
        return 0;
    if (!a->heads_on || strlen(decl_id) >= sizeof a->dash_id)
        return store_dash_fact_sync(c, decl_id);
    if (a->dash_id[0] && strcmp(a->dash_id, decl_id) != 0 && (rc = dash_sync_now(c)) != 0)
        return rc;
    snprintf(a->dash_id, sizeof a->dash_id, "%s", decl_id);
    return 0;
}

/* The held-back events written, in the order they were appended: their reads were sent in
 * order with the job's statements, so each read what the job had written when it was
 * appended; stepping the first sends whatever waits and fetches them all (one round trip). */
static int pending_write(db_conn *c)
{
    audit_anchor *a = c->audit;
    struct audit_pending_list *l = a ? a->pending : NULL;
    int rc = 0;
    if (!l)
        return 0;
    for (int i = 0; i < l->n; i++) {
        audit_pending *p = &l->p[i];
        if (rc == 0) {
            /* heads taken from the events before it in the list (their writes made them) */
            for (int j = i - 1; j >= 0 && !p->r.d_known; j--)
                if (strcmp(l->p[j].decl_id, p->decl_id) == 0) {
                    p->r.d_known = 1;
                    p->r.d_seq = l->p[j].r.d_seq;
                    memcpy(p->r.d_hash, l->p[j].r.d_hash, sizeof p->r.d_hash);
                }
            if (i > 0 && !p->r.g_known) {
                p->r.g_known = 1;
                p->r.g_seq = l->p[i - 1].r.g_seq;
                memcpy(p->r.g_hash, l->p[i - 1].r.g_hash, sizeof p->r.g_hash);
            }
            event_reads made = {0};
            rc = event_write(c, p->decl_id, p->at, p->actor, p->role, p->action, p->from, p->to,
                             p->detail, p->extra, &p->r, &made);
            /* what the next ones take: this event is its chain's head and the global one */
            p->r.d_known = p->r.g_known = 1;
            p->r.d_seq = made.d_seq;
            p->r.g_seq = made.g_seq;
            memcpy(p->r.d_hash, made.d_hash, sizeof p->r.d_hash);
            memcpy(p->r.g_hash, made.g_hash, sizeof p->r.g_hash);
        }
        reads_reset(c, &p->r);
    }
    for (int i = 0; i < l->n; i++)
        pending_free(&l->p[i]);
    l->n = 0;
    return rc;
}

void audit_defer_events(db_conn *c)
{
    audit_anchor *a = c->audit;
    /* a server engine only: SQLite runs a read when it is stepped, which here would be after
     * the job's later writes (and costs no round trip to save) */
    if (a && a->heads_on && c->drv->send)
        a->defer = 1;
}

int audit_job_end(db_conn *c)
{
    audit_anchor *a = c->audit;
    if (!a)
        return 0;
    a->defer = 0;
    int rc = pending_write(c);
    a->st_id[0] = 0;
    int drc = rc == 0 ? dash_sync_now(c) : 0;
    if (rc != 0)
        a->dash_id[0] = 0;
    return rc ? rc : drc;
}

void audit_job_abandon(db_conn *c)
{
    audit_anchor *a = c->audit;
    if (!a)
        return;
    a->defer = 0;
    a->st_id[0] = 0;
    a->dash_id[0] = 0;
    struct audit_pending_list *l = a->pending;
    for (int i = 0; l && i < l->n; i++) {
        reads_reset(c, &l->p[i].r);
        pending_free(&l->p[i]);
    }
    if (l)
        l->n = 0;
}

/* known_state: NULL, or the state digest of a declaration this job has just created (its row as
 * bound, store_decl_create): its first event then reads nothing -- the chain is new (seq 1, no
 * link; were it not, the events' key (decl_id, seq) would refuse the row and fail the job) and
 * the state is not read back.
 * In a job that defers its events (audit_defer_events), the reads are sent and the event held
 * back until the job's end (audit_job_end), so that the job's next statements go with them. */
static int event_append(db_conn *c, const char *decl_id, int64_t at, const char *actor,
                        const char *role, const char *action, int from_status, int to_status,
                        const char *detail_json, const char *extra_json, const char *known_state)
{
    audit_anchor *a = c->audit;
    if (!a) {
        log_error("audit: event on a connection without the audit key");
        return DB_ERR;
    }
    /* the state the job left the declaration in, when it is kept (audit_state_begin) */
    char kept[65];
    if (!known_state && audit_state_kept(c, decl_id) && state_kept_hex(a, kept) == 0)
        known_state = kept;
    int new_chain = known_state && from_status == 0;
    int no_ledger = from_status == 0 && to_status == ST_PROVISIONAL;
    struct audit_pending_list *l = a->pending;
    int rc;
    if (a->defer && !a->pending && !(a->pending = l = calloc(1, sizeof *l)))
        return DB_ERR;
    if (l && l->n && (!a->defer || l->n == PENDING_MAX) && (rc = pending_write(c)) != 0)
        return rc;
    /* a chain head this transaction appended is known (audit_anchor) and not read, nor is one
     * an event held back before this one will make (pending_write) */
    int held = 0;
    for (int j = 0; l && j < l->n && !held; j++)
        held = strcmp(l->p[j].decl_id, decl_id) == 0;
    event_reads anchor = {0}, *d = NULL, *g = NULL;
    if (a->heads_on && a->d_id[0] && strcmp(a->d_id, decl_id) == 0 && !held) {
        anchor.d_seq = a->d_seq;
        memcpy(anchor.d_hash, a->d_hash, sizeof anchor.d_hash);
        d = &anchor;
    }
    if (a->heads_on && a->g_known && !(l && l->n)) {
        anchor.g_seq = a->g_seq;
        memcpy(anchor.g_hash, a->g_hash, sizeof anchor.g_hash);
        g = &anchor;
    }
    if (a->defer) {
        audit_pending *p = &l->p[l->n];
        int slot = l->n;
        /* an event held back before this one gives the heads (pending_write): not read */
        if (held || l->n) {
            if (held)
                d = &anchor;
            g = &anchor;
        }
        /* (copied as given, NULL included: the MAC covers them as the caller passed them) */
        const char *in[6] = {decl_id, actor, role, action, detail_json, extra_json};
        char **out[6] = {&p->decl_id, &p->actor, &p->role, &p->action, &p->detail, &p->extra};
        int lost = 0;
        for (int k = 0; k < 6; k++)
            if (in[k] && !(*out[k] = strdup(in[k])))
                lost = 1;
        p->at = at;
        p->from = from_status;
        p->to = to_status;
        if (lost) {
            pending_free(p);
            return DB_ERR;
        }
        if (known_state) /* (held until the job's end: a copy) */
            snprintf(p->given, sizeof p->given, "%s", known_state);
        if ((rc = reads_send(c, slot, decl_id, no_ledger, new_chain, d, g,
                             known_state ? p->given : NULL, &p->r)) != 0) {
            pending_free(p);
            return rc;
        }
        /* (known from the list, not from the anchor: pending_write fills them in) */
        if (held)
            p->r.d_known = 0;
        if (slot > 0)
            p->r.g_known = 0;
        l->n++;
        return 0;
    }
    event_reads r;
    if ((rc = reads_send(c, 0, decl_id, no_ledger, new_chain, d, g, known_state, &r)) != 0)
        return rc;
    rc = event_write(c, decl_id, at, actor, role, action, from_status, to_status, detail_json,
                     extra_json, &r, NULL);
    reads_reset(c, &r);
    return rc;
}

int store_event_append_x(db_conn *c, const char *decl_id, int64_t at, const char *actor,
                         const char *role, const char *action, int from_status, int to_status,
                         const char *detail_json, const char *extra_json)
{
    return event_append(c, decl_id, at, actor, role, action, from_status, to_status, detail_json,
                        extra_json, NULL);
}

int store_event_append_new(db_conn *c, const char *decl_id, int64_t at, const char *actor,
                           const char *role, const char *action, int to_status,
                           const char *detail_json, const char *state)
{
    return event_append(c, decl_id, at, actor, role, action, 0, to_status, detail_json, NULL,
                        state);
}

/* One digest as its 32 bytes: pre when the caller decoded it already (a bulk writer's builder
 * thread), else decoded into buf; "" or NULL as they are. */
static void digest_bind(db_conn *c, db_stmt *st, int i, const char *hex, const unsigned char *pre,
                        unsigned char buf[32])
{
    if (pre && hex && hex[0])
        db_bind_blob_static(c, st, i, pre, 32);
    else
        db_bind_hex_buf(c, st, i, hex, buf);
}

/* dig: the row's digests as bytes, bound without copies (they must outlive the run), dig[0]
 * its declaration id's 16 bytes; pre: NULL, or the four (prev, hash, gprev, state) decoded by
 * the caller, of which the row keeps hash and state (the links are the hashes of the rows
 * before: migration 20). 0 or DB_ERR (a chain name db_bind_chain refuses). */
static int event_bind(db_conn *c, db_stmt *st, int k, const audit_event *e,
                      unsigned char dig[4][32], const unsigned char (*pre)[32])
{
    int rc = db_bind_chain(c, st, k + 1, e->decl_id, dig[0]);
    db_bind_int64(c, st, k + 2, e->seq);
    db_bind_int64(c, st, k + 3, e->at);
    db_bind_text_static(c, st, k + 4, e->actor);
    db_bind_text_static(c, st, k + 5, e->role);
    db_bind_text_static(c, st, k + 6, e->action);
    db_bind_int64(c, st, k + 7, e->from_status);
    db_bind_int64(c, st, k + 8, e->to_status);
    db_bind_text_static(c, st, k + 9, e->detail);
    /* digests as 32 bytes (store/db.h) */
    digest_bind(c, st, k + 10, e->hash, pre ? pre[1] : NULL, dig[1]);
    db_bind_int64(c, st, k + 11, e->gseq);
    digest_bind(c, st, k + 12, e->state, pre ? pre[3] : NULL, dig[3]);
    db_bind_text_static(c, st, k + 13, e->extra);
    db_bind_int64(c, st, k + 14, e->feed);
    return rc;
}

#define EVENT_COLS                                                                                 \
    "INSERT INTO events (decl_id, seq, at, actor, role, action, from_status, to_status,"           \
    " detail, hash, gseq, state, extra, feed) VALUES "
#define EVENT_ROW "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"

int store_event_insert(db_conn *c, const audit_event *e)
{
    static const char ins[] = EVENT_COLS EVENT_ROW;
    db_stmt *st = db_prepare(c, ins);
    if (!st)
        return DB_ERR;
    unsigned char dig[4][32];
    int rc = event_bind(c, st, 0, e, dig, NULL);
    if (rc)
        db_reset(c, st);
    else
        rc = db_run_nowait(c, st); /* (SQLite: run here; PostgreSQL: the values copied) */
    if (rc == 0 && c->audit)
        c->audit->dirty = 1;
    audit_heads_reset(c->audit, c->audit && c->audit->heads_on); /* heads not ours any more */
    return rc;
}

/* EVENT_ROWS rows per statement: a bulk writer's events cost a statement's set-up (cursors,
 * statement journal, reset) once per EVENT_ROWS rows */
#define EVENT_ROWS 16
static char many_sql[sizeof EVENT_COLS + EVENT_ROWS * (sizeof EVENT_ROW + 1)];
static pthread_once_t many_once = PTHREAD_ONCE_INIT;

static void many_init(void)
{
    db_values_sql(many_sql, sizeof many_sql, EVENT_COLS, EVENT_ROW, EVENT_ROWS, "");
}

int store_event_insert_many_bin(db_conn *c, const audit_event *const *e,
                                const unsigned char (*const *dig)[32], long n)
{
    long i = 0;
    int rc = 0;
    pthread_once(&many_once, many_init);
    for (; rc == 0 && n - i >= EVENT_ROWS; i += EVENT_ROWS) {
        db_stmt *st = db_prepare(c, many_sql);
        if (!st)
            return DB_ERR;
        unsigned char tmp[EVENT_ROWS][4][32]; /* each row's id bytes (bound without copies) */
        for (int k = 0; rc == 0 && k < EVENT_ROWS; k++)
            rc = event_bind(c, st, 14 * k, e[i + k], tmp[k], dig[i + k]);
        if (rc)
            db_reset(c, st);
        else
            rc = db_run(c, st);
    }
    for (; rc == 0 && i < n; i++)
        rc = store_event_insert(c, e[i]);
    if (rc == 0 && n > 0 && c->audit)
        c->audit->dirty = 1;
    audit_heads_reset(c->audit, c->audit && c->audit->heads_on);
    return rc;
}

int64_t store_event_last_feed(db_conn *c)
{
    static const char sql[] = "SELECT COALESCE(MAX(feed), 0) FROM events";
    db_stmt *st = db_prepare(c, sql);
    if (!st)
        return DB_ERR;
    int64_t v = 0;
    int rc = db_row(c, st, &v, db_read_int64);
    return rc == 1 ? v : rc < 0 ? rc : DB_ERR;
}

int store_event_last_global(db_conn *c, int64_t *gseq, char hash[65])
{
    static const char glast[] =
        "SELECT gseq, hash FROM events WHERE gseq IS NOT NULL ORDER BY gseq DESC LIMIT 1";
    db_stmt *st = db_prepare(c, glast);
    *gseq = 0;
    hash[0] = 0;
    if (!st)
        return DB_ERR;
    int rc = db_step(c, st);
    if (rc == DB_ROW) {
        *gseq = db_col_int64(c, st, 0);
        db_col_hex(c, st, 1, hash);
    }
    db_reset(c, st);
    return rc == DB_ROW || rc == DB_DONE ? 0 : rc < 0 ? rc : DB_ERR;
}

/* ---- the key -------------------------------------------------------------------------------- */

static int read_key(const char *path, unsigned char key[32])
{
    struct stat sb;
    char text[80];
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    if (fstat(fileno(f), &sb) != 0 || (sb.st_mode & 077)) {
        fprintf(stderr, "audit key %s is readable by others (mode %o): chmod 600 it\n", path,
                (unsigned)(sb.st_mode & 0777));
        fclose(f);
        return -2;
    }
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    text[strcspn(text, "\r\n")] = 0;
    if (strlen(text) != 64) {
        fprintf(stderr, "audit key %s: expected 64 hex digits\n", path);
        return -2;
    }
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(text + 2 * i, "%2x", &v) != 1) {
            fprintf(stderr, "audit key %s: expected 64 hex digits\n", path);
            return -2;
        }
        key[i] = (unsigned char)v;
    }
    OPENSSL_cleanse(text, sizeof text);
    return 0;
}

static int create_key(const char *path, unsigned char key[32])
{
    char text[66];
    if (RAND_bytes(key, 32) != 1) {
        fprintf(stderr, "audit key: no randomness available\n");
        return -1;
    }
    hex_encode(key, 32, text);
    text[64] = '\n';
    text[65] = 0;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
    if (fd < 0) {
        fprintf(stderr, "cannot create audit key %s: %s\n", path, strerror(errno));
        return -1;
    }
    int ok = write(fd, text, 65) == 65 && fsync(fd) == 0;
    OPENSSL_cleanse(text, sizeof text);
    if (close(fd) != 0 || !ok) {
        fprintf(stderr, "cannot write audit key %s\n", path);
        unlink(path);
        return -1;
    }
    return 0;
}

/* Reads the last line of the checkpoint log (the chain continues from its MAC). */
static void log_tail(int fd, int64_t *gseq, char mac[65])
{
    char buf[4096];
    off_t end = lseek(fd, 0, SEEK_END);
    off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
    ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - from), from) : 0;
    *gseq = 0;
    mac[0] = 0;
    if (n <= 0)
        return;
    buf[n] = 0;
    while (n > 0 && buf[n - 1] == '\n')
        buf[--n] = 0;
    char *line = strrchr(buf, '\n');
    line = line ? line + 1 : buf;
    long long at, g;
    char ghash[65], m[65];
    if (sscanf(line, "ckpt %lld %lld %64s %64s", &at, &g, ghash, m) == 4) {
        *gseq = g;
        snprintf(mac, 65, "%s", m);
    }
}

int audit_anchor_open(audit_anchor *a, const char *db_path, db_conn *c, int create)
{
    memset(a, 0, sizeof *a);
    a->log_fd = -1;
    char base[900];
    if (db_state_base(db_path, base, sizeof base) != 0) {
        fprintf(stderr, "a PostgreSQL database needs a state directory for its audit key and"
                        " checkpoint log (and QR signing key): pass --state-dir DIR or set"
                        " ECUSTOMS_STATE_DIR (docs/operations.md)\n");
        return -1;
    }
    snprintf(a->key_path, sizeof a->key_path, "%s.audit-key", base);
    snprintf(a->log_path, sizeof a->log_path, "%s.audit-log", base);
    int rc = read_key(a->key_path, a->key);
    if (rc == -2)
        return -1;
    if (rc == -1) {
        int keyed = 0;
        if (!create) {
            static const char sql[] = "SELECT 1 FROM events WHERE gseq IS NOT NULL LIMIT 1";
            db_stmt *st = db_prepare(c, sql);
            int s = st ? db_step(c, st) : DB_ERR;
            if (st)
                db_reset(c, st);
            if (s != DB_ROW && s != DB_DONE) {
                fprintf(stderr, "cannot read the audit trail: %s\n", db_errmsg(c));
                return -1;
            }
            keyed = s == DB_ROW;
        }
        if (keyed) {
            fprintf(stderr,
                    "audit key %s is missing: its events cannot be verified or continued;"
                    " restore the key file from backup\n",
                    a->key_path);
            return -1;
        }
        if (create_key(a->key_path, a->key) != 0)
            return -1;
    }
    return 0;
}

void audit_anchor_close(audit_anchor *a)
{
    audit_digest_free(&a->st);
    if (a->pending) { /* (empty after every job; the connection's statements go with it) */
        for (int i = 0; i < a->pending->n; i++)
            pending_free(&a->pending->p[i]);
        free(a->pending);
        a->pending = NULL;
    }
    if (a->log_fd >= 0)
        close(a->log_fd);
    a->log_fd = -1;
    OPENSSL_cleanse(a->key, sizeof a->key);
}

static void ckpt_mac(const unsigned char key[32], int64_t at, int64_t gseq, const char *ghash,
                     const char *prev_mac, char out[65])
{
    outbuf m = {0};
    mb_add(&m, "ckpt");
    mb_addi(&m, at);
    mb_addi(&m, gseq);
    mb_add(&m, ghash);
    mb_add(&m, prev_mac);
    if (m.failed) {
        out[0] = 0;
    } else {
        mac_hex(key, &m, out);
    }
    outbuf_free(&m);
}

void audit_checkpoint(audit_anchor *a, db_conn *c, int force)
{
    static const char glast[] =
        "SELECT gseq, hash FROM events WHERE gseq IS NOT NULL ORDER BY gseq DESC LIMIT 1";
    int64_t now = (int64_t)time(NULL);
    if (!a->dirty || (!force && a->last_at && now - a->last_at < AUDIT_CHECKPOINT_SECONDS))
        return;
    db_stmt *st = db_prepare(c, glast);
    if (!st)
        return;
    int rc = db_step(c, st);
    int64_t gseq = rc == DB_ROW ? db_col_int64(c, st, 0) : 0;
    char ghash[65] = "";
    if (rc == DB_ROW)
        db_col_hex(c, st, 1, ghash);
    db_reset(c, st);
    if (rc != DB_ROW) {
        if (rc != DB_DONE)
            log_error("audit: cannot read the newest event for a checkpoint: %s", db_errmsg(c));
        return;
    }
    if (a->log_fd < 0) {
        a->log_fd = open(a->log_path, O_RDWR | O_APPEND | O_CREAT, 0600);
        if (a->log_fd < 0) {
            log_error("audit: cannot open checkpoint log %s: %s", a->log_path, strerror(errno));
            return;
        }
    }
    /* another process (a CLI command) may append too: chain from the file's last line */
    flock(a->log_fd, LOCK_EX);
    int64_t last_gseq;
    char prev_mac[65], mac[65], line[256];
    log_tail(a->log_fd, &last_gseq, prev_mac);
    if (gseq > last_gseq) {
        ckpt_mac(a->key, now, gseq, ghash, prev_mac, mac);
        int n = snprintf(line, sizeof line, "ckpt %lld %lld %s %s\n", (long long)now,
                         (long long)gseq, ghash, mac);
        if (write(a->log_fd, line, (size_t)n) != n)
            log_error("audit: cannot append to checkpoint log %s: %s", a->log_path,
                      strerror(errno));
        else
            last_gseq = gseq;
    }
    flock(a->log_fd, LOCK_UN);
    a->last_gseq = last_gseq;
    a->last_at = now;
    a->dirty = 0;
}

/* ---- verify -------------------------------------------------------------------------------- */

/* printf-style: clang's -Wformat-nonliteral (the fuzz build) wants the attribute */
__attribute__((format(printf, 2, 3))) static void problem(audit_report *r, const char *fmt, ...)
{
    if (r->n_problems < AUDIT_MAX_PROBLEMS) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(r->problems[r->n_problems], sizeof r->problems[0], fmt, ap);
        va_end(ap);
    }
    r->n_problems++;
}

static const char *name_of(const char *id, const char *number, char *buf, size_t size)
{
    if (number && number[0])
        snprintf(buf, size, "declaration %s (id %.32s)", number, id);
    else
        snprintf(buf, size, "declaration id %.32s", id);
    return buf;
}

/* The end of one declaration's chain: its last event must carry the current state. */
static int finish_decl(db_conn *c, audit_report *r, const char *id, int64_t last_seq,
                       const char *last_state)
{
    char state[65], number[13], nm[80];
    int rc = state_digest(c, id, state, number);
    if (rc != 0) {
        problem(r, "read error on declaration %.32s: %s", id, db_errmsg(c));
        return rc;
    }
    r->declarations++;
    if (last_state && strcmp(state, last_state) != 0)
        problem(r,
                "%s: its current state (row or ledger) does not match its last event, seq %lld:"
                " changed without an event, or its last events were deleted",
                name_of(id, number, nm, sizeof nm), (long long)last_seq);
    return 0;
}

/* A digest column as its hex text in buf, or NULL for NULL. */
static const char *hex_col(db_conn *c, db_stmt *st, int i, char buf[65])
{
    if (db_col_is_null(c, st, i))
        return NULL;
    db_col_hex(c, st, i, buf);
    return buf;
}

/* Each event's MAC is recomputed over the hashes of the events before it in its declaration's chain
 * (the row before in this walk) and in the global chain (the row of gseq - 1, joined): the links
 * are not stored beside them (migration 20), so an edited, removed or inserted event breaks the MAC
 * of the event after it in both chains, as a stored link that no longer matched did. */
static int verify_chains(db_conn *c, const audit_anchor *a, audit_report *r)
{
    static const char sql[] =
        "SELECT chain_name(e.decl_id), e.seq, e.at, e.actor, e.role, e.action, e.from_status, "
        "e.to_status,"
        " e.detail, NULL, e.hash, e.gseq, g.hash, e.state, e.extra FROM events e"
        " LEFT JOIN events g ON g.gseq = e.gseq - 1 ORDER BY e.decl_id, e.seq";
    db_stmt *st = db_prepare(c, sql);
    char cur[80] = "", prev[65] = "", last_state[65] = "", calc[65], nm[80];
    int64_t expect = 1, last_seq = 0;
    int have_state = 0, rc;
    if (!st)
        return DB_ERR;
    while ((rc = db_step(c, st)) == DB_ROW) {
        const char *id = db_col_text(c, st, 0);
        int64_t seq = db_col_int64(c, st, 1);
        char hx[4][65]; /* (unused), hash, the global link, state: bytes (store/db.h) */
        const char *detail = db_col_text(c, st, 8);
        const char *stored = hex_col(c, st, 10, hx[1]);
        if (!id || !stored) {
            problem(r, "event with a NULL declaration id or hash (seq %lld)", (long long)seq);
            continue;
        }
        if (strcmp(id, cur) != 0) {
            if (cur[0] &&
                (rc = finish_decl(c, r, cur, last_seq, have_state ? last_state : NULL)) != 0)
                break;
            snprintf(cur, sizeof cur, "%s", id);
            prev[0] = 0;
            expect = 1;
        }
        if (seq != expect)
            problem(r, "%s: event seq %lld follows seq %lld (events %lld..%lld deleted)",
                    name_of(id, NULL, nm, sizeof nm), (long long)seq, (long long)expect - 1,
                    (long long)expect, (long long)seq - 1);
        if (db_col_is_null(c, st, 11)) {
            legacy_hash(prev, id, seq, db_col_int64(c, st, 2), db_col_text(c, st, 3),
                        db_col_text(c, st, 4), db_col_text(c, st, 5), db_col_int64(c, st, 6),
                        db_col_int64(c, st, 7), detail, calc);
            r->legacy_events++;
            have_state = 0;
        } else {
            const char *state = hex_col(c, st, 13, hx[3]), *gp = hex_col(c, st, 12, hx[2]);
            if (event_mac(a->key, prev, gp ? gp : "", id, seq, db_col_int64(c, st, 11),
                          db_col_int64(c, st, 2), db_col_text(c, st, 3), db_col_text(c, st, 4),
                          db_col_text(c, st, 5), db_col_int64(c, st, 6), db_col_int64(c, st, 7),
                          detail, db_col_text(c, st, 14), state, calc) != 0) {
                rc = DB_ERR;
                break;
            }
            snprintf(last_state, sizeof last_state, "%s", state ? state : "");
            have_state = 1;
        }
        if (strcmp(calc, stored) != 0)
            problem(r,
                    "%s: event seq %lld does not match its MAC (edited, or forged without the key)",
                    name_of(id, NULL, nm, sizeof nm), (long long)seq);
        snprintf(prev, sizeof prev, "%s", stored);
        last_seq = seq;
        expect = seq + 1;
        r->events++;
    }
    db_reset(c, st);
    if (rc != DB_DONE) {
        problem(r, "read error in the events table after %lld events: %s", (long long)r->events,
                db_errmsg(c));
        return rc < 0 ? rc : DB_ERR;
    }
    if (cur[0])
        return finish_decl(c, r, cur, last_seq, have_state ? last_state : NULL);
    return 0;
}

static int verify_orphans(db_conn *c, audit_report *r)
{
    static const char no_events[] =
        "SELECT id, number FROM declarations d WHERE NOT EXISTS"
        " (SELECT 1 FROM events e WHERE e.decl_id = chain_key(d.id)) ORDER BY id";
    static const char no_decl[] =
        "SELECT DISTINCT decl_id FROM ledger_entries l WHERE NOT EXISTS"
        " (SELECT 1 FROM events e WHERE e.decl_id = chain_key(l.decl_id)) ORDER BY decl_id";
    char nm[80];
    int rc;
    db_stmt *st = db_prepare(c, no_events);
    if (!st)
        return DB_ERR;
    while ((rc = db_step(c, st)) == DB_ROW)
        problem(r, "%s has no audit event (its events were deleted)",
                name_of(db_col_text(c, st, 0), db_col_text(c, st, 1), nm, sizeof nm));
    db_reset(c, st);
    if (rc != DB_DONE)
        goto fail;
    if (!(st = db_prepare(c, no_decl)))
        return DB_ERR;
    while ((rc = db_step(c, st)) == DB_ROW)
        problem(r, "ledger entries of declaration id %.32s have no audit event",
                db_col_text(c, st, 0));
    db_reset(c, st);
    if (rc == DB_DONE)
        return 0;
fail:
    problem(r, "read error: %s", db_errmsg(c));
    return rc < 0 ? rc : DB_ERR;
}

static int verify_global(db_conn *c, audit_report *r, int64_t *max_gseq)
{
    /* (each event's link to the one before is in its MAC: verify_chains) */
    static const char sql[] = "SELECT gseq FROM events WHERE gseq IS NOT NULL ORDER BY gseq";
    db_stmt *st = db_prepare(c, sql);
    int64_t expect = 1;
    int rc;
    if (!st)
        return DB_ERR;
    while ((rc = db_step(c, st)) == DB_ROW) {
        int64_t g = db_col_int64(c, st, 0);
        if (g != expect)
            problem(r,
                    "global event %lld follows %lld: events %lld..%lld of some declaration were"
                    " deleted",
                    (long long)g, (long long)expect - 1, (long long)expect, (long long)g - 1);
        expect = g + 1;
    }
    db_reset(c, st);
    *max_gseq = expect - 1;
    if (rc != DB_DONE) {
        problem(r, "read error in the events table (global order): %s", db_errmsg(c));
        return rc < 0 ? rc : DB_ERR;
    }
    return 0;
}

static int verify_checkpoints(db_conn *c, const audit_anchor *a, audit_report *r, int64_t max_gseq)
{
    static const char sql[] = "SELECT hash FROM events WHERE gseq = ?";
    FILE *f = fopen(a->log_path, "r");
    char line[512], prev_mac[65] = "", mac[65];
    int64_t lineno = 0, last = 0;
    if (!f) {
        if (max_gseq > 0)
            problem(r, "checkpoint log %s is missing (%s): the newest events are not anchored",
                    a->log_path, strerror(errno));
        return 0;
    }
    while (fgets(line, sizeof line, f)) {
        long long at, g;
        char ghash[65], m[65];
        lineno++;
        if (sscanf(line, "ckpt %lld %lld %64s %64s", &at, &g, ghash, m) != 4) {
            problem(r, "checkpoint log line %lld is malformed", (long long)lineno);
            continue;
        }
        ckpt_mac(a->key, at, g, ghash, prev_mac, mac);
        if (strcmp(mac, m) != 0)
            problem(r,
                    "checkpoint log line %lld does not match its MAC (edited, removed or"
                    " reordered lines)",
                    (long long)lineno);
        snprintf(prev_mac, sizeof prev_mac, "%s", m);
        r->checkpoints++;
        last = g;
        db_stmt *st = db_prepare(c, sql);
        if (!st) {
            fclose(f);
            return DB_ERR;
        }
        db_bind_int64(c, st, 1, g);
        int rc = db_step(c, st);
        if (rc == DB_ROW) {
            char hx[65];
            const char *h = hex_col(c, st, 0, hx);
            if (!h || strcmp(h, ghash) != 0)
                problem(r, "global event %lld differs from checkpoint line %lld", g,
                        (long long)lineno);
        } else if (rc == DB_DONE) {
            problem(r,
                    "checkpoint line %lld (written %lld) names global event %lld but the"
                    " database ends at %lld: the newest events were deleted",
                    (long long)lineno, at, g, (long long)max_gseq);
        }
        db_reset(c, st);
        if (rc != DB_ROW && rc != DB_DONE) {
            problem(r, "read error: %s", db_errmsg(c));
            fclose(f);
            return rc < 0 ? rc : DB_ERR;
        }
    }
    fclose(f);
    (void)last;
    return 0;
}

/* Attachments: the bytes of each hash to its SHA-256, and a hash-chained "attach" event of
 * its declaration (or, for a replaced file, an "attachment_replaced" one) records that SHA-256 for
 * it (the chains are verified above). */
static int verify_attachments(db_conn *c, audit_report *r)
{
    static const char sql[] = "SELECT a.id, a.decl_id, a.sha256, b.data, (SELECT COUNT(*) FROM "
                              "events e WHERE e.decl_id = chain_key(a.decl_id)"
                              " AND e.action IN ('attach', 'attachment_replaced') AND e.detail "
                              "LIKE '%\"attachment\":\"' || a.id || '\"%'"
                              " AND e.detail LIKE '%\"sha256\":\"' || a.sha256 || '\"%')"
                              " FROM attachments a LEFT JOIN attachment_blobs b ON b.sha256 = "
                              "a.sha256 ORDER BY a.decl_id, a.seq";
    db_stmt *st = db_prepare(c, sql);
    if (!st) {
        problem(r, "read error: %s", db_errmsg(c));
        return DB_ERR;
    }
    int rc;
    while ((rc = db_step(c, st)) == DB_ROW) {
        const char *id = db_col_text(c, st, 0), *decl_id = db_col_text(c, st, 1),
                   *sha = db_col_text(c, st, 2);
        const char *b64 = db_col_text(c, st, 3);
        char hex[65] = "";
        if (b64) {
            size_t max = strlen(b64) / 4 * 3 + 3;
            unsigned char *bytes = malloc(max), md[EVP_MAX_MD_SIZE];
            int n = bytes ? ecdsa_b64_decode(b64, bytes, max) : -1;
            unsigned len = 0;
            if (n >= 0 && EVP_Digest(bytes, (size_t)n, md, &len, EVP_sha256(), NULL) == 1)
                hex_encode(md, len < 32 ? len : 32, hex);
            free(bytes);
        }
        if (!b64)
            problem(r, "attachment %s of declaration id %s: its bytes are missing", id, decl_id);
        else if (strcmp(hex, sha ? sha : ""))
            problem(r, "attachment %s of declaration id %s: its bytes do not hash to its SHA-256",
                    id, decl_id);
        if (db_col_int64(c, st, 4) < 1)
            problem(r, "attachment %s of declaration id %s: no attach event records its SHA-256",
                    id, decl_id);
    }
    db_reset(c, st);
    if (rc != DB_DONE) {
        problem(r, "read error: %s", db_errmsg(c));
        return rc < 0 ? rc : DB_ERR;
    }
    return 0;
}

int audit_verify(db_conn *c, const audit_anchor *a, audit_report *r)
{
    int64_t max_gseq = 0;
    int rc;
    memset(r, 0, sizeof *r);
    if ((rc = verify_chains(c, a, r)) != 0 || (rc = verify_orphans(c, r)) != 0 ||
        (rc = verify_global(c, r, &max_gseq)) != 0 ||
        (rc = verify_checkpoints(c, a, r, max_gseq)) != 0 || (rc = verify_attachments(c, r)) != 0)
        return rc;
    return 0;
}

int store_integrity_check(db_conn *c, char *msg, size_t size)
{
    return c->drv->integrity_check(c, msg, size);
}
