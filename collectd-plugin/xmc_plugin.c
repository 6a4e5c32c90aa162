/*
 * xmc_plugin.c - collectd read plugin "xenmode": the virtualization mode of
 * every Xen domain, over the xenmode collection core.
 *
 * Values (docs/collectd.md):
 *   xenmode-<domain>/gauge-<mode>   1 for the domain's mode, 0 for the other
 *                                   four (pv, pvh, hvm, pvhvm, pv_in_pvh)
 *   xenmode-<domain>/count-<kind>   PV devices of that kind whose backend is
 *                                   Connected (ReportPVDevices, default on)
 *
 * The plugin never talks to libxl or xenstore itself: one xm_collector,
 * created by init and freed by shutdown, takes a snapshot per read.
 *
 * State: collectd's config, init and shutdown callbacks take no argument,
 * so one static pointer holds the plugin's state between them; the read
 * callback gets the same state through its user_data and serializes on its
 * mutex, so collectd may call it from any read thread.
 */
#include "collectd/core/daemon/collectd.h"
#include "collectd/core/daemon/plugin.h"
#include "collectd/core/daemon/utils_complain.h"
#include "collectd/core/utils/common/common.h"

#include <math.h>
#include <pthread.h>

#include "xenmode/host.h"
#include "xenmode/configs.h"
#include "xmc_filter.h"
#include "xmc_names.h"

#define XMC_PLUGIN "xenmode"

/* Room for a plugin_instance or type_instance, NUL included. collectd's own
 * limit is DATA_MAX_NAME_LEN (128), but its client library (collectdctl,
 * collectd-nagios, anything on libcollectdclient) holds identifier parts in
 * LCC_NAME_LEN (64) bytes and silently cuts longer ones, so such values
 * could not be asked for. Names up to 63 bytes are kept verbatim. */
#define XMC_INSTANCE_SIZE 64

struct xmc_config {
    struct xmc_filter *domains; /* Domain entries, NULL when none */
    bool ignore_selected;       /* IgnoreSelected */
    bool report_pv_devices;     /* ReportPVDevices */
    cdtime_t interval;          /* Interval; 0 = collectd's for the plugin */
    double timeout;             /* Timeout: seconds a read may wait for xenstored */
    bool report_configured;     /* ReportConfiguredModes */
    char *config_dir;           /* ConfigDir; NULL = /etc/xen */
    int errors;                 /* options rejected by the config callback */
};

/* A name that was not used verbatim, logged once while it lasts. */
struct xmc_notice {
    uint32_t domid;
    char instance[XMC_INSTANCE_SIZE];
};

/* One reported domain of the current read. */
struct xmc_row {
    const struct xm_domain *dom;
    char instance[XMC_INSTANCE_SIZE];
    unsigned why;                 /* XMC_NAME_* flags of the name's mapping */
    bool shared;                  /* the mapped name was another domain's too */
    char mapped[XMC_INSTANCE_SIZE]; /* the instance before telling it apart */
};

struct xmc_state {
    struct xmc_config cfg;
    pthread_mutex_t lock;            /* serializes reads */
    struct xm_collector *collector;  /* set by init */
    struct xm_transitions *transitions; /* mode changes between reads; set by init */
    struct xm_config_cache *configs; /* set by init when report_configured */
    c_complain_t complaint;          /* "cannot read Xen" */
    c_complain_t config_complaint;   /* "cannot read the xl configurations" */
    bool failing;
    enum xm_err last_err;
    struct xmc_notice *notices;      /* logged during the previous read */
    size_t n_notices;
    struct xmc_notice *next_notices; /* being collected by this read */
    size_t n_next_notices;
};

static struct xmc_state *xmc_state;

static struct xmc_state *xmc_state_get(void)
{
    if (xmc_state)
        return xmc_state;
    struct xmc_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    if (pthread_mutex_init(&st->lock, NULL) != 0) {
        free(st);
        return NULL;
    }
    st->cfg.report_pv_devices = true;
    st->cfg.report_configured = true;
    st->cfg.timeout = XM_DEFAULT_TIMEOUT_SECONDS;
    C_COMPLAIN_INIT(&st->complaint);
    C_COMPLAIN_INIT(&st->config_complaint);
    xmc_state = st;
    return st;
}

