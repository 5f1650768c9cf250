/* Declaration barcodes for the supervision gate: a Code 128 of the declaration number and a QR
 * code of the declaration + container list signed with ECDSA P-256 / SHA-256 (the 2-D barcode
 * with a digital signature planned by CV 8155/TCHQ-VNACCS). The signing key is kept in a file of
 * mode 0600 (serve --signing-key, by default next to the database), never in the database; its
 * public half is published. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "codec/barcode.h"
#include "codec/json_scan.h"
#include "service/kernel.h"
#include "service/manifests.h"
#include "service/barcodes.h"
#include "service/gate.h"
#include "store/db.h"
#include "util/keyfile.h"
#include "util/log.h"
#include "util/ecdsa.h"

/* Where the key lived before it moved to a file: read once to migrate it out, then deleted. */
#define KEY_SETTING "barcode.ecdsa_p256_pem"
#define KEY_FILE_SUFFIX ".signing-key.pem"

static pthread_mutex_t file_lock = PTHREAD_MUTEX_INITIALIZER;
static char key_file[1024]; /* serve --signing-key; empty: next to the database */

void svc_signing_key_file(const char *path)
{
    pthread_mutex_lock(&file_lock);
    snprintf(key_file, sizeof key_file, "%s", path ? path : "");
    pthread_mutex_unlock(&file_lock);
}

void svc_signing_key_default_path(const char *db_path, char *out, size_t n)
{
    char base[900];
    db_state_base(db_path, base, sizeof base); /* a store is open: its base exists */
    snprintf(out, n, "%s%s", base, KEY_FILE_SUFFIX);
}

typedef struct key_ctx {
    char pem[1024];
    int drop; /* delete the stored copy */
} key_ctx;

static int key_job(db_conn *c, void *ctx)
{
    key_ctx *x = ctx;
    if (x->drop)
        return store_setting_delete(c, KEY_SETTING);
    int rc = store_setting_get(c, KEY_SETTING, x->pem, sizeof x->pem);
    return rc < 0 ? rc : 0;
}

static EVP_PKEY *pem_key(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return k;
}

/* Loads the key file; if there is none, moves the key the database held (older versions kept it
 * in `settings`) into a new file, or makes a new key. Called with a->key_lock held. */
static EVP_PKEY *key_prepare(app *a, char *err, size_t n)
{
    char path[1100];
    pthread_mutex_lock(&file_lock);
    int named = key_file[0] != 0;
    if (named)
        snprintf(path, sizeof path, "%s", key_file);
    pthread_mutex_unlock(&file_lock);
    if (!named)
        svc_signing_key_default_path(store_path(a->st), path, sizeof path);
    if (access(path, F_OK) == 0)
        return keyfile_load(path, err, n);
    key_ctx x = {{0}, 0};
    if (store_read(a->st, key_job, &x) != 0) {
        snprintf(err, n, "cannot read the database's settings");
        return NULL;
    }
    int migrating = x.pem[0] != 0;
    if (!migrating && named) {
        /* a file named explicitly is made by `ecustoms key generate`: a typo must not silently
         * become a new key that no published public key matches */
        snprintf(err, n, "%s does not exist (make it with `ecustoms key generate --out %s`)", path,
                 path);
        return NULL;
    }
    EVP_PKEY *k = migrating ? pem_key(x.pem) : EVP_EC_gen("P-256");
    OPENSSL_cleanse(x.pem, sizeof x.pem);
    if (!k) {
        snprintf(err, n,
                 migrating ? "the key stored in the database is not a PEM private key"
                           : "cannot generate a P-256 key");
        return NULL;
    }
    int rc = keyfile_create(path, k, err, n);
    if (rc == -2) { /* another process created it meanwhile: that one is the key */
        EVP_PKEY_free(k);
        return keyfile_load(path, err, n);
    }
    if (rc != 0) {
        EVP_PKEY_free(k);
        return NULL;
    }
    if (migrating) {
        x.drop = 1;
        if (store_write(a->st, key_job, &x) != 0)
            log_warn("the QR signing key was copied to %s but could not be deleted from the "
                     "database's settings; delete it by hand",
                     path);
        else
            log_info("moved the QR signing key out of the database into %s (mode 0600)", path);
    } else
        log_info("created a QR signing key in %s (mode 0600)", path);
    return k;
}

