/* Handling of one xenstore wire request. */
#ifndef FXS_PROTOCOL_H
#define FXS_PROTOCOL_H

#include <stddef.h>

#include "server.h"

/* Counts the request, performs it and queues its reply (and any watch
 * events) on c and the other connections. May mark c dead. */
void proto_handle(struct server *srv, struct conn *c,
                  const struct xsd_sockmsg *hdr, const char *body);

#endif