static void xmc_state_free(struct xmc_state *st)
{
    if (!st)
        return;
    xm_collector_free(st->collector);
    xm_transitions_free(st->transitions);
    xm_config_cache_free(st->configs);
    free(st->cfg.config_dir);
    xmc_filter_free(st->cfg.domains);
    free(st->notices);
    free(st->next_notices);
    pthread_mutex_destroy(&st->lock);
    free(st);
}

/* ---- configuration ---------------------------------------------------- */

/* The values of a config item as written, for error messages. */
static void xmc_values_str(const oconfig_item_t *ci, char *buf, size_t bufsz)
{
    size_t o = 0;

    buf[0] = '\0';
    if (ci->values_num == 0) {
        snprintf(buf, bufsz, "(none)");
        return;
    }
    for (int i = 0; i < ci->values_num && o < bufsz; i++) {
        const oconfig_value_t *v = &ci->values[i];
        char esc[256];
        int n;

        switch (v->type) {
        case OCONFIG_TYPE_STRING:
            xmc_name_escape(v->value.string, esc, sizeof(esc));
            n = snprintf(buf + o, bufsz - o, "%s\"%s\"", i ? " " : "", esc);
            break;
        case OCONFIG_TYPE_NUMBER:
            n = snprintf(buf + o, bufsz - o, "%s%g", i ? " " : "", v->value.number);
            break;
        case OCONFIG_TYPE_BOOLEAN:
            n = snprintf(buf + o, bufsz - o, "%s%s", i ? " " : "", v->value.boolean ? "true" : "false");
            break;
        default:
            n = snprintf(buf + o, bufsz - o, "%s?", i ? " " : "");
            break;
        }
        if (n < 0)
            break;
        o += (size_t)n;
    }
}

static int xmc_config_bad(const oconfig_item_t *ci, const char *expected)
{
    char vals[512];
    xmc_values_str(ci, vals, sizeof(vals));
    ERROR(XMC_PLUGIN " plugin: option \"%s\": bad value %s: expected %s.", ci->key, vals, expected);
    return -1;
}

static int xmc_config_bool(const oconfig_item_t *ci, bool *out)
{
    if (ci->values_num == 1 && ci->values[0].type == OCONFIG_TYPE_BOOLEAN) {
        *out = ci->values[0].value.boolean;
        return 0;
    }
    if (ci->values_num == 1 && ci->values[0].type == OCONFIG_TYPE_STRING) {
        const char *s = ci->values[0].value.string;
        if (IS_TRUE(s)) {
            *out = true;
            return 0;
        }
        if (IS_FALSE(s)) {
            *out = false;
            return 0;
        }
    }
    return xmc_config_bad(ci, "exactly one of true or false");
}

static int xmc_config_dir(const oconfig_item_t *ci, char **out)
{
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING ||
        ci->values[0].value.string[0] != '/')
        return xmc_config_bad(ci, "one absolute directory path in quotes");
    char *dup = strdup(ci->values[0].value.string);
    if (!dup)
        return xmc_config_bad(ci, "a path (out of memory)");
    free(*out);
    *out = dup;
    return 0;
}

/* One number of seconds in (0, max]. */
static int xmc_config_seconds(const oconfig_item_t *ci, double max, double *out)
{
    char why[80];
    snprintf(why, sizeof(why), "one number of seconds, greater than 0 and at most %g", max);
    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_NUMBER ||
        !isfinite(ci->values[0].value.number) || ci->values[0].value.number <= 0 ||
        ci->values[0].value.number > max)
        return xmc_config_bad(ci, why);
    *out = ci->values[0].value.number;
    return 0;
}

