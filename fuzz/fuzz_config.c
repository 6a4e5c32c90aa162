/*
 * fuzz_config - libFuzzer target over the configuration-reading path:
 * the input is one file's bytes. It goes through the path the CLI, the
 * exporter and the collectd plugin use: xm_config_read_file() on an
 * in-memory file (memfd: stat, open, the size limit, read), libxlutil's
 * parser and xl's mode decision, then the exposition writer with the
 * parsed name as a label. Checked: no crash, no sanitizer report, no hang
 * (libFuzzer -timeout), and the contract of a result: exactly one of error
 * and name, errors and warnings printable one-liners, a configured mode,
 * and for a PV one a width of 32, 64 or unknown with a printable reason.
 *
 * Build and run: `make fuzz` (fuzz/module.mk).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "xenmode/configs.h"
#include "xenmode/expo.h"

static void check_line(const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p >= 0x7f)
            abort(); /* errors and warnings are printable ASCII lines */
}

static void check(const struct xm_config *c)
{
    if (!c->file || (c->error == NULL) == (c->name == NULL))
        abort();
    if (c->error)
        check_line(c->error);
    else if (c->mode != XM_MODE_PV && c->mode != XM_MODE_PVH && c->mode != XM_MODE_HVM &&
             c->mode != XM_MODE_PV_IN_PVH)
        abort();
    for (size_t i = 0; i < c->n_warnings; i++)
        check_line(c->warnings[i]);
    /* The PV width: 32, 64 or unknown, with a printable reason, for a PV
     * configuration only (its kernel= names any file: only a header is
     * read, and never from a FIFO or device). */
    bool pv = !c->error && c->mode == XM_MODE_PV;
    if ((c->pv_width_bits != 0 && c->pv_width_bits != 32 && c->pv_width_bits != 64) ||
        (!pv && (c->pv_width_bits || c->pv_width_reason || c->pv_kernel)) ||
        (pv && !c->pv_width_reason))
        abort();
    if (c->pv_width_reason)
        check_line(c->pv_width_reason);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xm_config c;
    struct xm_error err = {0};

    int fd = memfd_create("fuzz.cfg", MFD_CLOEXEC);
    if (fd < 0)
        abort();
    for (size_t o = 0; o < size;) {
        ssize_t w = write(fd, data + o, size - o);
        if (w <= 0)
            abort();
        o += (size_t)w;
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rc = xm_config_read_file(path, &c, &err);
    close(fd);
    if (rc != XM_OK)
        return 0; /* out of memory: reported, nothing to check */
    check(&c);

    /* The exposition writer with whatever name the file gave. */
    struct xm_config_set set = {0};
    set.configs = &c;
    set.n_configs = 1;
    set.n_failed = c.error ? 1 : 0;
    struct xm_buf b;
    xm_buf_init(&b);
    xm_config_expo(&b, XM_EXPO_OPENMETRICS, &set);
    xm_expo_end(&b, XM_EXPO_OPENMETRICS);
    if (!xm_buf_failed(&b) && !strstr(xm_buf_cstr(&b), "xen_config_files_failed"))
        abort();
    xm_buf_dispose(&b);
    xm_config_dispose(&c);
    return 0;
}
