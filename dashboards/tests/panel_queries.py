#!/usr/bin/env python3
"""Evaluates every query of the Grafana dashboards against a Prometheus server
the way Grafana would, and checks that it is valid PromQL and returns data.

    panel_queries.py check --prometheus URL [--promtool PATH] [--range SECONDS]
                     [--var NAME=VALUE]... [--expect-empty 'DASHBOARD/PANEL/REFID=REASON']...
                     DASHBOARD.json...
    panel_queries.py table --prometheus URL --var NAME=VALUE... [--with-value] DASHBOARD.json PANEL REFID

`check` prints one line per check, "PASS<TAB>what", "FAIL<TAB>what" or
"SKIP<TAB>what" (and "DIAG<TAB>text"), for the shell test to turn into TAP:

- panel titles are unique within a dashboard (they name the panels);
- every query variable resolves to at least one value (label_values over the
  server, chained: each variable sees the ones before it);
- every panel query, with the variables substituted as Grafana's Prometheus
  data source substitutes them, is valid PromQL for promtool (the expression
  is put in a temporary rules file and `promtool check rules` parses it);
- evaluated on the server (instant or range query, as the target says), it
  returns at least one series. A query listed with --expect-empty may return
  nothing (the reason is printed); if it returns series, a DIAG says so.

`table` prints the result of one instant query, one line per series with its
label values in alphabetical order of label names ("domain=x mode=y"), and
with --with-value the sample's value last ("value=1"; instant queries only).

Variables: `--var NAME=VALUE` fixes one (as if chosen in the dashboard);
the others take Grafana's defaults: "All" where the variable has includeAll,
otherwise its first value. Grafana's own $__range, $__range_s, $__interval
and $__rate_interval are set from --range and a 1s step.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

LABEL_VALUES = re.compile(r"^\s*label_values\(\s*(?:(.*),\s*)?([A-Za-z_][A-Za-z0-9_]*)\s*\)\s*$", re.S)
# prometheusSpecialRegexEscape in Grafana's Prometheus data source.
REGEX_SPECIAL = re.compile(r"[$^*{}\[\]'+?.()|]")


def regex_escape(v):
    return REGEX_SPECIAL.sub(lambda m: "\\\\" + m.group(0), v.replace("\\", "\\\\\\\\"))


def plain_escape(v):
    return v.replace("\\", "\\\\").replace("'", "\\\\'")


class Prom:
    def __init__(self, url):
        self.url = url.rstrip("/")

    def get(self, path, **params):
        q = urllib.parse.urlencode(params, doseq=True)
        try:
            with urllib.request.urlopen(f"{self.url}{path}?{q}", timeout=10) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:
            body = json.load(e)
        except (urllib.error.URLError, OSError) as e:
            raise RuntimeError(f"{self.url}: {e}") from None
        if body.get("status") != "success":
            raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
        return body["data"]

    def label_values(self, selector, label, start, end):
        params = {"start": start, "end": end}
        if selector:
            params["match[]"] = selector
        return sorted(self.get(f"/api/v1/label/{label}/values", **params))

    def query(self, expr, instant, start, end):
        if instant:
            return self.get("/api/v1/query", query=expr, time=end)["result"]
        return self.get("/api/v1/query_range", query=expr, start=start, end=end, step=1)["result"]


class Variables:
    """Grafana's template variables of one dashboard, resolved on a server."""

    def __init__(self, dashboard, prom, fixed, range_s, now):
        self.values = {}  # name -> formatted value for queries
        self.errors = []  # (variable, message)
        self.builtin = {"__range": f"{range_s}s", "__range_s": str(range_s), "__interval": "1s",
                        "__rate_interval": "4s", "__interval_ms": "1000"}
        start = now - range_s
        for v in dashboard.get("templating", {}).get("list", []):
            name = v["name"]
            if v["type"] == "datasource":
                continue
            if name in fixed:
                self.values[name] = self.format(v, [fixed[name]])
                continue
            query = v.get("query")
            query = query.get("query", "") if isinstance(query, dict) else (query or "")
            m = LABEL_VALUES.match(query)
            if v["type"] != "query" or not m:
                self.errors.append((name, f"cannot evaluate variable query {query!r}"))
                continue
            selector = self.substitute(m.group(1) or "")
            try:
                found = prom.label_values(selector, m.group(2), start, now)
            except RuntimeError as e:
                self.errors.append((name, f"label_values({selector}, {m.group(2)}): {e}"))
                continue
            if v.get("regex"):
                found = [x for x in found if re.search(v["regex"], x)]
            if not found:
                self.errors.append((name, f"label_values({selector}, {m.group(2)}) has no values"))
                continue
            if v.get("includeAll"):
                self.values[name] = v["allValue"] if v.get("allValue") else self.format(v, found)
            else:
                self.values[name] = self.format(v, found[:1])

    @staticmethod
    def format(var, values):
        if not var.get("multi") and not var.get("includeAll"):
            return plain_escape(values[0])
        esc = [regex_escape(x) for x in values]
        return esc[0] if len(esc) == 1 else "(" + "|".join(esc) + ")"

    def substitute(self, expr):
        table = dict(self.builtin, **self.values)

        def repl(m):
            name = m.group(1) or m.group(2) or m.group(3)
            return table.get(name, m.group(0))

        return re.sub(r"\$\{([A-Za-z0-9_]+)(?::[a-z]+)?\}|\[\[([A-Za-z0-9_]+)\]\]|\$([A-Za-z0-9_]+)", repl, expr)


