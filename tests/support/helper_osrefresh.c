/*
 * helper_osrefresh.c - times the OpenStack provider's server listing inside
 * one process, the way the dashboard refreshes (provider_list_refresh(), as
 * the engine calls it): once (cold: every page parsed and mapped), again
 * (warm: changes-since, the cache of mapped servers), and optionally a third
 * time after running a shell command that changes some servers on the
 * backend.  Store writes and output are not included: this is the provider's
 * own cost (docs/BENCHMARKS.md).
 *
 *   helper_osrefresh CONFIG PROVIDER [COMMAND]
 *   prints: "cold <rows> <wall ms> <cpu ms>", "warm ...", "changed ..."; rows is
 *   "kept" when the provider answered that nothing changed (no rows: the engine
 *   keeps the ones it has)
 */
#include "core/config.h"
#include "core/err.h"
#include "core/model.h"
#include "core/provider.h"
#include "core/util.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static long cpu_ms(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000L +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1000L;
}

static int timed_list(struct provider *p, const char *label)
{
    struct res_list l;
    struct rt_error err = {0};
    int64_t t0 = rt_mono_ms();
    long c0 = cpu_ms();
    int rc;

    res_list_init(&l);
    rc = provider_list_refresh(p, RES_KIND_INSTANCE, &l, &err);
    if (rc < 0)
        fprintf(stderr, "helper_osrefresh: %s: %s\n", label, err.msg);
    else if (rc == 1)
        printf("%s kept %lld %ld\n", label, (long long)(rt_mono_ms() - t0), cpu_ms() - c0);
    else
        printf("%s %zu %lld %ld\n", label, l.len, (long long)(rt_mono_ms() - t0), cpu_ms() - c0);
    res_list_done(&l);
    return rc;
}

int main(int argc, char **argv)
{
    struct rt_error err = {0};
    struct config *cfg;
    const struct config_provider *cp;
    struct provider *p;
    struct prov_env env = {0};
    int rc = 1;

    if (argc < 3) {
        fprintf(stderr, "usage: helper_osrefresh CONFIG PROVIDER [COMMAND]\n");
        return 2;
    }
    if ((cfg = config_load(argv[1], &err)) == NULL) {
        fprintf(stderr, "helper_osrefresh: %s\n", err.msg);
        return 1;
    }
    if ((cp = config_find_provider(cfg, argv[2])) == NULL) {
        fprintf(stderr, "helper_osrefresh: no provider '%s' in %s\n", argv[2], argv[1]);
        config_free(cfg);
        return 1;
    }
    env.timeout_s = 60;
    p = provider_new(provider_type_find("openstack"), argv[2], &env);
    if (provider_open(p, cp, &err) < 0) {
        fprintf(stderr, "helper_osrefresh: %s\n", err.msg);
        goto out;
    }
    if (timed_list(p, "cold") < 0 || timed_list(p, "warm") < 0)
        goto out;
    if (argc > 3) {
        if (system(argv[3]) != 0) {
            fprintf(stderr, "helper_osrefresh: '%s' failed\n", argv[3]);
            goto out;
        }
        if (timed_list(p, "changed") < 0)
            goto out;
    }
    rc = 0;
out:
    provider_free(p);
    config_free(cfg);
    return rc;
}
