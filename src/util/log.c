#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "util/date.h"

int log_level = LOG_INFO_LVL;

void log_msg(int level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    char line[1024], ts[24];
    va_list ap;
    int n;

    if (level < log_level)
        return;
    date_format_timestamp(time(NULL), ts);
    n = snprintf(line, sizeof line, "%s %s ", ts, names[level]);
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s\n", line); /* one fprintf: stdio locks the stream, lines never interleave */
}
