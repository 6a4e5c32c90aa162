/* Guest agent and PV driver values (see xm_agent.h): written by the guest,
 * so they are cleaned to short printable UTF-8 before anything else sees
 * them. */
#include "xm_agent.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The code point of a valid sequence of len bytes at s. */
static unsigned long code_point(const unsigned char *s, size_t len)
{
    static const unsigned char lead_mask[] = {0, 0x7F, 0x1F, 0x0F, 0x07};
    unsigned long cp = s[0] & lead_mask[len];
    for (size_t i = 1; i < len; i++)
        cp = (cp << 6) | (s[i] & 0x3F);
    return cp;
}

/* Controls and the format characters that reorder or hide text (bidi
 * embeddings, overrides and isolates, zero-width marks): none belongs in a
 * label value someone reads. */
static bool printable(unsigned long cp)
{
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return false;
    if ((cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) ||
        (cp >= 0x2066 && cp <= 0x2069) || cp == 0xFEFF)
        return false;
    return true;
}

bool xm_agent_clean(const char *raw, char *out, size_t outsz)
{
    const unsigned char *p = (const unsigned char *)raw;
    size_t o = 0;
    bool changed = false;
    if (outsz == 0)
        return raw[0] != '\0';
    while (*p) {
        size_t len = xm_utf8_seq_len(p);
        if (len == 0 || !printable(code_point(p, len))) {
            /* Dropped: invalid bytes and controls carry nothing to show,
             * and a replacement character per byte would spend the cap. */
            p += len ? len : 1;
            changed = true;
            continue;
        }
        if (o + len > outsz - 1 || o + len > XM_AGENT_VALUE_MAX) {
            changed = true; /* cut on a character boundary */
            break;
        }
        memcpy(out + o, p, len);
        o += len;
        p += len;
    }
    out[o] = '\0';
    return changed;
}

void xm_agent_parse_driver(const char *clean, char *driver, size_t driversz, char *version,
                           size_t versionsz)
{
    /* "VENDOR PRODUCT VERSION ATTR": the driver is vendor and product, the
     * version the third field. Anything shorter is all driver. */
    char a[XM_AGENT_VALUE_MAX + 1], b[XM_AGENT_VALUE_MAX + 1], c[XM_AGENT_VALUE_MAX + 1];
    if (sscanf(clean, "%64s %64s %64s", a, b, c) == 3) {
        snprintf(driver, driversz, "%s %s", a, b);
        snprintf(version, versionsz, "%s", c);
        return;
    }
    snprintf(driver, driversz, "%s", clean);
    if (versionsz)
        version[0] = '\0';
}

/* ---- Reading (one directory listing per place an agent writes) ------- */

static bool listed_name(char **names, unsigned n, const char *name)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Reads dir/name when the listing has it, cleaned into *out (malloc'd);
 * *out stays NULL when absent. */
static int read_clean(struct xm_xs *xs, const char *dir, char **names, unsigned n,
                      const char *name, char **out, bool *cut, struct xm_error *err)
{
    char path[160], *raw = NULL, clean[XM_AGENT_VALUE_MAX + 1];
    *out = NULL;
    if (!listed_name(names, n, name))
        return XM_XS_MISSING;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int rc = xm_xs_read(xs, path, &raw, err);
    if (rc != XM_XS_FOUND)
        return rc;
    if (xm_agent_clean(raw, clean, sizeof clean))
        *cut = true;
    free(raw);
    *out = strdup(clean);
    if (!*out) {
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        return XM_XS_FAILED;
    }
    return XM_XS_FOUND;
}

/* attr/PVAddons/{Major,Minor,Micro,Build}Version, joined as far as written. */
static int read_version(struct xm_xs *xs, const char *base, struct xm_guest_agent *a,
                        struct xm_error *err)
{
    static const char *const parts[] = {"MajorVersion", "MinorVersion", "MicroVersion",
                                        "BuildVersion"};
    char dir[128], **names = NULL, joined[4 * (XM_AGENT_VALUE_MAX + 1)] = "";
    unsigned n = 0;
    snprintf(dir, sizeof dir, "%s/attr/PVAddons", base);
    int rc = xm_xs_directory(xs, dir, &names, &n, err);
    if (rc != XM_XS_FOUND)
        return rc;
    a->present = true;
    for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
        char *v = NULL;
        rc = read_clean(xs, dir, names, n, parts[i], &v, &a->cut, err);
        if (rc == XM_XS_FAILED)
            break;
        if (rc == XM_XS_MISSING)
            break; /* a version is read left to right: stop at the first gap */
        size_t len = strlen(joined);
        snprintf(joined + len, sizeof joined - len, "%s%s", len ? "." : "", v);
        free(v);
    }
    free(names);
    if (rc == XM_XS_FAILED)
        return rc;
    /* Four cleaned parts fit in joined; the label value keeps the cap too. */
    char clean[XM_AGENT_VALUE_MAX + 1];
    if (xm_agent_clean(joined, clean, sizeof clean))
        a->cut = true;
    free(a->version);
    a->version = strdup(clean);
    return a->version ? XM_XS_FOUND : (xm_set_error(err, XM_ERR_NOMEM, "out of memory"), XM_XS_FAILED);
}

