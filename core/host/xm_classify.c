#include "xm_classify.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

/* A type record, normalised. XenServer writes /libxl/<id>/type upper case,
 * libxl lower case; libxl itself compares case-insensitively. */
enum rec {
    REC_ABSENT,
    REC_INVALID,
    REC_PV,
    REC_HVM,
    REC_PVH,
    REC_PV_IN_PVH,
};

static const char *rec_name(enum rec r)
{
    switch (r) {
    case REC_PV: return "pv";
    case REC_HVM: return "hvm";
    case REC_PVH: return "pvh";
    case REC_PV_IN_PVH: return "pv-in-pvh";
    default: return "none";
    }
}

static enum rec parse_rec(const char *v, bool allow_shim)
{
    if (!v)
        return REC_ABSENT;
    if (strcasecmp(v, "pv") == 0)
        return REC_PV;
    if (strcasecmp(v, "hvm") == 0)
        return REC_HVM;
    if (strcasecmp(v, "pvh") == 0)
        return REC_PVH;
    if (allow_shim && strcasecmp(v, "pv-in-pvh") == 0)
        return REC_PV_IN_PVH;
    return REC_INVALID;
}

static void add_record_evidence(struct xm_strvec *ev, const char *path_fmt,
                                uint32_t domid, const char *v, enum rec r)
{
    char path[64], q[80];
    snprintf(path, sizeof path, path_fmt, domid);
    if (r == REC_ABSENT) {
        xm_strvec_addf(ev, "%s absent", path);
        return;
    }
    xm_quote_value(v, q, sizeof q);
    if (r == REC_INVALID)
        xm_strvec_addf(ev, "%s=%s is not a known type, ignored", path, q);
    else
        xm_strvec_addf(ev, "%s=%s", path, q);
}

/* XenServer records a shimmed guest as domain-type pv-in-pvh and PVH in
 * /libxl: those agree. */
static bool records_agree(enum rec dt, enum rec lt)
{
    return dt == lt || (dt == REC_PV_IN_PVH && lt == REC_PVH);
}

bool xm_classify_wants_shim(const struct xm_classify_input *in)
{
    if (in->dom0 || !in->hvm_flag)
        return false;
    if (parse_rec(in->domain_type, true) != REC_ABSENT)
        return false;
    return parse_rec(in->libxl_type, false) == REC_PVH;
}

static enum xm_mode hvm_or_pvhvm(const struct xm_classify_input *in, struct xm_strvec *ev)
{
    if (in->devices_connected > 0) {
        xm_strvec_addf(ev, "%u PV device%s connected -> pvhvm", in->devices_connected,
                       in->devices_connected == 1 ? "" : "s");
        return XM_MODE_PVHVM;
    }
    xm_strvec_addf(ev, "no PV device connected -> hvm");
    return XM_MODE_HVM;
}

static enum xm_mode fallback_to_flag(const struct xm_classify_input *in, struct xm_strvec *ev,
                                     const char *why)
{
    xm_strvec_addf(ev, "%s: falling back to the hypervisor flag (%s)", why,
                   in->hvm_flag ? "hvm" : "pv");
    if (!in->hvm_flag) {
        xm_strvec_addf(ev, "-> pv");
        return XM_MODE_PV;
    }
    return hvm_or_pvhvm(in, ev);
}

static enum xm_mode classify_pvh(const struct xm_classify_input *in, struct xm_strvec *ev)
{
    char q[80];
    if (in->config_type && strcmp(in->config_type, "pvh") != 0) {
        xm_quote_value(in->config_type, q, sizeof q);
        xm_strvec_addf(ev, "stored configuration c_info.type=%s", q);
        return fallback_to_flag(in, ev, "stored configuration contradicts the type record");
    }
    switch (in->shim) {
    case XM_SHIM_ON:
        xm_strvec_addf(ev, "stored configuration: pvshim true -> pv_in_pvh");
        return XM_MODE_PV_IN_PVH;
    case XM_SHIM_OFF:
        xm_strvec_addf(ev, "stored configuration: no pv shim -> pvh");
        return XM_MODE_PVH;
    case XM_SHIM_NO_CONFIG:
        xm_strvec_addf(ev, "no stored configuration, a pv shim cannot be seen -> pvh");
        return XM_MODE_PVH;
    case XM_SHIM_UNREADABLE:
        xm_strvec_addf(ev, "stored configuration unreadable (%s), a pv shim cannot be seen -> pvh",
                       in->shim_detail ? in->shim_detail : "unknown reason");
        return XM_MODE_PVH;
    case XM_SHIM_NOT_READ:
    default:
        xm_strvec_addf(ev, "stored configuration not read -> pvh");
        return XM_MODE_PVH;
    }
}

enum xm_mode xm_classify(const struct xm_classify_input *in, struct xm_strvec *ev)
{
    xm_strvec_addf(ev, "hvm flag %s", in->hvm_flag ? "set" : "clear");

    /* dom0 has no type record: xen-init-dom0 writes none, and its stub
     * configuration says pvh exactly when the flag is set. */
    if (in->dom0) {
        xm_strvec_addf(ev, "dom0 is classified by the hypervisor flag -> %s",
                       in->hvm_flag ? "pvh" : "pv");
        return in->hvm_flag ? XM_MODE_PVH : XM_MODE_PV;
    }

    enum rec lt = parse_rec(in->libxl_type, false);
    enum rec dt = parse_rec(in->domain_type, true);
    add_record_evidence(ev, "/libxl/%u/type", in->domid, in->libxl_type, lt);
    if (dt != REC_ABSENT)
        add_record_evidence(ev, "/local/domain/%u/domain-type", in->domid, in->domain_type, dt);

    /* domain-type is XenServer's and the more specific of the two. */
    bool from_domain_type = false;
    enum rec r = REC_ABSENT;
    if (dt != REC_ABSENT && dt != REC_INVALID) {
        if (lt != REC_ABSENT && lt != REC_INVALID && !records_agree(dt, lt))
            return fallback_to_flag(in, ev, "type records disagree");
        r = dt;
        from_domain_type = true;
    } else if (lt != REC_ABSENT && lt != REC_INVALID) {
        r = lt;
    }

    if (r == REC_ABSENT)
        return fallback_to_flag(in, ev, "no usable type record");

    if (!in->hvm_flag) {
        if (r == REC_PV) {
            xm_strvec_addf(ev, "-> pv");
            return XM_MODE_PV;
        }
        char why[96];
        snprintf(why, sizeof why, "type record says %s but the hvm flag is clear", rec_name(r));
        return fallback_to_flag(in, ev, why);
    }

    switch (r) {
    case REC_PV:
        return fallback_to_flag(in, ev, "type record says pv but the hvm flag is set");
    case REC_HVM:
        return hvm_or_pvhvm(in, ev);
    case REC_PV_IN_PVH:
        xm_strvec_addf(ev, "-> pv_in_pvh");
        return XM_MODE_PV_IN_PVH;
    case REC_PVH:
        if (from_domain_type) {
            xm_strvec_addf(ev, "-> pvh");
            return XM_MODE_PVH;
        }
        return classify_pvh(in, ev);
    default:
        return fallback_to_flag(in, ev, "no usable type record");
    }
}
