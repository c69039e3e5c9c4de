/*
 * log.h - the diagnostic log: one line per event, never on the screen while
 * curses owns it.
 *
 * Lines go to $XDG_STATE_HOME/racktop/racktop.log (mode 0600, rotated to
 * racktop.log.1 past 1 MiB) and, when enabled, to stderr: the command-line
 * mode keeps stderr, the dashboard turns it off before starting curses and
 * shows problems in its status line instead.  Thread-safe.  Never log
 * secrets: callers pass messages that were built without them.
 *
 *     rt_log_init(NULL, 1);                 default path, also stderr
 *     rt_log("cache: %s", err.msg);
 *     rt_log_set_stderr(0);                 curses is about to start
 */
#ifndef RT_LOG_H
#define RT_LOG_H

/* path NULL: the default. Safe to call again (re-targets). Failure to open is silent. */
void rt_log_init(const char *path, int to_stderr);
void rt_log_set_stderr(int on);
void rt_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Path of the log file (borrowed), or NULL before rt_log_init. */
const char *rt_log_path(void);

#endif