/* data/os_distro, data/os_name, data/os_majorver and data/os_minorver. */
static int read_os(struct xm_xs *xs, const char *base, struct xm_guest_agent *a,
                   struct xm_error *err)
{
    char dir[128], **names = NULL, *major = NULL, *minor = NULL;
    unsigned n = 0;
    snprintf(dir, sizeof dir, "%s/data", base);
    int rc = xm_xs_directory(xs, dir, &names, &n, err);
    if (rc != XM_XS_FOUND)
        return rc;
    if ((rc = read_clean(xs, dir, names, n, "os_distro", &a->os_distro, &a->cut, err)) == XM_XS_FAILED ||
        (rc = read_clean(xs, dir, names, n, "os_name", &a->os_name, &a->cut, err)) == XM_XS_FAILED ||
        (rc = read_clean(xs, dir, names, n, "os_majorver", &major, &a->cut, err)) == XM_XS_FAILED ||
        (rc = read_clean(xs, dir, names, n, "os_minorver", &minor, &a->cut, err)) == XM_XS_FAILED)
        goto out;
    rc = XM_XS_FOUND;
    if (a->os_distro || a->os_name || major)
        a->present = true;
    if (major) {
        char joined[2 * XM_AGENT_VALUE_MAX + 2], clean[XM_AGENT_VALUE_MAX + 1];
        snprintf(joined, sizeof joined, "%s%s%s", major, minor ? "." : "", minor ? minor : "");
        if (xm_agent_clean(joined, clean, sizeof clean))
            a->cut = true;
        if (!(a->os_version = strdup(clean))) {
            xm_set_error(err, XM_ERR_NOMEM, "out of memory");
            rc = XM_XS_FAILED;
        }
    }
out:
    free(major);
    free(minor);
    free(names);
    return rc;
}

/* drivers/<N>: numeric entries in index order, at most XM_AGENT_MAX_DRIVERS. */
static int cmp_index(const void *x, const void *y)
{
    unsigned long a = strtoul(*(char *const *)x, NULL, 10), b = strtoul(*(char *const *)y, NULL, 10);
    return (a > b) - (a < b);
}

static bool is_index(const char *s)
{
    if (!*s || strlen(s) > 9)
        return false;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return false;
    return true;
}

static int read_drivers(struct xm_xs *xs, const char *base, struct xm_guest_agent *a,
                        struct xm_error *err)
{
    char dir[128], **names = NULL;
    unsigned n = 0, k = 0;
    snprintf(dir, sizeof dir, "%s/drivers", base);
    int rc = xm_xs_directory(xs, dir, &names, &n, err);
    if (rc != XM_XS_FOUND)
        return rc;
    /* Keep the numeric names only, in index order. */
    for (unsigned i = 0; i < n; i++)
        if (is_index(names[i]))
            names[k++] = names[i];
        else
            a->cut = true;
    qsort(names, k, sizeof *names, cmp_index);
    if (k > XM_AGENT_MAX_DRIVERS) {
        a->cut = true;
        k = XM_AGENT_MAX_DRIVERS;
    }
    a->drivers = calloc(k ? k : 1, sizeof *a->drivers);
    if (!a->drivers) {
        free(names);
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        return XM_XS_FAILED;
    }
    rc = XM_XS_FOUND;
    for (unsigned i = 0; i < k; i++) {
        char *entry = NULL, drv[XM_AGENT_VALUE_MAX + 1], ver[XM_AGENT_VALUE_MAX + 1];
        rc = read_clean(xs, dir, names, n, names[i], &entry, &a->cut, err);
        if (rc == XM_XS_FAILED)
            break;
        rc = XM_XS_FOUND;
        if (!entry)
            continue; /* gone since the listing */
        a->present = true;
        xm_agent_parse_driver(entry, drv, sizeof drv, ver, sizeof ver);
        free(entry);
        struct xm_driver_info *d = &a->drivers[a->n_drivers];
        d->driver = strdup(drv);
        d->version = strdup(ver);
        a->n_drivers++;
        if (!d->driver || !d->version) {
            xm_set_error(err, XM_ERR_NOMEM, "out of memory");
            rc = XM_XS_FAILED;
            break;
        }
    }
    free(names);
    return rc;
}

