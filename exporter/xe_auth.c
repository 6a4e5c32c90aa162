/* basic_auth_users: header decoding, the keyed cache of checked
 * credentials, the bcrypt slot limit and the constant-time padding. */
#include "xe_auth.h"

#include <crypt.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#include <gnutls/crypto.h>

#define CACHE_SLOTS 256 /* per verdict */
#define MAX_HEADER 4096

struct cached {
    unsigned char mac[32];
    bool used;
};

struct xe_auth {
    const struct xe_webconfig *wc;
    unsigned max_cost;
    unsigned char key[32];
    pthread_mutex_t lock; /* guards the caches */
    /* Right and wrong credentials apart, so a flood of wrong ones cannot
     * push a scraper's right ones out (and force it back to bcrypt). */
    struct cached good[CACHE_SLOTS], bad[CACHE_SLOTS];
    /* Slowest bcrypt seen, per unit of 2^cost, in ns: what a check at
     * max_cost takes, so every check is padded to it. */
    _Atomic uint64_t unit_ns;
};

static atomic_uint bcrypt_running;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int xe_auth_new(const struct xe_webconfig *wc, struct xe_auth **out, char *err, size_t errsz)
{
    *out = NULL;
    struct xe_auth *a = calloc(1, sizeof *a);
    if (!a) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    if (getrandom(a->key, sizeof a->key, 0) != (ssize_t)sizeof a->key) {
        snprintf(err, errsz, "getrandom: %s", strerror(errno));
        free(a);
        return -1;
    }
    int e = pthread_mutex_init(&a->lock, NULL);
    if (e) {
        snprintf(err, errsz, "pthread_mutex_init: %s", strerror(e));
        free(a);
        return -1;
    }
    a->wc = wc;
    for (size_t i = 0; i < wc->n_users; i++)
        if (wc->users[i].cost > a->max_cost)
            a->max_cost = wc->users[i].cost;
    atomic_init(&a->unit_ns, 0);
    *out = a;
    return 0;
}

bool xe_auth_enabled(const struct xe_auth *a)
{
    return a && a->wc->n_users > 0;
}

static int b64val(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

/* Strict standard base64 (padding required), as Go's StdEncoding.
 * RETURN VALUE: decoded length, or -1. */
static long b64decode(const char *in, size_t len, unsigned char *out)
{
    if (len % 4)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        size_t pad = 0;
        for (int j = 0; j < 4; j++) {
            unsigned char c = (unsigned char)in[i + j];
            if (c == '=' && i + 4 == len && j >= 2) {
                v[j] = 0;
                pad++;
            } else if (pad || (v[j] = b64val(c)) < 0) {
                return -1;
            }
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        if ((pad == 1 && (w & 0xff)) || (pad == 2 && (w & 0xffff)))
            return -1; /* non-canonical trailing bits */
        out[o++] = (unsigned char)(w >> 16);
        if (pad < 2)
            out[o++] = (unsigned char)(w >> 8);
        if (pad < 1)
            out[o++] = (unsigned char)w;
    }
    return (long)o;
}

static bool bcrypt_matches(const char *password, const char *hash)
{
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd)
        return false;
    const char *r = crypt_r(password, hash, cd);
    bool ok = false;
    if (r && r[0] == '$' && strlen(r) == strlen(hash)) {
        unsigned char diff = 0;
        for (size_t i = 0; hash[i]; i++)
            diff |= (unsigned char)(r[i] ^ hash[i]);
        ok = diff == 0;
    }
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return ok;
}

static struct cached *slot(struct cached *table, const unsigned char mac[32])
{
    return &table[(mac[0] | mac[1] << 8) % CACHE_SLOTS];
}

static bool holds(const struct cached *c, const unsigned char mac[32])
{
    return c->used && memcmp(c->mac, mac, 32) == 0;
}

/* The check proper, given a bcrypt slot: bcrypt against the user's hash,
 * or against the first user's for an unknown name, then padded to the
 * time of one check at max_cost. */
static bool slow_check(struct xe_auth *a, const char *user, const char *password)
{
    const struct xe_webconfig *wc = a->wc;
    const struct xe_user *u = NULL;
    for (size_t i = 0; i < wc->n_users; i++)
        if (strcmp(wc->users[i].name, user) == 0)
            u = &wc->users[i];
    const struct xe_user *against = u ? u : &wc->users[0];
    uint64_t t0 = now_ns();
    bool ok = bcrypt_matches(password, against->hash) && u != NULL;
    uint64_t took = now_ns() - t0;
    uint64_t unit = took >> against->cost;
    uint64_t seen = atomic_load(&a->unit_ns);
    while (unit > seen && !atomic_compare_exchange_weak(&a->unit_ns, &seen, unit))
        ;
    uint64_t target = atomic_load(&a->unit_ns) << a->max_cost;
    if (took < target) {
        uint64_t end = t0 + target;
        struct timespec ts = {(time_t)(end / 1000000000u), (long)(end % 1000000000u)};
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
            ;
    }
    return ok;
}

