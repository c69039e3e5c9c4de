/*
 * theme.c - the role table, theme file parser and curses colour setup.
 *
 * theme_roles[] is the one table of roles: name, description, the
 * compiled-in dark default and the monochrome attributes.  The parser, the
 * fallback themes and the documentation all read it.  It is indexed by enum
 * theme_role with designated initialisers and its size is checked against
 * ROLE__COUNT at compile time.
 *
 * Parsing (theme_parse and everything it calls) never touches curses, so it
 * is unit-tested without a terminal.  theme_apply()/theme_attr() are the
 * only curses users, and run on the UI thread.
 *
 * Colour pairs: role r uses pair r + 1.  A terminal with too few pairs draws
 * the remaining roles with their monochrome attributes.
 */
#include "tui/theme.h"

#include "core/err.h"
#include "core/strbuf.h"
#include "core/util.h"
#include "core/xalloc.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Where `make install` puts themes; CMake should define it (see the report). */
#ifndef RACKTOP_THEME_INSTALL_DIR
#define RACKTOP_THEME_INSTALL_DIR "/usr/local/share/racktop/themes"
#endif
#ifndef RACKTOP_THEME_DIR
#define RACKTOP_THEME_DIR "themes"
#endif

#define THEME_MAX_FILE (1024 * 1024)

#define D THEME_COLOR_DEFAULT
#define BLACK 0
#define RED 1
#define GREEN 2
#define YELLOW 3
#define BLUE 4
#define MAGENTA 5
#define CYAN 6
#define WHITE 7
#define BRIGHT(c) ((c) + 8)
#define A_B THEME_ATTR_BOLD
#define A_D THEME_ATTR_DIM
#define A_U THEME_ATTR_UNDERLINE
#define A_R THEME_ATTR_REVERSE

struct theme_role_info {
    const char *name;
    const char *help;
    struct theme_style dark; /* compiled-in default (= themes/default.theme) */
    unsigned mono;           /* monochrome attributes (= themes/mono.theme) */
};

