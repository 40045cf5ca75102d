#!/usr/bin/python3
"""Smoke test of one benchmark (suite 'bench'): runs `bench/run --size tiny --only ID` and
checks that it exits 0 and writes well-formed results: machine, commit, load average, and for
each figure of ID a median/min/max (min <= median <= max, positive value) with a ratio against
a baseline and the load generator's CPU share; the printed table has a row for it. Nothing here
checks a performance figure or a duration.

usage: smoke_test.py RUN BUILD_DIR ID OUT_JSON"""

import json
import numbers
import re
import subprocess
import sys

RUN, BUILD, FID, OUT = sys.argv[1:5]
HANG_GUARD_S = 600


def fail(msg):
    print("FAIL " + msg)
    sys.exit(1)


def check_summary(name, s, positive=True):
    if not isinstance(s, dict):
        fail("%s: no summary (%r)" % (name, s))
    for key in ("median", "min", "max"):
        if not isinstance(s.get(key), numbers.Real):
            fail("%s.%s is not a number: %r" % (name, key, s.get(key)))
    if not s["min"] <= s["median"] <= s["max"]:
        fail("%s: min <= median <= max does not hold: %r" % (name, s))
    if positive and s["median"] <= 0:
        fail("%s: median %r is not positive" % (name, s["median"]))
    if not isinstance(s.get("runs"), list) or not s["runs"]:
        fail("%s: no per-run values" % name)


def main():
    p = subprocess.run([sys.executable, RUN, "--build", BUILD, "--size", "tiny", "--only", FID,
                        "--out", OUT], capture_output=True, text=True, timeout=HANG_GUARD_S)
    sys.stdout.write(p.stdout)
    sys.stdout.write(p.stderr)
    if p.returncode != 0:
        fail("bench/run exited %d" % p.returncode)
    with open(OUT) as f:
        res = json.load(f)
    if not re.fullmatch(r"[0-9a-f]{40}", res.get("commit", "")):
        fail("commit is not a git revision: %r" % res.get("commit"))
    m = res.get("machine", {})
    if not m.get("cpu_model") or not isinstance(m.get("cores"), int) or m["cores"] < 1:
        fail("machine is incomplete: %r" % m)
    for key in ("load_average_1min_start", "load_average_1min_end"):
        if not isinstance(res.get(key), numbers.Real):
            fail("%s missing" % key)
    if res.get("errors"):
        fail("errors reported: %r" % res["errors"])
    figs = [f for f in res.get("figures", []) if f["id"] == FID or f["id"].startswith(FID + "-")]
    if not figs:
        fail("no figure %s in %s" % (FID, OUT))
    for f in figs:
        check_summary(f["id"] + ".value", f["value"])
        check_summary(f["id"] + ".ratio", f["ratio"])
        if f["id"] != "B6-import":
            check_summary(f["id"] + ".baseline", f["baseline"])
        check_summary(f["id"] + ".load_generator_cpu_cores", f["load_generator_cpu_cores"],
                      positive=False)
        if not isinstance(f.get("met"), bool) or not f.get("target"):
            fail("%s: target/met missing" % f["id"])
        if not re.search(r"^\| %s \|" % re.escape(f["id"]), p.stdout, re.M):
            fail("%s: no table row" % f["id"])
    print("ok   %s: %s" % (FID, ", ".join("%s median %.4g ratio %.4g" %
                                            (f["id"], f["value"]["median"],
                                             f["ratio"]["median"]) for f in figs)))


if __name__ == "__main__":
    main()
