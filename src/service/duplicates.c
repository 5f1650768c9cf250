#include "service/duplicates.h"

#include <stdio.h>
#include <string.h>

#include "service/internal.h"
#include "store/store_reference.h"
#include "util/log.h"

#define DUP_MAX STORE_DOC_OTHERS_MAX

typedef struct dup_ctx {
    const decl *d;
    const char *party, *own_id;
    json_t *warnings;
    const dup_hits *inv, *bl0; /* look-ups made by the caller (NULL or n < 0: made here) */
} dup_ctx;

static json_t *numbers_json(char (*nums)[13], int n)
{
    json_t *arr = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(arr, json_string(nums[i]));
    return arr;
}

/* n numbers found for one document: made by the caller, or looked up here */
static int others(db_conn *c, const dup_ctx *x, const dup_hits *h, const char *kind,
                  const char *ref, char (*nums)[13])
{
    if (h && h->n >= 0) {
        memcpy(nums, h->nums, (size_t)h->n * sizeof *nums);
        return h->n;
    }
    return store_document_others(c, x->party, kind, ref, x->own_id, nums, DUP_MAX);
}

static int dup_job(db_conn *c, void *ctx)
{
    dup_ctx *x = ctx;
    char nums[DUP_MAX][13];
    x->warnings = json_array();
    if (x->d->invoice.number[0]) {
        int n = others(c, x, x->inv, "invoice", x->d->invoice.number, nums);
        if (n < 0)
            return n;
        if (n > 0) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "invoice %.48s was already declared by this enterprise in declaration %s%s",
                     x->d->invoice.number, nums[0], n > 1 ? " and others" : "");
            json_array_append_new(x->warnings,
                                  json_pack("{s:s,s:s,s:s,s:o}", "code", "duplicate_invoice",
                                            "message", msg, "invoice", x->d->invoice.number,
                                            "declarations", numbers_json(nums, n)));
        }
    }
    json_t *bls = json_array(), *decls = json_array();
    for (int i = 0; i < x->d->transport.n_bl; i++) {
        const char *bl = x->d->transport.bills_of_lading[i];
        int n = others(c, x, i == 0 ? x->bl0 : NULL, "bill_of_lading", bl, nums);
        if (n < 0) {
            json_decref(bls);
            json_decref(decls);
            return n;
        }
        if (n > 0)
            json_array_append_new(bls, json_string(bl));
        for (int k = 0; k < n; k++) {
            int seen = 0;
            size_t j;
            json_t *v;
            json_array_foreach(decls, j, v) seen |= !strcmp(json_string_value(v), nums[k]);
            if (!seen)
                json_array_append_new(decls, json_string(nums[k]));
        }
    }
    if (json_array_size(bls))
        json_array_append_new(
            x->warnings,
            json_pack("{s:s,s:s,s:o,s:o}", "code", "duplicate_bill_of_lading", "message",
                      "bills of lading already declared by this enterprise in another declaration",
                      "bills_of_lading", bls, "declarations", decls));
    else {
        json_decref(bls);
        json_decref(decls);
    }
    return 0;
}

int dup_collect(db_conn *c, const decl *d, const char *enterprise, const char *own_id,
                const dup_hits *inv, const dup_hits *bl0, json_t **warnings)
{
    dup_ctx x = {d, enterprise, own_id, NULL, inv, bl0};
    int rc = dup_job(c, &x);
    if (rc != 0 || !json_array_size(x.warnings)) {
        json_decref(x.warnings);
        x.warnings = NULL;
    }
    *warnings = x.warnings;
    return rc;
}

json_t *dup_warnings(app *a, const decl *d, const char *enterprise, const char *own_id)
{
    dup_ctx x = {d, enterprise, own_id, NULL, NULL, NULL};
    if (store_read(a->st, dup_job, &x) != 0) {
        log_error("duplicate-document check failed for %s", own_id);
        json_decref(x.warnings);
        return NULL;
    }
    if (!json_array_size(x.warnings)) {
        json_decref(x.warnings);
        return NULL;
    }
    return x.warnings;
}

int dup_record(db_conn *c, const decl *d, const char *enterprise, const char *decl_id, int64_t at,
               int fresh)
{
    /* the invoice and the bills of lading together (store_documents_add: one statement for up
     * to four, where it was one each) */
    const char *kinds[1 + DECL_MAX_BL], *refs[1 + DECL_MAX_BL];
    int n = 0;
    int rc = fresh ? 0 : store_document_clear(c, decl_id);
    if (d->invoice.number[0]) {
        kinds[n] = "invoice";
        refs[n++] = d->invoice.number;
    }
    for (int i = 0; i < d->transport.n_bl && i < DECL_MAX_BL; i++) {
        kinds[n] = "bill_of_lading";
        refs[n++] = d->transport.bills_of_lading[i];
    }
    if (rc == 0 && n > 0)
        rc = store_documents_add(c, enterprise, decl_id, at, n, kinds, refs);
    /* an export's containers: the port's gate finds the declaration by them (service/gate.c) */
    for (int i = 0; rc == 0 && d->kind == DECL_EXPORT && i < d->transport.n_containers; i++)
        rc = store_document_add(c, enterprise, "export_container", d->transport.containers[i],
                                decl_id, at);
    return rc;
}