int svc_signing_key_prepare(app *a, char *err, size_t n)
{
    pthread_mutex_lock(&a->key_lock);
    EVP_PKEY_free(a->barcode_key);
    a->barcode_key = key_prepare(a, err, n);
    int rc = a->barcode_key ? 0 : -1;
    pthread_mutex_unlock(&a->key_lock);
    return rc;
}

/* The signing key, cached in the app (a->barcode_key; prepared on first use when serve did not). */
static EVP_PKEY *signing_key(app *a)
{
    char err[256];
    pthread_mutex_lock(&a->key_lock);
    if (!a->barcode_key) {
        a->barcode_key = key_prepare(a, err, sizeof err);
        if (!a->barcode_key)
            log_error("QR signing key: %s", err);
    }
    EVP_PKEY *k = a->barcode_key;
    if (k)
        EVP_PKEY_up_ref(k);
    pthread_mutex_unlock(&a->key_lock);
    return k;
}

static void b64url(const unsigned char *in, size_t n, char *out)
{
    int k = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
    for (int i = 0; i < k; i++)
        out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
    while (k > 0 && out[k - 1] == '=')
        k--;
    out[k] = 0;
}

/* ---- reading the declaration --------------------------------------------------------------- */

typedef struct bc_ctx {
    const char *key;
    decl_row row;
    int found;
} bc_ctx;

static int bc_job(db_conn *c, void *ctx)
{
    bc_ctx *x = ctx;
    x->found = store_decl_get(c, x->key, &x->row);
    return x->found < 0 ? x->found : 0;
}

/* A port operator sees the declarations of its own port only: the port of
 * discharge of an import, of loading of an export. */
static int operator_port(app *a, const svc_req *req, const decl_row *row)
{
    json_t *doc = json_loads(row->doc, 0, NULL);
    json_t *tr = json_object_get(doc, "transport");
    const char *port = json_string_value(
        json_object_get(tr, row->kind == DECL_EXPORT ? "port_of_loading" : "port_of_discharge"));
    int at = svc_operator_at(a, req, port) == 1;
    json_decref(doc);
    return at;
}

/* Parties of the declaration, customs and port operators (who scan it at the gate). */
static int load(app *a, const svc_req *req, const char *number, bc_ctx *x, svc_reply *fail)
{
    memset(x, 0, sizeof *x);
    x->key = number;
    if (store_read(a->st, bc_job, x) != 0) {
        *fail = svc_error(SVC_ERROR, "storage", "cannot read the declaration");
        return -1;
    }
    int at_port =
        x->found == 1 && svc_role_is(req, "port_operator") && operator_port(a, req, &x->row);
    if (x->found != 1 || !x->row.number[0] ||
        !(svc_is_customs(req) || at_port || strcmp(x->row.declarant, req->party) == 0 ||
          strcmp(x->row.party, req->party) == 0)) {
        if (x->found == 1)
            decl_row_release(&x->row);
        *fail = svc_error(SVC_NOT_FOUND, "not_found", "no such registered declaration");
        return -1;
    }
    return 0;
}

static svc_reply svg_reply(char *svg)
{
    svc_reply r = {0};
    if (!svg)
        return svc_error(SVC_ERROR, "barcode", "cannot render the barcode");
    r.code = SVC_OK;
    r.text = svg;
    r.content_type = "image/svg+xml";
    return r;
}

static svc_reply png_reply(unsigned char *png, size_t len)
{
    svc_reply r = {0};
    if (!png)
        return svc_error(SVC_ERROR, "barcode", "cannot render the barcode");
    r.code = SVC_OK;
    r.text = (char *)png;
    r.text_len = len;
    r.content_type = "image/png";
    return r;
}

svc_reply svc_decl_barcode(app *a, const svc_req *req, const char *number, int png)
{
    bc_ctx x;
    svc_reply r;
    if (load(a, req, number, &x, &r) != 0)
        return r;
    size_t len = 0;
    if (png) {
        unsigned char *img = barcode_code128_png(x.row.number, &len); /* sets len: call first */
        r = png_reply(img, len);
    } else {
        r = svg_reply(barcode_code128_svg(x.row.number));
    }
    decl_row_release(&x.row);
    return r;
}

/* Payload: VNACCS1|number|status|enterprise|containers (comma-separated)|issued-at|signature,
 * the signature (base64url of the DER ECDSA signature) over everything before its '|'. */
