/* Guest-side self-detection; see xenmode/guest.h for the sources and their
 * order. Each source is read once into struct seen, then decide() applies
 * the rules, so the rules read as a table and every file is read once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xenmode/guest.h"
#include "xm_cpuid.h"

enum got { GOT_MISSING, GOT_VALUE, GOT_UNREADABLE };

struct value {
    enum got got;
    char text[128]; /* trimmed content, or strerror() when unreadable */
};

struct seen {
    struct value hv_type, guest_type, caps, dmi_vendor, dmi_product;
    bool cpuid_used, cpuid_xen, cpuid_hv_bit;
    char cpuid_sig[13];  /* first hypervisor signature found, if any */
    uint32_t cpuid_xen_base;
    unsigned frontends_bound;
};

/* Reads root/rel (a small text file) into v; trailing whitespace dropped. */
static void read_rooted(const char *root, const char *rel, struct value *v)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    v->got = GOT_MISSING;
    v->text[0] = '\0';
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR) {
            v->got = GOT_UNREADABLE;
            snprintf(v->text, sizeof v->text, "%s", strerror(errno));
        }
        return;
    }
    struct stat st;
    ssize_t n = -1;
    if (fstat(fd, &st) == 0 && !S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
    } else {
        n = read(fd, v->text, sizeof v->text - 1);
    }
    int saved = errno;
    close(fd);
    if (n < 0) {
        v->got = GOT_UNREADABLE;
        snprintf(v->text, sizeof v->text, "%s", strerror(saved));
        return;
    }
    v->text[n] = '\0';
    /* A NUL inside the file ends the value: sysfs attributes never hold one. */
    size_t len = strlen(v->text);
    while (len && (v->text[len - 1] == '\n' || v->text[len - 1] == ' ' ||
                   v->text[len - 1] == '\t' || v->text[len - 1] == '\r'))
        v->text[--len] = '\0';
    v->got = GOT_VALUE;
}

static void note_value(struct xm_strvec *ev, const char *root, const char *rel,
                       const struct value *v)
{
    char q[160];
    switch (v->got) {
    case GOT_MISSING:
        xm_strvec_addf(ev, "%s/%s absent", root, rel);
        break;
    case GOT_UNREADABLE:
        xm_strvec_addf(ev, "%s/%s unreadable: %s", root, rel, v->text);
        break;
    case GOT_VALUE:
        xm_quote_value(v->text, q, sizeof q);
        xm_strvec_addf(ev, "%s/%s=%s", root, rel, q);
        break;
    }
}

static bool is(const struct value *v, const char *s)
{
    return v->got == GOT_VALUE && strcmp(v->text, s) == 0;
}

static void regs_sig(const struct xm_cpuid_regs *r, char sig[13])
{
    memcpy(sig, &r->ebx, 4);
    memcpy(sig + 4, &r->ecx, 4);
    memcpy(sig + 8, &r->edx, 4);
    sig[12] = '\0';
}

/* Xen puts its leaves at 0x40000000, or higher in steps of 0x100 when it
 * also offers Viridian (Hyper-V) leaves at the base; xen-detect scans the
 * same range. */
static void read_cpuid(const struct xm_cpuid *c, struct seen *s, struct xm_strvec *ev)
{
    struct xm_cpuid_regs r;
    s->cpuid_used = true;
    if (xm_cpuid_query(c, 1, &r)) {
        s->cpuid_hv_bit = (r.ecx >> 31) & 1;
        xm_strvec_addf(ev, "CPUID.1:ECX hypervisor bit %s", s->cpuid_hv_bit ? "set" : "clear");
    } else {
        xm_strvec_addf(ev, "CPUID leaf 1 not available");
    }
    for (uint32_t base = 0x40000000; base < 0x40010000; base += 0x100) {
        if (!xm_cpuid_query(c, base, &r))
            continue;
        char sig[13], q[64];
        regs_sig(&r, sig);
        if (strcmp(sig, "XenVMMXenVMM") == 0 && r.eax - base >= 2) {
            s->cpuid_xen = true;
            s->cpuid_xen_base = base;
            xm_strvec_addf(ev, "CPUID 0x%08" PRIx32 " signature XenVMMXenVMM", base);
            return;
        }
        if (!s->cpuid_sig[0] && base == 0x40000000 && sig[0] && s->cpuid_hv_bit) {
            memcpy(s->cpuid_sig, sig, sizeof s->cpuid_sig);
            xm_quote_value(sig, q, sizeof q);
            xm_strvec_addf(ev, "CPUID 0x40000000 signature %s", q);
        }
    }
    xm_strvec_addf(ev, "no Xen signature in CPUID 0x40000000-0x4000ff00");
}

