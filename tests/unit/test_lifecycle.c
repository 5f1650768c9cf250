/* Unit tests for src/core/lifecycle.c: the declaration state machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "core/lifecycle.h"

#define ANY (-1) /* any channel */

typedef struct edge {
    decl_status from;
    int ch;
    lifecycle_action act;
    decl_status to;
} edge;

/* Every legal transition. Anything not listed here must be refused. */
static const edge legal[] = {
    {ST_PROVISIONAL, ANY, ACT_MODIFY, ST_PROVISIONAL},
    {ST_PROVISIONAL, ANY, ACT_REGISTER, ST_REGISTERED},
    {ST_PROVISIONAL, ANY, ACT_EXPIRE, ST_EXPIRED},
    {ST_REGISTERED, ANY, ACT_AMEND, ST_REGISTERED},
    {ST_CLEARED, ANY, ACT_AMEND, ST_CLEARED},
    {ST_PASSED, ANY, ACT_AMEND, ST_PASSED},
    {ST_REGISTERED, ANY, ACT_CANCEL, ST_CANCELLED},
    {ST_DOC_CHECK, ANY, ACT_CANCEL, ST_CANCELLED},
    {ST_INSPECTION, ANY, ACT_CANCEL, ST_CANCELLED},
    {ST_CHECKED, ANY, ACT_CANCEL, ST_CANCELLED},
    {ST_CLEARED, ANY, ACT_CANCEL, ST_CANCELLED},
    {ST_REGISTERED, CH_YELLOW, ACT_START_DOC_CHECK, ST_DOC_CHECK},
    {ST_REGISTERED, CH_RED, ACT_START_DOC_CHECK, ST_DOC_CHECK},
    {ST_DOC_CHECK, CH_YELLOW, ACT_DOC_PASSED, ST_CHECKED},
    {ST_DOC_CHECK, CH_RED, ACT_DOC_PASSED, ST_INSPECTION},
    /* green / none never reach document check; the graph still treats them like yellow */
    {ST_DOC_CHECK, CH_GREEN, ACT_DOC_PASSED, ST_CHECKED},
    {ST_DOC_CHECK, CH_NONE, ACT_DOC_PASSED, ST_CHECKED},
    {ST_DOC_CHECK, ANY, ACT_DOC_FAILED, ST_INSPECTION},
    {ST_INSPECTION, ANY, ACT_INSPECTION_DONE, ST_CHECKED},
    {ST_REGISTERED, CH_GREEN, ACT_CLEAR, ST_CLEARED},
    {ST_CHECKED, ANY, ACT_CLEAR, ST_CLEARED},
    {ST_DOC_CHECK, ANY, ACT_REJECT, ST_REJECTED},
    {ST_INSPECTION, ANY, ACT_REJECT, ST_REJECTED},
    {ST_CHECKED, ANY, ACT_REJECT, ST_REJECTED},
    {ST_CLEARED, ANY, ACT_PASS_SUPERVISION, ST_PASSED},
    {ST_REGISTERED, ANY, ACT_INVALIDATE, ST_INVALIDATED},
    {ST_DOC_CHECK, ANY, ACT_INVALIDATE, ST_INVALIDATED},
    {ST_INSPECTION, ANY, ACT_INVALIDATE, ST_INVALIDATED},
    {ST_CHECKED, ANY, ACT_INVALIDATE, ST_INVALIDATED},
};

static const edge *find_legal(decl_status from, int ch, lifecycle_action a)
{
    for (size_t i = 0; i < sizeof legal / sizeof *legal; i++)
        if (legal[i].from == from && legal[i].act == a && (legal[i].ch == ANY || legal[i].ch == ch))
            return &legal[i];
    return NULL;
}

static void every_legal_transition(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof legal / sizeof *legal; i++) {
        const edge *e = &legal[i];
        int lo = e->ch == ANY ? CH_NONE : e->ch, hi = e->ch == ANY ? CH_RED : e->ch;
        for (int ch = lo; ch <= hi; ch++) {
            decl_status to = 0;
            if (lifecycle_next(e->from, (decl_channel)ch, e->act, &to) != 0)
                fail_msg("%s from %s on %s refused", lifecycle_action_name(e->act),
                         decl_status_name(e->from), decl_channel_name((decl_channel)ch));
            assert_int_equal(to, e->to);
        }
    }
}

