/*
 * helper_termfeed.c - CPU cost of feeding a file through the terminal
 * emulation, without ssh, tmux or drawing (docs/BENCHMARKS.md, "SSH
 * console").
 *
 * usage: helper_termfeed [-r ROWS] [-c COLS] [-n RUNS] [-b CHUNK] FILE
 *
 * The file is read once, its LF line ends turned into CR LF (what the
 * remote pty's onlcr sends), and then fed, CHUNK bytes per call (default
 * 64 KiB), into a fresh emulator of ROWS x COLS (default 29 x 100, the
 * console in a 100x30 pane) RUNS times (default 5) for each of:
 *
 *   state    libvterm's parser and VTermState with no callbacks: the floor
 *   vtscreen libvterm's VTermScreen (damage merged per scroll) with a
 *            5000-line scrollback that copies each pushed line, as
 *            tui/term.c did before it kept its own screen model
 *   term     tui/term.c: term_feed() of a widget with a 5000-line scrollback
 *
 * Prints, per emulator, the CPU time (CLOCK_PROCESS_CPUTIME_ID) of every
 * run and the median, in ms, one line each, and the ratios of the medians
 * to `state`.  The three run interleaved (state, vtscreen, term, state, ...)
 * so a change in the machine's load hits all of them alike.
 */
#include "tui/term.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

#define SB_LINES 5000

static double cpu_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The scrollback the old widget kept: a ring of copied VTermScreenCell lines. */
struct oldsb {
    VTermScreenCell **line;
    int *cols;
    size_t len, head;
};

static int old_push(int cols, const VTermScreenCell *cells, void *user)
{
    struct oldsb *sb = user;
    size_t slot;

    if (sb->len == SB_LINES) {
        sb->head = (sb->head + 1) % SB_LINES;
        sb->len--;
    }
    slot = (sb->head + sb->len) % SB_LINES;
    if (sb->cols[slot] < cols) {
        sb->line[slot] = realloc(sb->line[slot], (size_t)cols * sizeof *cells);
        if (sb->line[slot] == NULL)
            abort();
        sb->cols[slot] = cols;
    }
    memcpy(sb->line[slot], cells, (size_t)cols * sizeof *cells);
    sb->len++;
    return 1;
}

static int old_damage(VTermRect rect, void *user)
{
    (void)rect;
    (void)user;
    return 1;
}

static const VTermScreenCallbacks old_cbs = {.damage = old_damage, .sb_pushline = old_push};

static void feed_vterm(const char *buf, size_t n, size_t chunk, int rows, int cols, int screen)
{
    VTerm *vt = vterm_new(rows, cols);
    VTermScreen *scr = NULL;
    struct oldsb sb = {0};

    vterm_set_utf8(vt, 1);
    if (screen) {
        sb.line = calloc(SB_LINES, sizeof *sb.line);
        sb.cols = calloc(SB_LINES, sizeof *sb.cols);
        scr = vterm_obtain_screen(vt);
        vterm_screen_set_callbacks(scr, &old_cbs, &sb);
        vterm_screen_set_damage_merge(scr, VTERM_DAMAGE_SCROLL);
        vterm_screen_enable_altscreen(scr, 1);
        vterm_screen_reset(scr, 1);
    } else {
        vterm_state_reset(vterm_obtain_state(vt), 1);
    }
    for (size_t off = 0; off < n; off += chunk) {
        vterm_input_write(vt, buf + off, n - off < chunk ? n - off : chunk);
        if (scr != NULL)
            vterm_screen_flush_damage(scr);
    }
    vterm_free(vt);
    if (screen) {
        for (size_t i = 0; i < SB_LINES; i++)
            free(sb.line[i]);
        free(sb.line);
        free(sb.cols);
    }
}

static void feed_term(const char *buf, size_t n, size_t chunk, int rows, int cols)
{
    struct term *t = term_new(rows, cols, SB_LINES);

    for (size_t off = 0; off < n; off += chunk)
        term_feed(t, buf + off, n - off < chunk ? n - off : chunk);
    term_free(t);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    static const char *const names[] = {"state", "vtscreen", "term"};
    int rows = 29, cols = 100, runs = 5, opt;
    size_t chunk = 65536, n = 0, cap = 0;
    char *buf = NULL;
    double *ms[3], med[3];
    FILE *f;
    int c;

    while ((opt = getopt(argc, argv, "r:c:n:b:")) != -1) {
        switch (opt) {
        case 'r':
            rows = atoi(optarg);
            break;
        case 'c':
            cols = atoi(optarg);
            break;
        case 'n':
            runs = atoi(optarg);
            break;
        case 'b':
            chunk = (size_t)atol(optarg);
            break;
        default:
            fprintf(stderr,
                    "usage: helper_termfeed [-r ROWS] [-c COLS] [-n RUNS] [-b CHUNK] FILE\n");
            return 2;
        }
    }
    if (optind >= argc || rows < 1 || cols < 1 || runs < 1 || chunk < 1) {
        fprintf(stderr, "usage: helper_termfeed [-r ROWS] [-c COLS] [-n RUNS] [-b CHUNK] FILE\n");
        return 2;
    }
    if ((f = fopen(argv[optind], "rb")) == NULL) {
        perror(argv[optind]);
        return 1;
    }
    while ((c = getc(f)) != EOF) {
        if (n + 2 > cap) {
            cap = cap ? cap * 2 : 1 << 20;
            buf = realloc(buf, cap);
            if (buf == NULL)
                abort();
        }
        if (c == '\n')
            buf[n++] = '\r';
        buf[n++] = (char)c;
    }
    fclose(f);
    for (int k = 0; k < 3; k++)
        ms[k] = calloc((size_t)runs, sizeof *ms[k]);
    for (int r = 0; r < runs; r++) {
        for (int k = 0; k < 3; k++) {
            double s = cpu_ms();
            if (k < 2)
                feed_vterm(buf, n, chunk, rows, cols, k == 1);
            else
                feed_term(buf, n, chunk, rows, cols);
            ms[k][r] = cpu_ms() - s;
        }
    }
    printf("fed %zu bytes (CR LF), %dx%d, %zu bytes per call, %d runs, CPU ms\n", n, rows, cols,
           chunk, runs);
    for (int k = 0; k < 3; k++) {
        printf("%-9s", names[k]);
        for (int r = 0; r < runs; r++)
            printf(" %7.1f", ms[k][r]);
        qsort(ms[k], (size_t)runs, sizeof *ms[k], cmp_double);
        med[k] = ms[k][(runs - 1) / 2];
        printf("   median %7.1f\n", med[k]);
        free(ms[k]);
    }
    printf("ratios to state: vtscreen %.2fx, term %.2fx; vtscreen / term %.2fx\n", med[1] / med[0],
           med[2] / med[0], med[1] / med[2]);
    free(buf);
    return 0;
}
