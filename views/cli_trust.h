/*
 * cli_trust.h - `racktop trust PROVIDER [BMC...] [--yes]`: show the TLS
 * certificates of a Redfish provider's BMCs and pin them in the store.
 */
#ifndef RT_CLI_TRUST_H
#define RT_CLI_TRUST_H

#include "core/engine.h"

int cli_trust_main(const struct engine_opts *opts, int argc, char **argv);

#endif
