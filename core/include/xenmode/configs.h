/*
 * xenmode/configs.h - the configured mode of each domain, read from the xl
 * domain configuration files in a directory (default /etc/xen and its
 * auto/ subdirectory) with xl's own parser, libxlutil.
 *
 * The mode is decided exactly as xl 4.17 decides it (type=, the deprecated
 * builder=, the x86 default, pvshim= for PVH only); see xm_config.c for the
 * rules and the lines of tools/xl/xl_parse.c they come from. Which files
 * are domain configurations, and what counts as a bad file, is described in
 * docs/configs.md.
 *
 * As everywhere in the core, nothing is printed: libxlutil's messages are
 * captured and become the error or warning text of the file they are about.
 * A bad file never stops the others: it becomes an entry whose error says
 * why (without the file name: the caller prints "FILE: ERROR").
 *
 * Ownership: sets come from xm_config_scan() or xm_config_cache_get() and
 * are freed with xm_config_set_free(); every string in a set is owned by
 * it. Every *_free() accepts NULL.
 *
 * Sources: core/configs/ (xm_config.c, xm_config_scan.c); the exposition
 * of a set is xm_config_expo() in xenmode/expo.h.
 */
#ifndef XENMODE_CONFIGS_H
#define XENMODE_CONFIGS_H

#include <stdbool.h>
#include <stddef.h>

#include "xenmode/util.h"

#define XM_CONFIG_DEFAULT_DIR "/etc/xen"
#define XM_CONFIG_AUTO_SUBDIR "auto"
/* A domain configuration is a few kilobytes; a larger file is refused
 * before it is read (xl itself would read up to 2 GiB). */
#define XM_CONFIG_MAX_FILE_SIZE (1024 * 1024)
/* libxlutil copies the whole value for every "+=" (quadratic time): a file
 * with more is refused. Real configurations use a handful. */
#define XM_CONFIG_MAX_APPENDS 256

/* One domain configuration file, or one file that should have been one. */
struct xm_config {
    char *file;        /* the path as found: DIR/NAME.cfg or DIR/auto/NAME */
    char *name;        /* the domain name (xl's name=); NULL when the file
                          could not be read or xl would refuse it (a second
                          file naming a domain keeps its name, with error) */
    enum xm_mode mode; /* XM_MODE_PV, _PVH, _HVM or _PV_IN_PVH; only
                          meaningful when error is NULL */
    bool autostart;    /* xendomains starts it at boot: the file is in auto/,
                          or an entry of auto/ is a link to it */
    char *error;       /* NULL, or why the file has no configured mode: one
                          printable line that does not repeat the file name */
    char **warnings;   /* xl's warnings about the keys xl's mode decision
                          reads (e.g. a list given for type=); one line each */
    size_t n_warnings;
    bool changed;      /* xm_config_cache_get only: first seen, or its result
                          (name, mode, error, autostart) differs from the
                          previous get; front ends log errors that changed */
    /* PV configurations only (mode XM_MODE_PV, no error): the guest's
     * address width as far as what xl boots tells (xm_kernel_width). A
     * 32-bit PV guest cannot start on a hypervisor without pv32. */
    unsigned pv_width_bits; /* 32 or 64; 0 unknown, or not a PV configuration */
    char *pv_width_reason;  /* one printable line: how the width was found, or
                               why it is unknown; NULL when not PV */
    char *pv_kernel;        /* the dom0 file whose ELF header tells the width
                               (kernel= as written, absolute, no bootloader=);
                               NULL when there is none to read */
};

/* A directory entry that is not a domain configuration, left out on
 * purpose (the rules are in xm_config_candidate). */
struct xm_config_skipped {
    char *file;
    const char *reason; /* static text */
};

struct xm_config_set {
    /* The top directory's candidates sorted by name, then auto/'s; a file
     * reached both ways (auto/web.cfg -> ../web.cfg) appears once, under
     * its top-level path, with autostart set. */
    struct xm_config *configs;
    size_t n_configs;
    size_t n_failed;   /* configs whose error is set */
    struct xm_config_skipped *skipped;
    size_t n_skipped;
};

/*
 * xm_config_parse
 *
 * Decides the configured mode of one configuration held in memory, as xl
 * would for a file of these bytes. source names it in the messages (the
 * path). On XM_OK, *out is filled: name and mode, or error when xl would
 * refuse the configuration (syntax error, bad type= or builder=, builder=
 * contradicting type=, no name, bad uuid, a PV or PVH guest with nothing
 * to boot), or that libxlutil cannot be given safely (NUL bytes, more than
 * XM_CONFIG_MAX_APPENDS "+="); out->file is a copy of source. Release with
 * xm_config_dispose().
 *
 * RETURN VALUE: XM_OK, or XM_ERR_NOMEM (or XM_ERR_INVALID for a length
 * over INT_MAX) with err filled and *out cleared.
 */
int xm_config_parse(const char *source, const char *data, size_t len,
                    struct xm_config *out, struct xm_error *err);

