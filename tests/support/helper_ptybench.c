/*
 * helper_ptybench.c - run a full-screen program on a pseudo-terminal and
 * measure what it writes to it (docs/BENCHMARKS.md, "Dashboard").
 *
 * usage: helper_ptybench [-s COLSxROWS] [-t TERM] [-T TIMEOUT_S] -f SCRIPT -- CMD [ARG...]
 *
 * The command is forkpty()ed at the given size with TERM set (default
 * 120x40, screen-256color) and exec'd directly, so its pid is the program's
 * own (for /proc sampling).  Every read from the pty master is timestamped
 * (CLOCK_MONOTONIC); the harness never stops reading, even while it waits
 * for a command it started, so the program never blocks on a full pty.
 *
 * A "burst" is a run of reads with gaps shorter than the quiet time Q
 * (`quiet MS`, default 150 ms); it ends at its last byte.  The text of the
 * stream is also kept with escape sequences and control characters
 * stripped (CSI, OSC, two-byte ESC sequences; bytes < 0x20), which is what
 * `ready` matches against: text the program draws in one attribute run is
 * contiguous there even when SGR sequences surround it.
 *
 * The SCRIPT is one command per line (# comments); each prints one JSON
 * line on stdout.  Times are milliseconds, relative to the fork ("t") or to
 * the command's own start.
 *
 *   quiet MS           set Q for the commands that follow
 *   ready TEXT         first full paint: wait until the stripped stream
 *                      contains TEXT, then until Q ms pass without output.
 *                      Reports ready_ms (fork -> the read holding TEXT) and
 *                      paint_ms (fork -> the last byte of that burst) and
 *                      the bytes written so far.  The program's start-up,
 *                      loading and drawing are all inside paint_ms.
 *   settle MS [MAX_S]  wait until MS ms pass without output (at most MAX_S s)
 *   key BYTES [LABEL]  write BYTES (C escapes: \e \r \n \t \xHH \\), then
 *                      wait for the burst it causes: latency_ms = from the
 *                      write to the last byte of the burst that followed
 *                      (first_ms: to its first byte); no output within
 *                      2 s is reported as latency -1
 *   send BYTES         write BYTES, measure nothing
 *   sleep MS           keep reading for MS ms
 *   window MS [LABEL]  count bytes for MS ms; report total and the bursts
 *                      (offset from the window start, bytes)
 *   run CMD            run `sh -c CMD` (stdout/stderr to /dev/null) and
 *                      keep reading until it exits; reports its duration
 *   spawn CMD          the same without waiting
 *   sample MS N [LABEL] N samples, every MS ms, of the program's
 *                      utime+stime (ticks), RSS (KiB), open fds and bytes
 *                      written in the interval; then a summary with the
 *                      CPU share of one core over the whole span
 *   quit BYTES         write BYTES and wait (5 s) for the program to exit
 *
 * When the script ends (or on error, or TIMEOUT_S, default 600) the
 * program gets SIGTERM, then SIGKILL.  Exit status 0 when every command
 * ran, 1 when one timed out or failed (its JSON says why).
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PB_TEXT_MAX (8u << 20) /* stripped text kept for `ready` */
#define PB_MAX_BURSTS 256

struct pb {
    int master;
    pid_t pid;
    int exited, status;
    double t0;
    double quiet;
    /* the stream */
    unsigned long long total;
    double last_read;
    /* stripped text */
    char *text;
    size_t tlen;
    int esc; /* 0 text, 1 after ESC, 2 in CSI, 3 in OSC, 4 OSC after ESC, 5 one more byte */
    /* window accounting */
    unsigned long long wbytes;
    double bstart[PB_MAX_BURSTS], blast[PB_MAX_BURSTS];
    unsigned long long bbytes[PB_MAX_BURSTS];
    int nb, bover;
};

static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void strip_feed(struct pb *p, const unsigned char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = b[i];
        switch (p->esc) {
        case 0:
            if (c == 0x1b)
                p->esc = 1;
            else if (c >= 0x20 && p->tlen < PB_TEXT_MAX)
                p->text[p->tlen++] = (char)c;
            break;
        case 1:
            p->esc = c == '[' ? 2 : c == ']' ? 3 : (c == '(' || c == ')' || c == '#') ? 5 : 0;
            break;
        case 2:
            if (c >= 0x40 && c <= 0x7e)
                p->esc = 0;
            break;
        case 3:
            if (c == 0x07)
                p->esc = 0;
            else if (c == 0x1b)
                p->esc = 4;
            break;
        case 4: p->esc = c == '\\' ? 0 : 3; break;
        default: p->esc = 0; break;
        }
    }
    p->text[p->tlen] = '\0';
}

