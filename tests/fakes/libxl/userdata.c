/*
 * userdata.c - libxl_userdata_retrieve, as tools/libs/light/libxl_dom.c
 * (RELEASE-4.17.7) behaves:
 *
 *  - the file is /var/lib/xen/userdata-d.<domid>.<uuid>.<userid>; its path
 *    needs libxl_domain_info, so an unknown or vanished domain (or a failing
 *    domain_info) makes the userdata lock fail: ERROR_LOCK_FAIL, logged;
 *  - no file (no stored configuration, or any userid but "libxl-json"):
 *    0 with *data_r NULL and *datalen_r 0;
 *  - an empty file: ERROR_FAIL, logged ("config_raw": "" gives this);
 *  - data_r and datalen_r may be NULL.
 * "userdata" injected: reading the file fails, ERROR_FAIL, logged.
 */
#include "fakexl.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XEN_LIB_DIR "/var/lib/xen"

enum outcome { FOUND, NO_FILE, NO_DOMAIN, READ_ERROR, EMPTY_FILE, NO_MEMORY };

/* What the domain's stored data would be; fills *data / *len for FOUND. */
static enum outcome lookup(uint32_t domid, const char *userid, uint8_t **data, int *len,
                           char *uuid, size_t uuidsz)
{
    json_t *root = fxl_fixture();
    if (!root || fxl_fixture_failing(root, "domain_info") ||
        !fxl_fixture_domain_present(root, domid))
        return NO_DOMAIN;
    json_t *dom = fxl_fixture_domain(root, domid);
    /* For the file name, in canonical form as libxl__userdata_path has it. */
    const char *u = fxl_fixture_uuid(dom);
    libxl_uuid id;
    if (!u || libxl_uuid_from_string(&id, u) != 0)
        libxl_uuid_clear(&id);
    snprintf(uuid, uuidsz, LIBXL_UUID_FMT, LIBXL_UUID_BYTES(id));
    if (fxl_fixture_failing(root, "userdata"))
        return READ_ERROR;
    if (strcmp(userid, "libxl-json") != 0)
        return NO_FILE;

    json_t *raw = json_object_get(dom, "config_raw");
    if (json_is_string(raw)) {
        /* Verbatim: no NUL added, so a test controls every byte. */
        size_t n = json_string_length(raw);
        if (n == 0)
            return EMPTY_FILE;
        *data = malloc(n);
        if (!*data)
            return NO_MEMORY;
        memcpy(*data, json_string_value(raw), n);
        *len = (int)n;
        return FOUND;
    }
    if (!json_is_object(json_object_get(dom, "config")))
        return NO_FILE;
    return fxl_config_json(dom, data, len) == 0 ? FOUND : NO_MEMORY;
}

int libxl_userdata_retrieve(libxl_ctx *ctx, uint32_t domid, const char *userdata_userid,
                            uint8_t **data_r, int *datalen_r)
{
    fxl_check_ctx(ctx, __func__);
    uint8_t *data = NULL;
    int len = 0;
    char uuid[64] = "";

    pthread_mutex_lock(&fxl_lock);
    enum outcome o = lookup(domid, userdata_userid, &data, &len, uuid, sizeof uuid);
    pthread_mutex_unlock(&fxl_lock);

    switch (o) {
    case FOUND:
        break;
    case NO_FILE:
        break; /* ENOENT is not an error: nothing stored */
    case NO_DOMAIN:
        fxl_log(ctx, errno, "libxl_dom.c", 1216, "libxl__userdata_path", INVALID_DOMID,
                "unable to find domain info for domain %u", domid);
        return ERROR_LOCK_FAIL;
    case READ_ERROR:
        fxl_log(ctx, EIO, "libxl_utils.c", 336, "libxl_read_file_contents", INVALID_DOMID,
                "failed to open %s/userdata-d.%u.%s.%s", XEN_LIB_DIR, domid, uuid,
                userdata_userid);
        errno = EIO;
        return ERROR_FAIL;
    case EMPTY_FILE:
        fxl_log(ctx, -1, "libxl_dom.c", 1377, "libxl__userdata_retrieve", INVALID_DOMID,
                "userdata file %s/userdata-d.%u.%s.%s is empty", XEN_LIB_DIR, domid, uuid,
                userdata_userid);
        return ERROR_FAIL;
    case NO_MEMORY:
        /* libxl aborts on allocation failure (libxl__alloc_failed). */
        abort();
    }
    if (data_r)
        *data_r = data;
    else
        free(data);
    if (datalen_r)
        *datalen_r = len;
    return 0;
}
