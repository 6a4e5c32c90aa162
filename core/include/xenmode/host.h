/*
 * xenmode/host.h - host collection: the mode of every domain on this Xen
 * host, from libxl and xenstore, kept fresh by xenstore watches.
 *
 * The core knows Xen and nothing about HTTP, collectd or terminals. Every
 * front end (exporter, collectd plugin, CLI) asks a collector for a snapshot
 * of the host's domains and formats it. The core never prints and never
 * exits: failures come back as an xm_error (code + one-line message).
 *
 * Sources: core/host/ (xm_collector.c, xm_cache.c, xm_libxl.c,
 * xm_xenstore.c, xm_devices.c, xm_classify.c, xm_domain.c,
 * xm_transitions.c).
 *
 * Ownership: a snapshot returned by xm_collector_snapshot() belongs to the
 * caller and is released with xm_snapshot_free(). Its domains, and the
 * strings inside them, live in a reference-counted block that snapshots of
 * an unchanged host share; they are never modified once returned. There is
 * no other way to make a snapshot. All *_free() functions accept NULL.
 *
 * Thread safety: one collector may be used from several threads; snapshots
 * are taken one at a time under the collector's lock, each within its
 * deadline (xm_collector_set_timeout). A snapshot is
 * immutable once returned and may be read from any thread.
 */
#ifndef XENMODE_HOST_H
#define XENMODE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xenmode/util.h"

/* Connected PV devices of one kind ("vbd", "vif", ...). */
struct xm_devcount {
    char *kind;
    unsigned present;   /* frontends found under device/<kind>/ */
    unsigned connected; /* of those, backend state == 4 */
};

/* How the hypervisor translates a domain's memory (HVM containers only). */
enum xm_paging {
    XM_PAGING_NONE,   /* not applicable (PV) or not known */
    XM_PAGING_HAP,    /* hardware-assisted paging (EPT/NPT): XEN_DOMINF_hap */
    XM_PAGING_SHADOW, /* shadow page tables */
};

/* What the hypervisor can run, from libxl_get_physinfo and the version
 * info's capabilities string (xl info's virt_caps and xen_caps). */
enum xm_capability {
    XM_CAP_PV32,   /* "xen-3.0-x86_32p" in xen_caps: 32-bit PV guests */
    XM_CAP_PV64,   /* "xen-3.0-x86_64" in xen_caps: 64-bit PV guests */
    XM_CAP_HVM,    /* physinfo cap_hvm */
    XM_CAP_HAP,    /* physinfo cap_hap */
    XM_CAP_SHADOW, /* physinfo cap_shadow */
    XM_CAP_COUNT
};
/* "pv32", "pv64", "hvm", "hap", "shadow". */
const char *xm_capability_name(enum xm_capability c);

/* One Windows PV driver entry (drivers/<N>), cleaned. */
struct xm_driver_info {
    char *driver;  /* "VENDOR PRODUCT" */
    char *version; /* "" when the entry has no version field */
};

/* What guest agents (xe-guest-utilities, xen-guest-agent, Windows PV
 * drivers) wrote into the domain's own xenstore tree. Guest-written, so
 * every string is printable UTF-8 of at most 64 bytes (anything else is
 * dropped or cut), and at most 16 driver entries are kept. */
struct xm_guest_agent {
    bool present;      /* any agent key exists */
    char *version;     /* attr/PVAddons/{Major,Minor,Micro,Build}Version
                          joined with dots as far as written; "" if none */
    char *os_distro;   /* data/os_distro, "" when absent */
    char *os_name;     /* data/os_name */
    char *os_version;  /* data/os_majorver[.data/os_minorver] */
    struct xm_driver_info *drivers; /* sorted by entry index */
    size_t n_drivers;
    bool cut;          /* a value was cleaned or cut, or entries dropped */
};

