/*
 * cli_secret.h - passwords typed at a prompt, for provider entries that name
 * no password source ("Credentials come from the config's secret file, the
 * environment, or a prompt; never from argv").
 *
 *     e = engine_new(&opts, &err);
 *     if (cli_secret_ask(e, &err) < 0) { print err.msg; exit }   before curses
 *     engine_start(e, &err);
 *
 * The providers run on worker threads, so the asking happens here, on the
 * main thread, before the engine starts: once per provider, without echo, on
 * /dev/tty; the answer goes to the engine in memory (engine_set_secret) and
 * the local copy is wiped.
 */
#ifndef RT_CLI_SECRET_H
#define RT_CLI_SECRET_H

#include "core/engine.h"

struct rt_error;

/* Ask a password for every redfish provider of the engine's configuration that has BMCs
 * with a username and no password_file/password_env, when stdin and stderr are terminals.
 * Returns 0 (nothing needed, or every answer given); -1 with err (RT_ERR_CONFIG) naming
 * the BMCs and the ways to give a password when there is no terminal or the prompt was
 * abandoned (end of input). */
int cli_secret_ask(struct engine *e, struct rt_error *err);

#endif
