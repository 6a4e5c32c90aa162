/* The width of a configured PV guest (core/configs/xm_config_width.c):
 * xm_kernel_width on kernel files written to a scratch directory (32- and
 * 64-bit ELF headers, truncated, not ELF, compressed, a bzImage, missing,
 * a FIFO), then what a configuration boots (kernel=, bootloader=,
 * firmware=) through xm_config_read_file, and the cache reading a replaced
 * kernel's header again. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "xenmode/configs.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/xm-kernel-test.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *path_of(const char *name)
{
    static char p[4][400];
    static int k;
    k = (k + 1) % 4;
    snprintf(p[k], sizeof p[k], "%s/%s", dir, name);
    return p[k];
}

/* Writes len bytes to dir/name through a rename (a new inode each time). */
static void put_bytes(const char *name, const void *data, size_t len)
{
    char tmp[420];
    snprintf(tmp, sizeof tmp, "%s.new", path_of(name));
    FILE *f = fopen(tmp, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(rename(tmp, path_of(name)), 0);
}

/* A 64-byte ELF header: class, data encoding, e_machine; the rest zero. */
static void put_elf(const char *name, unsigned char cls, unsigned char data, unsigned machine,
                    size_t len)
{
    unsigned char h[64] = {0x7f, 'E', 'L', 'F', cls, data, 1};
    h[16] = 2; /* ET_EXEC */
    h[18] = (unsigned char)(machine & 0xff);
    h[19] = (unsigned char)(machine >> 8);
    put_bytes(name, h, len);
}

static unsigned width(const char *name, char *why, size_t whysz)
{
    return xm_kernel_width(path_of(name), why, whysz);
}

static void expect(const char *name, unsigned bits, const char *why_part)
{
    char why[512];
    assert_int_equal(width(name, why, sizeof why), bits);
    if (!strstr(why, why_part))
        fail_msg("%s: \"%s\" does not say \"%s\"", name, why, why_part);
}

static void test_elf_headers(void **state)
{
    (void)state;
    put_elf("grub-i386-xen.bin", 1, 1, 3, 64);
    expect("grub-i386-xen.bin", 32, "ELF 32-bit i386 (ELFCLASS32): a 32-bit PV guest");
    put_elf("grub-x86_64-xen.bin", 2, 1, 62, 64);
    expect("grub-x86_64-xen.bin", 64, "ELF 64-bit x86-64 (ELFCLASS64): a 64-bit PV guest");
    /* Only the header matters: 20 bytes are enough. */
    put_elf("short-but-whole", 2, 1, 62, 20);
    expect("short-but-whole", 64, "ELFCLASS64");
    put_elf("truncated", 1, 1, 3, 12);
    expect("truncated", 0, "a truncated ELF header: width unknown");
    put_bytes("magic-only", "\x7f" "ELF", 4);
    expect("magic-only", 0, "truncated");
    put_elf("arm64", 2, 1, 183, 64);
    expect("arm64", 0, "an ELF of class 2 for machine 183, not an i386 or x86-64 kernel");
    put_elf("x32", 1, 1, 62, 64); /* ELFCLASS32 for x86-64: not a PV kernel we know */
    expect("x32", 0, "class 1 for machine 62");
    put_elf("big-endian", 2, 2, 62, 64);
    expect("big-endian", 0, "big-endian");
    put_elf("class-none", 0, 1, 3, 64);
    expect("class-none", 0, "class 0");
}

static void test_not_elf(void **state)
{
    (void)state;
    put_bytes("vmlinuz.gz", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03", 10);
    expect("vmlinuz.gz", 0, "gzip-compressed, not an ELF: the width of the image inside is not "
                            "read, unknown");
    put_bytes("vmlinux.xz", "\xfd" "7zXZ\x00\x00\x04", 8);
    expect("vmlinux.xz", 0, "xz-compressed");
    put_bytes("vmlinux.zst", "\x28\xb5\x2f\xfd\x00", 5);
    expect("vmlinux.zst", 0, "zstd-compressed");
    /* A bzImage: the boot sector, "HdrS" at 0x202. */
    static unsigned char bz[0x300];
    memset(bz, 0, sizeof bz);
    bz[0x1fe] = 0x55;
    bz[0x1ff] = 0xaa;
    memcpy(bz + 0x202, "HdrS", 4);
    put_bytes("vmlinuz-6.1.0-13-amd64", bz, sizeof bz);
    expect("vmlinuz-6.1.0-13-amd64", 0, "a bzImage (Linux boot image), not an ELF");
    /* Cut before the signature: just not an ELF. */
    put_bytes("bzimage-cut", bz, 0x204);
    expect("bzimage-cut", 0, "not an ELF file: width unknown");
    put_bytes("text", "#!/bin/sh\necho hello\n", 21);
    expect("text", 0, "not an ELF file: width unknown");
    put_bytes("empty", "", 0);
    expect("empty", 0, "an empty file: width unknown");
}

static void test_not_readable(void **state)
{
    (void)state;
    expect("missing", 0, "cannot open: No such file or directory: width unknown");
    char why[512];
    assert_int_equal(xm_kernel_width(dir, why, sizeof why), 0);
    assert_non_null(strstr(why, "not a plain file: width unknown"));
    /* A device is not even opened. */
    assert_int_equal(xm_kernel_width("/dev/null", why, sizeof why), 0);
    assert_string_equal(why, "kernel /dev/null: not a plain file: width unknown");
    /* A FIFO is never read (nothing writes to it: a read would block). */
    assert_int_equal(mkfifo(path_of("fifo"), 0600), 0);
    expect("fifo", 0, "not a plain file");
    /* A symbolic link is followed as a normal open follows it. */
    put_elf("real64", 2, 1, 62, 64);
    assert_int_equal(symlink("real64", path_of("vmlinuz")), 0);
    expect("vmlinuz", 64, "ELFCLASS64");
    assert_int_equal(symlink("nowhere", path_of("dangling")), 0);
    expect("dangling", 0, "cannot open");
    /* The path is quoted in the reason; why may be NULL. */
    put_elf("a\nb", 1, 1, 3, 64);
    expect("a\nb", 32, "a\\x0ab: ELF 32-bit");
    assert_int_equal(width("a\nb", NULL, 0), 32);
}

/* Writes dir/cfg/NAME.cfg. */
static void put_cfg(const char *name, const char *text)
{
    char p[300];
    snprintf(p, sizeof p, "cfg/%s.cfg", name);
    put_bytes(p, text, strlen(text));
}

static struct xm_config read_cfg(const char *name)
{
    char p[300];
    snprintf(p, sizeof p, "cfg/%s.cfg", name);
    struct xm_config c;
    struct xm_error err = {0};
    assert_int_equal(xm_config_read_file(path_of(p), &c, &err), XM_OK);
    assert_null(c.error);
    return c;
}

static void expect_cfg(const char *name, const char *text, enum xm_mode mode, unsigned bits,
                       const char *why_part)
{
    put_cfg(name, text);
    struct xm_config c = read_cfg(name);
    assert_int_equal(c.mode, mode);
    assert_int_equal(c.pv_width_bits, bits);
    if (!why_part)
        assert_null(c.pv_width_reason);
    else if (!c.pv_width_reason || !strstr(c.pv_width_reason, why_part))
        fail_msg("%s: \"%s\" does not say \"%s\"", name,
                 c.pv_width_reason ? c.pv_width_reason : "(null)", why_part);
    xm_config_dispose(&c);
}

static void make_subdir(const char *name)
{
    assert_int_equal(mkdir(path_of(name), 0700), 0);
}

static void test_what_xl_boots(void **state)
{
    (void)state;
    char text[1024];
    make_subdir("cfg");
    put_elf("k32", 1, 1, 3, 64);
    put_elf("k64", 2, 1, 62, 64);

    snprintf(text, sizeof text, "name = \"a\"\ntype = \"pv\"\nkernel = \"%s\"\n", path_of("k32"));
    expect_cfg("pv32", text, XM_MODE_PV, 32, "ELFCLASS32");
    /* No type=: PV on x86. */
    snprintf(text, sizeof text, "name = \"b\"\nkernel = \"%s\"\n", path_of("k64"));
    expect_cfg("pv64", text, XM_MODE_PV, 64, "ELFCLASS64");
    expect_cfg("missing", "name = \"c\"\nkernel = \"/nonexistent/vmlinuz\"\n", XM_MODE_PV, 0,
               "kernel /nonexistent/vmlinuz: cannot open");
    /* pygrub reads the kernel from the guest's disk: kernel= is a path there. */
    snprintf(text, sizeof text, "name = \"d\"\nbootloader = \"pygrub\"\nkernel = \"%s\"\n",
             path_of("k32"));
    expect_cfg("pygrub", text, XM_MODE_PV, 0, "bootloader=pygrub picks the kernel from the "
                                              "guest's disk when the domain starts: width unknown");
    expect_cfg("relative", "name = \"e\"\nkernel = \"boot/vmlinux\"\n", XM_MODE_PV, 0,
               "a relative path");
    expect_cfg("pvgrub32", "name = \"f\"\nfirmware = \"pvgrub32\"\n", XM_MODE_PV, 32,
               "firmware=pvgrub32: xl boots its 32-bit PV GRUB");
    expect_cfg("pvgrub64", "name = \"g\"\nfirmware = \"pvgrub64\"\n", XM_MODE_PV, 64,
               "firmware=pvgrub64: xl boots its 64-bit PV GRUB");
    /* xl matches firmware= as a prefix, pvgrub32 first. */
    expect_cfg("pvgrub", "name = \"h\"\nfirmware = \"pvgrub\"\n", XM_MODE_PV, 32, "32-bit");
    /* Not PV: no width, no reason, the kernel is not read. */
    snprintf(text, sizeof text, "name = \"i\"\ntype = \"pvh\"\nkernel = \"%s\"\n", path_of("k32"));
    expect_cfg("pvh", text, XM_MODE_PVH, 0, NULL);
    snprintf(text, sizeof text, "name = \"j\"\ntype = \"pvh\"\npvshim = 1\nkernel = \"%s\"\n",
             path_of("k32"));
    expect_cfg("shim", text, XM_MODE_PV_IN_PVH, 0, NULL);
    expect_cfg("hvm", "name = \"k\"\ntype = \"hvm\"\nkernel = \"/usr/lib/xen/boot/hvmloader\"\n",
               XM_MODE_HVM, 0, NULL);

    /* xm_config_parse alone does not read the file. */
    struct xm_config c;
    struct xm_error err = {0};
    snprintf(text, sizeof text, "name = \"a\"\nkernel = \"%s\"\n", path_of("k32"));
    assert_int_equal(xm_config_parse("mem", text, strlen(text), &c, &err), XM_OK);
    assert_int_equal(c.pv_width_bits, 0);
    assert_string_equal(c.pv_kernel, path_of("k32"));
    assert_non_null(strstr(c.pv_width_reason, "not read"));
    xm_config_dispose(&c);
}

static const struct xm_config *find(const struct xm_config_set *s, const char *name)
{
    const struct xm_config *c = xm_config_set_find(s, name);
    assert_non_null(c);
    return c;
}

/* The cache: the configuration unchanged, its kernel replaced (a kernel
 * upgrade, a GRUB image swapped) is read again; an unchanged one is not. */
static void test_cache_follows_kernel(void **state)
{
    (void)state;
    char sub[400], text[512];
    make_subdir("c2");
    snprintf(sub, sizeof sub, "%s", path_of("c2"));
    put_elf("c2k", 1, 1, 3, 64);
    snprintf(text, sizeof text, "name = \"w\"\nkernel = \"%s\"\n", path_of("c2k"));
    put_bytes("c2/w.cfg", text, strlen(text));

    struct xm_config_cache *cache = NULL;
    struct xm_config_set *s = NULL;
    struct xm_error err = {0};
    struct xm_config_cache_stats st;
    assert_int_equal(xm_config_cache_new(sub, &cache, &err), XM_OK);
    assert_int_equal(xm_config_cache_get(cache, &s, &err), XM_OK);
    assert_int_equal(find(s, "w")->pv_width_bits, 32);
    xm_config_set_free(s);

    put_elf("c2k", 2, 1, 62, 64); /* a new inode */
    assert_int_equal(xm_config_cache_get(cache, &s, &err), XM_OK);
    assert_int_equal(find(s, "w")->pv_width_bits, 64);
    xm_config_cache_stats(cache, &st);
    assert_int_equal(st.files_read_total, 1); /* the configuration was not re-parsed */
    xm_config_set_free(s);

    assert_int_equal(unlink(path_of("c2k")), 0);
    assert_int_equal(xm_config_cache_get(cache, &s, &err), XM_OK);
    assert_int_equal(find(s, "w")->pv_width_bits, 0);
    assert_non_null(strstr(find(s, "w")->pv_width_reason, "cannot open"));
    xm_config_set_free(s);

    put_elf("c2k", 1, 1, 3, 64);
    assert_int_equal(xm_config_cache_get(cache, &s, &err), XM_OK);
    assert_int_equal(find(s, "w")->pv_width_bits, 32);
    xm_config_set_free(s);
    xm_config_cache_free(cache);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_elf_headers),
        cmocka_unit_test(test_not_elf),
        cmocka_unit_test(test_not_readable),
        cmocka_unit_test(test_what_xl_boots),
        cmocka_unit_test(test_cache_follows_kernel),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
