/*
 * fakexl.h - internals of the fake libxl (libxenmode-fakexl.so).
 *
 * The fake is LD_PRELOADed into the project's binaries, which link the real
 * libxenlight: every libxl function taking a libxl_ctx * that the project
 * calls is defined here and serves the host described by the JSON fixture
 * named by $XENMODE_FAKE_FIXTURE (tests/README.md). The generated
 * init/dispose helpers (libxl_dominfo_init, ...) stay the real ones.
 *
 * Everything declared below is hidden: a preloaded library's symbols
 * interpose on every object of the process, so only libxl_* may be visible.
 *
 * Locking: one mutex (fxl_lock) guards the cached fixture and each ctx's
 * version record; the fxl_fixture_* functions must be called with it held.
 * The logger is called without it, so a logger may call back into libxl.
 */
#ifndef FAKEXL_H
#define FAKEXL_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>
#include <libxl.h>
#include <libxl_utils.h>

#pragma GCC visibility push(hidden)

/* Our definition of the type libxl.h leaves incomplete. */
struct libxl__ctx {
    uint32_t magic;            /* FXL_CTX_MAGIC while alive */
    xentoollog_logger *lg;
    bool version_filled;       /* filled once, as the real one caches it */
    libxl_version_info version;
};
#define FXL_CTX_MAGIC 0x66616b78u /* "fakx" */

extern pthread_mutex_t fxl_lock;

/* Aborts with a message when ctx is not a live fake context: the real libxl
 * would crash on it, the fake says why. */
void fxl_check_ctx(const libxl_ctx *ctx, const char *func);

/* libxl__log's format, through the ctx's logger at XTL_ERROR:
 * context "libxl", message "FILE:LINE:FUNC: [Domain N:]TEXT". */
void fxl_log(libxl_ctx *ctx, int errnoval, const char *file, int line, const char *func,
             uint32_t domid, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

/* fixture.c (fxl_lock held) ------------------------------------------------ */

/* Re-reads the fixture if the file changed (path, inode, size, mtime);
 * returns its root object, or NULL when the variable is unset or the file
 * is unreadable or invalid (reported once on stderr per version of it). */
json_t *fxl_fixture(void);
/* Drops the cached fixture (when the last ctx goes, so nothing leaks). */
void fxl_fixture_release(void);
/* True when WORD is injected by $XENMODE_FAKE_LIBXL_FAIL or by the fixture's
 * "fail" list; fxl_fixture() must have been called first. */
bool fxl_fixture_failing(json_t *root, const char *word);
/* The fixture's domain object for domid, or NULL. */
json_t *fxl_fixture_domain(json_t *root, uint32_t domid);
/* The domain exists for libxl_domain_info (known and not vanish_after_list). */
bool fxl_fixture_domain_present(json_t *root, uint32_t domid);
/* The domain's uuid in canonical text form, or NULL. */
const char *fxl_fixture_uuid(json_t *dom);

/* hypervisor.c ------------------------------------------------------------- */

/* Appends one line (fmt with a and b) to $XENMODE_FAKE_XC_LOG, if set. */
void fxl_log_call(const char *fmt, unsigned a, unsigned b);
/* Aborts with a message when a fake handle's magic is not want (the real
 * library would crash on it; the fake says why). */
void fxl_check_handle(const void *h, uint32_t magic, uint32_t want, const char *what,
                      const char *func);
/* Opening /dev/xen/privcmd fails: no fixture, or fail word ctx_alloc or
 * xc_open (libxenctrl and libxencall open the same device). */
bool fxl_privcmd_fails(void);
/* The fixture domain's boolean key, dflt when absent. */
bool fxl_flag(json_t *dom, const char *key, bool dflt);

/* The fixture's "capabilities" entry cap (pv32, pv64, hvm, hap, shadow);
 * true when not given. */
bool fxl_fixture_cap(json_t *root, const char *cap);

/* config_json.c -------------------------------------------------------------- */

/* The stored-configuration JSON libxl writes for the fixture domain DOM:
 * malloc'd, NUL-terminated, *len counting the NUL as libxl stores it.
 * Returns 0, or -1 on allocation failure. */
int fxl_config_json(json_t *dom, uint8_t **data, int *len);

#pragma GCC visibility pop

#endif
