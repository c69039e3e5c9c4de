/*
 * main.c - argument parsing; picks the dashboard, wall or command-line mode.
 *
 * Global options come before the subcommand, as in git:
 *   racktop [--read-only] [--demo-seed N] [--demo-size N] [--theme NAME]
 *           [--config FILE] [--ascii] [--mouse] [--wall [--rotate S] [--panes LIST]]
 *           [--max-frames N] [list|show|do|audit|info ...]
 */
#include "core/engine.h"
#include "core/err.h"
#include "core/util.h"
#include "views/cli.h"
#include "views/dashboard.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f)
{
    fputs("racktop " RACKTOP_VERSION " - terminal operations console for servers and VMs\n"
          "\n"
          "usage: racktop [global options]                 the dashboard\n"
          "       racktop --wall [--rotate S] [--panes LIST] read-only NOC wall display\n"
          "       racktop [global options] <command> ...     command-line mode\n"
          "\n"
          "global options:\n"
          "  --read-only        refuse every action that changes anything\n"
          "  --config FILE      config file (default $XDG_CONFIG_HOME/racktop/config.yaml)\n"
          "  --theme NAME       colour theme (default, light, high-contrast, cvd-safe, mono)\n"
          "  --demo-seed N      seed of the built-in demo fleet\n"
          "  --demo-size N      number of instances of the demo fleet\n"
          "  --ascii            ASCII line drawing and sparklines\n"
          "  --mouse            enable the mouse\n"
          "  --max-frames N     draw N frames and exit (smoke tests)\n"
          "  --version, --help\n"
          "\n",
          f);
    fputs(cli_usage(), f);
}

int main(int argc, char **argv)
{
    enum {
        OPT_READ_ONLY = 256, OPT_CONFIG, OPT_THEME, OPT_SEED, OPT_SIZE, OPT_ASCII, OPT_MOUSE,
        OPT_WALL, OPT_ROTATE, OPT_PANES, OPT_FRAMES, OPT_VERSION, OPT_HELP,
    };
    static const struct option longopts[] = {
        {"read-only", no_argument, NULL, OPT_READ_ONLY},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"theme", required_argument, NULL, OPT_THEME},
        {"demo-seed", required_argument, NULL, OPT_SEED},
        {"demo-size", required_argument, NULL, OPT_SIZE},
        {"ascii", no_argument, NULL, OPT_ASCII},
        {"mouse", no_argument, NULL, OPT_MOUSE},
        {"wall", no_argument, NULL, OPT_WALL},
        {"rotate", required_argument, NULL, OPT_ROTATE},
        {"panes", required_argument, NULL, OPT_PANES},
        {"max-frames", required_argument, NULL, OPT_FRAMES},
        {"version", no_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct engine_opts eo = {0};
    struct dash_opts dopts = {0};
    long long v;
    int c;

    setlocale(LC_ALL, "");
    dopts.rotate_s = 15;
    opterr = 0;
    /* "+": stop at the first non-option, the subcommand. */
    while ((c = getopt_long(argc, argv, "+h", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_READ_ONLY: eo.read_only = 1; break;
        case OPT_CONFIG: eo.config_path = optarg; break;
        case OPT_THEME: dopts.theme = optarg; break;
        case OPT_SEED:
            if (rt_parse_int(optarg, &v) < 0 || v < 1) {
                fprintf(stderr, "racktop: --demo-seed must be a positive integer (got '%s')\n",
                        optarg);
                return 2;
            }
            eo.demo_seed = (unsigned long)v;
            break;
        case OPT_SIZE:
            if (rt_parse_int(optarg, &v) < 0 || v < 1 || v > 1000000) {
                fprintf(stderr, "racktop: --demo-size must be between 1 and 1000000 (got '%s')\n",
                        optarg);
                return 2;
            }
            eo.demo_size = (long)v;
            break;
        case OPT_ASCII: dopts.ascii = 1; break;
        case OPT_MOUSE: dopts.mouse = 1; break;
        case OPT_WALL: dopts.wall = 1; break;
        case OPT_ROTATE:
            if (rt_parse_int(optarg, &v) < 0 || v < 1 || v > 86400) {
                fprintf(stderr, "racktop: --rotate must be 1-86400 seconds (got '%s')\n", optarg);
                return 2;
            }
            dopts.rotate_s = (int)v;
            break;
        case OPT_PANES: dopts.panes = optarg; break;
        case OPT_FRAMES:
            if (rt_parse_int(optarg, &v) < 0 || v < 1) {
                fprintf(stderr, "racktop: --max-frames must be a positive integer (got '%s')\n",
                        optarg);
                return 2;
            }
            dopts.max_frames = (long)v;
            break;
        case OPT_VERSION: puts("racktop " RACKTOP_VERSION); return 0;
        case 'h':
        case OPT_HELP: usage(stdout); return 0;
        default:
            fprintf(stderr, "racktop: unknown option '%s' (see racktop --help)\n",
                    argv[optind - 1]);
            return 2;
        }
    }
    if (optind < argc) {
        if (!cli_is_command(argv[optind])) {
            fprintf(stderr, "racktop: unknown command '%s' (see racktop --help)\n", argv[optind]);
            return 2;
        }
        if (dopts.wall) {
            fprintf(stderr, "racktop: --wall is a display mode; it takes no command\n");
            return 2;
        }
        return cli_main(&eo, argc - optind, argv + optind);
    }
    if (dopts.wall)
        eo.read_only = 1;
    eo.auto_refresh = 1;
    return dashboard_main(&eo, &dopts);
}
