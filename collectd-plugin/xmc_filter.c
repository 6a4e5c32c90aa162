/*
 * xmc_filter.c - the `Domain` selection of <Plugin xenmode> (xmc_filter.h).
 */
#include "xmc_filter.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xmc_filter_entry {
    char *name;     /* exact entry, or NULL for a regex */
    regex_t regex;  /* valid when name == NULL */
};

struct xmc_filter {
    struct xmc_filter_entry *entries;
    size_t n;
};

int xmc_filter_add(struct xmc_filter **f, const char *entry, char *errbuf, size_t errsz)
{
    size_t len = strlen(entry);
    struct xmc_filter_entry e = {0};
    struct xmc_filter_entry *grown;

    if (len == 0) {
        snprintf(errbuf, errsz, "an empty name selects nothing");
        return EINVAL;
    }
    if (!*f) {
        *f = calloc(1, sizeof(**f));
        if (!*f)
            return ENOMEM;
    }
    if (len >= 2 && entry[0] == '/' && entry[len - 1] == '/') {
        char *pattern = strndup(entry + 1, len - 2);
        if (!pattern)
            return ENOMEM;
        int rc = regcomp(&e.regex, pattern, REG_EXTENDED | REG_NOSUB);
        free(pattern);
        if (rc != 0) {
            regerror(rc, &e.regex, errbuf, errsz);
            regfree(&e.regex);
            return EINVAL;
        }
    } else {
        e.name = strdup(entry);
        if (!e.name)
            return ENOMEM;
    }
    grown = realloc((*f)->entries, ((*f)->n + 1) * sizeof(*grown));
    if (!grown) {
        if (e.name)
            free(e.name);
        else
            regfree(&e.regex);
        return ENOMEM;
    }
    (*f)->entries = grown;
    (*f)->entries[(*f)->n++] = e;
    return 0;
}

bool xmc_filter_has_entries(const struct xmc_filter *f)
{
    return f && f->n > 0;
}

bool xmc_filter_matches(const struct xmc_filter *f, const char *name)
{
    if (!f)
        return false;
    for (size_t i = 0; i < f->n; i++) {
        const struct xmc_filter_entry *e = &f->entries[i];
        if (e->name ? strcmp(e->name, name) == 0 : regexec(&e->regex, name, 0, NULL, 0) == 0)
            return true;
    }
    return false;
}

void xmc_filter_free(struct xmc_filter *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n; i++) {
        if (f->entries[i].name)
            free(f->entries[i].name);
        else
            regfree(&f->entries[i].regex);
    }
    free(f->entries);
    free(f);
}
