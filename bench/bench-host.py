#!/usr/bin/env python3
"""bench-host.py: the parts of `make bench` that change the fake host while an
exporter runs and watch the exporter catch up. Runs under tests/fake-host/run
(it calls tests/fake-host/xenstored-ctl and build/xenmode, which need that
environment). Prints one line of key=value pairs.

  bench-host.py changes URL FIXTURE K
      Moves the backend states of K domains (every backend of each: 4 -> 5,
      anything else -> 4), spread over the host, by rewriting FIXTURE and
      `xenstored-ctl reload`. Then takes a full read with `xenmode metrics`
      (the truth) and scrapes URL until its domain series equal it, counting
      the xenstore requests of each scrape (test server counter read before
      and after it; the full read falls between scrapes, so it is not counted).
      changed=K xs_next=<requests of the first scrape after the change>
      scrapes=<scrapes until exact> xs_until_exact=<their requests> exact=yes|no

  bench-host.py collect URL N
      N keep-alive scrapes; the p50 and p99 of the time the exporter says it
      spent collecting (xen_exporter_scrape_duration_seconds: the core's
      snapshot, libxl listing included), in ms: collect_p50_ms collect_p99_ms

  bench-host.py burst URL FIXTURE K
      On a running exporter: adds K domains (fixture rewrite + reload), polls
      scrapes until the set of domains they show equals the fixture's, then
      restores the original fixture (the K domains destroyed) and polls again.
      For each phase: reload_ms (the test server applying the change and
      firing the watches), exact_ms (from the end of the reload to the end
      of the first exact scrape), scrapes, last_ms (that scrape's own
      latency), xs (xenstore requests from the change to exactness) and the
      test server's watch count afterwards. Finally compares a scrape's
      domain series with a full read (`final_equal=yes|no`).
"""
import http.client
import json
import os
import re
import subprocess
import sys
import time

ROOT = os.environ.get("XM_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("XM_BUILD") or os.path.join(ROOT, "build")
CTL = os.path.join(ROOT, "tests", "fake-host", "xenstored-ctl")
DEADLINE_S = 30.0


def ctl(*args):
    return subprocess.run([CTL, *args], check=True, capture_output=True, text=True).stdout.strip()


def stats():
    return dict(kv.split("=", 1) for kv in ctl("stats").split())


def requests():
    return int(stats()["requests"])


def write_fixture(path, data):
    """Replaces the fixture atomically (the fake libxl rereads it on change)."""
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=1)
    os.replace(tmp, path)


def reload_ms():
    t0 = time.monotonic()
    out = ctl("reload")
    if out != "ok":
        sys.exit(f"bench-host: reload: {out}")
    return (time.monotonic() - t0) * 1e3


class Scraper:
    """Keep-alive GETs of the exporter's metrics, uncompressed."""

    def __init__(self, url):
        m = re.match(r"http://([^:/]+):(\d+)(/.*)", url)
        self.host, self.port, self.path = m.group(1), int(m.group(2)), m.group(3)
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)

    def get(self):
        """Returns (body, seconds)."""
        t0 = time.monotonic()
        try:
            self.conn.request("GET", self.path)
            r = self.conn.getresponse()
            body = r.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=60)
            self.conn.request("GET", self.path)
            r = self.conn.getresponse()
            body = r.read()
        if r.status != 200:
            sys.exit(f"bench-host: scrape answered {r.status}")
        return body, time.monotonic() - t0


INFO = re.compile(rb'^xen_domain_info\{domain="((?:[^"\\]|\\.)*)"', re.M)


def domain_set(body):
    return set(INFO.findall(body))


# Counted by a long-running collector from its own snapshots: a one-shot
# full read has no history to count from, so it is not part of the truth
# (a change of backend states is a mode change for some domains).
HISTORY = b"xen_domain_mode_transitions_total"


def domain_series(body):
    return sorted(l for l in body.split(b"\n")
                  if l.startswith(b"xen_domain_") and not l.startswith(HISTORY))


def full_read():
    """The domain series of a plain full read (the one-shot CLI)."""
    out = subprocess.run([os.path.join(BUILD, "xenmode"), "metrics"], check=True,
                         capture_output=True).stdout
    return domain_series(out)


def fixture_names(data):
    names = set()
    xs = data.get("xenstore", {})
    for d in data["domains"]:
        if d.get("vanish_after_list"):
            continue
        name = xs.get(f"/local/domain/{d['domid']}/name", d.get("name"))
        names.add(name.encode() if name is not None else f"domid-{d['domid']}".encode())
    return names


