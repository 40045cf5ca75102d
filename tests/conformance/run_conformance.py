#!/usr/bin/python3
"""Runs mcx-mms-conformance against our own mcx-mms (meson suite 'conformance').

    run_conformance.py --role primary|partner --suite BIN --hss BIN --mms BIN --ctl BIN
                       [--net N] [--in-flight N] [--tls]

primary: starts mcx-hss and mcx-mms --role primary on 127.0.N.1 with a fresh SQLite database
         provisioned by mcx-ctl (a subscriber allowing partner.mcx.lab, one allowing only another
         system), then runs the suite as a partner against the primary's REP URL.
partner: starts mcx-mms --role partner on 127.0.N.2 with a binding whose primary MMS is the
         suite itself (127.0.N.3), then runs the suite as the primary and as the partner's SIP
         core (Diameter on 127.0.N.3).
--tls: the primary listens on tls+tcp:// with certificates made here by openssl, and the suite
dials with a client certificate of the same CA.
Ports: 30000 + 10 * N + 1..8 (mmslab.port_base), none shared with other tests.
The daemons are always stopped; the suite's PASS/FAIL lines are printed as they come."""

import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "mms"))
import mmslab  # noqa: E402

SUITE_TIMEOUT_S = 240  # one run takes seconds; meson's limit for the test is 600 s


def run_primary(args, lab):
    primary, db = "127.0.%d.1" % args.net, lab.path("primary.db")
    base = mmslab.port_base(args.net)
    url = "%s://%s:%d" % ("tls+tcp" if args.tls else "tcp", primary, base + 7)
    lab.add_subscriber(db, "alice", "primary.mcx.lab", ["partner.mcx.lab"])
    lab.add_subscriber(db, "bob", "primary.mcx.lab", ["other.mcx.lab"])
    lab.start_hss(db, primary, base + 1)
    tls, tls_args = None, []
    if args.tls:
        ca = mmslab.make_ca(lab, "ca")
        server = mmslab.make_cert(lab, "primary", "mms.primary.mcx.lab", ca)
        client = mmslab.make_cert(lab, "partner", "mms.partner.mcx.lab", ca)
        tls = (server[0], server[1], ca[0])
        tls_args = ["--tls-ca", ca[0], "--tls-cert", client[0], "--tls-key", client[1],
                    "--tls-peer-name", "mms.primary.mcx.lab"]
    cfg = lab.primary_config("primary", db, primary, base + 2, url, primary, base + 1, tls=tls)
    lab.start_mms("primary", "primary", cfg)
    return [args.suite, "--role-under-test", "primary", "--url", url] + tls_args + [
            "--impi", "alice@primary.mcx.lab", "--impu", "sip:alice@primary.mcx.lab",
            "--denied-impi", "bob@primary.mcx.lab", "--denied-impu", "sip:bob@primary.mcx.lab",
            "--k", mmslab.K, "--opc", mmslab.OPC, "--in-flight", str(args.in_flight)]


def run_partner(args, lab):
    partner, suite = "127.0.%d.2" % args.net, "127.0.%d.3" % args.net
    db = lab.path("partner.db")
    base = mmslab.port_base(args.net)
    url = "tcp://%s:%d" % (suite, base + 7)
    lab.add_binding(db, "alice", "mig.partner.mcx.lab", "primary.mcx.lab", "primary.mcx.lab",
                    url)
    cfg = lab.partner_config("partner", db, partner, base + 3, timeout="2s", resends=1)
    lab.start_mms("partner", "partner", cfg)
    return [args.suite, "--role-under-test", "partner", "--url", url,
            "--partner-impi", "alice@mig.partner.mcx.lab",
            "--partner-impu", "sip:alice@mig.partner.mcx.lab",
            "--primary-impi", "alice@primary.mcx.lab", "--primary-impu",
            "sip:alice@primary.mcx.lab", "--unbound-impi", "nobody@mig.partner.mcx.lab",
            "--unbound-impu", "sip:nobody@mig.partner.mcx.lab", "--k", mmslab.K,
            "--opc", mmslab.OPC, "--partner-timeout-ms", "2000",
            "--diameter-identity", "conformance.partner.mcx.lab",
            "--diameter-realm", "partner.mcx.lab", "--diameter-address", suite,
            "--diameter-port", str(base + 4), "--diameter-state-dir", lab.path("suite-fd"),
            "--peer-identity", "mms.partner.mcx.lab", "--peer-realm", "partner.mcx.lab",
            "--peer-address", partner, "--peer-port", str(base + 3),
            "--in-flight", str(args.in_flight)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--role", required=True, choices=["primary", "partner"])
    for opt in ("--suite", "--hss", "--mms", "--ctl"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--net", type=int, default=42)
    ap.add_argument("--in-flight", type=int, default=200)
    ap.add_argument("--tls", action="store_true", help="primary role over tls+tcp:// (certificates made here)")
    args = ap.parse_args()
    lab = mmslab.Lab(args.hss, args.mms, args.ctl)
    rc = 1
    try:
        argv = (run_primary if args.role == "primary" else run_partner)(args, lab)
        try:
            # Well under meson's 600 s, so that a hang still shows the cases that ran.
            r = subprocess.run(argv, timeout=SUITE_TIMEOUT_S, capture_output=True, text=True)
        except subprocess.TimeoutExpired as e:
            for out, stream in ((e.stdout, sys.stdout), (e.stderr, sys.stderr)):
                if out:
                    stream.write(out.decode(errors="replace") if isinstance(out, bytes) else out)
            raise RuntimeError("the suite did not finish within %d s (killed)" % SUITE_TIMEOUT_S)
        sys.stdout.write(r.stdout)
        sys.stderr.write(r.stderr)
        rc = r.returncode
    except Exception as e:
        print("FAIL  conformance.setup: %s" % e)
    finally:
        for problem in lab.cleanup():
            print("FAIL  conformance.daemons: %s" % problem)
            rc = 1
        if rc == 0:
            shutil.rmtree(lab.dir, ignore_errors=True)
        else:
            print("logs kept in %s" % lab.dir)
    return rc


if __name__ == "__main__":
    sys.exit(main())