static int xmc_config_interval(const oconfig_item_t *ci, cdtime_t *out)
{
    double secs;
    if (xmc_config_seconds(ci, 86400.0, &secs) != 0)
        return -1;
    *out = DOUBLE_TO_CDTIME_T(secs);
    if (*out == 0)
        return xmc_config_bad(ci, "one number of seconds, greater than 0 and at most 86400");
    return 0;
}

static int xmc_config_domain(const oconfig_item_t *ci, struct xmc_filter **domains)
{
    char why[256];

    if (ci->values_num != 1 || ci->values[0].type != OCONFIG_TYPE_STRING)
        return xmc_config_bad(ci, "one string: a domain name, or a regular expression between slashes");
    int rc = xmc_filter_add(domains, ci->values[0].value.string, why, sizeof(why));
    if (rc == ENOMEM) {
        ERROR(XMC_PLUGIN " plugin: option \"%s\": out of memory.", ci->key);
        return -1;
    }
    if (rc != 0) {
        char vals[512];
        xmc_values_str(ci, vals, sizeof(vals));
        ERROR(XMC_PLUGIN " plugin: option \"%s\": bad value %s: %s.", ci->key, vals, why);
        return -1;
    }
    return 0;
}

/*
 * The <Plugin xenmode> block. Every option is checked; each bad one is
 * logged with its name and value. Returning -1 makes collectd reject the
 * configuration (it logs "Parsing the config file failed" and exits 1), and
 * init refuses to start a plugin whose configuration had errors.
 */
static int xmc_config(oconfig_item_t *ci)
{
    struct xmc_state *st = xmc_state_get();
    int bad = 0;

    if (!st) {
        ERROR(XMC_PLUGIN " plugin: out of memory.");
        return -1;
    }
    for (int i = 0; i < ci->children_num; i++) {
        oconfig_item_t *child = ci->children + i;
        int rc;

        if (child->children_num > 0) {
            ERROR(XMC_PLUGIN " plugin: option \"%s\": unexpected block; <Plugin xenmode> takes "
                             "Domain, IgnoreSelected, ReportPVDevices, ReportConfiguredModes, ConfigDir, Interval and Timeout.",
                  child->key);
            rc = -1;
        } else if (strcasecmp("Domain", child->key) == 0) {
            rc = xmc_config_domain(child, &st->cfg.domains);
        } else if (strcasecmp("IgnoreSelected", child->key) == 0) {
            rc = xmc_config_bool(child, &st->cfg.ignore_selected);
        } else if (strcasecmp("ReportPVDevices", child->key) == 0) {
            rc = xmc_config_bool(child, &st->cfg.report_pv_devices);
        } else if (strcasecmp("Interval", child->key) == 0) {
            rc = xmc_config_interval(child, &st->cfg.interval);
        } else if (strcasecmp("Timeout", child->key) == 0) {
            /* A read stuck on xenstored holds a collectd read thread. */
            rc = xmc_config_seconds(child, 3600.0, &st->cfg.timeout);
        } else if (strcasecmp("ReportConfiguredModes", child->key) == 0) {
            rc = xmc_config_bool(child, &st->cfg.report_configured);
        } else if (strcasecmp("ConfigDir", child->key) == 0) {
            rc = xmc_config_dir(child, &st->cfg.config_dir);
        } else {
            ERROR(XMC_PLUGIN " plugin: unknown option \"%s\"; <Plugin xenmode> takes "
                             "Domain, IgnoreSelected, ReportPVDevices, ReportConfiguredModes, ConfigDir, Interval and Timeout.",
                  child->key);
            rc = -1;
        }
        if (rc != 0)
            bad++;
    }
    st->cfg.errors += bad;
    return bad ? -1 : 0;
}

/* ---- reading ---------------------------------------------------------- */

static bool xmc_selected(const struct xmc_config *cfg, const char *name, const char *instance)
{
    if (!xmc_filter_has_entries(cfg->domains))
        return true;
    bool match = xmc_filter_matches(cfg->domains, name) || xmc_filter_matches(cfg->domains, instance);
    return cfg->ignore_selected ? !match : match;
}

