#!/usr/bin/env python3
"""compare-revisions.py BASELINE [SIZES...]: `make bench` of an older revision
next to the work tree's, on the same host sizes, and the difference.

  make bench BENCH_BASELINE=54a48d2            (or make bench-compare ...)
  bench/compare-revisions.py 54a48d2 10 1000

BASELINE (any commit-ish) is checked out, detached, in its own git worktree
build/bench-compare/<full commit hash>/ and built there by its own Makefile;
the worktree is reused when it is already there and clean (the key is the
hash, so a moved branch name gets a new one), removed afterwards only with
--remove. The work tree is built as it is (uncommitted changes included).
Each revision then runs its own bench/run-bench.sh with its own build, its
own fixture generator and its own fake host: the fixture format and the fake
host may differ between revisions, so nothing is shared but the sizes.

The two benches are interleaved host size by host size: each revision's
run-bench.sh on one size, then the other's on the same size, the one going
first alternating from pair to pair, so that the two runs compared lie
minutes apart at most and a change of the machine's load does not always
fall on the same side. BENCH_ROUNDS=N (default 1) repeats all that N times;
the figures compared are the medians over the rounds, and with two rounds or
more a second set of tables says how far each revision's own rounds lie
apart: the noise the deltas have to be read against.

run-bench.sh's output is its text tables (the baseline cannot be changed to
write anything else), so they are read by their column headers, not by
position: every table whose header starts with "domains server" gives one
value per column name for each (domains, server) row; a column missing from
one revision's tables is shown as "-". Each run's full output is kept in
build/bench-compare/<revision>-<round>-<domains>.txt.

Environment: BENCH_ROUNDS (1); BENCH_SECONDS (run-bench.sh's, 4 s per load
run); BENCH_BURST (0 here: the 500-domain burst is not compared; set it to
run it anyway, on the last size). Figures are printed, never asserted.
"""
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "build", "bench-compare")

# The build targets run-bench.sh needs, named by variables every revision
# since the bench exists defines (the baseline has no target of its own for
# exactly these: its `bench` builds `all`, later ones `all test-build`). A
# makefile read after the tree's own, so that the variables are set.
BENCH_TOOLS = "xm-bench-tools: all $(FAKE_BINARIES) $(XM_LOAD) $(XM_LISTTIME)\n"

# The compared columns of run-bench.sh's tables (docs/bench.md explains
# them), with their printf formats; lower is better for all but rps.
TABLES = [
    ("one keep-alive connection: scrape latency (ms) and requests/s",
     [("p50_1c", "%.3f"), ("p99_1c", "%.3f"), ("rps_1c", "%.1f")]),
    ("8 concurrent keep-alive connections: scrape latency (ms) and requests/s",
     [("p50_8c", "%.3f"), ("p99_8c", "%.3f"), ("rps_8c", "%.1f")]),
    ("time in the core's snapshot (collect, ms) and xenstore requests per steady scrape",
     [("collect", "%.3f"), ("xs_steady", "%.2f")]),
    ("xenstore requests of startup and the first scrape, and memory after the load runs (kB)",
     [("xs_cold", "%.0f"), ("VmRSS", "%.0f"), ("RssAnon", "%.0f")]),
]
SERVERS = ["cached", "uncached", "node_exporter"]


def die(msg):
    print("bench-compare: " + msg, file=sys.stderr)
    sys.exit(1)