/* Exhaustive: every (status, channel, action) triple not in the legal table is refused and
 * leaves *to alone. */
static void everything_else_is_illegal(void **state)
{
    (void)state;
    int refused = 0;
    for (int s = ST_PROVISIONAL; s <= ST_CHECKED; s++)
        for (int ch = CH_NONE; ch <= CH_RED; ch++)
            for (int a = 0; a < ACT_COUNT; a++) {
                decl_status to = (decl_status)99;
                int rc = lifecycle_next((decl_status)s, (decl_channel)ch, (lifecycle_action)a, &to);
                const edge *e = find_legal((decl_status)s, ch, (lifecycle_action)a);
                if (e) {
                    assert_int_equal(rc, 0);
                    assert_int_equal(to, e->to);
                } else {
                    if (rc != -1)
                        fail_msg(
                            "%s from %s on %s accepted", lifecycle_action_name((lifecycle_action)a),
                            decl_status_name((decl_status)s), decl_channel_name((decl_channel)ch));
                    assert_int_equal(to, 99);
                    refused++;
                }
            }
    assert_true(refused > 400); /* 11 statuses x 4 channels x 13 actions = 572 triples */
}

typedef struct illegal_case {
    decl_status from;
    decl_channel ch;
    lifecycle_action act;
} illegal_case;

