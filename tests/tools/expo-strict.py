#!/usr/bin/python3
"""Reads an exposition page on stdin and parses it with prometheus_client
(Debian's python3-prometheus-client): --openmetrics with its strict
OpenMetrics parser (text_string_to_metric_families of
prometheus_client.openmetrics.parser: rejects a series that appears twice
out of its group, a missing # EOF, bad escapes), else with its text-format
parser. Either way every sample is also checked to be the only one with its
name and labels, as parsed and as written (the text parser does not check
that, and the OpenMetrics parser drops a repeated sample that directly
follows the first).
Prints "domain<TAB>domid" for each xen_domain_info sample; exit 1 with a
one-line reason on any error."""
import sys

def main():
    om = "--openmetrics" in sys.argv[1:]
    text = sys.stdin.buffer.read().decode("utf-8")  # invalid UTF-8 fails here
    if om:
        from prometheus_client.openmetrics.parser import text_string_to_metric_families
    else:
        from prometheus_client.parser import text_string_to_metric_families
    seen = set()
    rows = []
    try:
        written = set()
        for line in text.splitlines():
            if line.startswith("#") or not line:
                continue
            # Name and labels, without the value and a timestamp: the
            # last '}' closes the labels (values and timestamps have none).
            series = line[:line.rindex("}") + 1] if "{" in line else line.split(" ")[0]
            if series in written:
                raise ValueError("duplicate series: " + series)
            written.add(series)
        for fam in text_string_to_metric_families(text):
            for s in fam.samples:
                key = (s.name, tuple(sorted(s.labels.items())))
                if key in seen:
                    raise ValueError("duplicate series: %r" % (key,))
                seen.add(key)
                if s.name == "xen_domain_info":
                    rows.append("%s\t%s" % (s.labels["domain"], s.labels["domid"]))
    except ValueError as e:
        print("expo-strict: %s" % e, file=sys.stderr)
        return 1
    for r in rows:
        print(r)
    return 0

sys.exit(main())
