/* JSON <-> declaration (the codec layer: WCO-DM XML and EDIFACT decoders will sit beside it and
 * fill the same struct). */
#ifndef ECUSTOMS_CODEC_JSON_DECL_H
#define ECUSTOMS_CODEC_JSON_DECL_H

#include <jansson.h>

#include "core/decl.h"
#include "util/errs.h"

/* Decodes a declaration object into *out (zeroed first; release with decl_release even on
 * failure). Shape problems — missing fields, unknown fields, wrong JSON types, malformed
 * decimals or dates, strings too long — are ALL appended to e with paths like
 * "/items/3/quantity". Returns 0 when e gained no error, else -1. */
int json_decl_decode(json_t *root, decl *out, errs *e);

/* A declaration a request submits (IDA, IDB, an amendment): the struct, and whether the body
 * named its declarant. The service fills a missing declarant in from the token and stores the
 * document as submitted, with the declarant spliced in when it was not there. */
typedef struct decl_in {
    decl d; /* decl_release */
    int declarant_given;
} decl_in;
/* json_decl_decode into x->d, and declarant_given. */
int json_decl_in_decode(json_t *root, decl_in *x, errs *e);

/* NULL-terminated lists of the allowed fields of each object. */
extern const char *const json_decl_keys[];
extern const char *const json_decl_party_keys[];
extern const char *const json_decl_transport_keys[];
extern const char *const json_decl_invoice_keys[];
extern const char *const json_decl_item_keys[];
extern const char *const json_decl_co_keys[];

#endif