enum xe_auth_result xe_auth_check(struct xe_auth *a, const char *authorization)
{
    if (!xe_auth_enabled(a))
        return XE_AUTH_OK;
    if (!authorization || strncasecmp(authorization, "Basic ", 6) != 0)
        return XE_AUTH_DENIED;
    const char *tok = authorization + 6;
    while (*tok == ' ')
        tok++;
    size_t len = strlen(tok);
    while (len && tok[len - 1] == ' ')
        len--;
    if (len == 0 || len > MAX_HEADER)
        return XE_AUTH_DENIED;
    unsigned char buf[MAX_HEADER];
    long n = b64decode(tok, len, buf);
    enum xe_auth_result res = XE_AUTH_DENIED;
    if (n <= 0 || memchr(buf, '\0', (size_t)n) || !memchr(buf, ':', (size_t)n))
        goto out;
    unsigned char mac[32];
    if (gnutls_hmac_fast(GNUTLS_MAC_SHA256, a->key, sizeof a->key, buf, (size_t)n, mac) < 0)
        goto out;
    pthread_mutex_lock(&a->lock);
    bool hit_good = holds(slot(a->good, mac), mac);
    bool hit_bad = !hit_good && holds(slot(a->bad, mac), mac);
    pthread_mutex_unlock(&a->lock);
    if (hit_good || hit_bad) {
        res = hit_good ? XE_AUTH_OK : XE_AUTH_DENIED;
        goto out;
    }
    unsigned running = atomic_load(&bcrypt_running);
    do {
        if (running >= XE_AUTH_BCRYPT_SLOTS) {
            res = XE_AUTH_BUSY;
            goto out;
        }
    } while (!atomic_compare_exchange_weak(&bcrypt_running, &running, running + 1));
    buf[n] = '\0';
    char *colon = memchr(buf, ':', (size_t)n);
    *colon = '\0';
    bool ok = slow_check(a, (const char *)buf, colon + 1);
    atomic_fetch_sub(&bcrypt_running, 1);
    pthread_mutex_lock(&a->lock);
    struct cached *c = slot(ok ? a->good : a->bad, mac);
    memcpy(c->mac, mac, sizeof mac);
    c->used = true;
    pthread_mutex_unlock(&a->lock);
    res = ok ? XE_AUTH_OK : XE_AUTH_DENIED;
out:
    explicit_bzero(buf, sizeof buf);
    return res;
}

void xe_auth_free(struct xe_auth *a)
{
    if (!a)
        return;
    pthread_mutex_destroy(&a->lock);
    explicit_bzero(a, sizeof *a);
    free(a);
}

int xe_auth_hash_password(const char *password, unsigned cost, char *out, size_t outsz,
                          char *err, size_t errsz)
{
    char salt[CRYPT_GENSALT_OUTPUT_SIZE];
    if (cost < 4 || cost > XE_BCRYPT_MAX_COST) {
        snprintf(err, errsz, "bcrypt cost %u outside 4..%d", cost, XE_BCRYPT_MAX_COST);
        return -1;
    }
    if (!crypt_gensalt_rn("$2y$", cost, NULL, 0, salt, sizeof salt)) {
        snprintf(err, errsz, "crypt_gensalt: %s", strerror(errno ? errno : EINVAL));
        return -1;
    }
    struct crypt_data *cd = calloc(1, sizeof *cd);
    if (!cd) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    const char *r = crypt_r(password, salt, cd);
    int rc = 0;
    if (!r || r[0] != '$' || strlen(r) >= outsz) {
        snprintf(err, errsz, "crypt_r gave no bcrypt hash");
        rc = -1;
    } else {
        strcpy(out, r);
    }
    explicit_bzero(cd, sizeof *cd);
    free(cd);
    return rc;
}

int xe_auth_hash_password_main(FILE *in, FILE *out, FILE *errout)
{
    char *pw = NULL, hash[128], err[128];
    size_t cap = 0;
    int rc = 1;
    /* One line: a terminal user ends it with Enter, not end-of-file. */
    ssize_t got = getline(&pw, &cap, in);
    size_t n = got > 0 ? (size_t)got : 0;
    if (n && pw[n - 1] == '\n')
        pw[--n] = '\0';
    if (n && pw[n - 1] == '\r')
        pw[--n] = '\0';
    if (n == 0)
        fprintf(errout, "xenmode_exporter: --web.hash-password: empty password on standard "
                        "input\n");
    else if (memchr(pw, '\0', n))
        fprintf(errout, "xenmode_exporter: --web.hash-password: the password holds a NUL byte\n");
    else if (n > 72)
        fprintf(errout, "xenmode_exporter: --web.hash-password: bcrypt uses only the first 72 "
                        "bytes of a password; give at most 72\n");
    else if ((rc = xe_auth_hash_password(pw, 10, hash, sizeof hash, err, sizeof err)) != 0)
        fprintf(errout, "xenmode_exporter: --web.hash-password: %s\n", err);
    else
        rc = fprintf(out, "%s\n", hash) < 0 || fflush(out) != 0;
    if (pw) {
        explicit_bzero(pw, cap);
        free(pw);
    }
    return rc ? 1 : 0;
}
