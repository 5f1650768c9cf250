/* Small JSON helpers shared by the decoders. Strict objects: every request body lists the fields it
 * may carry, and an unknown one is an error (a typo must never be silently ignored). One check for
 * every decoder. */
#ifndef ECUSTOMS_CODEC_JSON_FIELDS_H
#define ECUSTOMS_CODEC_JSON_FIELDS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "util/errs.h"

/* The start of every decoder of a request body: 0 when body is a JSON object (an
 * "unknown_field" error appended for each key not in allowed), -1 with a "type" error at ""
 * when it is not (nothing more to decode). */
int json_body_begin(json_t *body, const char *const *allowed, errs *e);

/* Appends an "unknown_field" error at path/<key> for every key of obj not in the NULL-terminated
 * allowed list. Returns the number of unknown fields. */
int json_check_fields(json_t *obj, const char *const *allowed, const char *path, errs *e);

/* A required (or optional) string member of 1..max-1 characters: its value, or NULL with an error
 * appended at path ("required" when absent and required, "type" when not such a string). */
const char *json_string_field(json_t *obj, const char *key, const char *path, size_t max,
                              int required, errs *e);

/* The same for member key of an object at parent_path: the error path is parent_path/key. */
const char *json_string_member(json_t *obj, const char *key, const char *parent_path, size_t max,
                               int required, errs *e);

/* A required string member of 1..size-1 characters copied into out (at parent_path/key).
 * 0, or -1 with the error appended (out left empty). */
int json_string_copy(json_t *obj, const char *key, const char *parent_path, char *out, size_t size,
                     errs *e);

/* 1 when s is min..max ASCII digits. */
int json_digits(const char *s, size_t min, size_t max);

/* A whole VND amount as the API writes it: the string "1234567" (amounts are never JSON reals). */
json_t *json_money(int64_t vnd);

/* A UTC timestamp "YYYY-MM-DDTHH:MM:SSZ" for unix seconds t, JSON null for 0 (never). */
json_t *json_timestamp(int64_t t);

#endif
