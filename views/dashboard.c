/*
 * dashboard.c - interim entry point until the dashboard lands: says so and
 * points at the command-line mode.
 */
#include "dashboard.h"

#include <stdio.h>

int dashboard_main(const struct engine_opts *eo, const struct dash_opts *o)
{
    (void)eo;
    (void)o;
    fprintf(stderr, "racktop: the dashboard is not in this build yet; use the command-line mode "
                    "(racktop --help)\n");
    return 2;
}