static const struct xmc_row *xmc_row_find(const struct xmc_row *rows, size_t n, const char *instance)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(rows[i].instance, instance) == 0)
            return &rows[i];
    return NULL;
}

/* true when (domid, instance) was logged by the previous read: the mapping
 * is remembered for the next one either way, so a lasting condition is
 * logged once and again only after it went away. */
static bool xmc_notice_seen(struct xmc_state *st, uint32_t domid, const char *instance)
{
    bool seen = false;

    for (size_t i = 0; i < st->n_notices; i++) {
        if (st->notices[i].domid == domid && strcmp(st->notices[i].instance, instance) == 0) {
            seen = true;
            break;
        }
    }
    /* next_notices has room for every domain of the snapshot (see read). */
    struct xmc_notice *n = &st->next_notices[st->n_next_notices++];
    n->domid = domid;
    sstrncpy(n->instance, instance, sizeof(n->instance));
    return seen;
}

static void xmc_submit_value(const char *instance, const char *type, const char *type_instance,
                             value_t v, cdtime_t time)
{
    value_list_t vl = VALUE_LIST_INIT;

    vl.values = &v;
    vl.values_len = 1;
    vl.time = time;
    sstrncpy(vl.plugin, XMC_PLUGIN, sizeof(vl.plugin));
    sstrncpy(vl.plugin_instance, instance, sizeof(vl.plugin_instance));
    sstrncpy(vl.type, type, sizeof(vl.type));
    sstrncpy(vl.type_instance, type_instance, sizeof(vl.type_instance));
    plugin_dispatch_values(&vl);
}

static void xmc_submit(const char *instance, const char *type, const char *type_instance,
                       gauge_t value, cdtime_t time)
{
    xmc_submit_value(instance, type, type_instance, (value_t){.gauge = value}, time);
}

/* The host's capabilities (xen_hypervisor_capability): plugin_instance "",
 * type "gauge", type_instance "capability_<cap>", 1/0. */
static void xmc_submit_capabilities(const struct xm_snapshot *snap, cdtime_t time)
{
    if (!snap->caps_known)
        return;
    for (int c = 0; c < XM_CAP_COUNT; c++) {
        char ti[32];
        snprintf(ti, sizeof ti, "capability_%s", xm_capability_name((enum xm_capability)c));
        xmc_submit("", "gauge", ti, snap->caps[c] ? 1.0 : 0.0, time);
    }
}

static void xmc_submit_derive(const char *instance, const char *type_instance, derive_t value,
                              cdtime_t time)
{
    xmc_submit_value(instance, "derive", type_instance, (value_t){.derive = value}, time);
}

/* The exporter's xen_domain_mode_transitions_total: type "derive",
 * type_instance "transition_<from>_to_<to>"; the two PV-driver pairs of an
 * HVM container always (0 until counted), any other pair once counted. */
static void xmc_submit_transitions(const struct xm_transitions *t, const struct xmc_row *row,
                                   cdtime_t time)
{
    const struct xm_domain *d = row->dom;
    for (int from = 0; from < XM_MODE_COUNT; from++)
        for (int to = 0; to < XM_MODE_COUNT; to++) {
            unsigned long c;
            if (!xm_transitions_reported(t, d, from, to, &c))
                continue;
            char ti[DATA_MAX_NAME_LEN];
            snprintf(ti, sizeof(ti), "transition_%s_to_%s", xm_mode_name(from), xm_mode_name(to));
            xmc_submit_derive(row->instance, ti, (derive_t)c, time);
        }
}

