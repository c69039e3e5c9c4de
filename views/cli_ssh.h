/*
 * cli_ssh.h - `racktop ssh`: run a command over SSH or open the console.
 */
#ifndef RT_CLI_SSH_H
#define RT_CLI_SSH_H

#include "core/engine.h"

/* argv[0] is "ssh".  Returns the process exit code (the remote status with a command). */
int cli_ssh_main(const struct engine_opts *opts, int argc, char **argv);

#endif