/* A xen-bus frontend counts when a driver is bound to it and, where the
 * kernel exposes it, its state is Connected. */
static void read_frontends(const char *sysfs, struct seen *s, struct xm_strvec *ev)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/bus/xen/devices", sysfs);
    DIR *d = opendir(path);
    if (!d) {
        xm_strvec_addf(ev, "%s/bus/xen/devices %s", sysfs,
                       errno == ENOENT ? "absent" : strerror(errno));
        return;
    }
    unsigned seen_devices = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "vbd-", 4) != 0 && strncmp(e->d_name, "vif-", 4) != 0)
            continue;
        seen_devices++;
        char rel[512];
        struct stat st;
        snprintf(path, sizeof path, "%s/bus/xen/devices/%s/driver", sysfs, e->d_name);
        bool bound = lstat(path, &st) == 0;
        struct value state;
        snprintf(rel, sizeof rel, "bus/xen/devices/%s/state", e->d_name);
        read_rooted(sysfs, rel, &state);
        bool connected = state.got != GOT_VALUE || is(&state, "Connected") || is(&state, "4");
        char q[96];
        xm_quote_value(e->d_name, q, sizeof q);
        if (bound && connected) {
            s->frontends_bound++;
            xm_strvec_addf(ev, "xen bus frontend %s bound to its driver", q);
        } else {
            xm_strvec_addf(ev, "xen bus frontend %s %s", q,
                           !bound ? "has no driver bound" : "is not connected");
        }
    }
    closedir(d);
    if (!seen_devices)
        xm_strvec_addf(ev, "no vbd/vif frontends on the xen bus");
}

static enum xm_mode hvm_or_pvhvm(const struct seen *s, struct xm_strvec *ev)
{
    if (s->frontends_bound) {
        xm_strvec_addf(ev, "%u PV frontend%s bound -> pvhvm", s->frontends_bound,
                       s->frontends_bound == 1 ? "" : "s");
        return XM_MODE_PVHVM;
    }
    xm_strvec_addf(ev, "no PV frontend bound -> hvm");
    return XM_MODE_HVM;
}

static bool dmi_hvm(const struct seen *s)
{
    return is(&s->dmi_product, "HVM domU") || is(&s->dmi_vendor, "Xen");
}

