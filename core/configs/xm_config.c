/*
 * xm_config.c - one xl domain configuration: read the file, parse it with
 * libxlutil (xl's own parser), decide the configured mode as xl does.
 *
 * libxlutil writes its messages to the FILE* given to xlu_cfg_init; that is
 * a memory stream here, so nothing is printed: the lines become the error
 * (when the parse fails) or the warnings of the configuration.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxlutil.h>

#include "xm_config_int.h"

/* How much of libxlutil's report an error quotes: the first lines, each
 * cut to a printable line of bounded length. */
#define REPORT_LINES_IN_ERROR 3
#define QUOTE_LINE 160
#define QUOTE_VALUE 96

void xm_config_dispose(struct xm_config *c)
{
    if (!c)
        return;
    free(c->file);
    free(c->name);
    free(c->error);
    free(c->pv_width_reason);
    free(c->pv_kernel);
    for (size_t i = 0; i < c->n_warnings; i++)
        free(c->warnings[i]);
    free(c->warnings);
    memset(c, 0, sizeof *c);
}

int xm_config_copy(struct xm_config *dst, const struct xm_config *src)
{
    memset(dst, 0, sizeof *dst);
    dst->mode = src->mode;
    dst->autostart = src->autostart;
    dst->changed = src->changed;
    dst->pv_width_bits = src->pv_width_bits;
    if ((src->file && !(dst->file = strdup(src->file))) ||
        (src->pv_width_reason && !(dst->pv_width_reason = strdup(src->pv_width_reason))) ||
        (src->pv_kernel && !(dst->pv_kernel = strdup(src->pv_kernel))) ||
        (src->name && !(dst->name = strdup(src->name))) ||
        (src->error && !(dst->error = strdup(src->error))))
        goto fail;
    if (src->n_warnings) {
        dst->warnings = calloc(src->n_warnings, sizeof *dst->warnings);
        if (!dst->warnings)
            goto fail;
        for (size_t i = 0; i < src->n_warnings; i++) {
            if (!(dst->warnings[i] = strdup(src->warnings[i])))
                goto fail;
            dst->n_warnings = i + 1;
        }
    }
    return 0;
fail:
    xm_config_dispose(dst);
    return -1;
}

bool xm_config_mismatch(enum xm_mode configured, enum xm_mode running)
{
    if (configured == running)
        return false;
    /* PV drivers in an HVM guest are the guest's choice, not the config's. */
    if (configured == XM_MODE_HVM && running == XM_MODE_PVHVM)
        return false;
    return true;
}

/* ---- libxlutil's report ------------------------------------------------ */

/*
 * Turns one line of libxlutil's report into a printable line without the
 * source name: "SOURCE:12: config parsing error near ..." becomes
 * "line 12: config parsing error near ...". Lines are cut to QUOTE_LINE.
 */
static void report_line(const char *source, const char *line, size_t len, char *out,
                        size_t outsz)
{
    char *tmp = strndup(line, len);
    if (!tmp) {
        snprintf(out, outsz, "(out of memory)");
        return;
    }
    const char *p = tmp;
    size_t sl = strlen(source);
    char prefix[64] = "";
    if (sl && strncmp(p, source, sl) == 0 && p[sl] == ':') {
        p += sl + 1;
        char *end;
        errno = 0;
        unsigned long n = strtoul(p, &end, 10);
        if (end != p && *end == ':' && errno == 0) {
            snprintf(prefix, sizeof prefix, "line %lu:", n);
            p = end + 1;
            /* "SOURCE:LINE:COLUMN:" (xlu_cfg_value_get_string's format) */
            unsigned long col = strtoul(p, &end, 10);
            if (end != p && *end == ':' && errno == 0) {
                snprintf(prefix, sizeof prefix, "line %lu, column %lu:", n, col);
                p = end + 1;
            }
        }
    }
    while (*p == ' ')
        p++;
    char quoted[QUOTE_LINE];
    xm_quote_value(p, quoted, sizeof quoted);
    snprintf(out, outsz, "%s%s%s", prefix, prefix[0] ? " " : "", quoted);
    free(tmp);
}

/* Splits the report into non-empty printable lines. */
static void report_lines(const char *source, const char *buf, size_t len,
                         struct xm_strvec *lines)
{
    const char *p = buf, *end = buf + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (l) {
            char out[QUOTE_LINE + 48];
            report_line(source, p, l, out, sizeof out);
            if (out[0])
                xm_strvec_addf(lines, "%s", out);
        }
        p += l + 1;
    }
}