def targets(dashboard):
    """(panel title, target) for every query of every panel, rows included."""
    def walk(panels):
        for p in panels:
            if p.get("type") == "row":
                yield from walk(p.get("panels", []))
                continue
            for t in p.get("targets", []):
                if not t.get("hide"):
                    yield p.get("title", f"panel {p.get('id')}"), t
    yield from walk(dashboard.get("panels", []))


def promql_error(promtool, expr):
    """None if promtool parses expr, else its message."""
    # JSON is YAML: a rules file with the query as its only recording rule.
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        json.dump({"groups": [{"name": "panel", "rules": [{"record": "panel_query", "expr": expr}]}]}, f)
        path = f.name
    try:
        r = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True)
    finally:
        os.unlink(path)
    if r.returncode == 0:
        return None
    lines = [ln.strip() for ln in (r.stdout + r.stderr).splitlines() if ln.strip()]
    return " ".join(ln for ln in lines if not ln.startswith("Checking")) or f"promtool exit {r.returncode}"


def parse_vars(items):
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep:
            sys.exit(f"panel_queries.py: --var wants NAME=VALUE, not {item!r}")
        out[name] = value
    return out


def emit(kind, what):
    """One line per check: a multi-line query is folded onto it."""
    print(f"{kind}\t{' '.join(what.split())}", flush=True)


def check(args):
    prom = Prom(args.prometheus)
    fixed = parse_vars(args.var)
    expect_empty = {}
    for item in args.expect_empty or []:
        key, _, reason = item.partition("=")
        expect_empty[key] = reason or "listed with --expect-empty"
    seen_expect = set()
    now = time.time()
    for path in args.dashboards:
        with open(path, encoding="utf-8") as f:
            dash = json.load(f)
        title = dash.get("title", path)
        panels = [p.get("title") for p in dash.get("panels", [])]
        dup = sorted({t for t in panels if panels.count(t) > 1})
        emit("FAIL" if dup else "PASS", f"{title}: panel titles are unique (they name the panels here)"
             + (f"; repeated: {', '.join(dup)}" if dup else ""))
        variables = Variables(dash, prom, fixed, args.range, now)
        for name, msg in variables.errors:
            emit("FAIL", f"{title}: variable ${name}: {msg}")
        for name in variables.values:
            if name not in fixed:
                emit("PASS", f"{title}: variable ${name} resolves ({variables.values[name]})")
        for panel, t in targets(dash):
            key = f"{title}/{panel}/{t.get('refId', '?')}"
            label = f"{title} / panel \"{panel}\" [{t.get('refId', '?')}]"
            expr = variables.substitute(t.get("expr", ""))
            if not expr.strip():
                emit("FAIL", f"{label}: empty query")
                continue
            err = promql_error(args.promtool, expr)
            if err:
                emit("FAIL", f"{label}: not valid PromQL: {err}")
                emit("DIAG", f"query: {expr}")
                continue
            emit("PASS", f"{label}: valid PromQL")
            instant = bool(t.get("instant")) and not t.get("range")
            try:
                result = prom.query(expr, instant, now - args.range, now)
            except RuntimeError as e:
                emit("FAIL", f"{label}: Prometheus refused the query: {e}")
                emit("DIAG", f"query: {expr}")
                continue
            kind = "instant" if instant else "range"
            if result:
                emit("PASS", f"{label}: {kind} query returns {len(result)} series")
                if key in expect_empty:
                    emit("DIAG", f"{key} now returns data: remove it from the expected-empty list")
            elif key in expect_empty:
                emit("SKIP", f"{label}: no series, as expected: {expect_empty[key]}")
            else:
                emit("FAIL", f"{label}: {kind} query returns no series")
                emit("DIAG", f"query: {expr}")
            seen_expect.add(key)
    for key in sorted(set(expect_empty) - seen_expect):
        emit("FAIL", f"expected-empty entry {key} names no query of the dashboards")
    return 0


def table(args):
    try:
        return table_rows(args)
    except RuntimeError as e:
        print(f"panel_queries.py: {e}", file=sys.stderr)
        return 2


def table_rows(args):
    prom = Prom(args.prometheus)
    with open(args.dashboards[0], encoding="utf-8") as f:
        dash = json.load(f)
    now = time.time()
    variables = Variables(dash, prom, parse_vars(args.var), args.range, now)
    for name, msg in variables.errors:
        print(f"panel_queries.py: variable ${name}: {msg}", file=sys.stderr)
    for panel, t in targets(dash):
        if panel == args.panel and t.get("refId") == args.refid:
            expr = variables.substitute(t["expr"])
            rows = [" ".join([f"{k}={v}" for k, v in sorted(s["metric"].items())]
                             + ([f"value={s['value'][1]}"] if args.with_value else []))
                    for s in prom.query(expr, True, now - args.range, now)]
            print("\n".join(sorted(rows)))
            return 0
    print(f"panel_queries.py: no query {args.refid} in panel {args.panel!r}", file=sys.stderr)
    return 2


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", choices=["check", "table"])
    ap.add_argument("--prometheus", required=True)
    ap.add_argument("--promtool", default="promtool")
    ap.add_argument("--range", type=int, default=60)
    ap.add_argument("--var", action="append")
    ap.add_argument("--expect-empty", action="append")
    ap.add_argument("--with-value", action="store_true")
    ap.add_argument("dashboards", nargs="+")
    args = ap.parse_args()
    if args.mode == "table":
        if len(args.dashboards) != 3:
            ap.error("table wants DASHBOARD.json PANEL REFID")
        args.dashboards, args.panel, args.refid = args.dashboards[:1], args.dashboards[1], args.dashboards[2]
        return table(args)
    return check(args)


if __name__ == "__main__":
    sys.exit(main())
