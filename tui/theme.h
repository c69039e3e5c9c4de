/*
 * theme.h - colours by meaning: roles, theme files, curses attributes.
 *
 * Code never names a colour; it draws with a role (ROLE_STATE_ERROR,
 * ROLE_SELECTED, ...) and the theme says what the role looks like.  Themes
 * are data files (themes/NAME.theme):
 *
 *     # comment
 *     state-error = bright-red default bold
 *     selected    = black cyan
 *     header      = #ffffff 24 bold,underline
 *
 * Colours: default, black, red, green, yellow, blue, magenta, cyan, white,
 * bright-black .. bright-white, 0-255, or #rrggbb (mapped to the nearest of
 * the 256, 16 or 8 colours the terminal has).  Attributes: bold dim
 * underline reverse italic standout blink, comma-separated, or none.  Roles
 * a file does not set keep the compiled-in default.  A '#' starts a comment
 * at the start of a line or when followed by a space.
 *
 *     struct rt_error err = {0};
 *     struct theme *th = theme_load("light", &err);
 *     if (th == NULL) { warn(err.msg); th = theme_new_default(); }
 *     theme_apply(th, use_color);           after start_color(), before drawing
 *     wattrset(w, theme_attr(th, ROLE_STATE_ERROR));
 *     theme_free(th);
 *
 * To add a role: add ROLE_X before ROLE__COUNT here, add its row to
 * theme_roles[] in theme.c (the _Static_assert fails until you do), and set
 * it in every file in themes/ (test_theme checks that each shipped theme
 * sets every role and that default.theme and mono.theme match the
 * compiled-in columns).
 */
#ifndef RT_THEME_H
#define RT_THEME_H

#include <curses.h>

struct rt_error;
struct theme;

enum theme_role {
    ROLE_DEFAULT,
    ROLE_HEADER,         /* top bar */
    ROLE_HEADER_BADGE,   /* context/provider badge in the top bar */
    ROLE_DEMO_BADGE,     /* "DEMO" */
    ROLE_READONLY_BADGE, /* "READ-ONLY" */
    ROLE_TITLE,          /* pane title */
    ROLE_COLUMN_HEADER,
    ROLE_SELECTED, /* cursor row */
    ROLE_MARKED,   /* rows marked with Space */
    ROLE_STATE_ACTIVE,
    ROLE_STATE_BUILD, /* transitional, in progress */
    ROLE_STATE_SHUTOFF,
    ROLE_STATE_ERROR,
    ROLE_STATE_MAINTENANCE,
    ROLE_STATE_UNKNOWN,
    ROLE_WARNING,
    ROLE_ERROR_MSG,
    ROLE_INFO_MSG,
    ROLE_HINT_KEY,
    ROLE_HINT_TEXT,
    ROLE_STATUS,
    ROLE_DIALOG,
    ROLE_DIALOG_TITLE,
    ROLE_INPUT,
    ROLE_INPUT_FOCUS,
    ROLE_BUTTON,
    ROLE_BUTTON_FOCUS,
    ROLE_SPARKLINE,
    ROLE_PROGRESS,
    ROLE_STALE, /* data from cache, not yet refreshed */
    ROLE_BORDER,
    ROLE_DIM,
    ROLE_SEARCH_MATCH,
    ROLE__COUNT
};

/* Colour values in a style: THEME_COLOR_DEFAULT, 0..255, or THEME_COLOR_RGB(). */
#define THEME_COLOR_DEFAULT (-1)
#define THEME_COLOR_RGB_FLAG 0x1000000
#define THEME_COLOR_RGB(r, g, b) (THEME_COLOR_RGB_FLAG | ((r) << 16) | ((g) << 8) | (b))

/* Attribute bits, independent of curses so parsing needs no terminal. */
enum theme_attr_bit {
    THEME_ATTR_BOLD = 1 << 0,
    THEME_ATTR_DIM = 1 << 1,
    THEME_ATTR_UNDERLINE = 1 << 2,
    THEME_ATTR_REVERSE = 1 << 3,
    THEME_ATTR_ITALIC = 1 << 4,
    THEME_ATTR_STANDOUT = 1 << 5,
    THEME_ATTR_BLINK = 1 << 6,
};

struct theme_style {
    int fg, bg;     /* THEME_COLOR_* */
    unsigned attrs; /* THEME_ATTR_* bits */
};

/* Role names ("state-active") and one-line descriptions; NULL out of range. */
const char *theme_role_name(enum theme_role role);
const char *theme_role_help(enum theme_role role);
/* The role called name, or -1. */
int theme_role_by_name(const char *name);
/* The compiled-in dark default and monochrome styles of a role. */
struct theme_style theme_default_style(enum theme_role role);
struct theme_style theme_mono_style(enum theme_role role);

/* Parse one colour ("bright-red", "208", "#ff8800"); 0 or -1. */
int theme_parse_color(const char *s, int *out);
/*
 * Map a colour for a terminal with ncolors colours: an index the terminal
 * has is kept, a bright colour on an 8-colour terminal becomes its normal
 * colour with *bold set (if bold is not NULL), anything else the nearest
 * colour by RGB distance.  Returns -1 for THEME_COLOR_DEFAULT or ncolors < 8.
 */
int theme_map_color(int color, int ncolors, int *bold);

/* New themes: the compiled-in default and monochrome ones (never NULL). */
struct theme *theme_new_default(void);
struct theme *theme_new_mono(void);
/*
 * Parse theme text; filename is only used in messages.  Returns a new
 * theme, or NULL with err set (RT_ERR_CONFIG, detail = line number, message
 * "FILE:LINE: ...").  Does not touch curses.
 */
struct theme *theme_parse(const char *text, const char *filename, const char *name,
                          struct rt_error *err);
/* Read and parse a theme file.  NULL with err set on failure. */
struct theme *theme_load_file(const char *path, struct rt_error *err);
/*
 * Path of the theme called name (a new string, free() it), searching
 * $XDG_CONFIG_HOME/racktop/themes, the installed themes directory, then
 * RACKTOP_THEME_DIR; NULL if none has it.  A name containing '/' is a path
 * and returned as is if the file exists.
 */
char *theme_find(const char *name);
/* theme_find() then theme_load_file().  NULL with err set (RT_ERR_NOT_FOUND if absent). */
struct theme *theme_load(const char *name, struct rt_error *err);
void theme_free(struct theme *th);
/* The theme's name (borrowed): "default", "mono", or the file's stem. */
const char *theme_name(const struct theme *th);
/* The style the theme gives a role. */
struct theme_style theme_style(const struct theme *th, enum theme_role role);

/*
 * Set up curses colour pairs for th.  Call after start_color() (the app
 * does) and again after a theme change.  With use_color 0, or when the
 * terminal has no colours, roles use the compiled-in monochrome attributes.
 */
void theme_apply(struct theme *th, int use_color);
/*
 * The attributes to draw a role with (COLOR_PAIR | attributes).  Before
 * theme_apply(), or with th NULL, the monochrome attributes.
 */
attr_t theme_attr(const struct theme *th, enum theme_role role);

#endif
