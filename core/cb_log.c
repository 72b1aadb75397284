/* cb_log.c -- one line per message on stderr.  The level and program name
 * are the only process-wide settings canbao has: set once by main, read by
 * everyone, as redis reads server.verbosity. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cb_log.h"

static cb_log_level log_level = CB_LOG_INFO;
static const char *log_program = "canbao";

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void cb_log_setup(const char *program, cb_log_level level)
{
    if (program != NULL)
        log_program = program;
    log_level = level;
}

int cb_log_level_parse(const char *text, cb_log_level *level)
{
    for (int i = 0; i <= CB_LOG_DEBUG; i++) {
        if (strcmp(text, level_names[i]) == 0) {
            *level = (cb_log_level)i;
            return 0;
        }
    }
    return -1;
}

void cb_log(cb_log_level level, const char *fmt, ...)
{
    char line[1024];
    va_list ap;
    int n, m;

    if (level > log_level)
        return;
    n = snprintf(line, sizeof(line), "%s: %s: ", log_program,
                 level_names[level]);
    va_start(ap, fmt);
    m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (m < 0)
        m = 0;
    n += m;
    if ((size_t)n > sizeof(line) - 2)
        n = (int)sizeof(line) - 2;
    line[n++] = '\n';
    /* One write, so that lines of two threads do not interleave. */
    if (write(STDERR_FILENO, line, (size_t)n) < 0) {
        /* Nowhere left to report it. */
    }
}
