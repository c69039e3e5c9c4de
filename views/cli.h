/*
 * cli.h - the command-line mode: `racktop list|show|do|audit|info ...`.
 *
 * Same engine and fleet as the dashboard, no terminal needed.  Exit codes:
 * 0 success, 1 the backend or action failed, 2 bad usage or input, 3 refused
 * (read-only, or a destructive action without --yes), 4 not found.  Every
 * error is one line on stderr.
 */
#ifndef RT_CLI_H
#define RT_CLI_H

#include "core/engine.h"

/* Run one subcommand; argv[0] is its name. Returns the process exit code. */
int cli_main(const struct engine_opts *opts, int argc, char **argv);
/* Is this word a command-line subcommand? */
int cli_is_command(const char *word);
/* Usage text of the command-line mode (static). */
const char *cli_usage(void);

#endif
