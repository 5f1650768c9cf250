/* Shared by test_json_decl.c and test_validate.c: a complete, valid import declaration and
 * small helpers to mutate it and inspect the collected errors. Header-only (static inline) so
 * that each test executable stays a single source file. */
#ifndef ECUSTOMS_TEST_DECL_FIXTURE_H
#define ECUSTOMS_TEST_DECL_FIXTURE_H

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "codec/json_decl.h"
#include "core/validate.h"
#include "util/errs.h"

static const char FIXTURE_IMPORT[] =
    "{"
    "\"kind\": \"import\", \"type_code\": \"A11\", \"customs_office\": \"02CI\","
    "\"declarant\": \"0309999999\","
    "\"importer\": {\"tax_code\": \"0101234567\", \"name\": \"Hanoi Electronics Import JSC\","
    "               \"address\": \"1 Trang Tien, Hoan Kiem, Ha Noi\", \"country\": \"VN\"},"
    "\"exporter\": {\"name\": \"Shenzhen Mobile Devices Ltd\", \"country\": \"CN\","
    "               \"address\": \"Nanshan, Shenzhen\"},"
    "\"transport\": {\"mode\": 2, \"bills_of_lading\": [\"COSU6123456780\"],"
    "               \"port_of_loading\": \"CNSHK\", \"port_of_discharge\": \"VNHPH\","
    "               \"arrival_date\": \"2026-11-20\", \"vessel\": \"COSCO HAIPHONG\","
    "               \"containers\": [\"MSCU1234566\", \"CSQU3054383\"]},"
    "\"packages\": {\"count\": 120, \"unit\": \"CT\"},"
    "\"gross_weight_kg\": \"1850.5\","
    "\"invoice\": {\"number\": \"SZ-2026-1101\", \"date\": \"2026-11-01\", \"currency\": \"USD\","
    "              \"incoterm\": \"FOB\", \"total\": \"125000\", \"freight\": \"1800\","
    "              \"insurance\": \"250.25\"},"
    "\"items\": ["
    "  {\"hs_code\": \"85171300\", \"description\": \"Smartphones, 6.5 inch, 128 GB\","
    "   \"origin\": \"CN\", \"quantity\": \"500\", \"unit\": \"PCE\", \"unit_price\": \"200\","
    "   \"value\": \"100000\", \"net_weight_kg\": \"110.25\","
    "   \"certificate_of_origin\": {\"form\": \"E\", \"number\": \"E2026CN0001234\"},"
    "   \"permits\": [\"MIC-2026-001\"]},"
    "  {\"hs_code\": \"85044019\", \"description\": \"Phone chargers 25 W\", \"origin\": \"CN\","
    "   \"quantity\": \"5000\", \"unit\": \"PCE\", \"unit_price\": \"5\", \"value\": \"25000\"}"
    "]}";

static const char FIXTURE_EXPORT[] =
    "{"
    "\"kind\": \"export\", \"type_code\": \"B11\", \"customs_office\": \"03CE\","
    "\"exporter\": {\"tax_code\": \"0201234567\", \"name\": \"Haiphong Garments JSC\"},"
    "\"importer\": {\"name\": \"LA Apparel Inc\", \"country\": \"US\"},"
    "\"transport\": {\"mode\": \"4\", \"port_of_loading\": \"VNHPH\","
    "               \"port_of_discharge\": \"USLAX\"},"
    "\"packages\": {\"count\": 10, \"unit\": \"CT\"},"
    "\"gross_weight_kg\": 500,"
    "\"invoice\": {\"number\": \"HG-1\", \"date\": \"2026-10-01\", \"currency\": \"USD\","
    "              \"incoterm\": \"FOB\", \"total\": 1000},"
    "\"items\": [{\"hs_code\": \"62034200\", \"description\": \"Cotton trousers\","
    "             \"origin\": \"VN\", \"quantity\": 100, \"unit\": \"PCE\","
    "             \"unit_price\": \"10\", \"value\": \"1000\"}]"
    "}";

static inline json_t *fixture_load(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        fprintf(stderr, "fixture: %s at %d:%d\n", je.text, je.line, je.column);
        abort();
    }
    return j;
}

static inline errs *errs_new(void)
{
    errs *e = calloc(1, sizeof *e);
    if (!e)
        abort();
    errs_init(e);
    return e;
}

/* A cmocka test's state: the import fixture parsed (j), the declaration decoded from it (d) and
 * the errors collected (e). fixture_setup and fixture_teardown make and free it. */
typedef struct fixture_ctx {
    json_t *j;
    decl d;
    errs *e;
} fixture_ctx;

static inline int fixture_setup(void **state)
{
    fixture_ctx *c = calloc(1, sizeof *c);
    c->j = fixture_load(FIXTURE_IMPORT);
    c->e = errs_new();
    *state = c;
    return 0;
}

static inline int fixture_teardown(void **state)
{
    fixture_ctx *c = *state;
    decl_release(&c->d);
    json_decref(c->j);
    free(c->e);
    free(c);
    return 0;
}

/* The object at a slash path such as "/items/0" or "/invoice" ("" is the root). */
static inline json_t *at(json_t *root, const char *path)
{
    char buf[128], *save = NULL;
    snprintf(buf, sizeof buf, "%s", path);
    json_t *cur = root;
    for (char *tok = strtok_r(buf, "/", &save); tok && cur; tok = strtok_r(NULL, "/", &save))
        cur =
            json_is_array(cur) ? json_array_get(cur, (size_t)atoi(tok)) : json_object_get(cur, tok);
    if (!cur) {
        fprintf(stderr, "fixture: no %s\n", path);
        abort();
    }
    return cur;
}

static inline void set(json_t *root, const char *obj_path, const char *key, json_t *v)
{
    json_object_set_new(at(root, obj_path), key, v);
}

static inline void set_str(json_t *root, const char *obj_path, const char *key, const char *s)
{
    set(root, obj_path, key, json_string(s));
}

static inline void del(json_t *root, const char *obj_path, const char *key)
{
    json_object_del(at(root, obj_path), key);
}

/* Index of the first error with this code and path, or -1. */
static inline int find_err(const errs *e, const char *code, const char *path)
{
    for (int i = 0; i < e->n; i++)
        if (!strcmp(e->items[i].code, code) && !strcmp(e->items[i].path, path))
            return i;
    return -1;
}

static inline void dump_errs(const errs *e)
{
    for (int i = 0; i < e->n; i++)
        fprintf(stderr, "  %s %s: %s\n", e->items[i].code, e->items[i].path, e->items[i].message);
}

/* cmocka assertions on the error list (macros so that failures report the caller's line). */
#define assert_err(e, code, path)                                                                  \
    do {                                                                                           \
        if (find_err((e), (code), (path)) < 0) {                                                   \
            dump_errs(e);                                                                          \
            fail_msg("expected error %s at '%s'", (code), (path));                                 \
        }                                                                                          \
    } while (0)

#define assert_no_errs(e)                                                                          \
    do {                                                                                           \
        if ((e)->n != 0) {                                                                         \
            dump_errs(e);                                                                          \
            fail_msg("expected no errors, got %d", (e)->n);                                        \
        }                                                                                          \
    } while (0)

#endif
