/* process_* from /proc/self/{stat,fd,limits} and /proc/stat (boot time). */
#include "xe_process.h"

#include <dirent.h>
#include <pthread.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct proc_stat {
    double utime, stime;     /* clock ticks */
    double starttime;        /* ticks after boot */
    double vsize;            /* bytes */
    double rss;              /* pages */
};

/* Reads a small file into buf (NUL-terminated); returns 0 or errno. */
static int read_small(const char *procfs, const char *rel, char *buf, size_t bufsz)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", procfs, rel);
    FILE *fp = fopen(path, "re");
    if (!fp)
        return errno;
    size_t n = fread(buf, 1, bufsz - 1, fp);
    int e = ferror(fp) ? EIO : 0;
    fclose(fp);
    buf[n] = '\0';
    return e;
}

/* /proc/self/stat: the command name (field 2) may hold spaces and
 * parentheses, so the fields are counted from the last ')'. */
static int read_stat(const char *procfs, struct proc_stat *st)
{
    char buf[2048];
    int rc = read_small(procfs, "self/stat", buf, sizeof buf);
    if (rc)
        return rc;
    char *p = strrchr(buf, ')');
    if (!p)
        return EINVAL;
    p++;
    /* Fields after the name, numbered from 3 (state). */
    double v[23];
    int field = 3, got = 0;
    char *save = NULL;
    for (char *tok = strtok_r(p, " \n", &save); tok && field <= 24;
         tok = strtok_r(NULL, " \n", &save), field++) {
        if (field >= 4) {
            v[field - 4] = strtod(tok, NULL);
            got = field;
        }
    }
    if (got < 24)
        return EINVAL;
    st->utime = v[14 - 4];
    st->stime = v[15 - 4];
    st->starttime = v[22 - 4];
    st->vsize = v[23 - 4];
    st->rss = v[24 - 4];
    return 0;
}

static int read_btime(const char *procfs, double *btime)
{
    char buf[16384];
    int rc = read_small(procfs, "stat", buf, sizeof buf);
    if (rc)
        return rc;
    const char *p = strstr(buf, "\nbtime ");
    if (!p)
        return EINVAL;
    *btime = strtod(p + 7, NULL);
    return 0;
}

/* The boot time never changes, and /proc/stat grows with the CPU count:
 * read it once per procfs root, not at every scrape. */
static int boot_time(const char *procfs, double *btime)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static char root[256];
    static double cached;
    int rc = 0;

    pthread_mutex_lock(&lock);
    if (strcmp(root, procfs) != 0 || !root[0]) {
        rc = read_btime(procfs, &cached);
        if (rc == 0)
            snprintf(root, sizeof root, "%s", procfs);
        else
            root[0] = '\0';
    }
    *btime = cached;
    pthread_mutex_unlock(&lock);
    return rc;
}

static int count_fds(const char *procfs, double *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/self/fd", procfs);
    DIR *d = opendir(path);
    if (!d)
        return errno;
    struct dirent *de;
    long count = 0;
    while ((de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            count++;
    closedir(d);
    *n = (double)(count - 1); /* not the descriptor opendir used */
    return 0;
}

static int read_max_fds(const char *procfs, double *n)
{
    char buf[4096];
    int rc = read_small(procfs, "self/limits", buf, sizeof buf);
    if (rc)
        return rc;
    const char *p = strstr(buf, "Max open files");
    if (!p)
        return EINVAL;
    p += strlen("Max open files");
    while (*p == ' ')
        p++;
    if (strncmp(p, "unlimited", 9) == 0) {
        *n = 1.8446744073709552e19; /* as client_golang reports "unlimited" */
        return 0;
    }
    char *end;
    *n = strtod(p, &end);
    return end == p ? EINVAL : 0;
}

static void gauge(struct xm_buf *b, enum xm_expo_format f, const char *name, const char *help,
                  double v)
{
    xm_expo_family(b, f, name, XM_METRIC_GAUGE, help);
    xm_expo_sample(b, name, NULL, 0, v);
}

/* Keeps the first failure as the reason: the file and what went wrong. */
static void note(int rc, const char *procfs, const char *rel, int *first_err, char *err,
                 size_t errsz)
{
    if (rc == 0 || *first_err)
        return;
    *first_err = rc;
    snprintf(err, errsz, "%s/%s: %s", procfs, rel,
             rc == EINVAL ? "unexpected contents" : strerror(rc));
}

int xe_process_write(struct xm_buf *b, enum xm_expo_format f, const char *procfs, char *err,
                     size_t errsz)
{
    int first_err = 0, rc;
    double ticks = (double)sysconf(_SC_CLK_TCK);
    double page = (double)sysconf(_SC_PAGESIZE);
    struct proc_stat st;
    double btime = 0, fds = 0, maxfds = 0;

    int stat_rc = read_stat(procfs, &st);
    if (stat_rc == 0) {
        xm_expo_family(b, f, "process_cpu_seconds_total", XM_METRIC_COUNTER,
                       "Total user and system CPU time spent in seconds.");
        xm_expo_sample(b, "process_cpu_seconds_total", NULL, 0, (st.utime + st.stime) / ticks);
    } else {
        note(stat_rc, procfs, "self/stat", &first_err, err, errsz);
    }
    if ((rc = count_fds(procfs, &fds)) == 0)
        gauge(b, f, "process_open_fds", "Number of open file descriptors.", fds);
    else
        note(rc, procfs, "self/fd", &first_err, err, errsz);
    if ((rc = read_max_fds(procfs, &maxfds)) == 0)
        gauge(b, f, "process_max_fds", "Maximum number of open file descriptors.", maxfds);
    else
        note(rc, procfs, "self/limits", &first_err, err, errsz);
    if (stat_rc == 0) {
        gauge(b, f, "process_virtual_memory_bytes", "Virtual memory size in bytes.", st.vsize);
        gauge(b, f, "process_resident_memory_bytes", "Resident memory size in bytes.",
              st.rss * page);
        if ((rc = boot_time(procfs, &btime)) == 0)
            gauge(b, f, "process_start_time_seconds",
                  "Start time of the process since unix epoch in seconds.",
                  btime + st.starttime / ticks);
        else
            note(rc, procfs, "stat", &first_err, err, errsz);
    }
    return first_err ? -1 : 0;
}
