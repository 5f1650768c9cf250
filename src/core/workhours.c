#include "core/workhours.h"

#include <stdlib.h>
#include <string.h>

#include "util/date.h"

#define VN_OFFSET DATE_LEGAL_OFFSET_S

/* Working windows of a day, in seconds since local midnight. */
static const int64_t windows[][2] = {{8 * 3600, 12 * 3600}, {13 * 3600, 17 * 3600}};

static int has_day(const int32_t *days, int n, int64_t day)
{
    int lo = 0, hi = n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (days[mid] == day)
            return 1;
        if (days[mid] < day)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int workhours_is_workday(const workhours_cal *cal, int64_t local_day)
{
    int wd = (int)(((local_day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday: 0 = Monday */
    if (!cal)
        return wd < 5;
    return wd < 5 ? !has_day(cal->off, cal->n_off, local_day)
                  : has_day(cal->on, cal->n_on, local_day);
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

int64_t workhours_deadline(const workhours_cal *cal, int64_t start, int hours)
{
    int64_t left = (int64_t)hours * 3600, local = start + VN_OFFSET;
    int64_t day = floor_div(local, 86400);
    int64_t t = local - day * 86400; /* seconds into the local day */
    for (int guard = 0; guard < 3660 && left > 0; guard++, day++, t = 0) {
        if (!workhours_is_workday(cal, day))
            continue;
        for (int w = 0; w < 2; w++) {
            int64_t s = windows[w][0] > t ? windows[w][0] : t, e = windows[w][1];
            if (s >= e)
                continue;
            if (e - s >= left)
                return day * 86400 + s + left - VN_OFFSET;
            left -= e - s;
        }
    }
    return day * 86400 - VN_OFFSET;
}

int64_t workhours_between(const workhours_cal *cal, int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    int64_t total = 0, la = a + VN_OFFSET, lb = b + VN_OFFSET;
    for (int64_t day = floor_div(la, 86400); day * 86400 < lb; day++) {
        if (!workhours_is_workday(cal, day))
            continue;
        for (int w = 0; w < 2; w++) {
            int64_t s = day * 86400 + windows[w][0], e = day * 86400 + windows[w][1];
            if (s < la)
                s = la;
            if (e > lb)
                e = lb;
            if (e > s)
                total += e - s;
        }
    }
    return total;
}

/* ---- the calendar file ------------------------------------------------------------------------
 */

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return x < y ? -1 : x > y;
}

/* sorts and drops repeats; returns the new count */
static int sort_unique(int32_t *v, int n)
{
    if (n == 0)
        return 0;
    qsort(v, (size_t)n, sizeof *v, cmp_i32);
    int k = 1;
    for (int i = 1; i < n; i++)
        if (v[i] != v[k - 1])
            v[k++] = v[i];
    return k;
}

void workhours_cal_free(workhours_cal *cal)
{
    if (!cal)
        return;
    free(cal->off);
    free(cal->on);
    memset(cal, 0, sizeof *cal);
}

/* One day of a calendar into out (arrays with room for it). 0, or -1 when the kind does not fit
 * the day: "workday" is for a Saturday or Sunday worked. A holiday on a weekend changes nothing
 * by itself (its compensatory day is a day of its own); "normal" (the plain week's rule) neither.
 */
static int cal_add(workhours_cal *out, date_ymd d, const char *kind)
{
    int32_t day = date_to_days(d);
    int wd = date_weekday(d); /* 1 Monday .. 7 Sunday */
    if (!strcmp(kind, "holiday")) {
        if (wd <= 5)
            out->off[out->n_off++] = day;
        return 0;
    }
    if (!strcmp(kind, "workday") && wd >= 6) {
        out->on[out->n_on++] = day;
        return 0;
    }
    return !strcmp(kind, "normal") ? 0 : -1;
}

static int cal_alloc(workhours_cal *out, size_t n)
{
    memset(out, 0, sizeof *out);
    out->off = malloc((n ? n : 1) * sizeof *out->off);
    out->on = malloc((n ? n : 1) * sizeof *out->on);
    if (!out->off || !out->on) {
        workhours_cal_free(out);
        return -1;
    }
    return 0;
}

static void cal_finish(workhours_cal *out)
{
    out->n_off = sort_unique(out->off, out->n_off);
    out->n_on = sort_unique(out->on, out->n_on);
}

int workhours_cal_kind_fits(date_ymd d, const char *kind)
{
    int32_t slot;
    workhours_cal one = {&slot, 0, &slot, 0};
    return cal_add(&one, d, kind) == 0;
}

int workhours_cal_build(const workhours_day *days, int n, workhours_cal *out)
{
    if (cal_alloc(out, (size_t)n) != 0)
        return -1;
    for (int i = 0; i < n; i++)
        if (cal_add(out, days[i].date, days[i].kind) != 0) {
            workhours_cal_free(out);
            return i + 1;
        }
    cal_finish(out);
    return 0;
}

int workhours_cal_parse(const char *text, workhours_cal *out)
{
    size_t lines = 1;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    if (cal_alloc(out, lines) != 0)
        return -1;
    int line_no = 0, header = 0, bad = 0;
    for (const char *p = text; *p && !bad;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p), n = len;
        line_no++;
        if (n && p[n - 1] == '\r')
            n--;
        if (n == 0 || p[0] == '#') {
            /* a comment or an empty line */
        } else if (!header) {
            header = 1; /* date kind name basis status */
        } else {
            char date[11], kind[16];
            const char *t1 = memchr(p, '\t', n);
            const char *t2 = t1 ? memchr(t1 + 1, '\t', n - (size_t)(t1 + 1 - p)) : NULL;
            date_ymd d;
            if (!t1 || !t2 || t1 - p != 10 || (size_t)(t2 - t1 - 1) >= sizeof kind) {
                bad = line_no;
                break;
            }
            memcpy(date, p, 10);
            date[10] = 0;
            memcpy(kind, t1 + 1, (size_t)(t2 - t1 - 1));
            kind[t2 - t1 - 1] = 0;
            if (date_parse(date, &d) != 0 || !strcmp(kind, "normal") || cal_add(out, d, kind) != 0)
                bad = line_no;
        }
        p = e ? e + 1 : p + len;
    }
    if (bad) {
        workhours_cal_free(out);
        return bad;
    }
    cal_finish(out);
    return 0;
}