/* ---- xl's decision ----------------------------------------------------- */

/*
 * What xl 4.17 decides from a configuration, in the order of
 * parse_config_data() in tools/xl/xl_parse.c (Xen RELEASE-4.17.7; line
 * numbers approximate):
 *
 *  ~1243-1253  xlu_cfg_init(stderr, config_source); xlu_cfg_readdata() of
 *              the whole file; a failure is "Failed to parse config" and
 *              exit(1). The parser's messages name the line.
 *  ~1271-1283  type=: xlu_cfg_get_string(config, "type", &buf, 0); the value
 *              is matched as a PREFIX, strncmp(buf, kw, strlen(buf)), in the
 *              order "hvm", "pv", "pvh": "", "h", "hv" are hvm, "p" and "pv"
 *              are pv, only "pvh" in full is pvh; case-sensitive. Anything
 *              else: "Invalid domain type %s." and exit(1). A list value
 *              (type=["hvm"]) makes xlu_cfg_get_string warn and fail
 *              (EINVAL): the key is then ignored, as if absent.
 *  ~1285-1304  builder= (deprecated since 4.10), same prefix rule against
 *              "hvm" (hvm) and "generic" (pv); else "Invalid domain type".
 *              If type= was set and differs: "Contradicting "builder" and
 *              "type" options specified." and exit(1). Else builder= sets it.
 *  ~1306-1311  neither: PV on x86 (PVH on Arm).
 *  ~1315-1318  name=: xlu_cfg_replace_string fails (absent, or a list):
 *              "Domain name must be specified." and exit(1).
 *  ~1320-1328  uuid=, when a string, must parse (libxl_uuid_from_string):
 *              "Failed to parse UUID: %s" and exit(1).
 *  ~1334-1337  only when the type is PVH: xlu_cfg_get_defbool(config,
 *              "pvshim", ...), i.e. a number (strtol base 0, "1", "0x1";
 *              non-zero is true); anything else warns and leaves the
 *              default, false. For PV and HVM, pvshim= is never read.
 *  ~1611,1619  kernel=, bootloader= (xlu_cfg_replace_string: a list warns
 *              and counts as absent).
 *  ~1855-1882  PV and PVH: firmware= with kernel= is "ERROR: both kernel and
 *              firmware specified"; firmware= must be a prefix of pvgrub32
 *              or pvgrub64 ("ERROR: only pvgrub{32|64} supported as firmware
 *              options"); then without kernel and bootloader: "Neither
 *              kernel nor bootloader specified"; each exit(1).
 *
 * Repeated keys: libxlutil keeps every assignment and its find() returns the
 * last one (tools/libs/util/libxlu_cfg.c, xlu__cfg_set_store prepends), so
 * the last assignment wins; "+=" appends to the previous value at parse time.
 * These all come from the parser itself here.
 *
 * Refusals that do not concern the mode (devices, memory, CPU options, ...)
 * are not replicated: a configuration that passes the checks above but that
 * xl would refuse for another reason is still given its mode.
 */
enum ktype { K_INVALID, K_PV, K_PVH, K_HVM };

static bool prefix_of(const char *buf, const char *kw)
{
    return strncmp(buf, kw, strlen(buf)) == 0;
}

struct decision {
    char *name;
    enum xm_mode mode;
    char *refusal; /* xl's reason, without the "xl would refuse it: " */
    unsigned pv_width_bits; /* PV only: see struct xm_config */
    char *pv_width_reason;
    char *pv_kernel;
};

/* Records xl's reason for refusing the file. Values from the file go in
 * through quoted(). Returns 0, or -1 out of memory. */
static int refuse(struct decision *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct decision *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&d->refusal, fmt, ap);
    va_end(ap);
    if (n < 0) {
        d->refusal = NULL;
        return -1;
    }
    return 0;
}

/* v as a printable token for a message (see xm_quote_value), in out. */
static const char *quoted(const char *v, char out[QUOTE_VALUE])
{
    xm_quote_value(v, out, QUOTE_VALUE);
    return out;
}

/*
 * What a PV guest boots, for its width (xm_config_width.c). libxl runs a
 * bootloader= (pygrub) when there is one, and kernel= is then a path inside
 * the guest's disk (libxl_bootloader.c passes it as --kernel); otherwise it
 * loads kernel=, as dom0's process opens it (a relative path is relative
 * to xl's working directory, unknown here). firmware=pvgrub32/pvgrub64 is
 * xl's name for its own PV GRUB build of that width (checked in that order,
 * as a prefix: "" and "pvgrub" are pvgrub32). Returns 0, or -1 out of
 * memory.
 */
