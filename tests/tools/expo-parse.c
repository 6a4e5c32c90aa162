/*
 * expo-parse: an independent reader of Prometheus text exposition, for tests.
 *
 *   expo-parse --dups FILE          exit 1 and list every series that appears
 *                                   twice (labels compared as a set)
 *   expo-parse --label METRIC MATCH_LABEL MATCH_VALUE LABEL FILE
 *                                   print the unescaped value of LABEL of the
 *                                   METRIC sample whose MATCH_LABEL equals
 *                                   MATCH_VALUE, raw bytes, no newline
 *
 * It shares no code with the formatter on purpose: a round trip through the
 * same escaping code would prove nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LABELS 16

struct label { char *name, *value; };
struct sample { char *metric; struct label l[MAX_LABELS]; int n; char *key; };

static void die(const char *msg, int line)
{
    fprintf(stderr, "expo-parse: line %d: %s\n", line, msg);
    exit(2);
}

/* Reads a quoted label value starting after the opening quote. */
static char *unescape(const char **pp, int line)
{
    const char *p = *pp;
    size_t cap = strlen(p) + 1, o = 0;
    char *out = malloc(cap);
    for (;; p++) {
        if (!*p)
            die("unterminated label value", line);
        if (*p == '"')
            break;
        if (*p == '\\') {
            p++;
            if (*p == 'n') out[o++] = '\n';
            else if (*p == '\\') out[o++] = '\\';
            else if (*p == '"') out[o++] = '"';
            else die("bad escape in label value", line);
        } else {
            out[o++] = *p;
        }
    }
    out[o] = '\0';
    *pp = p + 1;
    return out;
}

static int cmp_label(const void *a, const void *b)
{
    return strcmp(((const struct label *)a)->name, ((const struct label *)b)->name);
}

static void parse_line(const char *s, struct sample *out, int line)
{
    const char *p = s;
    size_t n = strcspn(p, "{ ");
    out->metric = strndup(p, n);
    out->n = 0;
    p += n;
    if (*p == '{') {
        p++;
        while (*p != '}') {
            if (out->n == MAX_LABELS)
                die("too many labels", line);
            size_t ln = strcspn(p, "=");
            if (!p[ln] || p[ln + 1] != '"')
                die("bad label", line);
            out->l[out->n].name = strndup(p, ln);
            p += ln + 2;
            out->l[out->n].value = unescape(&p, line);
            out->n++;
            if (*p == ',')
                p++;
            else if (*p != '}')
                die("expected , or }", line);
        }
        p++;
    }
    if (*p != ' ')
        die("expected a space before the value", line);
    qsort(out->l, (size_t)out->n, sizeof out->l[0], cmp_label);
    /* The identity: metric, then sorted name=value pairs, NUL-separated. */
    size_t klen = strlen(out->metric) + 2;
    for (int i = 0; i < out->n; i++)
        klen += strlen(out->l[i].name) + strlen(out->l[i].value) + 2;
    out->key = calloc(1, klen + 1);
    strcat(out->key, out->metric);
    for (int i = 0; i < out->n; i++) {
        strcat(out->key, "\x01");
        strcat(out->key, out->l[i].name);
        strcat(out->key, "\x02");
        strcat(out->key, out->l[i].value);
    }
}

static void free_sample(struct sample *s)
{
    free(s->metric);
    free(s->key);
    for (int i = 0; i < s->n; i++) {
        free(s->l[i].name);
        free(s->l[i].value);
    }
}

static int cmp_key(const void *a, const void *b)
{
    return strcmp(((const struct sample *)a)->key, ((const struct sample *)b)->key);
}

int main(int argc, char **argv)
{
    const char *file;
    int dups = 0;
    if (argc == 3 && strcmp(argv[1], "--dups") == 0) {
        dups = 1;
        file = argv[2];
    } else if (argc == 7 && strcmp(argv[1], "--label") == 0) {
        file = argv[6];
    } else {
        fprintf(stderr, "usage: expo-parse --dups FILE | --label METRIC MATCH_LABEL MATCH_VALUE LABEL FILE\n");
        return 2;
    }
    FILE *f = fopen(file, "r");
    if (!f) {
        perror(file);
        return 2;
    }
    struct sample *v = NULL;
    size_t n = 0, cap = 0;
    char *line = NULL;
    size_t lcap = 0;
    int lineno = 0;
    while (getline(&line, &lcap, f) > 0) {
        lineno++;
        line[strcspn(line, "\n")] = '\0';
        if (line[0] == '#' || line[0] == '\0')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            v = realloc(v, cap * sizeof *v);
        }
        parse_line(line, &v[n++], lineno);
    }
    free(line);
    fclose(f);

    int rc = 0;
    if (dups) {
        qsort(v, n, sizeof *v, cmp_key);
        for (size_t i = 1; i < n; i++)
            if (strcmp(v[i].key, v[i - 1].key) == 0) {
                printf("duplicate series: %s\n", v[i].metric);
                rc = 1;
            }
    } else {
        rc = 1;
        for (size_t i = 0; i < n && rc; i++) {
            if (strcmp(v[i].metric, argv[2]) != 0)
                continue;
            const char *match = NULL, *want = NULL;
            for (int k = 0; k < v[i].n; k++) {
                if (strcmp(v[i].l[k].name, argv[3]) == 0)
                    match = v[i].l[k].value;
                if (strcmp(v[i].l[k].name, argv[5]) == 0)
                    want = v[i].l[k].value;
            }
            if (match && want && strcmp(match, argv[4]) == 0) {
                fwrite(want, 1, strlen(want), stdout);
                rc = 0;
            }
        }
    }
    for (size_t i = 0; i < n; i++)
        free_sample(&v[i]);
    free(v);
    return rc;
}
