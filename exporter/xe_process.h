/*
 * xe_process.h - the standard process_* metrics of the exporter itself,
 * read from procfs as the Prometheus client libraries do:
 * process_cpu_seconds_total, process_resident_memory_bytes,
 * process_virtual_memory_bytes, process_start_time_seconds,
 * process_open_fds, process_max_fds.
 */
#ifndef XE_PROCESS_H
#define XE_PROCESS_H

#include "xenmode/expo.h"

/*
 * xe_process_write
 *
 * Appends the families to b. procfs is the procfs root ("/proc"); the
 * process is "self" under it. A metric whose source cannot be read is left
 * out rather than reported as a wrong value.
 * RETURN VALUE: 0 when every metric was written, else -1 with err naming
 * the first file that could not be read and why.
 */
int xe_process_write(struct xm_buf *b, enum xm_expo_format f, const char *procfs, char *err,
                     size_t errsz);

#endif
