/*
 * xe_privs.h - giving up what the exporter does not need once it runs.
 *
 * xenmode_exporter runs as root on every dom0 because Xen's interfaces are
 * root-only by their file modes, not by capabilities:
 *   /dev/xen/privcmd (or /proc/xen/privcmd), /dev/xen/xenbus  root 0600
 *   /run/xenstored/socket (or $XENSTORED_PATH)                root 0600
 *   /var/lib/xen/userdata-* read by libxl, /var/run/xen locks root-owned
 *   /etc/xen (xl configurations)                               root-owned
 * The Linux privcmd and xenbus drivers make no capable() check of their
 * own, and the exporter opens those files as their owner: uid 0 without
 * any capability reaches all of them, also when the collector reopens
 * them (xenstored restarted, --no-xen.cache). So every capability is
 * dropped (effective, permitted, inheritable, ambient and the bounding
 * set), no_new_privs is set, and the process is made non-dumpable with a
 * core size limit of 0: no core file or ptrace by others, as its memory
 * holds the TLS key and password hashes.
 */
#ifndef XE_PRIVS_H
#define XE_PRIVS_H

#include <stddef.h>

/*
 * xe_privs_drop
 *
 * Call before any thread is started: capabilities are per thread, and
 * threads created later inherit the reduced set.
 * RETURN VALUE: 0, or -1 with the reason in err.
 */
int xe_privs_drop(char *err, size_t errsz);

#endif
