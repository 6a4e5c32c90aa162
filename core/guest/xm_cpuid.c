/* CPUID leaves from the CPU, or from a text file for tests and for people
 * who captured another machine's leaves. File format, one leaf a line:
 *
 *   # leaf     eax        ebx        ecx        edx
 *   0x00000001 0x000306a9 0x00100800 0x9eba2203 0x1f8bfbff
 *   0x40000000 0x40000005 0x566e6558 0x65584d4d 0x4d4d566e
 *
 * Five hexadecimal numbers (0x optional); '#' starts a comment; a leaf not
 * listed reads as absent. Any other line is an error naming file and line. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#define HAVE_X86_CPUID 1
#endif

#include "xm_cpuid.h"

struct leaf {
    uint32_t leaf;
    struct xm_cpuid_regs r;
};

struct xm_cpuid {
    bool from_cpu;
    struct leaf *leaves;
    size_t n;
};

static bool parse_hex(const char *s, uint32_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 16);
    if (errno || end == s || *end || v > UINT32_MAX)
        return false;
    *out = (uint32_t)v;
    return true;
}

static int load_file(struct xm_cpuid *c, const char *file, struct xm_error *err)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return xm_set_error(err, XM_ERR_IO, "cannot read CPUID file %s: %s", file,
                            strerror(errno));
    char line[512];
    int lineno = 0, rc = XM_OK;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            rc = xm_set_error(err, XM_ERR_INVALID, "%s:%d: line too long", file, lineno);
            break;
        }
        line[strcspn(line, "#\r\n")] = '\0';
        char *tok[6];
        int n = 0;
        for (char *save = NULL, *t = strtok_r(line, " \t", &save); t;
             t = strtok_r(NULL, " \t", &save))
            tok[n < 6 ? n++ : 5] = t;
        if (n == 0)
            continue;
        struct leaf l;
        if (n != 5 || !parse_hex(tok[0], &l.leaf) || !parse_hex(tok[1], &l.r.eax) ||
            !parse_hex(tok[2], &l.r.ebx) || !parse_hex(tok[3], &l.r.ecx) ||
            !parse_hex(tok[4], &l.r.edx)) {
            rc = xm_set_error(err, XM_ERR_INVALID,
                              "%s:%d: expected 'LEAF EAX EBX ECX EDX' in hexadecimal", file,
                              lineno);
            break;
        }
        struct leaf *p = realloc(c->leaves, (c->n + 1) * sizeof *p);
        if (!p) {
            rc = xm_set_error(err, XM_ERR_NOMEM, "out of memory");
            break;
        }
        c->leaves = p;
        c->leaves[c->n++] = l;
    }
    if (rc == XM_OK && ferror(f))
        rc = xm_set_error(err, XM_ERR_IO, "cannot read CPUID file %s: %s", file, strerror(errno));
    fclose(f);
    return rc;
}

int xm_cpuid_open(const char *file, struct xm_cpuid **out, struct xm_error *err)
{
    *out = NULL;
    struct xm_cpuid *c = calloc(1, sizeof *c);
    if (!c)
        return xm_set_error(err, XM_ERR_NOMEM, "out of memory");
    if (!file) {
#ifdef HAVE_X86_CPUID
        c->from_cpu = true;
        *out = c;
        return XM_OK;
#else
        free(c);
        return xm_set_error(err, XM_ERR_INVALID, "CPUID is not available on this architecture");
#endif
    }
    int rc = load_file(c, file, err);
    if (rc != XM_OK) {
        xm_cpuid_free(c);
        return rc;
    }
    *out = c;
    return XM_OK;
}

bool xm_cpuid_query(const struct xm_cpuid *c, uint32_t leaf, struct xm_cpuid_regs *r)
{
#ifdef HAVE_X86_CPUID
    if (c->from_cpu) {
        /* Plain CPUID never faults; leaves above the maximum just repeat
         * data, which the signature check below rejects. */
        __cpuid(leaf, r->eax, r->ebx, r->ecx, r->edx);
        return true;
    }
#endif
    for (size_t i = 0; i < c->n; i++)
        if (c->leaves[i].leaf == leaf) {
            *r = c->leaves[i].r;
            return true;
        }
    return false;
}

void xm_cpuid_free(struct xm_cpuid *c)
{
    if (!c)
        return;
    free(c->leaves);
    free(c);
}
