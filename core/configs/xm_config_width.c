/*
 * xm_config_width.c - the address width of a configured PV guest, from the
 * ELF header of the file xl boots it from.
 *
 * A 32-bit PV domain cannot exist on a hypervisor built without pv32, so at
 * run time there is nothing to see; the question is which configurations
 * would fail to start (or, with the PV shim, need it). The answer is in the
 * kernel= file: Xen's PV loader (libxenguest's xc_dom_elfloader) takes the
 * guest's width from the ELF class of the image it loads, and a PV GRUB
 * image is an ELF like any kernel (Debian's grub-i386-xen.bin is ELFCLASS32,
 * grub-x86_64-xen.bin ELFCLASS64). Only the header is read. What is not a
 * plain ELF is reported unknown, never guessed: xl also boots bzImages and
 * compressed ELFs (libxenguest unpacks them), whose width is inside.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "xm_config_int.h"

/* e_ident and e_machine (offset 18, 2 bytes) of an ELF header; the bzImage
 * signature "HdrS" is at 0x202 (Linux Documentation/x86/boot.rst). */
#define HEADER_BYTES 0x206
#define EI_CLASS 4
#define EI_DATA 5
#define ELFCLASS32 1
#define ELFCLASS64 2
#define ELFDATA2LSB 1
#define EM_386 3
#define EM_X86_64 62
#define QUOTED_PATH 200

/* Compressed formats libxenguest's loader unpacks (xc_dom_bzimageloader.c,
 * xc_dom_core.c): the width is in the ELF inside. */
static const struct {
    const char *magic;
    size_t len;
    const char *name;
} compressed[] = {
    {"\x1f\x8b", 2, "gzip"},
    {"\xfd" "7zXZ\x00", 6, "xz"},
    {"BZh", 3, "bzip2"},
    {"\x28\xb5\x2f\xfd", 4, "zstd"},
    {"\x02\x21\x4c\x18", 4, "lz4"},
    {"\x5d\x00\x00", 3, "lzma"},
};

static unsigned say(char *why, size_t whysz, unsigned bits, const char *qpath,
                    const char *what)
{
    if (why && whysz)
        snprintf(why, whysz, "kernel %s: %s", qpath, what);
    return bits;
}

/* Reads up to len bytes from the start of fd; -1 with errno on error. */
static ssize_t read_head(int fd, unsigned char *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t r = pread(fd, buf + got, len - got, (off_t)got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        got += (size_t)r;
    }
    return (ssize_t)got;
}

static unsigned classify(const unsigned char *h, size_t n, char *why, size_t whysz,
                         const char *q)
{
    char msg[160];
    if (n >= 4 && memcmp(h, "\x7f" "ELF", 4) == 0) {
        if (n < 20)
            return say(why, whysz, 0, q, "a truncated ELF header: width unknown");
        if (h[EI_DATA] != ELFDATA2LSB)
            return say(why, whysz, 0, q, "a big-endian ELF, not an x86 kernel: width unknown");
        unsigned machine = h[18] | (unsigned)h[19] << 8;
        if (h[EI_CLASS] == ELFCLASS32 && machine == EM_386)
            return say(why, whysz, 32, q, "ELF 32-bit i386 (ELFCLASS32): a 32-bit PV guest");
        if (h[EI_CLASS] == ELFCLASS64 && machine == EM_X86_64)
            return say(why, whysz, 64, q, "ELF 64-bit x86-64 (ELFCLASS64): a 64-bit PV guest");
        snprintf(msg, sizeof msg, "an ELF of class %u for machine %u, not an i386 or x86-64 "
                                  "kernel: width unknown", h[EI_CLASS], machine);
        return say(why, whysz, 0, q, msg);
    }
    if (n >= 0x206 && memcmp(h + 0x202, "HdrS", 4) == 0)
        return say(why, whysz, 0, q, "a bzImage (Linux boot image), not an ELF: the width "
                                     "of the kernel inside is not read, unknown");
    for (size_t i = 0; i < sizeof compressed / sizeof compressed[0]; i++) {
        if (n >= compressed[i].len && memcmp(h, compressed[i].magic, compressed[i].len) == 0) {
            snprintf(msg, sizeof msg, "%s-compressed, not an ELF: the width of the image "
                                      "inside is not read, unknown", compressed[i].name);
            return say(why, whysz, 0, q, msg);
        }
    }
    if (n == 0)
        return say(why, whysz, 0, q, "an empty file: width unknown");
    return say(why, whysz, 0, q, "not an ELF file: width unknown");
}

unsigned xm_kernel_width(const char *path, char *why, size_t whysz)
{
    char q[QUOTED_PATH], msg[160];
    xm_quote_value(path, q, sizeof q);
    /* Devices are not even opened (opening some has effects: a tape
     * rewinds). O_NONBLOCK: a FIFO put in the kernel's place after the
     * stat() must not hang the scan; fstat() then refuses anything but a
     * plain file before reading. */
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(msg, sizeof msg, "cannot open: %s: width unknown", strerror(errno));
        return say(why, whysz, 0, q, msg);
    }
    if (!S_ISREG(st.st_mode))
        return say(why, whysz, 0, q, "not a plain file: width unknown");
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, sizeof msg, "cannot open: %s: width unknown", strerror(errno));
        return say(why, whysz, 0, q, msg);
    }
    unsigned char head[HEADER_BYTES];
    unsigned bits;
    ssize_t n;
    if (fstat(fd, &st) != 0) {
        snprintf(msg, sizeof msg, "cannot stat: %s: width unknown", strerror(errno));
        bits = say(why, whysz, 0, q, msg);
    } else if (!S_ISREG(st.st_mode)) {
        bits = say(why, whysz, 0, q, "not a plain file: width unknown");
    } else if ((n = read_head(fd, head, sizeof head)) < 0) {
        snprintf(msg, sizeof msg, "cannot read: %s: width unknown", strerror(errno));
        bits = say(why, whysz, 0, q, msg);
    } else {
        bits = classify(head, (size_t)n, why, whysz, q);
    }
    close(fd);
    return bits;
}

void xm_config_boot_state(const struct xm_config *c, struct xm_boot_state *s)
{
    memset(s, 0, sizeof *s);
    if (!c->pv_kernel)
        s->err = ENOENT;
    else if (stat(c->pv_kernel, &s->st) != 0)
        s->err = errno;
}

bool xm_config_boot_same(const struct xm_boot_state *a, const struct xm_boot_state *b)
{
    if (a->err || b->err)
        return a->err == b->err;
    return xm_same_file_state(&a->st, &b->st);
}

int xm_config_probe_width(struct xm_config *c)
{
    if (!c->pv_kernel)
        return 0;
    char why[512];
    c->pv_width_bits = xm_kernel_width(c->pv_kernel, why, sizeof why);
    char *r = strdup(why);
    if (!r)
        return -1;
    free(c->pv_width_reason);
    c->pv_width_reason = r;
    return 0;
}