def git(*args, cwd=ROOT, check=True):
    r = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True)
    if check and r.returncode != 0:
        die("git %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout.strip()


def worktree_for(commit):
    """The clean detached worktree of COMMIT under build/bench-compare/,
    created when missing (or broken), reused when present."""
    path = os.path.join(WORK, commit)
    listed = [l.split(" ", 1)[1] for l in git("worktree", "list", "--porcelain").splitlines()
              if l.startswith("worktree ")]
    if path in listed and os.path.isdir(path):
        head = git("rev-parse", "HEAD", cwd=path, check=False)
        dirty = git("status", "--porcelain", "--untracked-files=no", cwd=path, check=False)
        if head == commit and not dirty:
            print("bench-compare: reusing %s" % os.path.relpath(path, ROOT), file=sys.stderr)
            return path
        print("bench-compare: %s is not a clean checkout of %s; recreating it"
              % (os.path.relpath(path, ROOT), commit[:12]), file=sys.stderr)
        git("worktree", "remove", "--force", path)
    elif path in listed:
        # Registered but gone (`make clean` removes build/): forget it.
        git("worktree", "prune")
    if os.path.exists(path):
        die("%s exists and is not a worktree of this repository; remove it" % path)
    os.makedirs(WORK, exist_ok=True)
    git("worktree", "add", "--detach", "--quiet", path, commit)
    return path


def build(tree):
    """Builds what run-bench.sh needs in TREE/build, with TREE's own Makefile.
    The make that runs this script must not pass its command-line variables
    (BUILD, SANITIZE, ...) into the other tree's make."""
    env = {k: v for k, v in os.environ.items() if k not in ("MAKEFLAGS", "MFLAGS", "MAKELEVEL")}
    print("bench-compare: building %s" % tree, file=sys.stderr)
    os.makedirs(WORK, exist_ok=True)
    tools = os.path.join(WORK, "bench-tools.mk")
    with open(tools, "w") as f:
        f.write(BENCH_TOOLS)
    r = subprocess.run(["make", "-C", tree, "-j2", "--no-print-directory", "-f", "Makefile",
                        "-f", tools, "xm-bench-tools"], env=env, stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        die("the build of %s failed" % tree)


def run_bench(tree, size, burst, out):
    """TREE's own run-bench.sh on one host SIZE with TREE's build; its
    standard output (the tables) saved in OUT and returned, its progress
    lines passed on."""
    env = dict(os.environ, XM_BUILD=os.path.join(tree, "build"), BENCH_BURST=burst)
    env.pop("XM_ROOT", None)
    r = subprocess.run([os.path.join(tree, "bench", "run-bench.sh"), size], env=env,
                       stdout=subprocess.PIPE, text=True)
    with open(out, "w") as f:
        f.write(r.stdout)
    if r.returncode != 0:
        print("bench-compare: %s/bench/run-bench.sh exited with %d (see %s)"
              % (tree, r.returncode, out), file=sys.stderr)
    return r.stdout


def parse(text):
    """run-bench.sh's tables: {(domains, server): {column: value}}, plus the
    revision and the load averages its header and footer print."""
    rows, cols, meta = {}, None, {}
    for line in text.splitlines():
        words = line.replace("|", " ").split()
        if line.startswith("xenmode_exporter benchmark:") and " revision " in line:
            meta["revision"] = line.split(" revision ", 1)[1].split()[0]
        elif line.startswith("load average at start:"):
            meta["load_start"] = line.split(":", 1)[1].split(";")[0].strip()
        elif line.startswith("load average at the end:"):
            meta["load_end"] = line.split(":", 1)[1].split(";")[0].strip()
        if words[:2] == ["domains", "server"]:
            cols = words
        elif not words:
            cols = None
        elif cols and len(words) == len(cols) and words[0].isdigit():
            row = rows.setdefault((int(words[0]), words[1]), {})
            for name, value in zip(cols[2:], words[2:]):
                try:
                    row[name] = float(value.rstrip("!"))
                except ValueError:
                    pass  # "-": not measured for this server
    return rows, meta


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def delta(base, cur):
    if base is None or cur is None:
        return "-"
    if base == 0:
        return "=" if cur == 0 else "%+g" % cur
    return "%+.1f%%" % ((cur - base) / base * 100)


def spread(values):
    """(max - min) / median of one revision's rounds, in percent."""
    values = [v for v in values if v is not None]
    if len(values) < 2:
        return "-"
    m = statistics.median(values)
    if m == 0:
        return "=" if max(values) == min(values) else "%g" % (max(values) - min(values))
    return "%.1f%%" % ((max(values) - min(values)) / m * 100)


def fmt(spec, value):
    return "-" if value is None else spec % value


def table(title, metrics, keys, cell, heads):
    """One side-by-side table: a group of len(heads) cells per metric."""
    w = 11
    print("\n" + title)
    top = "%7s %-14s" % ("", "")
    sub = "%7s %-14s" % ("domains", "server")
    for name, _ in metrics:
        top += " |" + name.center(w * len(heads))
        sub += " |" + "".join(h.rjust(w) for h in heads)
    print(top.rstrip())
    print(sub)
    print("-" * len(sub))
    for key in keys:
        line = "%7d %-14s" % key
        for name, spec in metrics:
            line += " |" + "".join(c.rjust(w) for c in cell(key, name, spec))
        print(line)


def main():
    args = sys.argv[1:]
    remove = "--remove" in args
    args = [a for a in args if a != "--remove"]
    if not args or args[0].startswith("-"):
        die("usage: compare-revisions.py [--remove] BASELINE [SIZES...]")
    baseline, sizes = args[0], args[1:] or ["10", "100", "1000"]
    rounds = int(os.environ.get("BENCH_ROUNDS", "1"))
    commit = git("rev-parse", "--verify", "--quiet", baseline + "^{commit}", check=False)
    if not commit:
        die("%s is not a commit of this repository" % baseline)
    base_tree = worktree_for(commit)
    build(base_tree)
    build(ROOT)
    head = git("rev-parse", "--short=9", "HEAD")
    modified = git("status", "--porcelain", "--untracked-files=no") != ""
    sides = [("base", base_tree, commit[:9]),
             ("current", ROOT, head + ("+" if modified else ""))]
    # One round: every size, both revisions on it back to back, the one
    # going first alternating from pair to pair.
    results = {"base": [{} for _ in range(rounds)], "current": [{} for _ in range(rounds)]}
    loads = []
    pair = 0
    for r in range(rounds):
        for n in sizes:
            for side, tree, label in (sides if pair % 2 == 0 else sides[::-1]):
                print("bench-compare: round %d/%d, %s domains, %s (%s)"
                      % (r + 1, rounds, n, label, side), file=sys.stderr)
                out = os.path.join(WORK, "%s-%d-%s.txt" % (label.rstrip("+"), r + 1, n))
                burst = os.environ.get("BENCH_BURST", "0") if n == sizes[-1] else "0"
                rows, meta = parse(run_bench(tree, n, burst, out))
                if side == "base" and not commit.startswith(meta.get("revision", "?")):
                    die("the baseline's bench reports revision %s, not %s"
                        % (meta.get("revision"), commit[:12]))
                results[side][r].update(rows)
                loads += [float(meta[k].split()[0]) for k in ("load_start", "load_end") if k in meta]
            pair += 1
    if remove:
        git("worktree", "remove", "--force", base_tree)

    keys = sorted({k for side in results.values() for rows in side for k in rows},
                  key=lambda k: (k[0], SERVERS.index(k[1]) if k[1] in SERVERS else 99))

    def values(side, key, name):
        return [rows.get(key, {}).get(name) for rows in results[side]]

    names = (sides[0][2], sides[1][2])
    print("\nxenmode_exporter before and after: %s (baseline) vs %s (work tree%s), "
          "%s domains; median of %d round(s); delta = (after - before) / before"
          % (names[0], names[1], ", modified" if modified else "", " ".join(sizes), rounds))
    if loads:
        print("load average (1 min) at the starts and ends of the %d runs: %.2f to %.2f"
              % (2 * rounds * len(sizes), min(loads), max(loads)))

    def side_by_side(key, name, spec):
        b, c = median(values("base", key, name)), median(values("current", key, name))
        return [fmt(spec, b), fmt(spec, c), delta(b, c)]

    for title, metrics in TABLES:
        table(title, metrics, keys, side_by_side, list(names) + ["delta"])
    if rounds > 1:
        def noise(key, name, spec):
            return [spread(values("base", key, name)), spread(values("current", key, name))]
        for title, metrics in TABLES[:1] + TABLES[2:]:
            table("spread of each revision's own %d rounds, (max - min) / median: %s"
                  % (rounds, title.split(":")[0]), metrics, keys, noise, list(names))
    print("\nnode_exporter is the same binary on both sides: its delta is the machine's noise."
          "\nEach run's full tables: %s/<revision>-<round>-<domains>.txt; docs/bench.md explains"
          " the columns."
          % os.path.relpath(WORK, ROOT))


if __name__ == "__main__":
    main()
