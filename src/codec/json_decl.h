/* JSON -> decl decoder (owned by the declarations work; implemented in codec/json_decl.c). */
#ifndef ECUSTOMS_CODEC_JSON_DECL_H
#define ECUSTOMS_CODEC_JSON_DECL_H

#include <jansson.h>

#include "core/decl.h"
#include "util/errs.h"

extern int json_decl_decode(json_t *root, decl *out, errs *e);

#endif
