/*
 * cli.h - shared pieces of the `xenmode` command: the subcommand table
 * entries and the output helpers.
 *
 * Exit statuses: the list below, the same for every command, documented in
 * docs/man/xenmode.1.scd (EXIT STATUS) and checked by tests/integration/
 * test-cli-exit.sh. One line on stderr says what failed.
 */
#ifndef XENMODE_CLI_H
#define XENMODE_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "xenmode/host.h"

enum cli_exit {
    EXIT_OK = 0,
    EXIT_FINDING = 1, /* done, and the answer is a finding: `self`, not on
                         Xen; `configs`, some configuration files are bad */
    EXIT_USAGE = 2,   /* bad options or arguments (the usage is printed) */
    EXIT_NOXEN = 3,   /* Xen, libxl or xenstore cannot be read */
    EXIT_ERROR = 4,   /* anything else: an input that cannot be read, output
                         that cannot be written, out of memory */
    EXIT_REFUSED = 5, /* `metrics --output`: the target exists and is not a
                         regular file (a device, FIFO, directory, or a
                         symbolic link to one); it is left alone */
};

int cmd_list(int argc, char **argv);
int cmd_metrics(int argc, char **argv);
int cmd_self(int argc, char **argv);
int cmd_configs(int argc, char **argv);

/* "xenmode: <message>" on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* "xenmode: <message>" and the command's usage on stderr; returns
 * EXIT_USAGE, for `return cli_usage_error(list_usage, "...", ...)`. */
int cli_usage_error(void (*usage)(FILE *), const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* One option of a subcommand, stored into the command's context (a struct
 * of its own) at offset. */
enum cli_opt_kind {
    CLI_FLAG,   /* no value: sets a bool */
    CLI_STRING, /* a value: sets a const char * */
    CLI_CHOICE, /* a value that must be choices[0] or choices[1]: sets a bool
                   to whether it is choices[1] */
};
struct cli_opt {
    const char *name;       /* the long option, without "--"; NULL ends a table */
    enum cli_opt_kind kind;
    size_t offset;          /* offsetof(context, field) */
    const char *choices[2]; /* CLI_CHOICE */
    bool nonempty;          /* CLI_STRING: an empty value is a usage error */
};

#define CLI_MAX_OPTIONS 14
/* A subcommand's command line: its name, its usage and its options (at
 * most CLI_MAX_OPTIONS; --help is added). */
struct cli_options {
    const char *cmd;
    void (*usage)(FILE *out);
    const struct cli_opt *opts;
};

/*
 * cli_parse_options
 *
 * The option loop every subcommand shares (getopt_long, long options
 * only): --help prints the usage on stdout; an unknown option, a missing,
 * empty or unknown value, or a stray argument is a usage error (message and
 * usage on stderr); every other option is stored into ctx.
 * RETURN VALUE: -1 to go on with the command, or the exit status to end it
 * with (EXIT_OK after --help).
 */
int cli_parse_options(const struct cli_options *o, int argc, char **argv, void *ctx);
/* In a command: parses, and returns from it when parsing ends the command. */
#define CLI_PARSE_OPTIONS(o, argc, argv, ctx)                            \
    do {                                                                  \
        int parsed_ = cli_parse_options((o), (argc), (argv), (ctx));     \
        if (parsed_ >= 0)                                                 \
            return parsed_;                                               \
    } while (0)

/*
 * cli_term_text (term.c)
 *
 * Appends s to b (NULL: only counts) as text safe for a terminal: invalid
 * bytes become U+FFFD; newline and tab are written \n and \t, the other C0
 * controls and DEL \xNN, and the C1 controls and the format characters
 * that reorder or hide text (bidi embeddings, overrides and isolates
 * U+202A-U+202E and U+2066-U+2069, the marks U+200E, U+200F, U+061C,
 * zero-width characters, U+2028/U+2029, U+FEFF) \uXXXX; a backslash is
 * doubled when escape_backslash, so every escape can be told from a name
 * that contains the same text. So a name cannot break a table line, move
 * the cursor, or make the rest of the line read in another order.
 * RETURN VALUE: the terminal columns used (one per code point kept, one
 * per character of an escape).
 */
size_t cli_term_text(struct xm_buf *b, const char *s, bool escape_backslash);

/* Writes s for a terminal (cli_term_text, backslashes doubled): table and
 * list views only; JSON and metrics output carry names exactly. */
void cli_put_display(FILE *out, const char *s);
/* Number of terminal columns cli_put_display() uses. */
size_t cli_display_width(const char *s);

/* Writes an evidence line: the core already quotes the values it puts
 * there (its backslashes are its own escapes, kept), the rest goes through
 * cli_term_text all the same. */
void cli_put_evidence(FILE *out, const char *s);

/* Prints v as indented JSON and a newline on stdout, then releases v
 * (the reference is taken, as json_*_new functions do). 0 or -1. */
struct json_t;
int cli_print_json(struct json_t *v);

enum cli_replace { CLI_REPLACE_OK, CLI_REPLACE_FAILED, CLI_REPLACE_REFUSED };
/*
 * cli_replace_file (output_file.c)
 *
 * Replaces the file at path with data, atomically: a temporary file with an
 * unpredictable name is created beside it with O_CREAT|O_EXCL|O_NOFOLLOW
 * (so a link planted in a directory others can write to is never
 * followed), written, given the existing file's permissions and owner
 * (set-id bits dropped; a new file: 0666 less the umask), fsync'ed, then
 * renamed over path. A
 * target that exists and is not a regular file (after following links) is
 * refused and left alone. On any failure the temporary file is removed and
 * the target is unchanged. why gets a one-line reason otherwise.
 */
enum cli_replace cli_replace_file(const char *path, const char *data, size_t len, char *why,
                                  size_t whysz);

/* Takes a snapshot; on failure prints the error and returns NULL. */
struct xm_snapshot *cli_snapshot(void);

#endif
