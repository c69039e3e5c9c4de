/*
 * store_priv.h - the store's connection for other core modules that own
 * their own tables (audit.c).  Not for providers, views or the TUI.
 */
#ifndef RT_STORE_PRIV_H
#define RT_STORE_PRIV_H

#include <sqlite3.h>

struct store;
struct rt_error;

sqlite3 *store_db(struct store *st);
/* Set err from the connection's last error, with a leading context word. */
int store_db_error(struct store *st, const char *what, struct rt_error *err);

#endif
