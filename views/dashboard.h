/*
 * dashboard.h - the interactive console and the NOC wall display.
 */
#ifndef RT_DASHBOARD_H
#define RT_DASHBOARD_H

#include "core/engine.h"

struct dash_opts {
    const char *theme;  /* --theme, else the config's */
    int ascii;          /* --ascii (also automatic when the locale is not UTF-8) */
    int mouse;          /* --mouse */
    int wall;           /* --wall: read-only, rotating, tiled */
    int rotate_s;       /* --rotate */
    const char *panes;  /* --panes LIST (comma-separated pane names) */
    long max_frames;    /* --max-frames: exit after N frames (smoke tests) */
};

/* Run the dashboard until the operator quits. Returns the process exit code. */
int dashboard_main(const struct engine_opts *eo, const struct dash_opts *o);

#endif
