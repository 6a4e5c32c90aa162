#include "xenmode/expo.h"
#include "xenmode/host.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t family_len(enum xm_expo_format f, enum xm_metric_type type, const char *name)
{
    size_t len = strlen(name);
    if (f == XM_EXPO_OPENMETRICS && type == XM_METRIC_COUNTER && len > 6 &&
        strcmp(name + len - 6, "_total") == 0)
        len -= 6;
    return len;
}

static void put_help_text(struct xm_buf *b, const char *help)
{
    for (const char *p = help; *p; p++) {
        if (*p == '\\')
            xm_buf_puts(b, "\\\\");
        else if (*p == '\n')
            xm_buf_puts(b, "\\n");
        else
            xm_buf_putc(b, *p);
    }
}

void xm_expo_family(struct xm_buf *b, enum xm_expo_format f, const char *name,
                    enum xm_metric_type type, const char *help)
{
    size_t len = family_len(f, type, name);
    xm_buf_puts(b, "# HELP ");
    xm_buf_append(b, name, len);
    xm_buf_putc(b, ' ');
    put_help_text(b, help);
    xm_buf_puts(b, "\n# TYPE ");
    xm_buf_append(b, name, len);
    xm_buf_puts(b, type == XM_METRIC_COUNTER ? " counter\n" : " gauge\n");
}

void xm_expo_label_value(struct xm_buf *b, const char *s)
{
    /* Most values are plain ASCII: copy them without the UTF-8 pass. */
    const unsigned char *q = (const unsigned char *)s;
    while (*q >= 0x20 && *q < 0x7f && *q != '\\' && *q != '"')
        q++;
    if (*q == '\0') {
        xm_buf_append(b, s, (size_t)(q - (const unsigned char *)s));
        return;
    }
    bool changed = false;
    char *clean = xm_utf8_sanitize(s, &changed);
    if (!clean) {
        b->failed = true;
        return;
    }
    const char *start = clean;
    for (const char *p = clean; *p; p++) {
        const char *esc = NULL;
        if (*p == '\\')
            esc = "\\\\";
        else if (*p == '"')
            esc = "\\\"";
        else if (*p == '\n')
            esc = "\\n";
        if (esc) {
            xm_buf_append(b, start, (size_t)(p - start));
            xm_buf_puts(b, esc);
            start = p + 1;
        }
    }
    xm_buf_puts(b, start);
    free(clean);
}

static void put_value(struct xm_buf *b, double v)
{
    if (isnan(v))
        xm_buf_puts(b, "NaN");
    else if (isinf(v))
        xm_buf_puts(b, v > 0 ? "+Inf" : "-Inf");
    else if (v == (double)(int64_t)v && fabs(v) < 1e15)
        xm_buf_printf(b, "%" PRId64, (int64_t)v);
    else
        xm_buf_printf(b, "%.17g", v);
}

void xm_expo_sample(struct xm_buf *b, const char *name, const struct xm_label *labels,
                    size_t n_labels, double value)
{
    xm_buf_puts(b, name);
    if (n_labels) {
        xm_buf_putc(b, '{');
        for (size_t i = 0; i < n_labels; i++) {
            if (i)
                xm_buf_putc(b, ',');
            xm_buf_puts(b, labels[i].name);
            xm_buf_puts(b, "=\"");
            xm_expo_label_value(b, labels[i].value);
            xm_buf_putc(b, '"');
        }
        xm_buf_putc(b, '}');
    }
    xm_buf_putc(b, ' ');
    put_value(b, value);
    xm_buf_putc(b, '\n');
}

void xm_expo_end(struct xm_buf *b, enum xm_expo_format f)
{
    if (f == XM_EXPO_OPENMETRICS)
        xm_buf_puts(b, "# EOF\n");
}

/* A domain to publish under its label: the name made valid UTF-8, or
 * "domid-<N>" for a nameless domain, then made unique (xm_unique_labels). */
struct named {
    const struct xm_domain *d;
    char *label;
};

static const char *label_of(const struct named *x)
{
    return x->label;
}

static char *tilde_suffix(const char *label, const char *tag, void *ctx)
{
    (void)ctx;
    size_t len = strlen(label) + 1 + strlen(tag) + 1;
    char *s = malloc(len);
    if (s)
        snprintf(s, len, "%s~%s", label, tag);
    return s;
}

static void free_named(struct named *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].label);
    free(v);
}

/* Every domain of the snapshot with a label of its own; NULL on allocation
 * failure. Sanitizing comes first: two names that differ only in invalid
 * bytes are one label after it, and must be told apart. */