struct xm_domain {
    uint32_t domid;
    char *name;            /* bytes as read from xenstore, NUL-terminated;
                              may be invalid UTF-8 (see xm_utf8_sanitize) */
    char uuid[37];         /* canonical 8-4-4-4-12 lower-case form */
    bool hvm_flag;         /* the hypervisor's hvm_guest flag */
    enum xm_mode mode;
    /* From the hypervisor (libxenctrl). */
    bool dom0;             /* the control domain: named by get_domain_state on
                              Xen >= 4.21, domid 0 before (the evidence says
                              which rule) */
    unsigned pv_width_bits; /* PV domains (hvm flag clear): 32 or 64, from
                              xc_domain_get_guest_width; 0 otherwise */
    enum xm_paging paging; /* HVM containers (hvm flag set): HAP or shadow */
    bool width_final_;     /* internal: width read while the domain ran */
    struct xm_guest_agent agent; /* guest-written agent and driver values */
    double start_time;     /* Unix time it was created (/vm/<uuid>/start_time;
                              dom0: the host's boot time); 0 when unknown */
    struct xm_devcount *devices; /* sorted by kind */
    size_t n_devices;
    char **evidence;       /* what decided the mode, in the order it was used */
    size_t n_evidence;
};

struct xm_snapshot_block;

struct xm_snapshot {
    struct xm_domain *domains; /* sorted by domid */
    size_t n_domains;
    double duration_seconds;   /* time spent collecting */
    unsigned long xenstore_requests; /* xenstore requests this snapshot made */
    /* Equal non-zero generations from one collector mean equal domains, so
     * a front end may reuse what it formatted from the earlier one. 0: not
     * comparable (one-shot collectors). */
    uint64_t generation;
    /* The host's capabilities (read once per libxl connection). */
    bool caps_known;
    bool caps[XM_CAP_COUNT];
    struct xm_snapshot_block *block_; /* internal: shared, refcounted domains */
};

struct xm_collector;

/*
 * xm_collector_new
 *
 * Creates a collector. It does not connect yet: libxl and xenstore are
 * opened by the first snapshot and reopened by later ones after a failure,
 * so a long-running front end recovers by itself when Xen comes back.
 *
 * RETURN VALUE: XM_OK, or XM_ERR_NOMEM with err filled.
 */
int xm_collector_new(struct xm_collector **out, struct xm_error *err);

/*
 * xm_collector_new_oneshot
 *
 * As xm_collector_new, for a program that takes one snapshot and exits
 * (the CLI): no watches are registered, every snapshot is a plain full
 * read. xm_collector_new's collectors keep per-domain evidence cached and
 * fresh through xenstore watches (see core/host/xm_cache.h), so a snapshot of
 * an unchanged host sends no xenstore request.
 */
int xm_collector_new_oneshot(struct xm_collector **out, struct xm_error *err);

/* What the per-domain bounds cut (docs/design.md, "Memory and per-domain
 * bounds"): device kinds beyond the cap or with overlong names, devices
 * beyond the cap or with overlong ids, device evidence lines beyond the
 * cap. */
enum xm_cut_item { XM_CUT_KINDS, XM_CUT_DEVICES, XM_CUT_EVIDENCE, XM_CUT_COUNT };
/* "kinds", "devices", "evidence" (the metric's `item` label). */
const char *xm_cut_item_name(enum xm_cut_item item);
/*
 * xm_collector_set_timeout
 *
 * The deadline of every snapshot, in seconds (default
 * XM_DEFAULT_TIMEOUT_SECONDS; <= 0: none). A snapshot that has not finished
 * by then, because xenstored stopped answering, is abandoned: the blocked
 * xenstore call is made to fail, both connections (ours and libxl's) are
 * dropped with the cache, and the snapshot returns XM_ERR_TIMEOUT. Until
 * xenstored answers a probe again, later snapshots fail the same way
 * within their own deadline instead of reconnecting into a hang.
 */
#define XM_DEFAULT_TIMEOUT_SECONDS 5.0
void xm_collector_set_timeout(struct xm_collector *c, double seconds);

struct xm_collector_stats {
    unsigned long xenstore_requests_total; /* since the collector was made */
    unsigned long cache_rebuilds_total;    /* caches discarded after xenstore
                                              connection losses */
    size_t cached_domains;
    unsigned long items_cut_total[XM_CUT_COUNT]; /* summed over every read */
};
void xm_collector_stats(struct xm_collector *c, struct xm_collector_stats *st);