svc_reply svc_decl_qr(app *a, const svc_req *req, const char *number, int png)
{
    bc_ctx x;
    svc_reply r;
    if (load(a, req, number, &x, &r) != 0)
        return r;
    json_t *doc = json_loads(x.row.doc, 0, NULL);
    json_t *ctr = json_object_get(json_object_get(doc, "transport"), "containers"), *v;
    size_t i, cap = 256 + 12 * json_array_size(ctr);
    char *payload = malloc(cap + 300);
    char ts[24];
    date_format_timestamp((time_t)svc_now(), ts);
    int n = payload ? snprintf(payload, cap, "VNACCS1|%s|%s|%s|", x.row.number,
                               decl_status_name((decl_status)x.row.status), x.row.party)
                    : 0;
    json_array_foreach(ctr, i, v)
    {
        if (!payload || (size_t)n >= cap - 16)
            break;
        n += snprintf(payload + n, cap - (size_t)n, "%s%s", i ? "," : "",
                      json_string_value(v) ? json_string_value(v) : "");
    }
    json_decref(doc);
    decl_row_release(&x.row);
    if (!payload)
        return svc_error(SVC_ERROR, "internal", "out of memory");
    n += snprintf(payload + n, cap - (size_t)n, "|%s", ts);
    EVP_PKEY *k = signing_key(a);
    unsigned char sig[128];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = k && md && EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestSign(md, sig, &siglen, (const unsigned char *)payload, (size_t)n) == 1;
    EVP_MD_CTX_free(md);
    EVP_PKEY_free(k);
    if (!ok) {
        free(payload);
        return svc_error(SVC_ERROR, "signature", "cannot sign the barcode");
    }
    char b64[256];
    b64url(sig, siglen, b64);
    snprintf(payload + n, 300, "|%s", b64);
    size_t len = 0;
    if (png) {
        unsigned char *img = barcode_qr_png(payload, &len);
        r = png_reply(img, len);
    } else {
        r = svg_reply(barcode_qr_svg(payload, payload));
    }
    free(payload);
    return r;
}

svc_reply svc_barcode_public_key(app *a)
{
    svc_reply r = {0};
    EVP_PKEY *k = signing_key(a);
    BIO *bio = BIO_new(BIO_s_mem());
    char *data = NULL;
    if (!k || !bio || PEM_write_bio_PUBKEY(bio, k) != 1) {
        BIO_free(bio);
        EVP_PKEY_free(k);
        return svc_error(SVC_ERROR, "signature", "no signing key");
    }
    long n = BIO_get_mem_data(bio, &data);
    r.code = SVC_OK;
    r.body =
        json_pack("{s:s,s:s%}", "algorithm", "ECDSA P-256 with SHA-256 (DER signature, base64url)",
                  "public_key_pem", data, (size_t)n);
    BIO_free(bio);
    EVP_PKEY_free(k);
    return r;
}

/* ---- verification (offline CLI and the supervision scan) ------------------------------------- */

