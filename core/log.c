/*
 * log.c - the diagnostic log (see log.h).  One mutex guards the file and the
 * settings; lines are written whole with one write so concurrent racktop
 * processes interleave by line.
 */
#include "log.h"

#include "util.h"
#include "xalloc.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOG_MAX_BYTES (1024 * 1024)

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static char *log_path;
static int log_stderr = 1;

void rt_log_init(const char *path, int to_stderr)
{
    pthread_mutex_lock(&log_lock);
    free(log_path);
    if (path != NULL) {
        log_path = xstrdup(path);
    } else {
        char *dir = rt_xdg_dir("STATE");
        log_path = xasprintf("%s/racktop.log", dir);
        free(dir);
    }
    log_stderr = to_stderr;
    pthread_mutex_unlock(&log_lock);
}

void rt_log_set_stderr(int on)
{
    pthread_mutex_lock(&log_lock);
    log_stderr = on;
    pthread_mutex_unlock(&log_lock);
}

const char *rt_log_path(void)
{
    return log_path;
}

void rt_log(const char *fmt, ...)
{
    char msg[1024], when[32], line[1200];
    va_list ap;
    int n, fd;
    struct stat sb;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *c = msg; *c; c++) {
        if ((unsigned char)*c < 0x20)
            *c = ' ';
    }
    pthread_mutex_lock(&log_lock);
    if (log_stderr)
        fprintf(stderr, "racktop: %s\n", msg);
    if (log_path != NULL) {
        n = snprintf(line, sizeof line, "%s racktop[%d]: %s\n",
                     rt_iso8601(rt_now_ms() / 1000, when, sizeof when), (int)getpid(), msg);
        if (n > (int)sizeof line - 1)
            n = (int)sizeof line - 1;
        if (stat(log_path, &sb) == 0 && sb.st_size > LOG_MAX_BYTES) {
            char *old = xasprintf("%s.1", log_path);
            rename(log_path, old);
            free(old);
        }
        fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd >= 0) {
            if (write(fd, line, (size_t)n) < 0) {
                /* nowhere left to report it */
            }
            close(fd);
        }
    }
    pthread_mutex_unlock(&log_lock);
}