static const struct theme_role_info theme_roles[] = {
    [ROLE_DEFAULT] = {"default", "normal text", {D, D, 0}, 0},
    [ROLE_HEADER] = {"header", "top bar", {BRIGHT(WHITE), BLUE, A_B}, A_R},
    [ROLE_HEADER_BADGE] = {"header-badge",
                           "context badge in the top bar",
                           {BLACK, CYAN, A_B},
                           A_R | A_B},
    [ROLE_DEMO_BADGE] = {"demo-badge", "DEMO label", {BLACK, YELLOW, A_B}, A_R | A_B},
    [ROLE_READONLY_BADGE] = {"readonly-badge",
                             "READ-ONLY label",
                             {BRIGHT(WHITE), MAGENTA, A_B},
                             A_R | A_B},
    [ROLE_TITLE] = {"title", "pane title", {BRIGHT(CYAN), D, A_B}, A_B},
    [ROLE_COLUMN_HEADER] = {"column-header", "table column titles", {BLACK, GREEN, 0}, A_U | A_B},
    [ROLE_SELECTED] = {"selected", "cursor row", {BLACK, CYAN, 0}, A_R},
    [ROLE_MARKED] = {"marked",
                     "rows marked for a batch action",
                     {BRIGHT(YELLOW), D, A_B},
                     A_B | A_U},
    [ROLE_STATE_ACTIVE] = {"state-active", "running, healthy", {GREEN, D, 0}, 0},
    [ROLE_STATE_BUILD] = {"state-build", "transitional, in progress", {CYAN, D, 0}, A_U},
    [ROLE_STATE_SHUTOFF] = {"state-shutoff", "stopped", {BRIGHT(BLACK), D, 0}, A_D},
    [ROLE_STATE_ERROR] = {"state-error", "failed", {BRIGHT(RED), D, A_B}, A_B},
    [ROLE_STATE_MAINTENANCE] = {"state-maintenance", "in maintenance", {YELLOW, D, 0}, A_B | A_U},
    [ROLE_STATE_UNKNOWN] = {"state-unknown", "state not known", {MAGENTA, D, 0}, A_D | A_U},
    [ROLE_WARNING] = {"warning", "warning text", {YELLOW, D, A_B}, A_B},
    [ROLE_ERROR_MSG] = {"error-msg", "error message line", {BRIGHT(WHITE), RED, A_B}, A_R | A_B},
    [ROLE_INFO_MSG] = {"info-msg", "information message line", {CYAN, D, 0}, 0},
    [ROLE_HINT_KEY] = {"hint-key", "key in the hint bar", {BRIGHT(WHITE), D, A_B}, A_B},
    [ROLE_HINT_TEXT] = {"hint-text", "action in the hint bar", {BLACK, CYAN, 0}, A_R},
    [ROLE_STATUS] = {"status", "status line", {D, D, 0}, 0},
    [ROLE_DIALOG] = {"dialog", "dialog body", {WHITE, BLUE, 0}, 0},
    [ROLE_DIALOG_TITLE] = {"dialog-title", "dialog title", {BRIGHT(YELLOW), BLUE, A_B}, A_B},
    [ROLE_INPUT] = {"input", "input field", {BLACK, WHITE, 0}, A_U},
    [ROLE_INPUT_FOCUS] = {"input-focus", "focused input field", {BLACK, CYAN, 0}, A_U | A_B},
    [ROLE_BUTTON] = {"button", "button", {BLACK, WHITE, 0}, 0},
    [ROLE_BUTTON_FOCUS] = {"button-focus", "focused button", {BRIGHT(WHITE), RED, A_B}, A_R},
    [ROLE_SPARKLINE] = {"sparkline", "sparklines", {CYAN, D, 0}, 0},
    [ROLE_PROGRESS] = {"progress", "progress bars", {GREEN, D, A_B}, A_B},
    [ROLE_STALE] = {"stale", "stale-data banner", {BLACK, YELLOW, 0}, A_R},
    [ROLE_BORDER] = {"border", "borders and separators", {BLUE, D, 0}, 0},
    [ROLE_DIM] = {"dim", "secondary text", {BRIGHT(BLACK), D, 0}, A_D},
    [ROLE_SEARCH_MATCH] = {"search-match", "search match in text views", {BLACK, YELLOW, 0}, A_R},
};
_Static_assert(sizeof theme_roles / sizeof theme_roles[0] == ROLE__COUNT,
               "theme_roles[] needs one row per enum theme_role");

static const struct {
    const char *name;
    unsigned bit;
} theme_attr_names[] = {
    {"bold", THEME_ATTR_BOLD},           {"dim", THEME_ATTR_DIM},
    {"underline", THEME_ATTR_UNDERLINE}, {"reverse", THEME_ATTR_REVERSE},
    {"italic", THEME_ATTR_ITALIC},       {"standout", THEME_ATTR_STANDOUT},
    {"blink", THEME_ATTR_BLINK},
};

static const char *const theme_color_names[] = {"black", "red",     "green", "yellow",
                                                "blue",  "magenta", "cyan",  "white"};

/* xterm's RGB values for the 16 basic colours. */
static const unsigned char theme_basic_rgb[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},   {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},     {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};

static const unsigned char theme_cube_levels[6] = {0, 95, 135, 175, 215, 255};

struct theme {
    char *name;
    struct theme_style style[ROLE__COUNT];
    attr_t attr[ROLE__COUNT];
    int applied;
};

const char *theme_role_name(enum theme_role role)
{
    return (unsigned)role < ROLE__COUNT ? theme_roles[role].name : NULL;
}

const char *theme_role_help(enum theme_role role)
{
    return (unsigned)role < ROLE__COUNT ? theme_roles[role].help : NULL;
}