static void xmc_submit_domain(const struct xmc_config *cfg, const struct xmc_row *row, cdtime_t time)
{
    const struct xm_domain *d = row->dom;

    for (int m = 0; m < XM_MODE_COUNT; m++)
        xmc_submit(row->instance, "gauge", xm_mode_name((enum xm_mode)m),
                   d->mode == (enum xm_mode)m ? 1.0 : 0.0, time);
    /* What the hypervisor says: the exporter's xen_domain_pv_guest_width
     * (PV domains) and xen_domain_hap (HVM containers). */
    if (d->pv_width_bits)
        xmc_submit(row->instance, "gauge", "pv_guest_width", (gauge_t)d->pv_width_bits, time);
    if (d->paging != XM_PAGING_NONE)
        xmc_submit(row->instance, "gauge", "hap", d->paging == XM_PAGING_HAP ? 1.0 : 0.0, time);
    if (!cfg->report_pv_devices)
        return;
    for (size_t i = 0; i < d->n_devices; i++) {
        char kind[XMC_INSTANCE_SIZE];
        /* Kinds are xenstore path components; map them by the same rule. */
        xmc_name_map(d->devices[i].kind, kind, sizeof(kind));
        xmc_submit(row->instance, "count", kind, (gauge_t)d->devices[i].connected, time);
    }
}

/* "~" + tag after the instance, cut to fit (xm_unique_suffix_fn). */
static char *xmc_instance_suffix(const char *label, const char *tag, void *ctx)
{
    (void)ctx;
    char buf[XMC_INSTANCE_SIZE];
    sstrncpy(buf, label, sizeof(buf));
    xmc_name_suffix(buf, sizeof(buf), tag);
    return strdup(buf);
}

/* Tells apart the rows whose mapped names are equal (docs/collectd.md,
 * "Domain names", rule 4): the lowest domid keeps the name, the others get
 * "~<domid>", whatever the order of the list. -1 when out of memory. */
static int xmc_unique_instances(struct xmc_row *rows, size_t n_rows)
{
    char **labels = calloc(n_rows + 1, sizeof(*labels));
    uint32_t *ids = calloc(n_rows + 1, sizeof(*ids));
    bool *renamed = calloc(n_rows + 1, sizeof(*renamed));
    int rc = -1;

    if (!labels || !ids || !renamed)
        goto out;
    for (size_t i = 0; i < n_rows; i++) {
        sstrncpy(rows[i].mapped, rows[i].instance, sizeof(rows[i].mapped));
        ids[i] = rows[i].dom->domid;
        if (!(labels[i] = strdup(rows[i].instance)))
            goto out;
    }
    if (xm_unique_labels(labels, ids, n_rows, xmc_instance_suffix, NULL, renamed) != 0)
        goto out;
    for (size_t i = 0; i < n_rows; i++) {
        rows[i].shared = renamed[i];
        sstrncpy(rows[i].instance, labels[i], sizeof(rows[i].instance));
    }
    rc = 0;
out:
    for (size_t i = 0; labels && i < n_rows; i++)
        free(labels[i]);
    free(labels);
    free(ids);
    free(renamed);
    return rc;
}

/* Logs a domain whose name is not its plugin_instance verbatim, once while
 * that lasts. */
static void xmc_log_instance(struct xmc_state *st, const struct xmc_row *rows, size_t n_rows,
                             const struct xmc_row *row)
{
    const struct xm_domain *d = row->dom;
    char raw[256], whys[128];

    if ((row->why == 0 && !row->shared) || xmc_notice_seen(st, d->domid, row->instance))
        return;
    xmc_name_escape(d->name, raw, sizeof(raw));
    if (row->shared) {
        const struct xmc_row *keeper = xmc_row_find(rows, n_rows, row->mapped);
        WARNING(XMC_PLUGIN " plugin: domain %" PRIu32 " (name \"%s\") would have the "
                           "plugin_instance \"%s\" of domain %" PRIu32 "; it is reported as \"%s\".",
                d->domid, raw, row->mapped, keeper ? keeper->dom->domid : d->domid, row->instance);
    } else {
        xmc_name_why(row->why, whys, sizeof(whys));
        NOTICE(XMC_PLUGIN " plugin: domain %" PRIu32 " (name \"%s\") %s; it is reported as "
                          "plugin_instance \"%s\".",
               d->domid, raw, whys, row->instance);
    }
}

/* The configured modes of the xl configurations: for each configured
 * domain (running or not) type "gauge", type_instance "configured_<mode>",
 * 1/0 over pv, pvh, hvm, pv_in_pvh; and plugin_instance "" type "count"
 * type_instance "config_files_failed". A bad file is logged when its result
 * changes, the directory once while it cannot be read. */