static void window_reset(struct pb *p)
{
    p->wbytes = 0;
    p->nb = 0;
    p->bover = 0;
}

static void account(struct pb *p, double t, size_t n)
{
    p->wbytes += n;
    if (p->nb > 0 && t - p->blast[p->nb - 1] < p->quiet) {
        p->blast[p->nb - 1] = t;
        p->bbytes[p->nb - 1] += n;
    } else if (p->nb < PB_MAX_BURSTS) {
        p->bstart[p->nb] = p->blast[p->nb] = t;
        p->bbytes[p->nb++] = n;
    } else {
        p->bover = 1;
    }
}

static void reap(struct pb *p)
{
    int st;

    if (!p->exited && waitpid(p->pid, &st, WNOHANG) == p->pid) {
        p->exited = 1;
        p->status = st;
    }
}

/*
 * Read whatever comes until `until` (absolute ms), or until `quiet_for` ms
 * passed without output (when > 0), whichever is first.  Returns 1 when it
 * ended on quiet, 0 on the deadline, -1 when the pty closed.  quiet_for < 0:
 * return 2 after the first read.
 */
static int pump(struct pb *p, double until, double quiet_for)
{
    unsigned char buf[65536];

    for (;;) {
        double t = now_ms(), wait = until - t;
        struct pollfd pfd = {p->master, POLLIN, 0};
        int rc;

        if (quiet_for > 0 && t - p->last_read >= quiet_for)
            return 1;
        if (wait <= 0)
            return 0;
        if (quiet_for > 0 && p->last_read + quiet_for - t < wait)
            wait = p->last_read + quiet_for - t;
        rc = poll(&pfd, 1, (int)wait + 1);
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc <= 0)
            continue;
        {
            ssize_t n = read(p->master, buf, sizeof buf);
            if (n <= 0) {
                if (n < 0 && (errno == EINTR || errno == EAGAIN))
                    continue;
                reap(p);
                return -1;
            }
            t = now_ms();
            p->total += (unsigned long long)n;
            p->last_read = t;
            strip_feed(p, buf, (size_t)n);
            account(p, t, (size_t)n);
            if (quiet_for < 0)
                return 2;
        }
    }
}

/* Read until one read succeeded (1), the deadline passed (0) or the pty closed (-1). */
static int pump_one(struct pb *p, double until)
{
    unsigned long long before = p->total;
    int rc = 0;

    while (p->total == before && now_ms() < until && !p->exited) {
        double t = now_ms();
        rc = pump(p, until < t + 50 ? until : t + 50, -1);
        if (rc < 0)
            return -1;
        reap(p);
    }
    return p->total != before ? 1 : 0;
}

/* Decode C escapes in place; returns the length. */
static size_t unescape(char *s)
{
    char *o = s;

    for (char *i = s; *i != '\0'; i++) {
        if (*i != '\\' || i[1] == '\0') {
            *o++ = *i;
            continue;
        }
        i++;
        switch (*i) {
        case 'e': *o++ = 0x1b; break;
        case 'r': *o++ = '\r'; break;
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 's': *o++ = ' '; break;
        case 'x': {
            char hex[3] = {0};
            if (isxdigit((unsigned char)i[1]) && isxdigit((unsigned char)i[2])) {
                hex[0] = i[1];
                hex[1] = i[2];
                *o++ = (char)strtol(hex, NULL, 16);
                i += 2;
            }
            break;
        }
        default: *o++ = *i; break;
        }
    }
    *o = '\0';
    return (size_t)(o - s);
}

