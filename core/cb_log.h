/* cb_log.h -- diagnostics on stderr, one line each, with a level.
 *
 * What goes into a log line is the caller's business, with one rule the
 * whole project keeps: no ID number and no name in clear.  Mask them
 * (cb_mask.h) or leave them out; name the record by file and line, by
 * event id, or by Kafka partition and offset instead. */
#ifndef CB_LOG_H
#define CB_LOG_H

typedef enum cb_log_level {
    CB_LOG_ERROR = 0,
    CB_LOG_WARN,
    CB_LOG_INFO,
    CB_LOG_DEBUG
} cb_log_level;

/* Sets the most verbose level printed (default CB_LOG_INFO), and the name
 * put in front of every line (default "canbao").  Called from main before
 * any thread starts. */
void cb_log_setup(const char *program, cb_log_level level);

/* Parses "error", "warn", "info" or "debug".  Returns 0 or -1. */
int cb_log_level_parse(const char *text, cb_log_level *level);

/* Writes "PROGRAM: LEVEL: message\n" to stderr if level is enabled.
 * Safe from several threads (one write per line). */
void cb_log(cb_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define cb_error(...) cb_log(CB_LOG_ERROR, __VA_ARGS__)
#define cb_warn(...)  cb_log(CB_LOG_WARN, __VA_ARGS__)
#define cb_info(...)  cb_log(CB_LOG_INFO, __VA_ARGS__)
#define cb_debug(...) cb_log(CB_LOG_DEBUG, __VA_ARGS__)

#endif
