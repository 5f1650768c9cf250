#include "core/workhours.h"

#define VN_OFFSET (7 * 3600)

/* Working windows of a day, in seconds since local midnight. */
static const int64_t windows[][2] = {{8 * 3600, 12 * 3600}, {13 * 3600, 17 * 3600}};

static int is_weekday(int64_t local_day)
{
    int wd = (int)(((local_day % 7) + 7 + 3) % 7); /* 1970-01-01 was a Thursday: 0 = Monday */
    return wd < 5;
}

static int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

int64_t workhours_deadline(int64_t start, int hours)
{
    int64_t left = (int64_t)hours * 3600, local = start + VN_OFFSET;
    int64_t day = floor_div(local, 86400);
    int64_t t = local - day * 86400; /* seconds into the local day */
    for (int guard = 0; guard < 3660 && left > 0; guard++, day++, t = 0) {
        if (!is_weekday(day))
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

int64_t workhours_between(int64_t a, int64_t b)
{
    if (b <= a)
        return 0;
    int64_t total = 0, la = a + VN_OFFSET, lb = b + VN_OFFSET;
    for (int64_t day = floor_div(la, 86400); day * 86400 < lb; day++) {
        if (!is_weekday(day))
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