/*
 * xm_config_read_file
 *
 * Reads and parses one file, and for a PV configuration booted from a
 * kernel= file reads that file's ELF header (pv_width_bits; see
 * xm_kernel_width). xm_config_parse does not touch the kernel file: it
 * decides the width only where no file is involved (bootloader=,
 * firmware=pvgrub32/64). Problems with the file (missing, a symlink
 * loop, a dangling link, not a plain file, over XM_CONFIG_MAX_FILE_SIZE,
 * unreadable, xl would refuse it) are not failures of the call: they set
 * out->error. FIFOs and devices are never opened, so nothing blocks.
 *
 * RETURN VALUE: XM_OK, or XM_ERR_NOMEM with err filled.
 */
int xm_config_read_file(const char *path, struct xm_config *out, struct xm_error *err);

/*
 * xm_kernel_width
 *
 * The address width of a PV guest booting the ELF file at path (a Linux
 * vmlinux, a PV GRUB image such as grub-i386-xen.bin): reads the first 64
 * bytes only. An ELF of class ELFCLASS32 for i386 is 32, ELFCLASS64 for
 * x86-64 is 64. Anything else (missing, unreadable, not a plain file, a
 * bzImage, a compressed kernel, another machine, truncated) is 0, unknown:
 * xl's loader can boot bzImages and compressed ELFs, but their width is not
 * read. FIFOs and devices are never read. why (size whysz, may be NULL)
 * gets one printable line saying what was found.
 *
 * RETURN VALUE: 32, 64 or 0.
 */
unsigned xm_kernel_width(const char *path, char *why, size_t whysz);

/* Frees what a config owns and zeroes it. */
void xm_config_dispose(struct xm_config *c);

/*
 * xm_config_candidate
 *
 * The naming rule: is the directory entry name (of the top directory, or
 * of auto/ when in_auto) a domain configuration to read? When not, *reason
 * (may be NULL) tells why, as a static string. In both directories, hidden
 * names, editor and package-manager leftovers (web.cfg~, web.cfg.dpkg-old,
 * ...) and the toolstack's own settings (xl.conf, *.sxp, ...) are skipped.
 * In the top directory only *.cfg names are domain configurations; in
 * auto/ every other name is one, as xendomains feeds every entry of auto/
 * to `xl create`.
 */
bool xm_config_candidate(const char *name, bool in_auto, const char **reason);

/*
 * xm_config_scan
 *
 * Reads every domain configuration of dir and dir/auto (missing auto/ is
 * normal). Bad files become configs with an error and are counted in
 * n_failed; two files naming the same domain: the first one (in the order
 * of struct xm_config_set) keeps it and each later one is an error naming
 * the first.
 *
 * RETURN VALUE: XM_OK and *out set, or XM_ERR_IO when dir itself cannot be
 * read (message names it), XM_ERR_NOMEM; *out NULL on error.
 */
int xm_config_scan(const char *dir, struct xm_config_set **out, struct xm_error *err);

void xm_config_set_free(struct xm_config_set *set);

/* The configuration (without error) of the domain called name, or NULL. */
const struct xm_config *xm_config_set_find(const struct xm_config_set *set,
                                           const char *name);

/*
 * xm_config_mismatch
 *
 * Whether a domain configured in mode `configured` that runs in mode
 * `running` is a mismatch: it is, except for equal modes and a domain
 * configured hvm running as pvhvm (its PV drivers are the guest's choice).
 */
bool xm_config_mismatch(enum xm_mode configured, enum xm_mode running);

/*
 * The cache for long-running front ends (exporter, collectd plugin).
 *
 * xm_config_cache_get lists the directories and stat()s every candidate
 * on each call, but opens and parses a file only when it is new or its
 * device, inode, size, mtime or ctime changed; other files keep their
 * previous result. A PV configuration's kernel file is stat()ed too, and
 * its header read again only when that changed (a kernel upgrade). It returns a fresh set each time (the caller frees it),
 * whose `changed` flags tell which results are new since the previous
 * call, so a front end logs a bad file once, not on every scrape.
 *
 * Thread safety: a cache may be shared by several threads; calls are
 * serialized by its lock. Sets are independent of the cache.
 */
struct xm_config_cache;

struct xm_config_cache_stats {
    unsigned long scans_total;      /* xm_config_cache_get calls that listed dir */
    unsigned long files_read_total; /* files opened and parsed */
};

/* dir NULL means XM_CONFIG_DEFAULT_DIR. RETURN VALUE: XM_OK or XM_ERR_NOMEM. */
int xm_config_cache_new(const char *dir, struct xm_config_cache **out, struct xm_error *err);
/* As xm_config_scan, from the cache. */
int xm_config_cache_get(struct xm_config_cache *c, struct xm_config_set **out,
                        struct xm_error *err);
void xm_config_cache_stats(struct xm_config_cache *c, struct xm_config_cache_stats *st);
void xm_config_cache_free(struct xm_config_cache *c);

#endif