static void named_illegal_transitions(void **state)
{
    (void)state;
    static const illegal_case cases[] = {
        {ST_REGISTERED, CH_YELLOW, ACT_CLEAR}, /* yellow must be checked first */
        {ST_REGISTERED, CH_RED, ACT_CLEAR},
        {ST_REGISTERED, CH_GREEN, ACT_START_DOC_CHECK}, /* green has no document check */
        {ST_DOC_CHECK, CH_YELLOW, ACT_AMEND},           /* amend during document check */
        {ST_INSPECTION, CH_RED, ACT_AMEND},
        {ST_CHECKED, CH_YELLOW, ACT_AMEND},
        {ST_PASSED, CH_GREEN, ACT_CANCEL}, /* goods already left */
        {ST_PASSED, CH_RED, ACT_CANCEL},
        {ST_PROVISIONAL, CH_NONE, ACT_CANCEL}, /* provisional data just expires */
        {ST_PROVISIONAL, CH_NONE, ACT_CLEAR},
        {ST_PROVISIONAL, CH_NONE, ACT_AMEND},
        {ST_REGISTERED, CH_GREEN, ACT_REGISTER}, /* registers once */
        {ST_REGISTERED, CH_GREEN, ACT_MODIFY},   /* after registration: amend */
        {ST_REGISTERED, CH_GREEN, ACT_EXPIRE},
        {ST_REGISTERED, CH_YELLOW, ACT_DOC_PASSED}, /* check not started */
        {ST_REGISTERED, CH_RED, ACT_INSPECTION_DONE},
        {ST_REGISTERED, CH_RED, ACT_REJECT},
        {ST_DOC_CHECK, CH_RED, ACT_CLEAR}, /* inspection pending */
        {ST_INSPECTION, CH_RED, ACT_CLEAR},
        {ST_INSPECTION, CH_RED, ACT_DOC_PASSED},
        {ST_REGISTERED, CH_GREEN, ACT_PASS_SUPERVISION}, /* not cleared yet */
        {ST_CHECKED, CH_YELLOW, ACT_PASS_SUPERVISION},
        {ST_CLEARED, CH_GREEN, ACT_CLEAR},
        {ST_CLEARED, CH_GREEN, ACT_INVALIDATE}, /* complete declarations stay */
        {ST_CLEARED, CH_GREEN, ACT_REJECT},
        {ST_CANCELLED, CH_GREEN, ACT_CANCEL}, /* terminal states */
        {ST_CANCELLED, CH_GREEN, ACT_AMEND},
        {ST_INVALIDATED, CH_YELLOW, ACT_CLEAR},
        {ST_EXPIRED, CH_NONE, ACT_REGISTER},
        {ST_REJECTED, CH_RED, ACT_CLEAR},
        {ST_REJECTED, CH_RED, ACT_CANCEL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        decl_status to = (decl_status)99;
        if (lifecycle_next(cases[i].from, cases[i].ch, cases[i].act, &to) != -1)
            fail_msg("case %zu: %s from %s accepted", i, lifecycle_action_name(cases[i].act),
                     decl_status_name(cases[i].from));
        assert_int_equal(to, 99);
    }
}

/* The three channels walked end to end. */
static void happy_paths(void **state)
{
    (void)state;
    decl_status s = ST_PROVISIONAL;
    assert_int_equal(lifecycle_next(s, CH_NONE, ACT_REGISTER, &s), 0);
    assert_int_equal(lifecycle_next(s, CH_GREEN, ACT_CLEAR, &s), 0);
    assert_int_equal(lifecycle_next(s, CH_GREEN, ACT_PASS_SUPERVISION, &s), 0);
    assert_int_equal(s, ST_PASSED);

    s = ST_REGISTERED;
    assert_int_equal(lifecycle_next(s, CH_YELLOW, ACT_START_DOC_CHECK, &s), 0);
    assert_int_equal(lifecycle_next(s, CH_YELLOW, ACT_DOC_PASSED, &s), 0);
    assert_int_equal(s, ST_CHECKED);
    assert_int_equal(lifecycle_next(s, CH_YELLOW, ACT_CLEAR, &s), 0);
    assert_int_equal(s, ST_CLEARED);

    s = ST_REGISTERED;
    assert_int_equal(lifecycle_next(s, CH_RED, ACT_START_DOC_CHECK, &s), 0);
    assert_int_equal(lifecycle_next(s, CH_RED, ACT_DOC_PASSED, &s), 0);
    assert_int_equal(s, ST_INSPECTION);
    assert_int_equal(lifecycle_next(s, CH_RED, ACT_INSPECTION_DONE, &s), 0);
    assert_int_equal(s, ST_CHECKED);
    assert_int_equal(lifecycle_next(s, CH_RED, ACT_CLEAR, &s), 0);
    assert_int_equal(s, ST_CLEARED);

    s = ST_REGISTERED; /* yellow with non-conforming documents escalates to inspection */
    assert_int_equal(lifecycle_next(s, CH_YELLOW, ACT_START_DOC_CHECK, &s), 0);
    assert_int_equal(lifecycle_next(s, CH_YELLOW, ACT_DOC_FAILED, &s), 0);
    assert_int_equal(s, ST_INSPECTION);
}

static void action_names(void **state)
{
    (void)state;
    static const char *const want[ACT_COUNT] = {"modify",
                                                "register",
                                                "amend",
                                                "cancel",
                                                "start_document_check",
                                                "documents_passed",
                                                "documents_failed",
                                                "inspection_completed",
                                                "clear",
                                                "reject",
                                                "pass_supervision",
                                                "invalidate",
                                                "expire"};
    for (int a = 0; a < ACT_COUNT; a++)
        assert_string_equal(lifecycle_action_name((lifecycle_action)a), want[a]);
    assert_string_equal(lifecycle_action_name(ACT_COUNT), "unknown");
    assert_string_equal(lifecycle_action_name((lifecycle_action)-1), "unknown");
}

static void status_names(void **state)
{
    (void)state;
    assert_string_equal(decl_status_name(ST_PASSED), "passed_supervision");
    assert_string_equal(decl_status_name(ST_DOC_CHECK), "document_check");
    assert_string_equal(decl_status_name((decl_status)0), "unknown");
    assert_string_equal(decl_status_name((decl_status)12), "unknown");
    for (int s = ST_PROVISIONAL; s <= ST_CHECKED; s++)
        assert_int_equal(decl_status_from_name(decl_status_name((decl_status)s)), s);
    assert_int_equal(decl_status_from_name("nope"), -1);
    assert_string_equal(decl_channel_name(CH_YELLOW), "yellow");
    assert_string_equal(decl_channel_name(CH_NONE), "none");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_legal_transition),
        cmocka_unit_test(everything_else_is_illegal),
        cmocka_unit_test(named_illegal_transitions),
        cmocka_unit_test(happy_paths),
        cmocka_unit_test(action_names),
        cmocka_unit_test(status_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
