/* Safe replacement of an output file (see cli.h, cli_replace_file).
 *
 * The target usually lives in node_exporter's textfile directory, which
 * other users may be able to write to, and xenmode runs as root. So nothing
 * is ever opened by a name someone else could have planted: the temporary
 * file has an unpredictable name and is created with O_CREAT|O_EXCL|
 * O_NOFOLLOW (an existing file or link at that name makes the open fail,
 * and another name is drawn), and the target is only ever replaced by
 * rename(), never opened. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

#define TMP_ATTEMPTS 16

static const char *kind_of(mode_t m)
{
    return S_ISDIR(m)    ? "a directory"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISFIFO(m) ? "a FIFO"
           : S_ISSOCK(m) ? "a socket"
                         : "not a regular file";
}

/* ".<base>.<12 random letters>.tmp" into out; -1 when no randomness. */
static int tmp_name(const char *base, char *out, size_t outsz)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    unsigned char rnd[12];
    char tag[sizeof rnd + 1];
    if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd)
        return -1;
    for (size_t i = 0; i < sizeof rnd; i++)
        tag[i] = alphabet[rnd[i] % (sizeof alphabet - 1)];
    tag[sizeof rnd] = '\0';
    int n = snprintf(out, outsz, ".%s.%s.tmp", base, tag);
    return n < 0 || (size_t)n >= outsz ? -1 : 0;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Writes, gives the file its final mode and owner, and syncs it. */
static int fill(int fd, const char *data, size_t len, const struct stat *old)
{
    if (write_all(fd, data, len) != 0)
        return -1;
    if (old) {
        /* The owner only when it differs (a user other than root can write
         * its own files); set-id bits are not carried over: a metrics file
         * has no use for them, and root should not hand them out. */
        struct stat now;
        if (fstat(fd, &now) != 0)
            return -1;
        if ((now.st_uid != old->st_uid || now.st_gid != old->st_gid) &&
            fchown(fd, old->st_uid, old->st_gid) != 0)
            return -1;
        if (fchmod(fd, old->st_mode & 01777) != 0)
            return -1;
    } else {
        mode_t mask = umask(0);
        umask(mask);
        if (fchmod(fd, 0666 & ~mask) != 0)
            return -1;
    }
    return fsync(fd);
}

enum cli_replace cli_replace_file(const char *path, const char *data, size_t len, char *why,
                                  size_t whysz)
{
    struct stat st;
    bool exists = stat(path, &st) == 0;
    if (exists && !S_ISREG(st.st_mode)) {
        snprintf(why, whysz, "it is %s", kind_of(st.st_mode));
        return CLI_REPLACE_REFUSED;
    }

    /* The directory, held open: every later step is relative to it. */
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    int dfd = dir ? open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    free(dir);
    if (dfd < 0 || *base == '\0') {
        snprintf(why, whysz, "%s", *base ? strerror(errno) : "it is a directory");
        if (dfd >= 0)
            close(dfd);
        return *base ? CLI_REPLACE_FAILED : CLI_REPLACE_REFUSED;
    }

    char tmp[512];
    int fd = -1;
    for (int i = 0; i < TMP_ATTEMPTS && fd < 0; i++) {
        if (tmp_name(base, tmp, sizeof tmp) != 0) {
            errno = ENAMETOOLONG;
            break;
        }
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        snprintf(why, whysz, "cannot create a temporary file beside it: %s", strerror(errno));
        close(dfd);
        return CLI_REPLACE_FAILED;
    }

    int rc = fill(fd, data, len, exists ? &st : NULL);
    int saved = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && renameat(dfd, tmp, dfd, base) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc != 0) {
        unlinkat(dfd, tmp, 0);
        snprintf(why, whysz, "%s", strerror(saved ? saved : EIO));
        close(dfd);
        return CLI_REPLACE_FAILED;
    }
    fsync(dfd); /* the rename itself survives a crash */
    close(dfd);
    return CLI_REPLACE_OK;
}
