#!/usr/bin/env python3
"""Checks that the promtool unit tests cover the rules files completely.

    rules_coverage.py RUNBOOK.md RULES.yml... -- TESTS.yml...

Prints one line per check, "PASS<TAB>what" or "FAIL<TAB>what", for
tests/integration/test-dashboards-rules.sh to turn into TAP:

- every alert has the summary, description and runbook_url annotations, and
  its runbook_url points at an anchor of the runbook as the xenmode-dashboards
  package installs it (uncompressed, so a browser opens it);
- every alert has an alert_rule_test where it fires (non-empty exp_alerts)
  and one where it does not (empty exp_alerts);
- every recording rule has a promql_expr_test that queries the recorded
  name and expects at least one sample of it.

promtool itself checks that the tests pass; this checks that they exist.
"""
import re
import sys

import yaml


# Where the xenmode-dashboards package installs docs/runbook.md.
RUNBOOK_URL = "file:///usr/share/doc/xenmode-dashboards/runbook.md#"

def slug(heading):
    """The anchor GitHub (and most Markdown renderers) give a heading."""
    s = heading.strip().lower()
    s = re.sub(r"[^\w\- ]", "", s)
    return s.replace(" ", "-")


def main(argv):
    if "--" not in argv or len(argv) < 4:
        print("usage: rules_coverage.py RUNBOOK.md RULES.yml... -- TESTS.yml...", file=sys.stderr)
        return 2
    sep = argv.index("--")
    runbook, rule_files, test_files = argv[1], argv[2:sep], argv[sep + 1:]

    with open(runbook, encoding="utf-8") as f:
        anchors = {slug(m.group(1)) for m in re.finditer(r"^#+\s+(.*)$", f.read(), re.M)}

    alerts, records = {}, set()
    for path in rule_files:
        with open(path, encoding="utf-8") as f:
            for group in yaml.safe_load(f)["groups"]:
                for rule in group["rules"]:
                    if "alert" in rule:
                        alerts[rule["alert"]] = rule
                    else:
                        records.add(rule["record"])

    fires, silent, recorded = set(), set(), set()
    for path in test_files:
        with open(path, encoding="utf-8") as f:
            doc = yaml.safe_load(f)
        for test in doc.get("tests", []):
            for a in test.get("alert_rule_test", []) or []:
                (fires if a.get("exp_alerts") else silent).add(a["alertname"])
            for e in test.get("promql_expr_test", []) or []:
                for s in e.get("exp_samples", []) or []:
                    name = re.match(r"\s*([A-Za-z_:][A-Za-z0-9_:]*)", s.get("labels", ""))
                    if name and name.group(1) in records and name.group(1) in e["expr"]:
                        recorded.add(name.group(1))

    results = []
    for name, rule in sorted(alerts.items()):
        ann = rule.get("annotations", {})
        missing = [k for k in ("summary", "description", "runbook_url") if not ann.get(k)]
        results.append((not missing, f"alert {name} has summary, description and runbook_url annotations"
                        + (f" (missing: {', '.join(missing)})" if missing else "")))
        link = ann.get("runbook_url", "")
        anchor = link.split("#", 1)[1] if "#" in link else ""
        results.append((link.startswith(RUNBOOK_URL) and anchor in anchors,
                        f"alert {name}: runbook_url {link or '(none)'} is an anchor of {runbook}"))
        results.append((name in fires, f"alert {name}: a unit test where it fires"))
        results.append((name in silent, f"alert {name}: a unit test where it does not fire"))
    for name in sorted(records):
        results.append((name in recorded, f"recording rule {name}: a unit test expecting its samples"))
    if not alerts and not records:
        results.append((False, "the rules files define rules"))

    for ok, what in results:
        print(("PASS" if ok else "FAIL") + "\t" + what)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