int barcode_payload_verify(EVP_PKEY *pub, const char *payload, barcode_payload *out, char *why,
                           size_t why_size)
{
    memset(out, 0, sizeof *out);
    const char *last = strrchr(payload, '|');
    if (strncmp(payload, "VNACCS1|", 8) != 0 || !last) {
        snprintf(why, why_size, "not an ecustoms declaration barcode (VNACCS1|...)");
        return -1;
    }
    /* fields: VNACCS1|number|status|enterprise|containers|issued-at|signature */
    char buf[8192];
    snprintf(buf, sizeof buf, "%.*s", (int)(last - payload), payload);
    char *f[6] = {0};
    char *p = buf;
    for (int i = 0; i < 6 && p; i++) {
        f[i] = p;
        p = strchr(p, '|');
        if (p)
            *p++ = 0;
    }
    if (!f[5] || p) {
        snprintf(why, why_size, "the payload does not have the 7 fields of a declaration barcode");
        return -1;
    }
    snprintf(out->number, sizeof out->number, "%s", f[1]);
    snprintf(out->status, sizeof out->status, "%s", f[2]);
    snprintf(out->enterprise, sizeof out->enterprise, "%s", f[3]);
    snprintf(out->containers, sizeof out->containers, "%s", f[4]);
    snprintf(out->issued_at, sizeof out->issued_at, "%s", f[5]);
    /* base64url without padding -> standard base64 */
    char b64[256];
    size_t n = strlen(last + 1);
    if (n == 0 || n > 200) {
        snprintf(why, why_size, "signature missing or too long");
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        b64[i] = last[1 + i] == '-' ? '+' : last[1 + i] == '_' ? '/' : last[1 + i];
    while (n % 4)
        b64[n++] = '=';
    b64[n] = 0;
    unsigned char der[160];
    int dl = ecdsa_b64_decode(b64, der, sizeof der);
    int ok =
        dl > 0 && ecdsa_verify_p256(pub, payload, (size_t)(last - payload), der, (size_t)dl) == 1;
    out->signature_valid = ok;
    if (!ok)
        snprintf(why, why_size, "the customs signature does not verify: forged or altered payload");
    return 0;
}

typedef struct scan_ctx {
    const char *number;
    decl_row row;
    int found;
} scan_ctx;

static int scan_job(db_conn *c, void *ctx)
{
    scan_ctx *x = ctx;
    x->found = store_decl_get(c, x->number, &x->row);
    return x->found < 0 ? x->found : 0;
}

/* Decision 2629/QD-TCHQ: the supervising officer scans the 1-D barcode (the declaration number) or
 * the signed 2-D barcode; the system traces the declaration, checks status and validity, warns when
 * procedures are not complete and shows the declaration with its container list. */
svc_reply svc_supervision_scan(app *a, const svc_req *req, const char *scanned, errs *e)
{
    svc_reply r = {0};
    if (!svc_is_customs(req) && !svc_role_is(req, "port_operator"))
        return svc_error(SVC_FORBIDDEN, "forbidden", "scans are for supervising officers");
    if (e->n)
        return svc_error(SVC_INVALID, e->items[0].code, e->items[0].message);
    json_t *warnings = json_array();
    barcode_payload bp = {0};
    char why[160];
    const char *number = scanned;
    int qr = strncmp(scanned, "VNACCS1|", 8) == 0;
    if (qr) {
        EVP_PKEY *k = signing_key(a);
        if (!k || barcode_payload_verify(k, scanned, &bp, why, sizeof why) != 0) {
            EVP_PKEY_free(k);
            json_decref(warnings);
            return svc_error(SVC_INVALID, "payload", k ? why : "no customs key");
        }
        EVP_PKEY_free(k);
        if (!bp.signature_valid)
            json_array_append_new(
                warnings, json_pack("{s:s,s:s}", "code", "signature_invalid", "message", why));
        number = bp.number;
    }
    scan_ctx x = {.number = number};
    if (strlen(number) < 11 || strlen(number) > 12 || store_read(a->st, scan_job, &x) != 0 ||
        x.found != 1 || !x.row.number[0] ||
        (svc_role_is(req, "port_operator") && !operator_port(a, req, &x.row))) {
        if (x.found == 1)
            decl_row_release(&x.row);
        json_decref(warnings);
        return svc_error(SVC_NOT_FOUND, "not_found", "no registered declaration with this number");
    }
    decl_status st = (decl_status)x.row.status;
    if (st != ST_CLEARED && st != ST_PASSED)
        json_array_append_new(
            warnings, json_pack("{s:s,s:s}", "code", "not_cleared", "message",
                                "customs procedures are not complete: the goods may not leave"));
    if (st == ST_PASSED)
        json_array_append_new(warnings, json_pack("{s:s,s:s}", "code", "already_passed", "message",
                                                  "the goods already passed the supervision area"));
    if (qr && strcmp(bp.number, x.row.number) != 0)
        json_array_append_new(
            warnings, json_pack("{s:s,s:s}", "code", "amended_since", "message",
                                "the declaration was amended after this barcode was printed"));
    json_t *doc = json_loads(x.row.doc, 0, NULL);
    json_t *ctr = json_object_get(json_object_get(doc, "transport"), "containers");
    r.code = SVC_OK;
    r.body =
        json_pack("{s:s,s:s,s:s,s:s,s:O,s:o,s:b}", "number", x.row.number, "status",
                  decl_status_name(st), "channel", decl_channel_name((decl_channel)x.row.channel),
                  "enterprise", x.row.party, "containers", ctr ? ctr : json_array(), "warnings",
                  warnings, "signed", qr && bp.signature_valid);
    json_decref(doc);
    decl_row_release(&x.row);
    return r;
}
