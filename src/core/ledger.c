#include "core/ledger.h"

#include <string.h>

static const char *const names[LE_COUNT] = {"assessed",    "paid",          "guaranteed",
                                            "credit",      "refunded",      "interest",
                                            "credit_used", "paid_by_credit"};

const char *ledger_kind_name(ledger_kind k) { return k < LE_COUNT ? names[k] : "?"; }

ledger_kind ledger_kind_parse(const char *s)
{
    for (int i = 0; s && i < LE_COUNT; i++)
        if (strcmp(s, names[i]) == 0)
            return (ledger_kind)i;
    return LE_COUNT;
}

void ledger_balance_of(const ledger_entry *e, int n, ledger_balance *b)
{
    memset(b, 0, sizeof *b);
    int64_t in = 0;
    for (int i = 0; i < n; i++) {
        switch (e[i].kind) {
        case LE_ASSESSED: b->assessed += e[i].amount; break;
        case LE_PAID: in += e[i].amount; break;
        case LE_GUARANTEED: b->guaranteed += e[i].amount; break;
        case LE_CREDIT: b->credited += e[i].amount; break;
        case LE_REFUNDED: b->refunded += e[i].amount; break;
        case LE_INTEREST: b->interest += e[i].amount; break;
        case LE_CREDIT_USED: b->credit_used += e[i].amount; break;
        case LE_PAID_BY_CREDIT: b->paid_by_credit += e[i].amount; break;
        default: break;
        }
    }
    b->assessed += b->interest;
    b->paid = in + b->paid_by_credit - b->credited;
    b->credit_left = b->credited - b->credit_used - b->refunded;
    int64_t due = b->assessed - b->paid - b->guaranteed;
    b->outstanding = due > 0 ? due : 0;
    b->surplus = b->paid > b->assessed ? b->paid - b->assessed : 0;
}

void ledger_split_payment(const ledger_balance *b, int64_t amount, int owed, int64_t *applied,
                          int64_t *excess)
{
    int64_t room = owed ? b->assessed - b->paid : 0; /* a guarantee is released by paying */
    if (room < 0)
        room = 0;
    *applied = amount < room ? amount : room;
    *excess = amount - *applied;
}

int64_t ledger_guarantee_release(const ledger_balance *b, int64_t applied)
{
    int64_t unsecured = b->assessed - b->interest - b->paid - b->guaranteed;
    int64_t rel = applied - (unsecured > 0 ? unsecured : 0);
    if (rel > b->guaranteed)
        rel = b->guaranteed;
    return rel > 0 ? rel : 0;
}

date_ymd ledger_aeo_deadline(date_ymd d)
{
    int y = d / 10000, mo = d / 100 % 100 + 1;
    if (mo > 12) {
        mo = 1;
        y++;
    }
    return (date_ymd)(y * 10000 + mo * 100 + 10);
}

void ledger_debt_of(const ledger_entry *e, int n, int aeo, date_ymd released, ledger_debt *out)
{
    ledger_balance b;
    ledger_balance_of(e, n, &b);
    date_ymd assessed_on = 0, guarantee_end = 0;
    for (int i = 0; i < n; i++) {
        if (e[i].kind == LE_ASSESSED && e[i].amount > 0 && e[i].on > assessed_on)
            assessed_on = e[i].on;
        if (e[i].kind == LE_GUARANTEED && e[i].amount > 0 && e[i].due > guarantee_end)
            guarantee_end = e[i].due;
    }
    out->unpaid = b.assessed - b.paid > 0 ? b.assessed - b.paid : 0;
    date_ymd base = released > assessed_on ? released : assessed_on;
    if (aeo && released)
        out->due = ledger_aeo_deadline(base);
    else if (guarantee_end)
        out->due = guarantee_end > assessed_on ? guarantee_end : assessed_on;
    else
        out->due = released ? base : 0;
}

int32_t ledger_days_overdue(const ledger_debt *d, date_ymd today)
{
    if (d->unpaid <= 0 || !d->due)
        return 0;
    int32_t days = date_diff_days(d->due, today);
    return days > 0 ? days : 0;
}