def cmd_changes(url, path, k):
    with open(path) as f:
        data = json.load(f)
    xs = data["xenstore"]
    fe = re.compile(r"^/local/domain/(\d+)/device/[^/]+/[^/]+/backend$")
    by_dom = {}
    for key, val in xs.items():
        m = fe.match(key)
        if m and int(m.group(1)) != 0 and (val + "/state") in xs:
            by_dom.setdefault(int(m.group(1)), []).append(val + "/state")
    doms = sorted(by_dom)
    k = min(k, len(doms))
    chosen = [doms[i * len(doms) // k] for i in range(k)] if k else []
    for d in chosen:
        for st in by_dom[d]:
            xs[st] = "5" if xs[st] == "4" else "4"
    write_fixture(path, data)
    reload_ms()
    truth = full_read()
    s = Scraper(url)
    deadline = time.monotonic() + DEADLINE_S
    scrapes = total = 0
    first = None
    exact = False
    while time.monotonic() < deadline:
        before = requests()
        body, _ = s.get()
        n = requests() - before
        scrapes += 1
        total += n
        if first is None:
            first = n
        if domain_series(body) == truth:
            exact = True
            break
        time.sleep(0.001)
    print(f"changed={k} xs_next={first} scrapes={scrapes} xs_until_exact={total} "
          f"exact={'yes' if exact else 'no'}")


def settle(s, want):
    """Scrapes until the domain set equals want. Returns (seconds, scrapes, last scrape's
    seconds) or None at the deadline."""
    t0 = time.monotonic()
    scrapes = 0
    while time.monotonic() - t0 < DEADLINE_S:
        body, took = s.get()
        scrapes += 1
        if domain_set(body) == want:
            return time.monotonic() - t0, scrapes, took
    return None


DURATION = re.compile(rb"^xen_exporter_scrape_duration_seconds ([0-9.e+-]+)$", re.M)


def cmd_collect(url, n):
    s = Scraper(url)
    vals = []
    for _ in range(n):
        body, _ = s.get()
        m = DURATION.search(body)
        if m:
            vals.append(float(m.group(1)) * 1e3)
    vals.sort()
    if not vals:
        sys.exit("bench-host: no xen_exporter_scrape_duration_seconds in the page")
    print(f"collect_p50_ms={vals[(len(vals) - 1) // 2]:.3f} "
          f"collect_p99_ms={vals[int((len(vals) - 1) * 0.99)]:.3f}")


def cmd_burst(url, path, k):
    with open(path) as f:
        original = f.read()
    data = json.loads(original)
    base_names = fixture_names(data)
    top = max(d["domid"] for d in data["domains"]) + 1
    xs = data["xenstore"]
    # The same mix as gen-fixture.sh: pv and pvhvm with a vbd and a vif
    # Connected, hvm with a vif in InitWait, pvh, pv_in_pvh.
    for domid in range(top, top + k):
        kind = domid % 5
        cfg, rec, hvm, devs = {
            1: ({"type": "pv"}, "pv", False, [("vbd", 51712, "4"), ("vif", 0, "4")]),
            2: ({"type": "pvh", "pvshim": False}, "pvh", True, []),
            3: ({"type": "hvm"}, "hvm", True, [("vif", 0, "2")]),
            4: ({"type": "hvm"}, "hvm", True, [("vbd", 768, "4"), ("vif", 0, "4")]),
            0: ({"type": "pvh", "pvshim": True}, "pvh", True, []),
        }[kind]
        data["domains"].append({
            "domid": domid, "name": f"burst-{domid}",
            "uuid": "b0b0%04x-0000-4000-8000-%012x" % (domid % 65536, domid),
            "hvm": hvm, "config": cfg})
        xs[f"/libxl/{domid}/type"] = rec
        xs[f"/libxl/{domid}/dm-version"] = "qemu_xen"
        for kind_name, devid, state in devs:
            fe = f"/local/domain/{domid}/device/{kind_name}/{devid}"
            be = f"/local/domain/0/backend/{kind_name}/{domid}/{devid}"
            xs[fe + "/backend"] = be
            xs[fe + "/backend-id"] = "0"
            xs[fe + "/state"] = state
            xs[be + "/state"] = state
            xs[be + "/frontend"] = fe
            xs[be + "/frontend-id"] = str(domid)
    s = Scraper(url)
    s.get()  # the connection is open and the exporter is in its steady state
    out = [f"burst={k}"]
    for phase, want in (("create", fixture_names(data)), ("destroy", base_names)):
        before = requests()
        if phase == "create":
            write_fixture(path, data)
        else:
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.write(original)
            os.replace(tmp, path)
        r_ms = reload_ms()
        res = settle(s, want)
        st = stats()
        xs_n = int(st["requests"]) - before
        if res is None:
            out.append(f"{phase}_reload_ms={r_ms:.1f} {phase}_exact_ms=timeout {phase}_xs={xs_n}")
            continue
        secs, scrapes, took = res
        out.append(f"{phase}_reload_ms={r_ms:.1f} {phase}_exact_ms={secs * 1e3:.1f} "
                   f"{phase}_scrapes={scrapes} {phase}_last_ms={took * 1e3:.1f} "
                   f"{phase}_xs={xs_n} {phase}_watches={st['watches']}")
    body, _ = s.get()
    out.append("final_equal=" + ("yes" if domain_series(body) == full_read() else "no"))
    print(" ".join(out))


def main():
    if len(sys.argv) == 4 and sys.argv[1] == "collect":
        return cmd_collect(sys.argv[2], int(sys.argv[3]))
    if len(sys.argv) != 5 or sys.argv[1] not in ("changes", "burst"):
        sys.exit(__doc__)
    cmd, url, path, k = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    (cmd_changes if cmd == "changes" else cmd_burst)(url, path, k)


if __name__ == "__main__":
    main()