static struct named *publishable(const struct xm_snapshot *snap, size_t *n_out)
{
    size_t n = snap->n_domains;
    struct named *v = calloc(n ? n : 1, sizeof *v);
    char **labels = calloc(n ? n : 1, sizeof *labels);
    uint32_t *ids = calloc(n ? n : 1, sizeof *ids);
    bool ok = v && labels && ids;
    for (size_t i = 0; ok && i < n; i++) {
        const struct xm_domain *d = &snap->domains[i];
        ids[i] = d->domid;
        if (d->name[0]) {
            labels[i] = xm_utf8_sanitize(d->name, NULL);
        } else {
            labels[i] = malloc(24);
            if (labels[i])
                snprintf(labels[i], 24, "domid-%" PRIu32, d->domid);
        }
        ok = labels[i] != NULL;
    }
    if (ok)
        ok = xm_unique_labels(labels, ids, n, tilde_suffix, NULL, NULL) == 0;
    for (size_t i = 0; i < n; i++) {
        if (ok) {
            v[i].d = &snap->domains[i];
            v[i].label = labels[i];
        } else if (labels) {
            free(labels[i]);
        }
    }
    free(labels);
    free(ids);
    if (!ok) {
        free(v);
        return NULL;
    }
    *n_out = n;
    return v;
}

static int cmp_named_domid(const void *a, const void *b)
{
    const struct named *x = a, *y = b;
    return (x->d->domid > y->d->domid) - (x->d->domid < y->d->domid);
}

/* What the hypervisor says about each domain (libxenctrl) and the host's
 * capabilities: a family is written only with samples that apply (width:
 * PV domains; paging: HVM containers). */
static void write_hypervisor_families(struct xm_buf *b, enum xm_expo_format f,
                                      const struct xm_snapshot *snap, const struct named *v,
                                      size_t n)
{
    xm_expo_family(b, f, "xen_domain_pv_guest_width", XM_METRIC_GAUGE,
                   "Address width in bits of a PV domain's guest: 32 or 64, from the hypervisor.");
    for (size_t i = 0; i < n; i++) {
        if (!v[i].d->pv_width_bits)
            continue;
        struct xm_label l[] = {{"domain", label_of(&v[i])}};
        xm_expo_sample(b, "xen_domain_pv_guest_width", l, 1, v[i].d->pv_width_bits);
    }
    xm_expo_family(b, f, "xen_domain_hap", XM_METRIC_GAUGE,
                   "1 if an HVM or PVH domain uses hardware-assisted paging, 0 for shadow paging.");
    for (size_t i = 0; i < n; i++) {
        if (v[i].d->paging == XM_PAGING_NONE)
            continue;
        struct xm_label l[] = {{"domain", label_of(&v[i])}};
        xm_expo_sample(b, "xen_domain_hap", l, 1, v[i].d->paging == XM_PAGING_HAP);
    }
    if (!snap->caps_known)
        return;
    xm_expo_family(b, f, "xen_hypervisor_capability", XM_METRIC_GAUGE,
                   "1 if the hypervisor can run this kind of guest or paging, else 0.");
    for (int c = 0; c < XM_CAP_COUNT; c++) {
        struct xm_label l[] = {{"capability", xm_capability_name(c)}};
        xm_expo_sample(b, "xen_hypervisor_capability", l, 1, snap->caps[c]);
    }
}

/* A driver entry equal to an earlier one of the same domain would be a
 * duplicate series: written once. */
static bool driver_seen(const struct xm_guest_agent *a, size_t i)
{
    for (size_t j = 0; j < i; j++)
        if (!strcmp(a->drivers[j].driver, a->drivers[i].driver) &&
            !strcmp(a->drivers[j].version, a->drivers[i].version))
            return true;
    return false;
}

/* What guest agents and Windows PV drivers report (already cleaned by the
 * core: printable UTF-8, 64 bytes, 16 drivers). */
static void write_agent_families(struct xm_buf *b, enum xm_expo_format f, const struct named *v,
                                 size_t n)
{
    xm_expo_family(b, f, "xen_domain_guest_agent_info", XM_METRIC_GAUGE,
                   "1 for a domain whose guest agent wrote its keys; the labels are what it "
                   "wrote (guest-written: cleaned and cut to 64 bytes).");
    for (size_t i = 0; i < n; i++) {
        const struct xm_guest_agent *a = &v[i].d->agent;
        if (!a->present)
            continue;
        struct xm_label l[] = {{"domain", label_of(&v[i])}, {"agent_version", a->version},
                               {"os_distro", a->os_distro}, {"os_name", a->os_name},
                               {"os_version", a->os_version}};
        xm_expo_sample(b, "xen_domain_guest_agent_info", l, 5, 1);
    }
    xm_expo_family(b, f, "xen_domain_pv_driver_info", XM_METRIC_GAUGE,
                   "1 per PV driver a Windows guest lists in its drivers/ entries.");
    for (size_t i = 0; i < n; i++) {
        const struct xm_guest_agent *a = &v[i].d->agent;
        for (size_t k = 0; k < a->n_drivers; k++) {
            if (driver_seen(a, k))
                continue;
            struct xm_label l[] = {{"domain", label_of(&v[i])}, {"driver", a->drivers[k].driver},
                                   {"version", a->drivers[k].version}};
            xm_expo_sample(b, "xen_domain_pv_driver_info", l, 3, 1);
        }
    }
}

