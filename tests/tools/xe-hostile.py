#!/usr/bin/env python3
"""Hostile clients against an HTTP(S) server, with real scrapes measured
while the attack runs. Used by tests/integration/test-exporter-hostile.sh.

  xe-hostile.py --port P MODE [options]

MODE
  slowpost   N connections send POST headers announcing a large body, then
             drip one body byte every --drip seconds
  idle       N connections open and send nothing
  halfclose  --bursts bursts of N connections that each send half a request
             and close at once (the sockets the server has not accepted yet
             reach CLOSE-WAIT)
  slowheader N connections drip one header byte every --drip seconds
  hold       N idle connections held until stdin closes (for the SIGTERM
             test); prints "held N" when they are open

The attackers connect from --attack-from (127.0.0.2 by default), the scrapes
from 127.0.0.1, as Prometheus would from its own address. During the attack
(and for --after seconds after the last burst in halfclose) a scrape of
--path runs every --interval seconds on a new connection; each has
--timeout seconds. Prints one JSON object: the number of attack connections
actually opened, and the scrapes' count, failures (any status but 200, or
no answer) and latency percentiles in milliseconds.
"""
import argparse
import base64
import json
import resource
import select
import socket
import ssl
import sys
import time


def raise_fd_limit():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def connect(args, source, block=True):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((source, 0))
    s.settimeout(args.timeout if block else 2)
    s.connect(("127.0.0.1", args.port))
    return s


def scrape(args):
    """One GET on a new connection: (status or 0, seconds)."""
    start = time.monotonic()
    status = 0
    try:
        s = connect(args, "127.0.0.1")
        if args.tls:
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            s = ctx.wrap_socket(s)
        req = "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n" % args.path
        if args.user:
            req += "Authorization: Basic %s\r\n" % base64.b64encode(args.user.encode()).decode()
        s.sendall((req + "\r\n").encode())
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        line = data.split(b"\r\n", 1)[0].split()
        if len(line) >= 2 and line[1].isdigit():
            status = int(line[1])
    except OSError:
        status = 0
    return status, time.monotonic() - start


def open_many(args, n, first_bytes=b""):
    socks = []
    for _ in range(n):
        try:
            s = connect(args, args.attack_from, block=False)
            if first_bytes:
                s.sendall(first_bytes)
            s.setblocking(False)
            socks.append(s)
        except OSError:
            pass
    return socks


def drip(socks, byte):
    alive = []
    for s in socks:
        try:
            s.send(byte)
            alive.append(s)
        except OSError:
            s.close()
    return alive


def percentile(values, p):
    if not values:
        return None
    v = sorted(values)
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return round(v[k] * 1000, 1)


def measure(args, until, tick=None):
    results = []
    next_tick = time.monotonic()
    while time.monotonic() < until:
        results.append(scrape(args))
        if tick and time.monotonic() >= next_tick:
            tick()
            next_tick = time.monotonic() + args.drip
        time.sleep(args.interval)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["slowpost", "idle", "halfclose", "slowheader", "hold"])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--conns", type=int, default=100)
    ap.add_argument("--bursts", type=int, default=3)
    ap.add_argument("--duration", type=float, default=10)
    ap.add_argument("--after", type=float, default=10)
    ap.add_argument("--drip", type=float, default=2)
    ap.add_argument("--interval", type=float, default=0.1)
    ap.add_argument("--timeout", type=float, default=5)
    ap.add_argument("--path", default="/metrics")
    ap.add_argument("--tls", action="store_true")
    ap.add_argument("--user", help="USER:PASSWORD for the scrapes")
    ap.add_argument("--attack-from", default="127.0.0.2")
    args = ap.parse_args()
    raise_fd_limit()

    socks = []
    opened = 0
    if args.mode == "hold":
        socks = open_many(args, args.conns)
        print("held %d" % len(socks), flush=True)
        sys.stdin.read()
        return 0
    if args.mode == "slowpost":
        head = ("POST %s HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
                "Content-Type: text/plain\r\n\r\n" % args.path).encode()
        socks = open_many(args, args.conns, head)
        opened = len(socks)
        results = measure(args, time.monotonic() + args.duration,
                          lambda: socks.__setitem__(slice(None), drip(socks, b"x")))
    elif args.mode == "slowheader":
        socks = open_many(args, args.conns, b"GET / HTTP/1.1\r\nHost: x\r\n")
        opened = len(socks)
        results = measure(args, time.monotonic() + args.duration,
                          lambda: socks.__setitem__(slice(None), drip(socks, b"X")))
    elif args.mode == "idle":
        socks = open_many(args, args.conns)
        opened = len(socks)
        results = measure(args, time.monotonic() + args.duration)
    else:  # halfclose
        half = b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Ag"
        for _ in range(args.bursts):
            burst = open_many(args, args.conns, half)
            opened += len(burst)
            for s in burst:
                s.close()
        results = measure(args, time.monotonic() + args.after)
    # The attack is still in force while measuring; only now is it stopped.
    for s in socks:
        s.close()
    lat = [t for st, t in results if st == 200]
    failed = sum(1 for st, _ in results if st != 200)
    statuses = sorted({st for st, _ in results})
    print(json.dumps({
        "mode": args.mode, "attack_connections": opened, "scrapes": len(results),
        "failed": failed, "statuses": statuses,
        "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
        "max_ms": percentile(lat, 100),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
