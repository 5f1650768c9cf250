/* Spans of JSON text: where a member's value or an array's elements lie in a document, found
 * without building a value. For documents this server stored itself (a declaration as
 * received, a tax document it wrote): parsing them with jansson only to write the same bytes
 * back costs ~300 instructions per byte, most of a declaration GET; a span is copied as it is.
 *
 * The scanner checks structure (strings, brackets, separators), not the grammar of numbers and
 * literals: it is for text that was valid JSON when it was stored. Any surprise (truncated text,
 * an escaped key) is a failure, and callers then take the jansson path. */
#ifndef ECUSTOMS_CODEC_JSON_SPAN_H
#define ECUSTOMS_CODEC_JSON_SPAN_H

#include <stddef.h>

typedef struct json_span {
    const char *p; /* first byte of the value (no leading whitespace) */
    size_t n;      /* its length in bytes */
} json_span;

/* The value starting at the first non-blank byte of [p, end): its span. 0, or -1 when the text
 * there is not one whole value. */
int json_span_value(const char *p, const char *end, json_span *out);

/* The whole of a NUL-terminated text, without its leading and trailing blanks (not checked:
 * the functions below check what they scan). */
json_span json_span_text(const char *text);

/* Member key of the object obj (a span of an object): its value's span, and in *member (may be
 * NULL) the bytes to remove to drop the member, with one of its separating commas. 0; 1 when
 * the object has no such member (compared byte for byte: keys with escapes never match); -1
 * when obj is not a well-formed object. */
int json_span_member(json_span obj, const char *key, json_span *value, json_span *member);

/* Several members in one pass: values[i] is the span of keys[i] (a NULL-terminated list), or
 * {NULL, 0} when obj has no such member (the first one counts when a key repeats). 0, or -1 when
 * obj is not a well-formed object. */
int json_span_members(json_span obj, const char *const *keys, json_span *values);

/* The elements of the array arr, in *out (malloc'd, freed by the caller; NULL when empty).
 * Their count, or -1 when arr is not a well-formed array (or memory ran out). */
int json_span_elements(json_span arr, json_span **out);

#endif
