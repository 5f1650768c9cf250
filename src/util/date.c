#include "util/date.h"

#include <stdio.h>
#include <string.h>

/* Howard Hinnant's days_from_civil / civil_from_days algorithms (public-domain descriptions). */
static int32_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int32_t)doe - 719468;
}

date_ymd date_from_days(int32_t z)
{
    z += 719468;
    const int era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int y = (int)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned d = doy - (153 * mp + 2) / 5 + 1;
    const unsigned m = mp < 10 ? mp + 3 : mp - 9;
    return (date_ymd)((y + (m <= 2)) * 10000 + (int)m * 100 + (int)d);
}

int32_t date_to_days(date_ymd d)
{
    return days_from_civil(d / 10000, (unsigned)(d / 100 % 100), (unsigned)(d % 100));
}

int date_valid(date_ymd d)
{
    int y = d / 10000, m = d / 100 % 100, day = d % 100;
    if (y < 1900 || y > 2999 || m < 1 || m > 12 || day < 1 || day > 31)
        return 0;
    return date_from_days(date_to_days(d)) == d;
}

int date_parse(const char *s, date_ymd *out)
{
    int y, m, d, n = 0;
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return -1;
    date_ymd v = y * 10000 + m * 100 + d;
    if (!date_valid(v))
        return -1;
    *out = v;
    return 0;
}

void date_format(date_ymd d, char *buf)
{
    unsigned y = (unsigned)d / 10000 % 10000, m = (unsigned)d / 100 % 100, dd = (unsigned)d % 100;
    buf[0] = (char)('0' + y / 1000), buf[1] = (char)('0' + y / 100 % 10);
    buf[2] = (char)('0' + y / 10 % 10), buf[3] = (char)('0' + y % 10), buf[4] = '-';
    buf[5] = (char)('0' + m / 10), buf[6] = (char)('0' + m % 10), buf[7] = '-';
    buf[8] = (char)('0' + dd / 10), buf[9] = (char)('0' + dd % 10), buf[10] = '\0';
}

date_ymd date_add_days(date_ymd d, int32_t n) { return date_from_days(date_to_days(d) + n); }

int32_t date_diff_days(date_ymd a, date_ymd b) { return date_to_days(b) - date_to_days(a); }

int date_weekday(date_ymd d)
{
    int32_t z = date_to_days(d);        /* 1970-01-01 was a Thursday (4) */
    int w = (int)((z % 7 + 7 + 3) % 7); /* 0 = Monday */
    return w + 1;
}

date_ymd date_legal(int64_t t)
{
    int64_t local = t + DATE_LEGAL_OFFSET_S;
    int64_t days = local / 86400 - (local % 86400 < 0); /* floor: instants before 1970 too */
    return date_from_days((int32_t)days);
}

int64_t date_legal_start(date_ymd d)
{
    return (int64_t)date_to_days(d) * 86400 - DATE_LEGAL_OFFSET_S;
}

int64_t date_legal_end(date_ymd d) { return date_legal_start(d) + 86399; }

date_ymd date_today(void) { return date_legal((int64_t)time(NULL)); }

void date_format_timestamp(time_t t, char *buf)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "YYYY-MM-DDTHH:MM[:SS](Z|+HH:MM|-HH:MM)" -> unix seconds. */
int date_parse_timestamp(const char *s, int64_t *out)
{
    char d[11];
    date_ymd ymd;
    int hh, mm, ss = 0, n = 0;
    if (!s || strlen(s) < 17 || s[10] != 'T')
        return -1;
    memcpy(d, s, 10);
    d[10] = 0;
    if (date_parse(d, &ymd) != 0)
        return -1;
    const char *p = s + 11;
    if (sscanf(p, "%2d:%2d%n", &hh, &mm, &n) != 2 || n != 5)
        return -1;
    p += 5;
    if (*p == ':') {
        if (sscanf(p + 1, "%2d%n", &ss, &n) != 1 || n != 2)
            return -1;
        p += 3;
    }
    int off = 0;
    if (*p == 'Z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &n) != 2 || n != 5 || oh > 14 || om > 59)
            return -1;
        off = (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    if (*p || hh > 23 || mm > 59 || ss > 59)
        return -1;
    *out = (int64_t)date_to_days(ymd) * 86400 + hh * 3600 + mm * 60 + ss - off;
    return 0;
}

double clock_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}