static void xmc_submit_configured(struct xmc_state *st, cdtime_t time)
{
    struct xm_config_set *set = NULL;
    struct xm_error err = {0};

    if (xm_config_cache_get(st->configs, &set, &err) != XM_OK) {
        c_complain_once(LOG_WARNING, &st->config_complaint,
                        XMC_PLUGIN " plugin: cannot read the xl configurations: %s", err.message);
        xmc_submit("", "count", "config_files_failed", 1, time);
        return;
    }
    c_release(LOG_INFO, &st->config_complaint,
              XMC_PLUGIN " plugin: the xl configurations are readable again.");
    for (size_t i = 0; i < set->n_configs; i++) {
        const struct xm_config *c = &set->configs[i];
        char raw[256], instance[XMC_INSTANCE_SIZE];
        if (c->error) {
            if (c->changed) {
                xmc_name_escape(c->file, raw, sizeof(raw));
                WARNING(XMC_PLUGIN " plugin: %s: %s", raw, c->error);
            }
            continue;
        }
        if (!c->name || !c->name[0])
            continue;
        xmc_name_map(c->name, instance, sizeof(instance));
        if (!xmc_selected(&st->cfg, c->name, instance))
            continue;
        for (enum xm_mode m = 0; m < XM_MODE_COUNT; m++) {
            if (!xm_mode_configurable(m))
                continue;
            char ti[32];
            snprintf(ti, sizeof(ti), "configured_%s", xm_mode_name(m));
            xmc_submit(instance, "gauge", ti, c->mode == m ? 1.0 : 0.0, time);
        }
    }
    xmc_submit("", "count", "config_files_failed", (gauge_t)set->n_failed, time);
    xm_config_set_free(set);
}

/* Logs a failure once per change of state: the first failure after a
 * success, or a failure of another kind than the previous one. */
static void xmc_failed(struct xmc_state *st, enum xm_err code, const char *message)
{
    if (st->failing && code != st->last_err)
        C_COMPLAIN_INIT(&st->complaint);
    st->failing = true;
    st->last_err = code;
    c_complain_once(LOG_ERR, &st->complaint, XMC_PLUGIN " plugin: cannot read Xen: %s", message);
}

/* The core's notices: a domain over its per-domain bounds, once per domain
 * (docs/design.md, "Memory and per-domain bounds"). */
static void xmc_log_notices(struct xmc_state *st)
{
    struct xm_strvec v;
    xm_strvec_init(&v);
    xm_collector_notices(st->collector, &v);
    for (size_t i = 0; i < v.n; i++)
        WARNING(XMC_PLUGIN " plugin: %s; the rest is not read.", v.items[i]);
    xm_strvec_dispose(&v);
}

