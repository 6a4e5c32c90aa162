/* gzip with zlib's deflate: windowBits 15 + 16 selects the gzip wrapper. */
#include "xe_gzip.h"

#include <errno.h>
#include <zlib.h>

int xe_gzip(const void *in, size_t len, struct xm_buf *out)
{
    z_stream zs = {0};
    int rc = 0;
    if (deflateInit2(&zs, 1, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return ENOMEM;
    zs.next_in = (Bytef *)in;
    zs.avail_in = (uInt)len;
    if ((size_t)zs.avail_in != len) {
        deflateEnd(&zs);
        return EIO; /* > 4 GiB: not a metrics page */
    }
    unsigned char chunk[16384];
    int z;
    do {
        zs.next_out = chunk;
        zs.avail_out = sizeof chunk;
        z = deflate(&zs, Z_FINISH);
        if (z == Z_STREAM_ERROR) {
            rc = EIO;
            break;
        }
        xm_buf_append(out, chunk, sizeof chunk - zs.avail_out);
        if (xm_buf_failed(out)) {
            rc = ENOMEM;
            break;
        }
    } while (z != Z_STREAM_END);
    deflateEnd(&zs);
    return rc;
}