int theme_role_by_name(const char *name)
{
    for (int r = 0; r < ROLE__COUNT; r++) {
        if (strcasecmp(name, theme_roles[r].name) == 0)
            return r;
    }
    return -1;
}

struct theme_style theme_default_style(enum theme_role role)
{
    RT_ASSERT((unsigned)role < ROLE__COUNT);
    return theme_roles[role].dark;
}

struct theme_style theme_mono_style(enum theme_role role)
{
    struct theme_style s = {D, D, 0};

    RT_ASSERT((unsigned)role < ROLE__COUNT);
    s.attrs = theme_roles[role].mono;
    return s;
}

int theme_parse_color(const char *s, int *out)
{
    long long n;

    if (strcasecmp(s, "default") == 0) {
        *out = THEME_COLOR_DEFAULT;
        return 0;
    }
    for (int i = 0; i < 8; i++) {
        if (strcasecmp(s, theme_color_names[i]) == 0) {
            *out = i;
            return 0;
        }
        if (strncasecmp(s, "bright-", 7) == 0 && strcasecmp(s + 7, theme_color_names[i]) == 0) {
            *out = i + 8;
            return 0;
        }
    }
    if (s[0] == '#') {
        unsigned v = 0;
        if (strlen(s) != 7)
            return -1;
        for (int i = 1; i < 7; i++) {
            if (!isxdigit((unsigned char)s[i]))
                return -1;
            v = v * 16 + (unsigned)(isdigit((unsigned char)s[i])
                                        ? s[i] - '0'
                                        : tolower((unsigned char)s[i]) - 'a' + 10);
        }
        *out = THEME_COLOR_RGB_FLAG | (int)v;
        return 0;
    }
    if (isdigit((unsigned char)s[0]) && rt_parse_int(s, &n) == 0 && n >= 0 && n <= 255) {
        *out = (int)n;
        return 0;
    }
    return -1;
}

/* RGB of a colour index or RGB value. */
static void theme_rgb(int color, int rgb[3])
{
    if (color & THEME_COLOR_RGB_FLAG) {
        rgb[0] = (color >> 16) & 0xff;
        rgb[1] = (color >> 8) & 0xff;
        rgb[2] = color & 0xff;
    } else if (color < 16) {
        for (int i = 0; i < 3; i++)
            rgb[i] = theme_basic_rgb[color][i];
    } else if (color < 232) {
        int c = color - 16;
        rgb[0] = theme_cube_levels[c / 36];
        rgb[1] = theme_cube_levels[(c / 6) % 6];
        rgb[2] = theme_cube_levels[c % 6];
    } else {
        rgb[0] = rgb[1] = rgb[2] = 8 + 10 * (color - 232);
    }
}

static int theme_dist(const int a[3], const int b[3])
{
    int d = 0;

    for (int i = 0; i < 3; i++)
        d += (a[i] - b[i]) * (a[i] - b[i]);
    return d;
}

/* Nearest of the first n basic colours. */
static int theme_nearest_basic(const int rgb[3], int n)
{
    int best = 0, bestd = -1;

    for (int i = 0; i < n; i++) {
        int c[3] = {theme_basic_rgb[i][0], theme_basic_rgb[i][1], theme_basic_rgb[i][2]};
        int d = theme_dist(rgb, c);
        if (bestd < 0 || d < bestd) {
            best = i;
            bestd = d;
        }
    }
    return best;
}

/* Nearest colour of the 256-colour cube or grey ramp (16..255). */
static int theme_nearest_256(const int rgb[3])
{
    int idx[3], cube[3], grey, gi, cube_color;

    for (int i = 0; i < 3; i++) {
        int best = 0;
        for (int l = 1; l < 6; l++) {
            if (abs(rgb[i] - theme_cube_levels[l]) < abs(rgb[i] - theme_cube_levels[best]))
                best = l;
        }
        idx[i] = best;
        cube[i] = theme_cube_levels[best];
    }
    cube_color = 16 + 36 * idx[0] + 6 * idx[1] + idx[2];
    gi = ((rgb[0] + rgb[1] + rgb[2]) / 3 - 8 + 5) / 10;
    if (gi < 0)
        gi = 0;
    if (gi > 23)
        gi = 23;
    grey = 8 + 10 * gi;
    {
        int g[3] = {grey, grey, grey};
        return theme_dist(rgb, g) < theme_dist(rgb, cube) ? 232 + gi : cube_color;
    }
}

