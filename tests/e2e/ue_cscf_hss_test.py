#!/usr/bin/python3
"""mcx-ue against the real registrar: mcx-cscf with its Cx client talking to a real mcx-hss
(SQLite store provisioned with `mcx-ctl subscriber import` from the same CSV that `mcx-ue load`
reads), everything on 127.0.66.x. Home registration (no migration yet): AKAv1 over UDP and TCP,
AKAv2, MD5, resynchronisation with a UE SQN ahead of the HSS, wrong K (MAC failure), unknown
user (403), de-registration, and a load run with every user.

usage: ue_cscf_hss_test.py MCX_UE MCX_CSCF MCX_HSS MCX_CTL WORK_DIR"""

import json
import os
import random
import shutil
import subprocess
import sys
import traceback

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import daemons  # noqa: E402

UE, CSCF, HSS, CTL, WORK = sys.argv[1:6]
HSS_ADDR, CSCF_ADDR = "127.0.66.1", "127.0.66.2"
DOMAIN = "home.mcx.lab"
DB = os.path.join(WORK, "hss.db")
USERS = 50
HANG_GUARD_S = 300  # only against a hung process; nothing asserts a duration


def ctl(*args):
    return subprocess.run([CTL, "--db", "sqlite:" + DB] + list(args), check=True,
                          capture_output=True, text=True, timeout=HANG_GUARD_S).stdout


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    rng = random.Random(20261125)
    creds = {}
    csv = os.path.join(WORK, "users.csv")
    with open(csv, "w") as f:
        f.write("impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners\n")
        for i in range(USERS):
            impi = "ue%03d@%s" % (i, DOMAIN)
            k, op = os.urandom(16).hex(), rng.randbytes(16).hex()
            creds[impi] = (k, op)
            f.write("%s,sip:%s,%s,%s,,8000,0,Digest-AKAv1-MD5;Digest-AKAv2-MD5,\n" %
                    (impi, impi, k, op))
    ctl("subscriber", "import", csv)
    k0, op0 = creds["ue000@" + DOMAIN]
    ctl("subscriber", "add", "--impi", "carol@" + DOMAIN, "--impu", "sip:carol@" + DOMAIN,
        "--k", k0, "--op", op0, "--scheme", "SIP Digest", "--password", "carol-pw")

    procs = []
    failed = []
    try:
        port = daemons.start_hss_cscf(procs, WORK, HSS, CSCF, "sqlite:" + DB, DOMAIN, HSS_ADDR,
                                      CSCF_ADDR)
        server = "%s:%d" % (CSCF_ADDR, port)

        def ue(command, impi, *extra, k=None):
            key, op = creds.get(impi, (k0, op0))
            args = [UE, command, "--server", server, "--impi", impi, "--k", k or key, "--op", op]
            return subprocess.run(args + list(extra), capture_output=True, text=True,
                                  timeout=HANG_GUARD_S)

        def check(name, proc, code, text=None):
            ok = proc.returncode == code and (text is None or text in proc.stdout + proc.stderr)
            print(("ok   " if ok else "FAIL ") + name, flush=True)
            if not ok:
                failed.append(name)
                print("  exit %d (want %d)\n  stdout: %s\n  stderr: %s" %
                      (proc.returncode, code, proc.stdout, proc.stderr[-2000:]))

        state = os.path.join(WORK, "ue001.state")
        u1 = "ue001@" + DOMAIN
        check("register AKAv1 UDP", ue("register", u1, "--state", state), 0,
              "Service-Route: <sip:orig@%s" % server)
        check("register AKAv1 TCP", ue("register", u1, "--state", state, "--transport", "tcp"),
              0, "P-Associated-URI: <sip:%s>" % u1)
        check("register AKAv2", ue("register", u1, "--state", state, "--algorithm", "AKAv2-MD5"),
              0, "registered sip:" + u1)
        check("refresh", ue("refresh", u1, "--state", state), 0, "registered")
        check("deregister", ue("deregister", u1, "--state", state), 0, "deregistered")

        # UE SQN far ahead of the HSS: auts, the HSS resynchronises, the second 401 succeeds.
        hi = os.path.join(WORK, "ahead.state")
        with open(hi, "w") as f:
            f.write("version=1\ndelta=268435456\nseq_ms=%s\n" % ",".join(["7000"] * 32))
        p = ue("register", "ue002@" + DOMAIN, "--state", hi, "-v")
        check("resynchronisation", p, 0, "auts=")
        with open(hi) as f:
            seq_ms = [int(x) for x in f.read().split("seq_ms=")[1].split(",")]
        check("state file after resync", p if seq_ms[7001 % 32] == 7001 else
              subprocess.CompletedProcess([], 99, str(seq_ms), ""), 0)

        wrong = "%032x" % (int(creds["ue003@" + DOMAIN][0], 16) ^ 1)
        check("wrong K -> MAC failure", ue("register", "ue003@" + DOMAIN, k=wrong), 5,
              "mac_failure")
        check("unknown user -> 403", ue("register", "nobody@" + DOMAIN), 6, "403")
        check("MD5", ue("register", "carol@" + DOMAIN, "--algorithm", "MD5", "--password",
                        "carol-pw"), 0, "registered")
        check("MD5 wrong password", ue("register", "carol@" + DOMAIN, "--algorithm", "MD5",
                                       "--password", "nope"), 6, "forbidden")

        for transport in ("udp", "tcp"):
            p = subprocess.run([UE, "load", "--users-csv", csv, "--users", str(USERS), "--rate",
                                "100", "--duration", "2", "--server", server, "--transport",
                                transport, "--json"], capture_output=True, text=True,
                               timeout=HANG_GUARD_S)
            report = json.loads(p.stdout) if p.returncode in (0, 10) and p.stdout else {}
            good = (p.returncode == 0 and report.get("failed") == 0 and
                    report.get("registered") == report.get("started") and
                    report.get("registered", 0) >= USERS)
            check("load %s %s" % (transport, p.stdout.strip()),
                  p if good else subprocess.CompletedProcess([], 99, p.stdout, p.stderr), 0)
    except Exception:
        traceback.print_exc()
        failed.append("exception")
    finally:
        codes = daemons.stop_all(procs)
    if codes != [0, 0]:
        failed.append("daemons stop cleanly")
        print("FAIL mcx-cscf and mcx-hss stop cleanly (%s)" % codes)
    for name in ("hss.log", "cscf.log"):
        with open(os.path.join(WORK, name)) as f:
            text = f.read()
        for secret in [k for k, _ in creds.values()][:5] + ["carol-pw"]:
            if secret in text:
                failed.append("secret in " + name)
                print("FAIL secret in " + name)
    print("%d failed" % len(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