/*
 * xm_collector_notices
 *
 * Moves the notices the collector has for its front end into out (appended
 * with xm_strvec_addf): one line per domain that exceeded a per-domain
 * bound, the first time it is read so (not at every read), for the front
 * end to log. At most 64 wait between two calls; more are counted only.
 */
void xm_collector_notices(struct xm_collector *c, struct xm_strvec *out);

/*
 * xm_collector_snapshot
 *
 * Lists every domain with one libxl_list_domain call and classifies each.
 * A domain that disappears between listing and inspection is left out
 * without error.
 *
 * RETURN VALUE: XM_OK and *out set (caller frees with xm_snapshot_free), or
 * an error code with *out NULL and err filled. After XM_ERR_XENSTORE or
 * XM_ERR_LIBXL the collector drops its connections and reopens them on the
 * next call.
 */
int xm_collector_snapshot(struct xm_collector *c, struct xm_snapshot **out,
                          struct xm_error *err);

/*
 * xm_collector_snapshot_until
 *
 * As xm_collector_snapshot, bounded by deadline (xm_monotonic_seconds())
 * rather than by now + timeout, waiting for another caller's snapshot
 * included: a server that gives each request a deadline on arrival answers
 * every request in time however many are waiting. XM_ERR_TIMEOUT when the
 * deadline passes first.
 */
int xm_collector_snapshot_until(struct xm_collector *c, double deadline,
                                struct xm_snapshot **out, struct xm_error *err);

/*
 * xm_collector_xen_version
 *
 * Writes the hypervisor's version ("4.17.7") into out, or "" when libxl has
 * not been opened successfully yet. Neither this nor xm_collector_stats
 * waits for a snapshot in progress: they show what the last one published.
 */
void xm_collector_xen_version(struct xm_collector *c, char *out, size_t outsz);

/*
 * xm_collector_interrupt
 *
 * For a front end that is stopping (SIGTERM): the snapshot in progress, if
 * any, is abandoned now as if its deadline had passed, and every later
 * snapshot fails at once with XM_ERR_TIMEOUT. Safe from any thread.
 */
void xm_collector_interrupt(struct xm_collector *c);

void xm_collector_free(struct xm_collector *c);
void xm_snapshot_free(struct xm_snapshot *snap);

/*
 * xm_domain_devcount
 *
 * RETURN VALUE: the count for kind, or NULL when the domain has no such kind.
 */
const struct xm_devcount *xm_domain_devcount(const struct xm_domain *d,
                                             const char *kind);

/* ---- Mode transitions (xm_transitions.c) ------------------------------
 *
 * A long-running front end (exporter, collectd plugin) counts, per domain,
 * the mode changes it sees from one of its snapshots to the next: an HVM
 * guest whose PV drivers connect goes hvm -> pvhvm, one that loses them
 * pvhvm -> hvm. A domain is known by its domid and uuid: its counts go when
 * it leaves a snapshot (destroyed) and a new domain reusing the domid starts
 * from zero. Memory is one entry per domain of the last snapshot.
 * Not thread-safe: the front end serializes updates and reads.
 */
struct xm_transitions;

int xm_transitions_new(struct xm_transitions **out, struct xm_error *err);
/* Counts the changes from the previous snapshot given to this one. On
 * XM_ERR_NOMEM the counts stay as they were. */
int xm_transitions_update(struct xm_transitions *t, const struct xm_snapshot *s,
                          struct xm_error *err);
/* from -> to changes counted for d (matched by domid and uuid); 0 when none
 * or when t is NULL. */
unsigned long xm_transitions_get(const struct xm_transitions *t, const struct xm_domain *d,
                                 enum xm_mode from, enum xm_mode to);
/* The pairs a front end reports for d: the two PV-driver pairs (hvm ->
 * pvhvm, pvhvm -> hvm) of a domain with the hypervisor's HVM flag always,
 * so that a rate sees the first change, and any other pair once counted.
 * Returns whether from -> to is one of them, with its count in *count. */
bool xm_transitions_reported(const struct xm_transitions *t, const struct xm_domain *d,
                             enum xm_mode from, enum xm_mode to, unsigned long *count);
void xm_transitions_free(struct xm_transitions *t);

#endif