static void decide(const struct seen *s, struct xm_guest_result *out, struct xm_strvec *ev)
{
    bool caps_present = s->caps.got == GOT_VALUE;
    out->dom0 = caps_present && strstr(s->caps.text, "control_d") != NULL;
    out->on_xen = is(&s->hv_type, "xen") || s->cpuid_xen || dmi_hvm(s) || caps_present;
    if (!out->on_xen) {
        xm_strvec_addf(ev, "no source shows Xen -> not on Xen");
        return;
    }

    if (is(&s->guest_type, "PV") || is(&s->guest_type, "PVH") || is(&s->guest_type, "HVM")) {
        if (is(&s->guest_type, "PV") && dmi_hvm(s))
            xm_strvec_addf(ev, "DMI says Xen HVM but guest_type is stronger");
        if (is(&s->guest_type, "PV")) {
            xm_strvec_addf(ev, "guest_type PV -> pv");
            out->mode = XM_MODE_PV;
        } else if (is(&s->guest_type, "PVH")) {
            xm_strvec_addf(ev, "guest_type PVH -> pvh");
            out->mode = XM_MODE_PVH;
        } else {
            xm_strvec_addf(ev, "guest_type HVM");
            out->mode = out->dom0 ? XM_MODE_HVM : hvm_or_pvhvm(s, ev);
        }
        return;
    }
    if (s->guest_type.got == GOT_VALUE)
        xm_strvec_addf(ev, "guest_type value not known, ignored");

    /* No usable guest_type: a kernel older than 4.13 (or an odd one). */
    if (out->dom0) {
        xm_strvec_addf(ev, "dom0 without guest_type (kernel < 4.13, which has no PVH dom0) -> pv");
        out->mode = XM_MODE_PV;
    } else if (dmi_hvm(s)) {
        xm_strvec_addf(ev, "rule: no guest_type, DMI says Xen HVM -> hvm");
        out->mode = hvm_or_pvhvm(s, ev);
    } else if (is(&s->hv_type, "xen")) {
        xm_strvec_addf(ev, "rule: /sys/hypervisor/type=xen, no guest_type and no Xen DMI "
                           "(a PV guest has no firmware) -> pv");
        out->mode = XM_MODE_PV;
    } else if (s->cpuid_xen) {
        xm_strvec_addf(ev, "rule: Xen CPUID leaves without /sys/hypervisor (a PV kernel always "
                           "has it) -> hvm");
        out->mode = hvm_or_pvhvm(s, ev);
    } else {
        xm_strvec_addf(ev, "rule: only /proc/xen shows Xen -> pv");
        out->mode = XM_MODE_PV;
    }
}

int xm_guest_detect(const struct xm_guest_options *opt, struct xm_guest_result *out,
                    struct xm_error *err)
{
    const char *sysfs = opt->sysfs ? opt->sysfs : "/sys";
    const char *procfs = opt->procfs ? opt->procfs : "/proc";
    struct seen s;
    struct xm_strvec ev;
    struct xm_cpuid *cpuid = NULL;

    memset(out, 0, sizeof *out);
    memset(&s, 0, sizeof s);
    if (!opt->no_cpuid) {
        int rc = xm_cpuid_open(opt->cpuid_file, &cpuid, err);
        if (rc != XM_OK)
            return rc;
    }
    xm_strvec_init(&ev);

    read_rooted(sysfs, "hypervisor/type", &s.hv_type);
    note_value(&ev, sysfs, "hypervisor/type", &s.hv_type);
    read_rooted(sysfs, "hypervisor/guest_type", &s.guest_type);
    note_value(&ev, sysfs, "hypervisor/guest_type", &s.guest_type);
    read_rooted(procfs, "xen/capabilities", &s.caps);
    note_value(&ev, procfs, "xen/capabilities", &s.caps);
    if (cpuid)
        read_cpuid(cpuid, &s, &ev);
    else
        xm_strvec_addf(&ev, "CPUID not consulted (--no-cpuid)");
    read_rooted(sysfs, "class/dmi/id/sys_vendor", &s.dmi_vendor);
    note_value(&ev, sysfs, "class/dmi/id/sys_vendor", &s.dmi_vendor);
    read_rooted(sysfs, "class/dmi/id/product_name", &s.dmi_product);
    note_value(&ev, sysfs, "class/dmi/id/product_name", &s.dmi_product);
    read_frontends(sysfs, &s, &ev);
    xm_cpuid_free(cpuid);

    decide(&s, out, &ev);
    if (ev.failed) {
        xm_strvec_dispose(&ev);
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    }
    out->evidence = xm_strvec_steal(&ev, &out->n_evidence);
    return XM_OK;
}

void xm_guest_result_dispose(struct xm_guest_result *r)
{
    for (size_t i = 0; i < r->n_evidence; i++)
        free(r->evidence[i]);
    free(r->evidence);
    r->evidence = NULL;
    r->n_evidence = 0;
}