static int pv_boot(struct decision *d, const char *kernel, const char *bootloader,
                   const char *firmware)
{
    char q[QUOTE_VALUE];
    int n;
    if (bootloader)
        n = asprintf(&d->pv_width_reason, "bootloader=%s picks the kernel from the guest's "
                                          "disk when the domain starts: width unknown",
                     quoted(bootloader, q));
    else if (firmware) {
        d->pv_width_bits = prefix_of(firmware, "pvgrub32") ? 32 : 64;
        n = asprintf(&d->pv_width_reason, "firmware=%s: xl boots its %u-bit PV GRUB "
                                          "(pvgrub%u.bin)",
                     quoted(firmware, q), d->pv_width_bits, d->pv_width_bits);
    } else if (kernel[0] != '/')
        n = asprintf(&d->pv_width_reason, "kernel %s: a relative path, opened from xl's "
                                          "working directory: width unknown",
                     quoted(kernel, q));
    else {
        if (!(d->pv_kernel = strdup(kernel)))
            return -1;
        n = asprintf(&d->pv_width_reason, "kernel %s: not read", quoted(kernel, q));
    }
    if (n < 0) {
        d->pv_width_reason = NULL;
        return -1;
    }
    return 0;
}

/* Returns 0 (d filled: name and mode, or refusal) or -1 out of memory. */
static int decide(XLU_Config *cfg, struct decision *d)
{
    char q1[QUOTE_VALUE], q2[QUOTE_VALUE];
    const char *buf = NULL;
    enum ktype type = K_INVALID;
    const char *type_value = NULL;

    if (!xlu_cfg_get_string(cfg, "type", &buf, 0)) {
        type_value = buf;
        if (prefix_of(buf, "hvm"))
            type = K_HVM;
        else if (prefix_of(buf, "pv"))
            type = K_PV;
        else if (prefix_of(buf, "pvh"))
            type = K_PVH;
        else
            return refuse(d, "Invalid domain type \"%s\" (type= must be hvm, pv or pvh).",
                          quoted(buf, q1));
    }

    if (!xlu_cfg_get_string(cfg, "builder", &buf, 0)) {
        enum ktype builder;
        if (prefix_of(buf, "hvm"))
            builder = K_HVM;
        else if (prefix_of(buf, "generic"))
            builder = K_PV;
        else
            return refuse(d, "Invalid domain type \"%s\" (builder= must be hvm or generic).",
                          quoted(buf, q1));
        if (type != K_INVALID && type != builder)
            return refuse(d, "Contradicting \"builder\" and \"type\" options specified "
                             "(builder=\"%s\", type=\"%s\").", quoted(buf, q1), quoted(type_value, q2));
        type = builder;
    }

    if (type == K_INVALID) {
#if defined(__arm__) || defined(__aarch64__)
        type = K_PVH;
#else
        type = K_PV;
#endif
    }

    char *name = NULL;
    if (xlu_cfg_replace_string(cfg, "name", &name, 0) || !name) {
        free(name);
        return refuse(d, "Domain name must be specified.");
    }
    d->name = name;

    if (!xlu_cfg_get_string(cfg, "uuid", &buf, 0)) {
        libxl_uuid uuid;
        if (libxl_uuid_from_string(&uuid, buf))
            return refuse(d, "Failed to parse UUID: %s", quoted(buf, q1));
    }

    d->mode = type == K_HVM ? XM_MODE_HVM : type == K_PVH ? XM_MODE_PVH : XM_MODE_PV;
    if (type == K_PVH) {
        libxl_defbool shim;
        libxl_defbool_unset(&shim);
        xlu_cfg_get_defbool(cfg, "pvshim", &shim, 0);
        /* libxl_defbool_val() asserts on a default (unset) defbool. */
        if (!libxl_defbool_is_default(shim) && libxl_defbool_val(shim))
            d->mode = XM_MODE_PV_IN_PVH;
    }

    /* The boot source of a PV or PVH guest (HVM boots its firmware). */
    char *kernel = NULL, *bootloader = NULL;
    xlu_cfg_replace_string(cfg, "kernel", &kernel, 0);
    xlu_cfg_replace_string(cfg, "bootloader", &bootloader, 0);
    int rc = 0;
    if (type != K_HVM) {
        bool have_kernel = kernel != NULL;
        if (!xlu_cfg_get_string(cfg, "firmware", &buf, 0)) {
            if (have_kernel) {
                rc = refuse(d, "both kernel and firmware specified.");
                goto out;
            }
            if (!prefix_of(buf, "pvgrub32") && !prefix_of(buf, "pvgrub64")) {
                rc = refuse(d, "only pvgrub{32|64} supported as firmware options "
                               "(firmware=\"%s\").", quoted(buf, q1));
                goto out;
            }
            have_kernel = true;
        }
        if (!have_kernel && !bootloader) {
            rc = refuse(d, type == K_PVH ? "Neither kernel nor bootloader specified "
                                           "(a pvh guest needs kernel= or firmware=)."
                                         : "Neither kernel nor bootloader specified "
                                           "(a pv guest needs kernel=, bootloader= or "
                                           "firmware=).");
            goto out;
        }
        if (d->mode == XM_MODE_PV)
            rc = pv_boot(d, kernel, bootloader, have_kernel && !kernel ? buf : NULL);
    }
out:
    free(kernel);
    free(bootloader);
    return rc;
}