int theme_map_color(int color, int ncolors, int *bold)
{
    int rgb[3];

    if (bold != NULL)
        *bold = 0;
    if (color == THEME_COLOR_DEFAULT || ncolors < 8)
        return -1;
    if (!(color & THEME_COLOR_RGB_FLAG) && color < ncolors)
        return color;
    if (!(color & THEME_COLOR_RGB_FLAG) && color < 16) { /* bright on an 8-colour terminal */
        if (bold != NULL)
            *bold = 1;
        return color - 8;
    }
    theme_rgb(color, rgb);
    if (ncolors >= 256)
        return theme_nearest_256(rgb);
    return theme_nearest_basic(rgb, ncolors >= 16 ? 16 : 8);
}

static struct theme *theme_alloc(const char *name)
{
    struct theme *th = xcalloc(1, sizeof *th);

    th->name = xstrdup(name);
    for (int r = 0; r < ROLE__COUNT; r++)
        th->style[r] = theme_roles[r].dark;
    return th;
}

struct theme *theme_new_default(void)
{
    return theme_alloc("default");
}

struct theme *theme_new_mono(void)
{
    struct theme *th = theme_alloc("mono");

    for (int r = 0; r < ROLE__COUNT; r++)
        th->style[r] = theme_mono_style((enum theme_role)r);
    return th;
}

/* Parse "bold,underline" / "bold, underline" / "none" from the words at words[]. */
static int theme_parse_attrs(char **words, int n, unsigned *out, const char **bad)
{
    *out = 0;
    for (int w = 0; w < n; w++) {
        char *save = NULL;
        for (char *a = strtok_r(words[w], ",", &save); a != NULL; a = strtok_r(NULL, ",", &save)) {
            size_t i;
            if (strcasecmp(a, "none") == 0)
                continue;
            for (i = 0; i < sizeof theme_attr_names / sizeof theme_attr_names[0]; i++) {
                if (strcasecmp(a, theme_attr_names[i].name) == 0)
                    break;
            }
            if (i == sizeof theme_attr_names / sizeof theme_attr_names[0]) {
                *bad = a;
                return -1;
            }
            *out |= theme_attr_names[i].bit;
        }
    }
    return 0;
}

#define THEME_MAX_WORDS 16

