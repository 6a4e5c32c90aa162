/* Watch registration and firing with xenstored 4.17's matching rules. */
#ifndef FXS_WATCH_H
#define FXS_WATCH_H

#include <stdbool.h>
#include <stddef.h>

struct conn;

/* Registers (path, token) on c; path is canonical, prefix_len the length of
 * the implicit "/local/domain/0/" prefix of a relative watch (0 otherwise).
 * Returns 0, EEXIST for a duplicate (path, token), or ENOMEM. */
int watch_add(struct conn *c, const char *path, const char *token,
              size_t prefix_len);
/* Returns 0, or ENOENT when no such watch exists. */
int watch_remove(struct conn *c, const char *path, const char *token);
void watch_clear(struct conn *c);

/* Queues the registration event xenstored sends right after the OK. */
int watch_send_initial(struct conn *c, const char *path, const char *token);

/* Fires every matching watch of every live connection in the list.
 * exact: only watches on exactly path; otherwise watches on path or any
 * ancestor of it (on a component boundary; "/" matches every node).
 * Connections that cannot queue the event are closed. */
void watch_fire(struct conn *conns, const char *path, bool exact);

#endif
