/* Minimal leveled logging to stderr, one line per event, safe from any thread. */
#ifndef ECUSTOMS_UTIL_LOG_H
#define ECUSTOMS_UTIL_LOG_H

enum { LOG_DEBUG_LVL, LOG_INFO_LVL, LOG_WARN_LVL, LOG_ERROR_LVL };

extern int log_level;
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG_LVL, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO_LVL, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN_LVL, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR_LVL, __VA_ARGS__)

#endif
