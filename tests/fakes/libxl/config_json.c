/*
 * config_json.c - the stored configuration ("libxl-json" userdata) of a
 * fixture domain, shaped as libxl writes it.
 *
 * libxl stores libxl_domain_config_to_json() output plus its NUL
 * (libxl__set_domain_configuration, init-dom-json.c: "libxl-json format
 * requires the string ends with '\0'"). The generated JSON writer
 * (gentypes.py) leaves out scalar fields at their default, always writes
 * nested structs (as {} when empty), and names the build_info union member
 * after its key: "type.pv", "type.hvm" (with its vga/vnc/sdl/spice/rdm
 * structs) or "type.pvh". pvshim is a defbool: "True", "False", or absent
 * at its default. yajl beautifies with 4 spaces and ends with a newline.
 * For a config holding only type, name, uuid and pvshim this writes the
 * same JSON as the real libxl_domain_config_to_json (the integration test
 * compares the two).
 *
 * Fixture "config": {"type": STRING, "pvshim": true|false|STRING}. The type
 * is copied verbatim; the union member is chosen case-insensitively, as
 * libxl_domain_type_from_string does. A string pvshim is copied verbatim,
 * so a fixture can store a malformed defbool.
 */
#include "fakexl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int set_new(json_t *obj, const char *key, json_t *value)
{
    return json_object_set_new(obj, key, value);
}

static json_t *build_union(json_t *cfg, const char **key)
{
    const char *type = json_string_value(json_object_get(cfg, "type"));
    json_t *u = json_object();
    *key = NULL;
    if (!u || !type)
        return u;
    if (strcasecmp(type, "pv") == 0) {
        *key = "type.pv";
    } else if (strcasecmp(type, "hvm") == 0) {
        *key = "type.hvm";
        static const char *const nested[] = {"vga", "vnc", "sdl", "spice", "rdm"};
        for (size_t i = 0; i < sizeof nested / sizeof nested[0]; i++)
            set_new(u, nested[i], json_object());
    } else if (strcasecmp(type, "pvh") == 0) {
        *key = "type.pvh";
        json_t *shim = json_object_get(cfg, "pvshim");
        if (json_is_boolean(shim))
            set_new(u, "pvshim", json_string(json_is_true(shim) ? "True" : "False"));
        else if (json_is_string(shim))
            set_new(u, "pvshim", json_copy(shim));
    }
    return u;
}

static json_t *build(json_t *dom)
{
    json_t *cfg = json_object_get(dom, "config");
    json_t *root = json_object(), *c_info = json_object(), *b_info = json_object();
    set_new(root, "c_info", c_info);
    set_new(root, "b_info", b_info);

    json_t *type = json_object_get(cfg, "type");
    if (json_is_string(type))
        set_new(c_info, "type", json_copy(type));
    json_t *name = json_object_get(dom, "name");
    if (json_is_string(name))
        set_new(c_info, "name", json_copy(name));
    /* The uuid is written in canonical form, and left out when nil. */
    const char *text = json_string_value(json_object_get(dom, "uuid"));
    libxl_uuid uuid;
    if (text && libxl_uuid_from_string(&uuid, text) == 0 && !libxl_uuid_is_nil(&uuid)) {
        char canon[LIBXL_UUID_FMTLEN + 1];
        snprintf(canon, sizeof canon, LIBXL_UUID_FMT, LIBXL_UUID_BYTES(uuid));
        set_new(c_info, "uuid", json_string(canon));
    }

    set_new(b_info, "sched_params", json_object());
    const char *key;
    json_t *u = build_union(cfg, &key);
    if (key)
        set_new(b_info, key, u);
    else
        json_decref(u);
    set_new(b_info, "arch_arm", json_object());
    set_new(b_info, "arch_x86", json_object());
    return root;
}

int fxl_config_json(json_t *dom, uint8_t **data, int *len)
{
    json_t *root = build(dom);
    char *text = root ? json_dumps(root, JSON_INDENT(4) | JSON_PRESERVE_ORDER) : NULL;
    json_decref(root);
    if (!text)
        return -1;
    size_t n = strlen(text);
    uint8_t *out = malloc(n + 2);
    if (!out) {
        free(text);
        return -1;
    }
    memcpy(out, text, n);
    out[n] = '\n';
    out[n + 1] = '\0';
    free(text);
    *data = out;
    *len = (int)(n + 2); /* the NUL is part of what libxl stores */
    return 0;
}
