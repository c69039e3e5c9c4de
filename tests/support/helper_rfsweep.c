/*
 * helper_rfsweep.c - time one Redfish inventory and one sensor sweep, for
 * tests/bench/redfish_bench.sh.
 *
 * usage: helper_rfsweep CONFIG PROVIDER [SWEEPS]
 * Opens the provider named PROVIDER of CONFIG directly (no engine, store in
 * $XDG_STATE_HOME as usual), runs list(hosts) once (the full crawl) and then
 * metrics() SWEEPS times (default 1): each sweep revalidates the known
 * Thermal/Power links of every BMC.  Prints one line:
 *     hosts=N inventory_ms=T samples=M sweep_ms=T1,T2,...
 * Exit 1 with one line on stderr when the provider cannot be opened or lists
 * nothing.
 */
#include "core/config.h"
#include "core/err.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/store.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    struct rt_error err = {0};
    struct config *cfg;
    const struct config_provider *cp = NULL;
    const struct provider_ops *ops;
    struct prov_env env = {0};
    struct provider *p;
    struct res_list hosts;
    struct store *st;
    int sweeps = argc > 3 ? atoi(argv[3]) : 1;
    int64_t t0;
    int rc = 1;

    if (argc < 3 || sweeps < 1) {
        fprintf(stderr, "usage: %s CONFIG PROVIDER [SWEEPS]\n", argv[0]);
        return 2;
    }
    cfg = config_load(argv[1], &err);
    if (cfg == NULL) {
        fprintf(stderr, "helper_rfsweep: %s\n", err.msg);
        return 1;
    }
    for (size_t i = 0; i < cfg->n_providers; i++) {
        if (strcmp(cfg->providers[i].name, argv[2]) == 0)
            cp = &cfg->providers[i];
    }
    ops = cp != NULL ? provider_type_find(cp->type) : NULL;
    if (ops == NULL) {
        fprintf(stderr, "helper_rfsweep: no provider '%s' in %s\n", argv[2], argv[1]);
        config_free(cfg);
        return 1;
    }
    st = store_open(NULL, &err);
    if (st == NULL) {
        fprintf(stderr, "helper_rfsweep: %s\n", err.msg);
        config_free(cfg);
        return 1;
    }
    env.store = st;
    env.timeout_s = cfg->timeout_s;
    p = provider_new(ops, cp->name, &env);
    res_list_init(&hosts);
    if (provider_open(p, cp, &err) < 0) {
        fprintf(stderr, "helper_rfsweep: %s\n", err.msg);
        goto out;
    }
    t0 = rt_mono_ms();
    if (provider_list(p, RES_KIND_HOST, &hosts, &err) < 0 || hosts.len == 0) {
        fprintf(stderr, "helper_rfsweep: listing hosts failed: %s\n",
                err.msg[0] != '\0' ? err.msg : "no hosts");
        goto close;
    }
    printf("hosts=%zu inventory_ms=%lld", hosts.len, (long long)(rt_mono_ms() - t0));
    /* The engine stores each row's raw JSON and frees it at once (core/engine.c); the
     * rows it keeps have none.  Do the same, so the peak RSS measured is racktop's. */
    for (size_t i = 0; i < hosts.len; i++) {
        free(hosts.items[i]->raw);
        hosts.items[i]->raw = NULL;
    }
    for (int i = 0; i < sweeps; i++) {
        struct metric_list ml = {0};
        t0 = rt_mono_ms();
        if (provider_metrics(p, 0, &ml, &err) < 0) {
            fprintf(stderr, "\nhelper_rfsweep: sweep failed: %s\n", err.msg);
            metric_list_done(&ml);
            goto close;
        }
        printf("%s%lld", i == 0 ? " sweep_ms=" : ",", (long long)(rt_mono_ms() - t0));
        if (i == sweeps - 1)
            printf(" samples=%zu\n", ml.len);
        metric_list_done(&ml);
    }
    rc = 0;
close:
    provider_close(p);
out:
    res_list_done(&hosts);
    provider_free(p);
    store_close(st);
    config_free(cfg);
    return rc;
}
