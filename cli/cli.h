/*
 * cli.h - shared pieces of the `xenmode` command: the subcommand table
 * entries and the output helpers.
 *
 * Exit statuses: 0 success; 2 bad usage or Xen/xenstore/libxl unavailable
 * (one line on stderr says what is missing). `self` adds 1 for "not on Xen".
 */
#ifndef XENMODE_CLI_H
#define XENMODE_CLI_H

#include <stdio.h>

#include "xenmode/host.h"

#define EXIT_USAGE 2
#define EXIT_NOXEN 2

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

/* Writes s for a terminal: valid UTF-8 kept, invalid bytes as U+FFFD,
 * control characters and backslash escaped (\n, \t, \\, \xNN), so a name
 * cannot break a table line or move the cursor. */
void cli_put_display(FILE *out, const char *s);
/* Number of terminal columns cli_put_display() uses (one per code point). */
size_t cli_display_width(const char *s);

/* Writes an evidence line: the core already quotes every value it puts
 * there, so only stray control characters are replaced. */
void cli_put_evidence(FILE *out, const char *s);

/* Prints v as indented JSON and a newline on stdout, then releases v
 * (the reference is taken, as json_*_new functions do). 0 or -1. */
struct json_t;
int cli_print_json(struct json_t *v);

/* Takes a snapshot; on failure prints the error and returns NULL. */
struct xm_snapshot *cli_snapshot(void);

#endif
