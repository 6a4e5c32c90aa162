/* Watches; see watch.h. */
#include "watch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"

int watch_add(struct conn *c, const char *path, const char *token,
              size_t prefix_len)
{
    for (struct watch *w = c->watches; w; w = w->next)
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0)
            return EEXIST;
    struct watch *w = calloc(1, sizeof(*w));
    if (!w)
        return ENOMEM;
    w->path = strdup(path);
    w->token = strdup(token);
    if (!w->path || !w->token) {
        free(w->path);
        free(w->token);
        free(w);
        return ENOMEM;
    }
    w->prefix_len = prefix_len;
    /* Appended: events go out in registration order, as in xenstored. */
    if (c->watches_tail)
        c->watches_tail->next = w;
    else
        c->watches = w;
    c->watches_tail = w;
    c->nwatches++;
    return 0;
}

static void watch_free(struct watch *w)
{
    free(w->path);
    free(w->token);
    free(w);
}

int watch_remove(struct conn *c, const char *path, const char *token)
{
    struct watch *prev = NULL;
    for (struct watch *w = c->watches; w; prev = w, w = w->next) {
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0) {
            if (prev)
                prev->next = w->next;
            else
                c->watches = w->next;
            if (c->watches_tail == w)
                c->watches_tail = prev;
            c->nwatches--;
            watch_free(w);
            return 0;
        }
    }
    return ENOENT;
}

void watch_clear(struct conn *c)
{
    struct watch *w = c->watches;
    while (w) {
        struct watch *next = w->next;
        watch_free(w);
        w = next;
    }
    c->watches = c->watches_tail = NULL;
    c->nwatches = 0;
}

int watch_send_initial(struct conn *c, const char *path, const char *token)
{
    for (struct watch *w = c->watches; w; w = w->next)
        if (strcmp(w->path, path) == 0 && strcmp(w->token, token) == 0)
            return conn_send_event(c, w->path + w->prefix_len, w->token);
    return 0;
}

/* xenstored 4.17 is_child(): "/" is everyone's ancestor, otherwise the
 * parent must be a prefix ending at a '/' or the end of child. */
static bool is_child(const char *child, const char *parent)
{
    if (strcmp(parent, "/") == 0)
        return true;
    size_t len = strlen(parent);
    return strncmp(child, parent, len) == 0 &&
           (child[len] == '/' || child[len] == '\0');
}

void watch_fire(struct conn *conns, const char *path, bool exact)
{
    for (struct conn *c = conns; c; c = c->next) {
        if (c->dead)
            continue;
        for (struct watch *w = c->watches; w; w = w->next) {
            bool send = exact ? strcmp(path, w->path) == 0
                              : is_child(path, w->path);
            /* A matching path starts with the watch path, so it is at
             * least prefix_len long: relative watches see relative paths. */
            if (send && conn_send_event(c, path + w->prefix_len, w->token) < 0) {
                conn_close(c);   /* frees the watches: stop walking them */
                break;
            }
        }
    }
}
