/* gzip with zlib's deflate: windowBits 15 + 16 selects the gzip wrapper. */
#include "xe_gzip.h"

#include <stdio.h>
#include <zlib.h>

static int fail(char *err, size_t errsz, const char *why)
{
    snprintf(err, errsz, "gzip: %s", why);
    return -1;
}

int xe_gzip(const void *in, size_t len, struct xm_buf *out, char *err, size_t errsz)
{
    z_stream zs = {0};
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return fail(err, errsz, "out of memory");
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    if ((size_t)zs.avail_in != len) {
        deflateEnd(&zs);
        return fail(err, errsz, "page larger than 4 GiB"); /* not a metrics page */
    }
    unsigned char chunk[16384];
    const char *why = NULL;
    int z;
    do {
        zs.next_out = chunk;
        zs.avail_out = sizeof chunk;
        z = deflate(&zs, Z_FINISH);
        if (z == Z_STREAM_ERROR) {
            why = "deflate failed";
            break;
        }
        xm_buf_append(out, chunk, sizeof chunk - zs.avail_out);
        if (xm_buf_failed(out)) {
            why = "out of memory";
            break;
        }
    } while (z != Z_STREAM_END);
    deflateEnd(&zs);
    return why ? fail(err, errsz, why) : 0;
}
