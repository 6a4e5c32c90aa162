/*
 * fuzz_webconfig - libFuzzer target over the exporter's web-config parser
 * (exporter/xe_webconfig.c): each input is the text of a --web.config.file.
 * File names in it resolve against a directory that does not exist, so
 * relative names fail fast; absolute ones are read as a real load would
 * (only regular files, size-limited). Checked: no crash, no sanitizer
 * report, no hang (libFuzzer -timeout), no leak, and the contract of a
 * result: either a config or one printable error line that starts with
 * the file name.
 *
 * Build and run: `make fuzz` (fuzz/module.mk) runs it after fuzz_config.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "xe_webconfig.h"

#define PATH "/nonexistent-xenmode-fuzz/web.yml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct xe_webconfig *wc = NULL;
    char err[1024];
    err[0] = '\0';
    int rc = xe_webconfig_parse(PATH, (const char *)data, size, &wc, err, sizeof err);
    if (rc == 0) {
        if (!wc || err[0])
            abort();
        if (wc->min_version > wc->max_version || (wc->tls && (!wc->cert_pem || !wc->key_pem)))
            abort();
        for (size_t i = 0; i < wc->n_users; i++)
            if (!wc->users[i].cost || wc->users[i].cost > XE_BCRYPT_MAX_COST)
                abort();
        xe_webconfig_free(wc);
    } else {
        if (rc != -1 || wc || strncmp(err, PATH, strlen(PATH)) != 0)
            abort();
        for (const unsigned char *p = (const unsigned char *)err; *p; p++)
            if (*p < 0x20 || *p == 0x7f)
                abort(); /* one line */
    }
    return 0;
}
