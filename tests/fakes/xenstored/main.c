/* fake-xenstored: a xenstore server for tests, speaking the real wire
 * protocol on a unix socket, its store loaded from a fixture file.
 *
 *   fake-xenstored --socket PATH --fixture FILE [--control PATH]
 *                  [--pidfile FILE]
 *
 * Exit status: 0 after SIGTERM/SIGINT, 2 for a bad command line or fixture,
 * 1 for other failures (socket, pidfile). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "server.h"

static void usage_error(const char *msg)
{
    fprintf(stderr, "fake-xenstored: %s (usage: fake-xenstored --socket PATH "
            "--fixture FILE [--control PATH] [--pidfile FILE])\n", msg);
    exit(2);
}

/* A listening socket at path, replacing a stale one. Records the inode so
 * that exit removes the socket only if it is still ours. */
static int listen_at(const char *path, ino_t *ino)
{
    struct sockaddr_un sa = { .sun_family = AF_UNIX };
    if (strlen(path) >= sizeof(sa.sun_path)) {
        fprintf(stderr, "fake-xenstored: %s: socket path too long\n", path);
        return -1;
    }
    strcpy(sa.sun_path, path);
    struct stat st;
    if (lstat(path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            fprintf(stderr, "fake-xenstored: %s: exists and is not a socket\n",
                    path);
            return -1;
        }
        /* Left behind by a killed server: nobody can be listening on a
         * socket file we are about to replace for the same purpose. */
        if (unlink(path) < 0 && errno != ENOENT) {
            fprintf(stderr, "fake-xenstored: %s: %s\n", path, strerror(errno));
            return -1;
        }
    }
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
        listen(fd, SOMAXCONN) < 0 || stat(path, &st) < 0) {
        fprintf(stderr, "fake-xenstored: %s: %s\n", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    *ino = st.st_ino;
    return fd;
}

static void unlink_if_ours(const char *path, ino_t ino)
{
    struct stat st;
    if (path && lstat(path, &st) == 0 && st.st_ino == ino)
        unlink(path);
}

/* Written whole under a temporary name and renamed, so whoever polls for
 * the file never reads it half-written. */
static int write_pidfile(const char *path)
{
    char tmp[4096];
    snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(stderr, "fake-xenstored: %s: %s\n", tmp, strerror(errno));
        return -1;
    }
    int failed = fprintf(f, "%ld\n", (long)getpid()) < 0;
    failed |= fclose(f) != 0;
    if (failed || rename(tmp, path) < 0) {
        fprintf(stderr, "fake-xenstored: %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int signals_fd(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGHUP);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
        return -1;
    signal(SIGPIPE, SIG_IGN);
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

/* Benchmarks open more clients than the usual soft limit of 1024 fds. */
static void raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "socket", required_argument, NULL, 's' },
        { "fixture", required_argument, NULL, 'f' },
        { "control", required_argument, NULL, 'c' },
        { "pidfile", required_argument, NULL, 'p' },
        { NULL, 0, NULL, 0 },
    };
    const char *sock = NULL, *fixture = NULL, *control = NULL, *pidfile = NULL;
    int opt;
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 's': sock = optarg; break;
        case 'f': fixture = optarg; break;
        case 'c': control = optarg; break;
        case 'p': pidfile = optarg; break;
        default: {
            char msg[256];
            snprintf(msg, sizeof(msg), "bad option %s", argv[optind - 1]);
            usage_error(msg);
        }
        }
    }
    if (optind < argc)
        usage_error("unexpected argument");
    if (!sock || !fixture)
        usage_error("--socket and --fixture are required");

    struct server srv;
    server_init(&srv, fixture);
    char err[512];
    if (fixture_load(fixture, &srv.store, &srv.domains, err, sizeof(err)) != 0) {
        fprintf(stderr, "fake-xenstored: %s: %s\n", fixture, err);
        return 2;
    }
    srv.store.watcher = &srv.watcher;

    raise_fd_limit();
    int status = 1;
    ino_t sock_ino = 0, ctl_ino = 0;
    if ((srv.sig_fd = signals_fd()) < 0) {
        fprintf(stderr, "fake-xenstored: signalfd: %s\n", strerror(errno));
        goto out;
    }
    if ((srv.listen_fd = listen_at(sock, &sock_ino)) < 0)
        goto out;
    if (control && (srv.ctl_fd = listen_at(control, &ctl_ino)) < 0)
        goto out;
    if (pidfile && write_pidfile(pidfile) < 0)
        goto out;
    status = server_run(&srv) == 0 ? 0 : 1;
    if (pidfile)
        unlink(pidfile);
out:
    if (srv.listen_fd >= 0)
        unlink_if_ours(sock, sock_ino);
    if (srv.ctl_fd >= 0)
        unlink_if_ours(control, ctl_ino);
    server_close(&srv);
    return status;
}