static int xmc_read_locked(struct xmc_state *st)
{
    struct xm_snapshot *snap = NULL;
    struct xm_error err = {0};
    struct xmc_row *rows = NULL;
    size_t n_rows = 0;
    int rc = -1;

    if (xm_collector_snapshot(st->collector, &snap, &err) != XM_OK) {
        xmc_failed(st, err.code, err.message);
        return -1;
    }
    st->failing = false;
    c_release(LOG_INFO, &st->complaint, XMC_PLUGIN " plugin: reading Xen works again (%zu domains).",
              snap->n_domains);
    xmc_log_notices(st);

    free(st->next_notices);
    st->n_next_notices = 0;
    st->next_notices = calloc(snap->n_domains + 1, sizeof(*st->next_notices));
    rows = calloc(snap->n_domains + 1, sizeof(*rows));
    if (!rows || !st->next_notices) {
        xmc_failed(st, XM_ERR_NOMEM, "out of memory");
        goto out;
    }

    cdtime_t now = cdtime();
    for (size_t i = 0; i < snap->n_domains; i++) {
        struct xmc_row *row = &rows[n_rows];
        row->dom = &snap->domains[i];
        row->why = xmc_name_map(row->dom->name, row->instance, sizeof(row->instance));
        if (!xmc_selected(&st->cfg, row->dom->name, row->instance))
            continue;
        if (row->instance[0] == '\0') {
            char tag[16];
            snprintf(tag, sizeof(tag), "%" PRIu32, row->dom->domid);
            xmc_name_suffix(row->instance, sizeof(row->instance), tag);
        }
        n_rows++;
    }
    if (xmc_unique_instances(rows, n_rows) != 0) {
        xmc_failed(st, XM_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n_rows; i++)
        xmc_log_instance(st, rows, n_rows, &rows[i]);
    /* Counted over every domain read, whatever the filter shows. */
    (void)xm_transitions_update(st->transitions, snap, &err);
    for (size_t i = 0; i < n_rows; i++) {
        xmc_submit_domain(&st->cfg, &rows[i], now);
        xmc_submit_transitions(st->transitions, &rows[i], now);
    }
    xmc_submit_capabilities(snap, now);
    if (st->configs)
        xmc_submit_configured(st, now);

    /* This read's notices become the ones to compare the next read with. */
    free(st->notices);
    st->notices = st->next_notices;
    st->n_notices = st->n_next_notices;
    st->next_notices = NULL;
    st->n_next_notices = 0;
    rc = 0;
out:
    free(rows);
    xm_snapshot_free(snap);
    return rc;
}

static int xmc_read(user_data_t *ud)
{
    struct xmc_state *st = ud->data;
    int rc;

    pthread_mutex_lock(&st->lock);
    rc = xmc_read_locked(st);
    pthread_mutex_unlock(&st->lock);
    return rc;
}

/* ---- life cycle ------------------------------------------------------- */

static int xmc_init(void)
{
    struct xmc_state *st = xmc_state_get();
    struct xm_error err = {0};

    if (!st) {
        ERROR(XMC_PLUGIN " plugin: out of memory.");
        return -1;
    }
    if (st->cfg.errors > 0) {
        ERROR(XMC_PLUGIN " plugin: not started: %d option(s) of <Plugin xenmode> were rejected "
                         "(see above).",
              st->cfg.errors);
        return -1;
    }
    if (st->collector) /* init runs again on some platforms */
        return 0;
    if (xm_collector_new(&st->collector, &err) != XM_OK) {
        ERROR(XMC_PLUGIN " plugin: %s", err.message);
        return -1;
    }
    xm_collector_set_timeout(st->collector, st->cfg.timeout);
    if (!st->transitions && xm_transitions_new(&st->transitions, &err) != XM_OK) {
        ERROR(XMC_PLUGIN " plugin: %s", err.message);
        xm_collector_free(st->collector);
        st->collector = NULL;
        return -1;
    }
    if (st->cfg.report_configured &&
        xm_config_cache_new(st->cfg.config_dir, &st->configs, &err) != XM_OK) {
        ERROR(XMC_PLUGIN " plugin: %s", err.message);
        xm_collector_free(st->collector);
        st->collector = NULL;
        return -1;
    }
    user_data_t ud = {.data = st, .free_func = NULL}; /* shutdown frees st */
    int status = plugin_register_complex_read(NULL, XMC_PLUGIN, xmc_read, st->cfg.interval, &ud);
    if (status != 0) {
        ERROR(XMC_PLUGIN " plugin: registering the read callback failed (status %d).", status);
        xm_collector_free(st->collector);
        st->collector = NULL;
        xm_config_cache_free(st->configs);
        st->configs = NULL;
        return -1;
    }
    return 0;
}

/* collectd stops the read threads before it calls shutdown callbacks. */
static int xmc_shutdown(void)
{
    xmc_state_free(xmc_state);
    xmc_state = NULL;
    return 0;
}

void module_register(void)
{
    plugin_register_complex_config(XMC_PLUGIN, xmc_config);
    plugin_register_init(XMC_PLUGIN, xmc_init);
    plugin_register_shutdown(XMC_PLUGIN, xmc_shutdown);
}