/* Mode changes a long-running front end counted; which pairs are written
 * is xm_transitions_reported's rule. */
static void write_transitions(struct xm_buf *b, enum xm_expo_format f,
                              const struct xm_transitions *t, const struct named *v, size_t n)
{
    xm_expo_family(b, f, "xen_domain_mode_transitions_total", XM_METRIC_COUNTER,
                   "Mode changes of the domain seen between the exporter's snapshots (hvm to "
                   "pvhvm: PV drivers connected; pvhvm to hvm: lost).");
    for (size_t i = 0; i < n; i++) {
        const struct xm_domain *d = v[i].d;
        for (int from = 0; from < XM_MODE_COUNT; from++)
            for (int to = 0; to < XM_MODE_COUNT; to++) {
                unsigned long c;
                if (!xm_transitions_reported(t, d, from, to, &c))
                    continue;
                struct xm_label l[] = {{"domain", label_of(&v[i])},
                                       {"from", xm_mode_name(from)},
                                       {"to", xm_mode_name(to)}};
                xm_expo_sample(b, "xen_domain_mode_transitions_total", l, 3, (double)c);
            }
    }
}

void xm_expo_snapshot(struct xm_buf *b, enum xm_expo_format f, const struct xm_snapshot *snap)
{
    xm_expo_snapshot_counted(b, f, snap, NULL);
}

void xm_expo_snapshot_counted(struct xm_buf *b, enum xm_expo_format f,
                              const struct xm_snapshot *snap, const struct xm_transitions *t)
{
    xm_expo_family(b, f, "xen_up", XM_METRIC_GAUGE,
                   "1 if the last collection from Xen succeeded, else 0.");
    xm_expo_sample(b, "xen_up", NULL, 0, snap ? 1 : 0);
    if (!snap)
        return;

    size_t n = 0;
    struct named *v = publishable(snap, &n);
    if (!v) {
        b->failed = true;
        return;
    }
    qsort(v, n, sizeof *v, cmp_named_domid);

    xm_expo_family(b, f, "xen_domain_virt_mode", XM_METRIC_GAUGE,
                   "Virtualization mode of the domain: 1 for the current mode, 0 for the others.");
    for (size_t i = 0; i < n; i++) {
        for (int m = 0; m < XM_MODE_COUNT; m++) {
            struct xm_label l[] = {{"domain", label_of(&v[i])}, {"mode", xm_mode_name(m)}};
            xm_expo_sample(b, "xen_domain_virt_mode", l, 2, v[i].d->mode == (enum xm_mode)m);
        }
    }

    xm_expo_family(b, f, "xen_domain_info", XM_METRIC_GAUGE,
                   "Identity of the domain: domid and uuid; always 1.");
    for (size_t i = 0; i < n; i++) {
        char domid[16];
        snprintf(domid, sizeof domid, "%" PRIu32, v[i].d->domid);
        struct xm_label l[] = {{"domain", label_of(&v[i])}, {"domid", domid}, {"uuid", v[i].d->uuid}};
        xm_expo_sample(b, "xen_domain_info", l, 3, 1);
    }

    xm_expo_family(b, f, "xen_domain_pv_devices_connected", XM_METRIC_GAUGE,
                   "PV devices of the domain whose backend is Connected (XenbusState 4), by kind.");
    for (size_t i = 0; i < n; i++) {
        const struct xm_domain *d = v[i].d;
        for (size_t k = 0; k < d->n_devices; k++) {
            struct xm_label l[] = {{"domain", label_of(&v[i])}, {"kind", d->devices[k].kind}};
            xm_expo_sample(b, "xen_domain_pv_devices_connected", l, 2, d->devices[k].connected);
        }
    }
    xm_expo_family(b, f, "xen_domain_start_time_seconds", XM_METRIC_GAUGE,
                   "Unix time the domain was created (libxl's /vm/<uuid>/start_time; dom0: "
                   "the host's boot time).");
    for (size_t i = 0; i < n; i++) {
        if (v[i].d->start_time <= 0)
            continue;
        struct xm_label l[] = {{"domain", label_of(&v[i])}};
        xm_expo_sample(b, "xen_domain_start_time_seconds", l, 1, v[i].d->start_time);
    }
    write_hypervisor_families(b, f, snap, v, n);
    write_agent_families(b, f, v, n);
    if (t)
        write_transitions(b, f, t, v, n);
    free_named(v, n);
}
