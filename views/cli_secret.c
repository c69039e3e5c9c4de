/*
 * cli_secret.c - ask the passwords the configuration does not give (see
 * cli_secret.h).  Main thread, before engine_start() and before curses.
 *
 * The typed text lives in one stack buffer, is copied once into the engine
 * (engine_set_secret) and wiped with explicit_bzero; it is never printed,
 * logged or stored.  Echo is turned off on /dev/tty while reading and
 * restored even when reading fails.
 */
#include "cli_secret.h"

#include "core/config.h"
#include "core/err.h"
#include "core/providers/redfish.h"
#include "tui/ttyline.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

int cli_secret_ask(struct engine *e, struct rt_error *err)
{
    const struct config *cfg = engine_config(e);
    int tty = isatty(STDIN_FILENO) && isatty(STDERR_FILENO);

    for (size_t i = 0; cfg != NULL && i < cfg->n_providers; i++) {
        const struct config_provider *cp = &cfg->providers[i];
        char names[256], prompt[512], pw[1024];
        int n;

        if (strcmp(cp->type, "redfish") != 0)
            continue;
        n = redfish_password_missing(cp, names, sizeof names, NULL);
        if (n <= 0)
            continue; /* none missing, or a bmc_file error that open() reports */
        if (!tty)
            return rt_err_set(err, RT_ERR_CONFIG, 0,
                              "provider '%s': no password for BMC %s: set password_file (a "
                              "file only you can read) or password_env in its entry, or run "
                              "racktop on a terminal to be asked for it", cp->name, names);
        snprintf(prompt, sizeof prompt, "Password for provider '%s' (BMC %s): ", cp->name,
                 names);
        if (ttyline_read(prompt, 0, pw, sizeof pw) < 0)
            return rt_err_set(err, RT_ERR_CONFIG, 0,
                              "provider '%s': no password given for BMC %s", cp->name, names);
        if (pw[0] == '\0') {
            explicit_bzero(pw, sizeof pw);
            return rt_err_set(err, RT_ERR_CONFIG, 0,
                              "provider '%s': empty password for BMC %s", cp->name, names);
        }
        n = engine_set_secret(e, cp->name, pw, err);
        explicit_bzero(pw, sizeof pw);
        if (n < 0)
            return -1;
    }
    return 0;
}
