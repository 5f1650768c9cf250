/* codec/json_span.c: members and elements found in JSON text, checked against jansson's reading
 * of the same text (the GET view copies these spans instead of re-writing parsed values). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "codec/json_span.h"

static json_span whole(const char *text)
{
    json_span s = {0};
    assert_int_equal(json_span_value(text, text + strlen(text), &s), 0);
    return s;
}

/* the span, parsed, equals jansson's value of the same member */
static void assert_same_value(json_span v, json_t *expected)
{
    json_t *got = json_loadb(v.p, v.n, JSON_DECODE_ANY, NULL);
    assert_non_null(got);
    assert_true(json_equal(got, expected));
    json_decref(got);
}

static void members_as_jansson_reads_them(void **state)
{
    (void)state;
    const char *texts[] = {
        "{\"a\":1,\"items\":[{\"d\":\"x}]\\\"{\"},{}],\"b\":{\"c\":[1,2,{\"e\":null}]}}",
        " {\n \"items\" : [ ] , \"t\":true }\n",
        "{\"b\":\"\\u0069tems\",\"items\":[1,-2.5e3,\"\\\\\"],\"z\":false}",
        "{\"only\":{\"items\":[9]},\"items\":\"the outer one\"}",
    };
    for (size_t i = 0; i < sizeof texts / sizeof *texts; i++) {
        json_t *doc = json_loads(texts[i], 0, NULL);
        assert_non_null(doc);
        const char *k;
        json_t *val;
        json_object_foreach(doc, k, val)
        {
            json_span v, m;
            assert_int_equal(json_span_member(whole(texts[i]), k, &v, &m), 0);
            assert_same_value(v, val);
            /* without the member: the same object less that key */
            char *cut = malloc(strlen(texts[i]) + 1);
            size_t before = (size_t)(m.p - texts[i]);
            memcpy(cut, texts[i], before);
            strcpy(cut + before, m.p + m.n);
            json_t *rest = json_loads(cut, 0, NULL);
            assert_non_null(rest);
            json_t *expected = json_deep_copy(doc);
            json_object_del(expected, k);
            assert_true(json_equal(rest, expected));
            json_decref(expected);
            json_decref(rest);
            free(cut);
        }
        json_span v;
        assert_int_equal(json_span_member(whole(texts[i]), "absent", &v, NULL), 1);
        json_decref(doc);
    }
}

static void several_members_in_one_pass(void **state)
{
    (void)state;
    static const char *const keys[] = {"taxes", "absent", "items", NULL};
    json_span v[3];
    json_span obj =
        json_span_text("  {\"items\":[{\"taxes\":1}],\"x\":\"taxes\",\"taxes\":{\"t\":2}} \n");
    assert_int_equal(obj.p[0], '{');
    assert_int_equal(obj.p[obj.n - 1], '}');
    assert_int_equal(json_span_members(obj, keys, v), 0);
    assert_int_equal(v[0].n, strlen("{\"t\":2}"));
    assert_memory_equal(v[0].p, "{\"t\":2}", v[0].n);
    assert_null(v[1].p);
    assert_memory_equal(v[2].p, "[{\"taxes\":1}]", v[2].n);
    assert_int_equal(json_span_members(json_span_text("{ }"), keys, v), 0);
    assert_null(v[0].p);
    assert_int_equal(json_span_members(json_span_text("{\"taxes\":1,}"), keys, v), -1);
}

static void elements_as_jansson_reads_them(void **state)
{
    (void)state;
    const char *text = "[ {\"a\":\"]\"} , [1,[2]], \"s\\\"\" ,3,null,{}]";
    json_t *arr = json_loads(text, 0, NULL);
    json_span *el = NULL;
    int n = json_span_elements(whole(text), &el);
    assert_int_equal(n, (int)json_array_size(arr));
    for (int i = 0; i < n; i++)
        assert_same_value(el[i], json_array_get(arr, (size_t)i));
    free(el);
    json_decref(arr);
    assert_int_equal(json_span_elements(whole("[]"), &el), 0);
    assert_null(el);
    /* more elements than the first allocation holds */
    char big[4096] = "[";
    for (int i = 0; i < 200; i++)
        strcat(big, i ? ",{\"i\":1}" : "{\"i\":1}");
    strcat(big, "]");
    assert_int_equal(json_span_elements(whole(big), &el), 200);
    assert_int_equal(el[199].n, 7);
    free(el);
}

static void malformed_text_is_refused(void **state)
{
    (void)state;
    json_span s, v, *el;
    const char *truncated[] = {"{\"a\":[1,2", "\"open", "{\"a\":\"x\\\"}", "[1,2", ""};
    for (size_t i = 0; i < sizeof truncated / sizeof *truncated; i++)
        assert_int_equal(json_span_value(truncated[i], truncated[i] + strlen(truncated[i]), &s),
                         -1);
    const char *bad_objects[] = {"{\"a\" 1}", "{a:1}", "{\"a\":1 \"b\":2}", "[1]", "{\"a\":}"};
    for (size_t i = 0; i < sizeof bad_objects / sizeof *bad_objects; i++) {
        json_span obj = {bad_objects[i], strlen(bad_objects[i])};
        assert_int_equal(json_span_member(obj, "b", &v, NULL), -1);
    }
    json_span not_array = {"{\"a\":1}", 7}, no_comma = {"[1 2]", 5};
    assert_int_equal(json_span_elements(not_array, &el), -1);
    assert_int_equal(json_span_elements(no_comma, &el), -1);
    assert_null(el);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(members_as_jansson_reads_them),
        cmocka_unit_test(several_members_in_one_pass),
        cmocka_unit_test(elements_as_jansson_reads_them),
        cmocka_unit_test(malformed_text_is_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