int xm_agent_read(struct xm_xs *xs, uint32_t domid, struct xm_guest_agent *a,
                  struct xm_strvec *ev, struct xm_error *err)
{
    char base[64];
    memset(a, 0, sizeof *a);
    snprintf(base, sizeof base, "/local/domain/%" PRIu32, domid);
    if (read_version(xs, base, a, err) == XM_XS_FAILED || read_os(xs, base, a, err) == XM_XS_FAILED ||
        read_drivers(xs, base, a, err) == XM_XS_FAILED) {
        xm_agent_dispose(a);
        return XM_XS_FAILED;
    }
    /* Absent values read as "": a label value, never a NULL to test. */
    if (!a->version)
        a->version = strdup("");
    if (!a->os_distro)
        a->os_distro = strdup("");
    if (!a->os_name)
        a->os_name = strdup("");
    if (!a->os_version)
        a->os_version = strdup("");
    if (!a->version || !a->os_distro || !a->os_name || !a->os_version) {
        xm_agent_dispose(a);
        xm_set_error(err, XM_ERR_NOMEM, "out of memory");
        return XM_XS_FAILED;
    }
    if (a->present)
        xm_strvec_addf(ev, "guest agent: version \"%s\", os_distro \"%s\", os_name \"%s\", "
                           "os_version \"%s\", %zu driver entr%s%s",
                       a->version, a->os_distro, a->os_name, a->os_version, a->n_drivers,
                       a->n_drivers == 1 ? "y" : "ies",
                       a->cut ? " (guest-written values cleaned or cut)" : "");
    else
        xm_strvec_addf(ev, "no guest agent keys (attr/PVAddons, data/os_*, drivers)");
    return XM_XS_FOUND;
}

void xm_agent_dispose(struct xm_guest_agent *a)
{
    free(a->version);
    free(a->os_distro);
    free(a->os_name);
    free(a->os_version);
    for (size_t i = 0; i < a->n_drivers; i++) {
        free(a->drivers[i].driver);
        free(a->drivers[i].version);
    }
    free(a->drivers);
    memset(a, 0, sizeof *a);
}

static char *dup_or_empty(const char *s, bool *ok)
{
    char *d = strdup(s ? s : "");
    if (!d)
        *ok = false;
    return d;
}

bool xm_agent_copy(struct xm_guest_agent *dst, const struct xm_guest_agent *src)
{
    bool ok = true;
    memset(dst, 0, sizeof *dst);
    dst->present = src->present;
    dst->cut = src->cut;
    dst->version = dup_or_empty(src->version, &ok);
    dst->os_distro = dup_or_empty(src->os_distro, &ok);
    dst->os_name = dup_or_empty(src->os_name, &ok);
    dst->os_version = dup_or_empty(src->os_version, &ok);
    dst->drivers = calloc(src->n_drivers ? src->n_drivers : 1, sizeof *dst->drivers);
    if (!dst->drivers)
        ok = false;
    for (size_t i = 0; ok && i < src->n_drivers; i++) {
        dst->drivers[i].driver = dup_or_empty(src->drivers[i].driver, &ok);
        dst->drivers[i].version = dup_or_empty(src->drivers[i].version, &ok);
        dst->n_drivers++;
    }
    if (!ok)
        xm_agent_dispose(dst);
    return ok;
}