/* libxlutil's hint after a failed parse of a file with Python in it (the
 * xm era): three "warning:" lines at the end of the report. */
#define PYTHON_HINT "warning: Config file looks like it contains Python code."
#define PYTHON_MORE "warning:  "

/* Binary data rather than a text file: a NUL byte, or more than 1 byte in
 * 20 a control character other than whitespace. Only used to explain a
 * failed parse (libxlutil takes random bytes for Python). */
static bool looks_binary(const char *data, size_t len)
{
    size_t ctrl = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == 0)
            return true;
        if ((c < 0x20 && !strchr("\t\n\r\f\v", c)) || c == 0x7f)
            ctrl++;
    }
    return ctrl * 20 > len;
}

static char *join_error(const struct xm_strvec *lines, int parse_errno, bool binary)
{
    char *s = NULL;
    bool python = false;
    size_t errors = 0;
    for (size_t i = 0; i < lines->n; i++) {
        if (strcmp(lines->items[i], PYTHON_HINT) == 0)
            python = true;
        else if (strncmp(lines->items[i], PYTHON_MORE, strlen(PYTHON_MORE)) != 0)
            errors++;
    }
    if (errors == 0 && !python) {
        if (asprintf(&s, "xl would refuse it: Failed to parse config: %s",
                     strerror(parse_errno)) < 0)
            s = NULL;
        return s;
    }
    size_t total = 256;
    for (size_t i = 0; i < lines->n; i++)
        total += strlen(lines->items[i]) + 2;
    s = malloc(total);
    if (!s)
        return NULL;
    if (binary)
        python = false;
    size_t o = (size_t)snprintf(s, total, "xl would refuse it: %s",
                                binary ? "binary data, not a text configuration"
                                : python ? "it looks like Python code, which xl no longer runs "
                                           "(https://wiki.xen.org/wiki/PythonInXlConfig)"
                                         : "");
    size_t shown = 0, limit = binary ? 1 : REPORT_LINES_IN_ERROR;
    for (size_t i = 0; i < lines->n && shown < limit; i++) {
        const char *l = lines->items[i];
        if (strcmp(l, PYTHON_HINT) == 0 || strncmp(l, PYTHON_MORE, strlen(PYTHON_MORE)) == 0)
            continue;
        o += (size_t)snprintf(s + o, total - o, "%s%s", binary || python || shown ? "; " : "",
                              l);
        shown++;
    }
    if (errors > shown)
        snprintf(s + o, total - o, " (and %zu more errors)", errors - shown);
    return s;
}

/*
 * Inputs libxlutil 4.17 must not be given (found with stress inputs while
 * testing this reader; docs/configs.md):
 *  - NUL bytes. Inside a quoted string, xlu__cfgl_dequote() takes strlen()
 *    of the token and fails `assert(len>=2 && src[0]==src[len-1])`: the
 *    process aborts. Outside strings, the lexer's error rule (yymore) takes
 *    quadratic time: 64 kB of NULs take 16 s, 1 MB with a NUL every 100
 *    bytes 35 s. xl itself aborts or stalls on such a file.
 *  - Many "+=": each one copies the whole value so far (asprintf for a
 *    string, memmove for a list in xlu__cfg_concat_vals): 1 MB of
 *    `x+="a"` lines takes 34 s. Real configurations use a handful.
 * Both are refused before parsing, with the reason.
 */
