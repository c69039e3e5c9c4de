/*
 * views.h - the panes of the dashboard (internal to views/).
 *
 * A pane definition (panes.c) says which rows it shows (a kind of the fleet,
 * the task journal, the audit log, the providers, or one security group's
 * rules), its columns, and its keys: action verbs from core/action.c's
 * table and drill-downs to related resources.  A `struct view` is one open
 * pane on the dashboard's stack: a definition, an optional scope (the parent
 * of a drill-down), the rows it shows now and its table widget.
 *
 * To add a pane: add its columns and keys in panes.c and a row to
 * pane_defs[]; its `:name` command and help follow from that row.
 */
#ifndef RT_VIEWS_H
#define RT_VIEWS_H

#include "core/action.h"
#include "core/engine.h"
#include "core/model.h"
#include "tui/keymap.h"
#include "tui/table.h"

#include <stddef.h>
#include <stdint.h>

struct app;
struct consoles;
struct dash;
struct view;
struct theme;

enum pane_src {
    PANE_SRC_FLEET,     /* resources of def->kind from the fleet */
    PANE_SRC_TASKS,     /* the task journal */
    PANE_SRC_AUDIT,     /* the audit log */
    PANE_SRC_PROVIDERS, /* provider status */
    PANE_SRC_RULES,     /* rules of one security group (scope) */
    PANE_SRC_SESSIONS,  /* the open SSH console sessions (console.c) */
};

enum col_src {
    COL_PROVIDER, COL_ID, COL_NAME, COL_STATUS, COL_FIELD, COL_SPARK, COL_UPDATED,
    COL_REF, /* a field holding the id of another resource (`ref` kind, same provider):
              * shown by that resource's name, the id itself while it is unknown */
};

struct pane_column {
    struct table_column tc;
    enum col_src src;
    const char *field; /* COL_FIELD, COL_REF: schema field; COL_SPARK: metric */
    enum res_kind ref; /* COL_REF */
};

/* Drill-downs from a row to related rows. */
enum drill {
    DRILL_NONE,
    DRILL_INST_DISKS,
    DRILL_INST_SNAPSHOTS,
    DRILL_INST_SECGROUPS,
    DRILL_INST_HOST,
    DRILL_HOST_INSTANCES,
    DRILL_DISK_SNAPSHOTS,
    DRILL_SG_RULES,
    DRILL_HOST_EVENTS,
};

/* pane_key.flags */
enum pane_key_flag {
    /* Never offered in read-only (and so wall) mode: the key opens something that can
     * change a machine although it is no action verb (an SSH shell). */
    PANE_KEY_HIDE_READ_ONLY = 1 << 0,
};

/*
 * A key of a pane: a verb of the action table, a drill-down, or a command
 * that is neither (run).  Verbs are filtered by capability and read-only
 * mode; other keys by their flags.
 */
struct pane_key {
    int key;
    const char *keyname;
    const char *verb;  /* action verb on the pane's kind, or NULL */
    enum drill drill;  /* or a drill-down */
    const char *help;
    const char *hint;  /* short label for the hint bar, NULL: not shown there */
    /* or a command: handles the key on view v; returns enum app_reaction bits */
    int (*run)(struct dash *d, struct view *v);
    unsigned flags;    /* enum pane_key_flag */
};

struct pane_def {
    const char *name;   /* ":instances" command (without the colon) */
    const char *title;
    enum pane_src src;
    enum res_kind kind; /* PANE_SRC_FLEET */
    const char *preset; /* filter the pane always applies (":vms" -> "type:vm"), or NULL */
    const struct pane_column *cols;
    int ncols;
    const struct pane_key *keys; /* terminated by key 0 */
    int digit;          /* 0-9 jumps here; -1 none */
};

struct rule_row {
    char *id, *direction, *ethertype, *protocol, *ports, *remote;
};

struct view {
    const struct pane_def *def;
    enum drill scope;          /* DRILL_NONE for a root pane */
    char *scope_provider, *scope_id, *scope_name;
    char **scope_list;         /* DRILL_INST_SECGROUPS: the group names; NULL-terminated */
    char *title;
    struct table *table;
    struct dash *d;
    /* PANE_SRC_FLEET: borrowed rows; TASKS/AUDIT: owned rows. */
    const struct resource **rows;
    size_t nrows, cap;
    struct res_list owned;
    struct rule_row *rules;
    size_t nrules;
    uint64_t seen_version;     /* fleet/tasks/audit version the rows were built from */
    uint64_t seen_content;     /* fleet content version last re-sorted for */
};

/* The pane table, terminated by a NULL name. */
const struct pane_def *pane_defs(void);
const struct pane_def *pane_find(const char *name);
const char *drill_title(enum drill d);
enum res_kind drill_kind(enum drill d);

/* Views. */
struct view *view_new(struct dash *d, const struct pane_def *def);
struct view *view_new_drill(struct dash *d, const struct view *parent, const struct resource *r,
                            enum drill drill);
void view_free(struct view *v);
/* Rebuild the rows from the current data (fleet, tasks, audit, providers). */
void view_rebuild(struct view *v);
/* The resource at the cursor, or NULL (PANE_SRC_FLEET/TASKS/AUDIT). */
const struct resource *view_cursor_resource(const struct view *v);
const struct rule_row *view_cursor_rule(const struct view *v);
/* Rows to act on: the marked ones, else the cursor's. New array; *n = 0 when none. */
const struct resource **view_targets(const struct view *v, size_t *n);

/* Provided by dashboard.c for the panes. */
struct fleet *dash_fleet(struct dash *d);
const struct res_list *dash_tasks(struct dash *d, uint64_t *version);
const struct res_list *dash_audit(struct dash *d, uint64_t *version);
size_t dash_providers(struct dash *d, const struct provider_info **out);
const char *dash_region(struct dash *d);
int dash_ascii(struct dash *d);
int dash_drawing(struct dash *d);
/* Sparkline of a host's recent metric history (cached; "" when none). */
const char *dash_spark(struct dash *d, const struct resource *host, const char *metric);
int dash_read_only(struct dash *d);
struct engine *dash_engine(struct dash *d);
struct app *dash_app(struct dash *d);
const struct theme *dash_theme(struct dash *d);
struct view *dash_view(struct dash *d);
void dash_message(struct dash *d, int error, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const struct provider_info *dash_provider(struct dash *d, const char *name);
/* Can `provider` (NULL: any provider) do `a`, given read-only modes and capabilities? */
int dash_can(struct dash *d, const char *provider, const struct action_def *a);
/* Push a view (taken) on the pane stack. */
void dash_push_view(struct dash *d, struct view *v);
/* The SSH console sessions of this dashboard (console.c). */
struct consoles *dash_consoles(struct dash *d);
/* A modal pager; `y` switches to alt when not NULL. Texts are copied. */
void dash_show_text(struct dash *d, const char *title, const char *text, const char *alt);

#endif