/* Parse one line (modified in place) into th; 0, or -1 with err set. */
static int theme_parse_line(struct theme *th, char *line, const char *file, int lineno,
                            unsigned char *seen, struct rt_error *err)
{
    char *words[THEME_MAX_WORDS], *eq, *save = NULL, *key;
    int n = 0, role;
    struct theme_style st = {D, D, 0};
    const char *bad = NULL;

    /* '#' at the start or followed by a blank begins a comment */
    for (char *p = line; *p != '\0'; p++) {
        int first = p == line + strspn(line, " \t");
        if (*p == '#' && (first || (isspace((unsigned char)p[-1]) &&
                                    (p[1] == '\0' || isspace((unsigned char)p[1]))))) {
            *p = '\0';
            break;
        }
    }
    key = line + strspn(line, " \t\r");
    if (*key == '\0')
        return 0;
    eq = strchr(key, '=');
    if (eq == NULL)
        return rt_err_set(err, RT_ERR_CONFIG, lineno, "%s:%d: expected 'role = fg bg attrs'", file,
                          lineno);
    *eq = '\0';
    for (char *e = eq; e > key && isspace((unsigned char)e[-1]); e--)
        e[-1] = '\0';
    role = theme_role_by_name(key);
    if (role < 0)
        return rt_err_set(err, RT_ERR_CONFIG, lineno, "%s:%d: unknown role '%s'", file, lineno,
                          key);
    if (seen[role])
        return rt_err_set(err, RT_ERR_CONFIG, lineno, "%s:%d: role '%s' is set twice", file, lineno,
                          key);
    for (char *w = strtok_r(eq + 1, " \t\r", &save); w != NULL;
         w = strtok_r(NULL, " \t\r", &save)) {
        if (n == THEME_MAX_WORDS)
            return rt_err_set(err, RT_ERR_CONFIG, lineno, "%s:%d: too many words", file, lineno);
        words[n++] = w;
    }
    if (n == 0)
        return rt_err_set(err, RT_ERR_CONFIG, lineno, "%s:%d: role '%s' has no colours", file,
                          lineno, key);
    if (theme_parse_color(words[0], &st.fg) < 0)
        return rt_err_set(err, RT_ERR_CONFIG, lineno, "%s:%d: bad colour '%s'", file, lineno,
                          words[0]);
    if (n > 1 && theme_parse_color(words[1], &st.bg) < 0)
        return rt_err_set(err, RT_ERR_CONFIG, lineno, "%s:%d: bad colour '%s'", file, lineno,
                          words[1]);
    if (n > 2 && theme_parse_attrs(words + 2, n - 2, &st.attrs, &bad) < 0)
        return rt_err_set(err, RT_ERR_CONFIG, lineno, "%s:%d: unknown attribute '%s'", file, lineno,
                          bad);
    th->style[role] = st;
    seen[role] = 1;
    return 0;
}

struct theme *theme_parse(const char *text, const char *filename, const char *name,
                          struct rt_error *err)
{
    struct theme *th = theme_alloc(name != NULL ? name : "custom");
    unsigned char seen[ROLE__COUNT] = {0};
    const char *p = text;
    int lineno = 0;
    char *line = NULL;

    while (*p != '\0') {
        size_t len = strcspn(p, "\n");
        lineno++;
        free(line);
        line = xstrndup(p, len);
        if (theme_parse_line(th, line, filename, lineno, seen, err) < 0) {
            free(line);
            theme_free(th);
            return NULL;
        }
        p += len;
        if (*p == '\n')
            p++;
    }
    free(line);
    return th;
}

struct theme *theme_load_file(const char *path, struct rt_error *err)
{
    struct strbuf sb = STRBUF_INIT;
    struct theme *th = NULL;
    char buf[4096], *stem = NULL;
    const char *base;
    FILE *f = fopen(path, "r");
    size_t n;

    if (f == NULL) {
        rt_err_set(err, errno == ENOENT ? RT_ERR_NOT_FOUND : RT_ERR_CONFIG, errno,
                   "cannot open theme '%s': %s", path, strerror(errno));
        return NULL;
    }
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
        if (sb.len + n > THEME_MAX_FILE) {
            rt_err_set(err, RT_ERR_CONFIG, 0, "theme '%s' is larger than %d bytes", path,
                       THEME_MAX_FILE);
            goto out;
        }
        strbuf_add(&sb, buf, n);
    }
    if (ferror(f)) {
        rt_err_set(err, RT_ERR_CONFIG, errno, "cannot read theme '%s': %s", path, strerror(errno));
        goto out;
    }
    if (memchr(sb.buf != NULL ? sb.buf : "", '\0', sb.len) != NULL) {
        rt_err_set(err, RT_ERR_CONFIG, 0, "theme '%s' is not a text file", path);
        goto out;
    }
    base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    stem = xstrndup(base, strcspn(base, "."));
    th = theme_parse(sb.buf != NULL ? sb.buf : "", path, stem, err);
out:
    fclose(f);
    strbuf_done(&sb);
    free(stem);
    return th;
}

