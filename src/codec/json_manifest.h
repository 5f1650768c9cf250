/* The e-Manifest body (POST/PUT /manifests) decoded and checked field by field: vessel or
 * flight, ports, ETA, bills of lading with their containers. Every error at once, with its path. */
#ifndef ECUSTOMS_CODEC_JSON_MANIFEST_H
#define ECUSTOMS_CODEC_JSON_MANIFEST_H

#include <jansson.h>
#include <stdint.h>

#include "util/errs.h"

#define MAX_BL 500
#define MAX_CTR_PER_BL 200

typedef struct mctr {
    char number[12];
    char seal[24];
} mctr;

typedef struct mbl {
    char number[36];
    char hs[11];
    char consignee_tax[14];
    char shipper[128];     /* for screening; the full text stays in the manifest document */
    char hold_reason[160]; /* pre-arrival screening: a red rule matched */
    int64_t packages;
    int64_t gross_weight;
    int n_ctr;
    mctr *ctr;
} mbl;

typedef struct manifest_in {
    int air;
    char port[6];
    char loading_country[3]; /* of the port of loading: the screening rules' "origin" */
    int64_t eta;
    int voyage_days;
    int n_bl;
    mbl *bl;
    char *doc; /* heap: the manifest as stored (compact JSON, keys sorted); NULL after errors */
} manifest_in;

/* Decodes body into m (zeroed first; release it with manifest_in_release, also after errors). */
void json_manifest_decode(json_t *body, manifest_in *m, errs *e);
void manifest_in_release(manifest_in *m);

#endif
