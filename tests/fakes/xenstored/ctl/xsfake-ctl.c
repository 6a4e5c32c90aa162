/* xsfake-ctl: sends one command to fake-xenstored's control socket and
 * prints the reply line.
 *
 *   xsfake-ctl --control PATH COMMAND...
 *
 * The words of COMMAND are joined with spaces. Exit status: 0 for a reply,
 * 1 for an "error ..." reply, 2 when the server cannot be reached. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

/* Long enough for a reload of a big fixture under valgrind. */
#define REPLY_TIMEOUT_MS 60000

static int fail(const char *what, const char *path)
{
    if (path)
        fprintf(stderr, "xsfake-ctl: %s: %s\n", path, what);
    else
        fprintf(stderr, "xsfake-ctl: %s\n", what);
    return 2;
}

static int send_all(int fd, const char *buf, size_t len)
{
    while (len) {
        ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        buf += w;
        len -= (size_t)w;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4 || strcmp(argv[1], "--control") != 0) {
        fprintf(stderr, "usage: xsfake-ctl --control PATH COMMAND...\n");
        return 2;
    }
    const char *path = argv[2];

    size_t len = 1;
    for (int i = 3; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *line = malloc(len);
    if (!line)
        return fail("out of memory", NULL);
    line[0] = '\0';
    for (int i = 3; i < argc; i++) {
        strcat(line, argv[i]);
        strcat(line, i + 1 < argc ? " " : "\n");
    }

    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        free(line);
        return fail("socket path too long", path);
    }
    strcpy(sa.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        int e = errno;
        free(line);
        if (fd >= 0)
            close(fd);
        return fail(strerror(e), path);
    }
    int rc = send_all(fd, line, strlen(line));
    free(line);
    if (rc < 0) {
        close(fd);
        return fail(strerror(errno), path);
    }

    /* One reply line; a reply is short, but take whatever length comes. */
    char *reply = NULL, *nl = NULL;
    size_t used = 0, cap = 0;
    while (!nl) {
        if (used + 1024 > cap) {
            cap = cap ? cap * 2 : 4096;
            char *r = realloc(reply, cap);
            if (!r) {
                free(reply);
                close(fd);
                return fail("out of memory", NULL);
            }
            reply = r;
        }
        struct pollfd p = { .fd = fd, .events = POLLIN };
        int pr = poll(&p, 1, REPLY_TIMEOUT_MS);
        if (pr < 0 && errno == EINTR)
            continue;
        if (pr <= 0) {
            free(reply);
            close(fd);
            return fail(pr == 0 ? "no reply" : strerror(errno), path);
        }
        ssize_t r = read(fd, reply + used, cap - used - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            int e = errno;
            free(reply);
            close(fd);
            return fail(r == 0 ? "connection closed without a reply"
                               : strerror(e), path);
        }
        nl = memchr(reply + used, '\n', (size_t)r);
        used += (size_t)r;
    }
    close(fd);
    *nl = '\0';
    puts(reply);
    rc = strncmp(reply, "error", 5) == 0 ? 1 : 0;
    free(reply);
    return rc;
}