static int theme_valid_name(const char *name)
{
    if (name[0] == '\0' || name[0] == '.')
        return 0;
    for (const char *p = name; *p != '\0'; p++) {
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_' && *p != '.')
            return 0;
    }
    return 1;
}

static int theme_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *theme_find(const char *name)
{
    char *dirs[3], *path = NULL;

    if (strchr(name, '/') != NULL)
        return theme_exists(name) ? xstrdup(name) : NULL;
    if (!theme_valid_name(name))
        return NULL;
    {
        char *cfg = rt_xdg_dir("CONFIG");
        dirs[0] = xasprintf("%s/themes", cfg);
        free(cfg);
    }
    dirs[1] = xstrdup(RACKTOP_THEME_INSTALL_DIR);
    dirs[2] = xstrdup(RACKTOP_THEME_DIR);
    for (int i = 0; i < 3; i++) {
        if (path == NULL) {
            char *p = xasprintf("%s/%s.theme", dirs[i], name);
            if (theme_exists(p))
                path = p;
            else
                free(p);
        }
        free(dirs[i]);
    }
    return path;
}

struct theme *theme_load(const char *name, struct rt_error *err)
{
    char *path = theme_find(name);
    struct theme *th;

    if (path == NULL) {
        rt_err_set(err, RT_ERR_NOT_FOUND, 0, "theme '%s' not found", name);
        return NULL;
    }
    th = theme_load_file(path, err);
    free(path);
    return th;
}

void theme_free(struct theme *th)
{
    if (th == NULL)
        return;
    free(th->name);
    free(th);
}

const char *theme_name(const struct theme *th)
{
    return th->name;
}

struct theme_style theme_style(const struct theme *th, enum theme_role role)
{
    RT_ASSERT((unsigned)role < ROLE__COUNT);
    return th->style[role];
}

static attr_t theme_curses_attrs(unsigned bits)
{
    attr_t a = A_NORMAL;

    if (bits & THEME_ATTR_BOLD)
        a |= A_BOLD;
    if (bits & THEME_ATTR_DIM)
        a |= A_DIM;
    if (bits & THEME_ATTR_UNDERLINE)
        a |= A_UNDERLINE;
    if (bits & THEME_ATTR_REVERSE)
        a |= A_REVERSE;
    if (bits & THEME_ATTR_ITALIC)
        a |= A_ITALIC;
    if (bits & THEME_ATTR_STANDOUT)
        a |= A_STANDOUT;
    if (bits & THEME_ATTR_BLINK)
        a |= A_BLINK;
    return a;
}

void theme_apply(struct theme *th, int use_color)
{
    int color = use_color && has_colors() && COLORS >= 8;

    for (int r = 0; r < ROLE__COUNT; r++) {
        const struct theme_style *st = &th->style[r];
        int bold = 0, fg, bg;

        if (!color || r + 1 >= COLOR_PAIRS) {
            th->attr[r] = theme_curses_attrs(theme_roles[r].mono);
            continue;
        }
        fg = theme_map_color(st->fg, COLORS, &bold);
        bg = theme_map_color(st->bg, COLORS, NULL);
        if (init_pair((short)(r + 1), (short)fg, (short)bg) == ERR &&
            init_pair((short)(r + 1), (short)(fg < 0 ? COLOR_WHITE : fg),
                      (short)(bg < 0 ? COLOR_BLACK : bg)) == ERR) {
            th->attr[r] = theme_curses_attrs(theme_roles[r].mono);
            continue;
        }
        th->attr[r] = COLOR_PAIR(r + 1) | theme_curses_attrs(st->attrs) | (bold ? A_BOLD : 0);
    }
    th->applied = 1;
}

attr_t theme_attr(const struct theme *th, enum theme_role role)
{
    if ((unsigned)role >= ROLE__COUNT)
        role = ROLE_DEFAULT;
    if (th == NULL || !th->applied)
        return theme_curses_attrs(theme_roles[role].mono);
    return th->attr[role];
}