static void json_str(const char *s)
{
    putchar('"');
    for (; s != NULL && *s != '\0'; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

static int write_all(struct pb *p, const char *s, size_t n)
{
    while (n > 0) {
        ssize_t w = write(p->master, s, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        s += w;
        n -= (size_t)w;
    }
    return 0;
}

struct procstat {
    unsigned long long ticks;
    long rss_kb;
    int fds;
};

static int proc_read(pid_t pid, struct procstat *ps)
{
    char path[64], buf[4096], *q;
    FILE *f;
    DIR *d;
    struct dirent *de;
    unsigned long long ut = 0, stt = 0;

    memset(ps, 0, sizeof *ps);
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    if ((f = fopen(path, "r")) == NULL)
        return -1;
    if (fgets(buf, sizeof buf, f) == NULL) {
        fclose(f);
        return -1;
    }
    fclose(f);
    q = strrchr(buf, ')'); /* comm may hold spaces */
    if (q == NULL || sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut,
                            &stt) != 2)
        return -1;
    ps->ticks = ut + stt;
    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if ((f = fopen(path, "r")) != NULL) {
        while (fgets(buf, sizeof buf, f) != NULL) {
            if (strncmp(buf, "VmRSS:", 6) == 0)
                ps->rss_kb = strtol(buf + 6, NULL, 10);
        }
        fclose(f);
    }
    snprintf(path, sizeof path, "/proc/%d/fd", (int)pid);
    if ((d = opendir(path)) != NULL) {
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] != '.')
                ps->fds++;
        }
        closedir(d);
    }
    return 0;
}