static int unsafe_input(const char *data, size_t len, struct xm_config *out)
{
    int n = 0;
    if (memchr(data, '\0', len))
        n = asprintf(&out->error, "xl would refuse it: binary data, not a text configuration "
                                  "(NUL bytes, on which xl's parser aborts or stalls)");
    else {
        size_t appends = 0;
        for (const char *p = data; (p = memmem(p, len - (size_t)(p - data), "+=", 2)); p += 2)
            appends++;
        if (appends <= XM_CONFIG_MAX_APPENDS)
            return 0;
        n = asprintf(&out->error, "%zu \"+=\" operations, more than the %d xenmode parses "
                                  "(xl's parser takes quadratic time on them)",
                     appends, XM_CONFIG_MAX_APPENDS);
    }
    if (n < 0) {
        out->error = NULL;
        return -1;
    }
    return 1;
}

int xm_config_parse(const char *source, const char *data, size_t len,
                    struct xm_config *out, struct xm_error *err)
{
    memset(out, 0, sizeof *out);
    if (len > INT_MAX)
        return xm_set_error(err, XM_ERR_INVALID, "%s: configuration too large", source);
    if (!data)
        data = "";
    if (!(out->file = strdup(source)))
        return xm_set_error(err, XM_ERR_NOMEM, "%s: out of memory while parsing", source);
    int unsafe = unsafe_input(data, len, out);
    if (unsafe < 0) {
        xm_config_dispose(out);
        return xm_set_error(err, XM_ERR_NOMEM, "%s: out of memory while parsing", source);
    }
    if (unsafe)
        return XM_OK;

    char *rbuf = NULL;
    size_t rlen = 0;
    FILE *report = NULL;
    XLU_Config *cfg = NULL;
    struct decision d = {0};
    struct xm_strvec lines;
    xm_strvec_init(&lines);
    int rc = XM_ERR_NOMEM;
    int perr = 0;

    report = open_memstream(&rbuf, &rlen);
    if (!report)
        goto out;
    cfg = xlu_cfg_init(report, source);
    if (!cfg)
        goto out;

    perr = xlu_cfg_readdata(cfg, data, (int)len);
    if (perr == ENOMEM)
        goto out;
    if (!perr && decide(cfg, &d) != 0)
        goto out;

    xlu_cfg_destroy(cfg);
    cfg = NULL;
    if (fclose(report) != 0) {
        report = NULL;
        goto out;
    }
    report = NULL;
    report_lines(source, rbuf ? rbuf : "", rlen, &lines);
    if (lines.failed)
        goto out;

    if (perr) {
        out->error = join_error(&lines, perr, looks_binary(data, len));
        if (!out->error)
            goto out;
    } else {
        if (d.refusal) {
            if (asprintf(&out->error, "xl would refuse it: %s", d.refusal) < 0) {
                out->error = NULL;
                goto out;
            }
        } else {
            out->name = d.name;
            d.name = NULL;
            out->mode = d.mode;
            out->pv_width_bits = d.pv_width_bits;
            out->pv_width_reason = d.pv_width_reason;
            out->pv_kernel = d.pv_kernel;
            d.pv_width_reason = d.pv_kernel = NULL;
        }
        out->warnings = xm_strvec_steal(&lines, &out->n_warnings);
    }
    rc = XM_OK;
out:
    if (cfg)
        xlu_cfg_destroy(cfg);
    if (report)
        fclose(report);
    free(rbuf);
    free(d.name);
    free(d.refusal);
    free(d.pv_width_reason);
    free(d.pv_kernel);
    xm_strvec_dispose(&lines);
    if (rc != XM_OK) {
        xm_config_dispose(out);
        xm_set_error(err, rc, "%s: out of memory while parsing", source);
    }
    return rc;
}

/* ---- reading a file ---------------------------------------------------- */

static const char *kind_of(mode_t m)
{
    if (S_ISDIR(m))
        return "a directory";
    if (S_ISFIFO(m))
        return "a FIFO";
    if (S_ISSOCK(m))
        return "a socket";
    if (S_ISCHR(m))
        return "a character device";
    if (S_ISBLK(m))
        return "a block device";
    return "not a regular file";
}