static pid_t spawn_sh(const char *cmd)
{
    pid_t pid = fork();

    if (pid == 0) {
        int nul = open("/dev/null", O_RDWR);
        if (nul >= 0) {
            dup2(nul, 0);
            dup2(nul, 1);
            dup2(nul, 2);
        }
        setsid(); /* no controlling terminal: the bench pty is not its business */
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void stop_child(struct pb *p)
{
    reap(p);
    if (p->exited)
        return;
    kill(p->pid, SIGTERM);
    for (int i = 0; i < 40 && !p->exited; i++) {
        pump(p, now_ms() + 50, 0);
        reap(p);
    }
    if (!p->exited) {
        kill(p->pid, SIGKILL);
        waitpid(p->pid, &p->status, 0);
        p->exited = 1;
    }
}

/* One script command; returns 0, or -1 when it failed (reported). */
static int run_cmd(struct pb *p, char *line)
{
    char *arg, *cmd = line;
    double t = now_ms();

    while (isspace((unsigned char)*cmd))
        cmd++;
    if (*cmd == '\0' || *cmd == '#')
        return 0;
    arg = cmd + strcspn(cmd, " \t");
    if (*arg != '\0')
        *arg++ = '\0';
    while (*arg == ' ' || *arg == '\t')
        arg++;

    if (strcmp(cmd, "quiet") == 0) {
        p->quiet = atof(arg);
        return 0;
    }
    if (strcmp(cmd, "ready") == 0) {
        double deadline = t + 120000, ready = -1;
        unescape(arg);
        window_reset(p);
        while (ready < 0) {
            if (strstr(p->text, arg) != NULL) {
                ready = p->last_read;
                break;
            }
            if (pump_one(p, deadline) <= 0)
                break;
        }
        if (ready < 0) {
            printf("{\"event\":\"ready\",\"error\":\"text not seen\",\"text\":");
            json_str(arg);
            printf("}\n");
            return -1;
        }
        pump(p, deadline, p->quiet);
        printf("{\"event\":\"ready\",\"text\":");
        json_str(arg);
        printf(",\"ready_ms\":%.1f,\"paint_ms\":%.1f,\"bytes\":%llu}\n", ready - p->t0,
               p->last_read - p->t0, p->total);
        return 0;
    }
    if (strcmp(cmd, "settle") == 0) {
        double ms = atof(arg), max = 60;
        char *sp = strchr(arg, ' ');
        int rc;
        if (sp != NULL)
            max = atof(sp + 1);
        window_reset(p);
        rc = pump(p, t + max * 1000, ms);
        printf("{\"event\":\"settle\",\"t\":%.1f,\"waited_ms\":%.1f,\"bytes\":%llu,\"ok\":%d}\n",
               now_ms() - p->t0, now_ms() - t, p->wbytes, rc == 1);
        return rc == 1 ? 0 : -1;
    }
    if (strcmp(cmd, "key") == 0 || strcmp(cmd, "send") == 0) {
        char *label = strchr(arg, ' ');
        size_t n;
        double sent;
        if (label != NULL)
            *label++ = '\0';
        n = unescape(arg);
        window_reset(p);
        sent = now_ms();
        if (write_all(p, arg, n) < 0) {
            printf("{\"event\":\"%s\",\"error\":\"write failed\"}\n", cmd);
            return -1;
        }
        if (cmd[0] == 's')
            return 0;
        /* first byte of the answer (2 s at most), then the end of its burst */
        while (p->nb == 0 && pump_one(p, sent + 2000) > 0)
            ;
        if (p->nb == 0) {
            printf("{\"event\":\"key\",\"label\":");
            json_str(label != NULL ? label : "");
            printf(",\"latency_ms\":-1,\"bytes\":0}\n");
            return 0;
        }
        pump(p, sent + 30000, p->quiet);
        printf("{\"event\":\"key\",\"label\":");
        json_str(label != NULL ? label : "");
        printf(",\"t\":%.1f,\"first_ms\":%.2f,\"latency_ms\":%.2f,\"bytes\":%llu}\n", sent - p->t0,
               p->bstart[0] - sent, p->blast[0] - sent, p->bbytes[0]);
        return 0;
    }
    if (strcmp(cmd, "sleep") == 0) {
        pump(p, t + atof(arg), 0);
        return 0;
    }
    if (strcmp(cmd, "window") == 0) {
        char *label = strchr(arg, ' ');
        if (label != NULL)
            *label++ = '\0';
        window_reset(p);
        pump(p, t + atof(arg), 0);
        printf("{\"event\":\"window\",\"label\":");
        json_str(label != NULL ? label : "");
        printf(",\"t\":%.1f,\"ms\":%.0f,\"bytes\":%llu,\"bursts\":[", t - p->t0, atof(arg),
               p->wbytes);
        for (int i = 0; i < p->nb; i++)
            printf("%s[%.1f,%llu]", i ? "," : "", p->bstart[i] - t, p->bbytes[i]);
        printf("]%s}\n", p->bover ? ",\"truncated\":1" : "");
        return 0;
    }
    if (strcmp(cmd, "run") == 0 || strcmp(cmd, "spawn") == 0) {
        pid_t c = spawn_sh(arg);
        int st = 0;
        if (c < 0)
            return -1;
        if (cmd[0] == 's')
            return 0;
        while (waitpid(c, &st, WNOHANG) == 0)
            pump(p, now_ms() + 20, 0);
        printf("{\"event\":\"run\",\"cmd\":");
        json_str(arg);
        printf(",\"t\":%.1f,\"ms\":%.1f,\"status\":%d}\n", t - p->t0, now_ms() - t,
               WIFEXITED(st) ? WEXITSTATUS(st) : -1);
        return 0;
    }
    if (strcmp(cmd, "sample") == 0) {
        double ms = 1000;
        int n = 1;
        char label[128] = "";
        struct procstat first, prev, cur;
        double tfirst;
        long rss_min = -1, rss_max = 0;
        int fds_min = -1, fds_max = 0;
        unsigned long long bytes_all = 0;
        long hz = sysconf(_SC_CLK_TCK);
        if (sscanf(arg, "%lf %d %127s", &ms, &n, label) < 2)
            return -1;
        if (proc_read(p->pid, &first) < 0)
            return -1;
        prev = first;
        tfirst = now_ms();
        for (int i = 0; i < n; i++) {
            window_reset(p);
            pump(p, tfirst + ms * (i + 1), 0);
            if (proc_read(p->pid, &cur) < 0) {
                printf("{\"event\":\"sample\",\"error\":\"the program is gone\"}\n");
                return -1;
            }
            bytes_all += p->wbytes;
            printf("{\"event\":\"sample\",\"label\":\"%s\",\"t\":%.1f,\"ticks\":%llu,\"rss_kb\":%ld,"
                   "\"fds\":%d,\"bytes\":%llu}\n",
                   label, now_ms() - p->t0, cur.ticks - prev.ticks, cur.rss_kb, cur.fds, p->wbytes);
            fflush(stdout);
            rss_min = rss_min < 0 || cur.rss_kb < rss_min ? cur.rss_kb : rss_min;
            rss_max = cur.rss_kb > rss_max ? cur.rss_kb : rss_max;
            fds_min = fds_min < 0 || cur.fds < fds_min ? cur.fds : fds_min;
            fds_max = cur.fds > fds_max ? cur.fds : fds_max;
            prev = cur;
        }
        {
            double span = now_ms() - tfirst;
            printf("{\"event\":\"sample_summary\",\"label\":\"%s\",\"span_ms\":%.0f,\"ticks\":%llu,"
                   "\"cpu_pct\":%.3f,\"rss_first_kb\":%ld,\"rss_last_kb\":%ld,\"rss_min_kb\":%ld,"
                   "\"rss_max_kb\":%ld,\"fds_min\":%d,\"fds_max\":%d,\"bytes\":%llu}\n",
                   label, span, cur.ticks - first.ticks,
                   100.0 * (double)(cur.ticks - first.ticks) / (double)hz / (span / 1000.0),
                   first.rss_kb, cur.rss_kb, rss_min, rss_max, fds_min, fds_max, bytes_all);
        }
        return 0;
    }
    if (strcmp(cmd, "quit") == 0) {
        size_t n = unescape(arg);
        write_all(p, arg, n);
        for (int i = 0; i < 100 && !p->exited; i++) {
            pump(p, now_ms() + 50, 0);
            reap(p);
        }
        printf("{\"event\":\"quit\",\"exited\":%d,\"status\":%d}\n", p->exited,
               p->exited && WIFEXITED(p->status) ? WEXITSTATUS(p->status) : -1);
        return p->exited ? 0 : -1;
    }
    printf("{\"event\":\"error\",\"error\":\"unknown command\",\"cmd\":");
    json_str(cmd);
    printf("}\n");
    return -1;
}

static void on_alarm(int sig)
{
    (void)sig;
    static const char msg[] = "{\"event\":\"error\",\"error\":\"timeout\"}\n";
    if (write(1, msg, sizeof msg - 1) < 0) {
        /* nothing to do */
    }
    _exit(1);
}

int main(int argc, char **argv)
{
    struct pb p;
    struct winsize ws = {40, 120, 0, 0};
    const char *term = "screen-256color", *script = NULL;
    long timeout_s = 600;
    int opt, rc = 0, cols, rows;
    FILE *f;
    char line[4096];

    memset(&p, 0, sizeof p);
    p.quiet = 150;
    while ((opt = getopt(argc, argv, "s:t:T:f:")) != -1) {
        switch (opt) {
        case 's':
            if (sscanf(optarg, "%dx%d", &cols, &rows) != 2 || cols < 10 || rows < 5) {
                fprintf(stderr, "ptybench: bad size '%s' (COLSxROWS)\n", optarg);
                return 2;
            }
            ws.ws_col = (unsigned short)cols;
            ws.ws_row = (unsigned short)rows;
            break;
        case 't': term = optarg; break;
        case 'T': timeout_s = atol(optarg); break;
        case 'f': script = optarg; break;
        default:
            fprintf(stderr, "usage: %s [-s COLSxROWS] [-t TERM] [-T S] -f SCRIPT -- CMD...\n",
                    argv[0]);
            return 2;
        }
    }
    if (script == NULL || optind >= argc) {
        fprintf(stderr, "usage: %s [-s COLSxROWS] [-t TERM] [-T S] -f SCRIPT -- CMD...\n", argv[0]);
        return 2;
    }
    f = strcmp(script, "-") == 0 ? stdin : fopen(script, "r");
    if (f == NULL) {
        fprintf(stderr, "ptybench: cannot open '%s'\n", script);
        return 2;
    }
    p.text = malloc(PB_TEXT_MAX + 1);
    if (p.text == NULL)
        return 2;
    p.text[0] = '\0';
    signal(SIGALRM, on_alarm);
    alarm((unsigned)timeout_s);
    setvbuf(stdout, NULL, _IOLBF, 0);
    p.t0 = now_ms();
    p.last_read = p.t0;
    p.pid = forkpty(&p.master, NULL, NULL, &ws);
    if (p.pid < 0) {
        perror("ptybench: forkpty");
        return 2;
    }
    if (p.pid == 0) {
        setenv("TERM", term, 1);
        execvp(argv[optind], argv + optind);
        perror("ptybench: exec");
        _exit(127);
    }
    while (fgets(line, sizeof line, f) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        if (run_cmd(&p, line) < 0) {
            rc = 1;
            break;
        }
        reap(&p);
        if (p.exited)
            break;
    }
    if (f != stdin)
        fclose(f);
    stop_child(&p);
    printf("{\"event\":\"end\",\"t\":%.1f,\"bytes\":%llu}\n", now_ms() - p.t0, p.total);
    free(p.text);
    close(p.master);
    return rc;
}