/* Sets out->file and out->error from a format with one %s. */
static int file_error(struct xm_config *out, const char *path, struct xm_error *err,
                      const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int file_error(struct xm_config *out, const char *path, struct xm_error *err,
                      const char *fmt, ...)
{
    va_list ap;
    memset(out, 0, sizeof *out);
    out->file = strdup(path);
    va_start(ap, fmt);
    int n = vasprintf(&out->error, fmt, ap);
    va_end(ap);
    if (n < 0)
        out->error = NULL;
    if (!out->file || !out->error) {
        xm_config_dispose(out);
        return xm_set_error(err, XM_ERR_NOMEM, "%s: out of memory", path);
    }
    return XM_OK;
}

static int stat_error(struct xm_config *out, const char *path, int e, struct xm_error *err)
{
    struct stat lst;
    if (e == ELOOP)
        return file_error(out, path, err, "symbolic link loop (%s)", strerror(e));
    if (e == ENOENT && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode)) {
        char target[PATH_MAX], q[QUOTE_VALUE];
        ssize_t n = readlink(path, target, sizeof target - 1);
        target[n > 0 ? n : 0] = '\0';
        xm_quote_value(target, q, sizeof q);
        return file_error(out, path, err, "dangling symbolic link (to %s)", q);
    }
    return file_error(out, path, err, "cannot read: %s", strerror(e));
}

int xm_config_read_file_st(const char *path, struct xm_config *out, struct stat *st,
                           bool *have_st, struct xm_error *err)
{
    struct stat before;
    *have_st = false;
    if (stat(path, &before) != 0)
        return stat_error(out, path, errno, err);
    if (!S_ISREG(before.st_mode))
        return file_error(out, path, err, "%s, not a plain file", kind_of(before.st_mode));
    if (before.st_size > XM_CONFIG_MAX_FILE_SIZE)
        return file_error(out, path, err,
                          "%lld bytes, larger than the %d-byte limit for a domain configuration",
                          (long long)before.st_size, XM_CONFIG_MAX_FILE_SIZE);

    /* O_NONBLOCK: if a FIFO replaced the file since stat(), do not hang. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ELOOP || e == ENOENT)
            return stat_error(out, path, e, err);
        return file_error(out, path, err, "cannot open: %s", strerror(e));
    }
    int rc;
    char *data = NULL;
    if (fstat(fd, st) != 0) {
        rc = file_error(out, path, err, "cannot stat: %s", strerror(errno));
        goto out;
    }
    if (!S_ISREG(st->st_mode)) {
        rc = file_error(out, path, err, "%s, not a plain file", kind_of(st->st_mode));
        goto out;
    }
    *have_st = true;
    if (st->st_size > XM_CONFIG_MAX_FILE_SIZE) {
        rc = file_error(out, path, err,
                        "%lld bytes, larger than the %d-byte limit for a domain configuration",
                        (long long)st->st_size, XM_CONFIG_MAX_FILE_SIZE);
        goto out;
    }
    /* Read to the end, but never more than the limit (a file may grow). */
    size_t cap = (size_t)st->st_size + 1, len = 0;
    data = malloc(cap);
    if (!data) {
        rc = xm_set_error(err, XM_ERR_NOMEM, "%s: out of memory", path);
        goto out;
    }
    for (;;) {
        if (len == cap) {
            if (cap > XM_CONFIG_MAX_FILE_SIZE) {
                rc = file_error(out, path, err,
                                "grew past the %d-byte limit for a domain configuration "
                                "while being read", XM_CONFIG_MAX_FILE_SIZE);
                goto out;
            }
            size_t ncap = cap * 2 > (size_t)XM_CONFIG_MAX_FILE_SIZE + 1
                              ? (size_t)XM_CONFIG_MAX_FILE_SIZE + 1 : cap * 2;
            char *n = realloc(data, ncap);
            if (!n) {
                rc = xm_set_error(err, XM_ERR_NOMEM, "%s: out of memory", path);
                goto out;
            }
            data = n;
            cap = ncap;
        }
        ssize_t r = read(fd, data + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = file_error(out, path, err, "cannot read: %s", strerror(errno));
            goto out;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    rc = xm_config_parse(path, data, len, out, err);
out:
    free(data);
    close(fd);
    return rc;
}

int xm_config_read_file(const char *path, struct xm_config *out, struct xm_error *err)
{
    struct stat st;
    bool have;
    int rc = xm_config_read_file_st(path, out, &st, &have, err);
    if (rc == XM_OK && xm_config_probe_width(out) != 0) {
        xm_config_dispose(out);
        return xm_set_error(err, XM_ERR_NOMEM, "%s: out of memory", path);
    }
    return rc;
}
