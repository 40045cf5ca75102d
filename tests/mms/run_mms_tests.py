#!/usr/bin/python3
"""End-to-end tests of mcx-mms on loopback (meson suite 'mms'), on 127.0.N.1-3.

    run_mms_tests.py --hss BIN --mms BIN --ctl BIN --probe BIN --case NAME [--net N] [--db URI]

Cases:
  done_when     mcx-hss + primary MMS (127.0.N.1) + partner MMS (127.0.N.2): a Cx MAR for a
                partner identity sent to the partner MMS returns the primary subscriber's vectors
                under the partner identities, and a UE with the subscriber's K/OPc accepts them
  restart       primary MMS killed (SIGKILL) and restarted while MARs run: every MAR started after
                the restarted primary is ready succeeds
  primary_down  primary MMS stopped: a MAR gets 5012 (DIAMETER_UNABLE_TO_COMPLY) from the partner
                within its link timeout; SIGTERM to the partner with 50 MARs waiting: clean stop,
                all answered 5012; after restarts MARs succeed again; a binding to a dead primary
                MMS gets 5012 without disturbing the live one
  tls           tls+tcp:// link with certificates made here (openssl): MARs succeed through it;
                a missing or wrong (other CA) client certificate is refused
Processes are always stopped (SIGTERM, then SIGKILL), also when a check fails."""

import argparse
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mmslab  # noqa: E402

# Each case runs on its own 127.0.N.0/24 and its own ports (N from --net), so that cases can run
# in parallel and never meet another test's listener (a process that listens on 0.0.0.0:PORT
# blocks PORT on every address).
PRIMARY_ADDR = PARTNER_ADDR = PROBE_ADDR = LINK_URL = TLS_URL = DEAD_URL = None
HSS_PORT = PRIMARY_DIA_PORT = PARTNER_DIA_PORT = PROBE_PORT = None
TLS_PRIMARY_DIA_PORT = TLS_PARTNER_DIA_PORT = None


def set_net(n):
    global PRIMARY_ADDR, PARTNER_ADDR, PROBE_ADDR, LINK_URL, TLS_URL, DEAD_URL, HSS_PORT
    global PRIMARY_DIA_PORT, PARTNER_DIA_PORT, PROBE_PORT, TLS_PRIMARY_DIA_PORT
    global TLS_PARTNER_DIA_PORT
    PRIMARY_ADDR, PARTNER_ADDR, PROBE_ADDR = ("127.0.%d.%d" % (n, i) for i in (1, 2, 3))
    base = mmslab.port_base(n)
    HSS_PORT, PRIMARY_DIA_PORT, PARTNER_DIA_PORT, PROBE_PORT = base + 1, base + 2, base + 3, base + 4
    TLS_PRIMARY_DIA_PORT, TLS_PARTNER_DIA_PORT = base + 5, base + 6
    LINK_URL = "tcp://%s:%d" % (PRIMARY_ADDR, base + 7)
    TLS_URL = "tls+tcp://%s:%d" % (PRIMARY_ADDR, base + 8)
    DEAD_URL = "tcp://%s:%d" % (PRIMARY_ADDR, base + 9)  # nothing listens there

failures = []


def check(cond, what):
    print("%s  %s" % ("ok  " if cond else "FAIL", what), flush=True)
    if not cond:
        failures.append(what)
    return cond


class Env:
    """HSS, primary and partner MMS with the lab's identities on the test addresses."""

    def __init__(self, args):
        self.args = args
        self.lab = mmslab.Lab(args.hss, args.mms, args.ctl)
        # --db URI: one database (e.g. MongoDB) holds subscribers and bindings; else two SQLite
        self.primary_db = args.db or self.lab.path("primary.db")
        self.partner_db = args.db or self.lab.path("partner.db")
        lab = self.lab
        lab.add_subscriber(self.primary_db, "alice", "primary.mcx.lab", ["partner.mcx.lab"])
        lab.add_subscriber(self.primary_db, "carol", "primary.mcx.lab", ["partner.mcx.lab"])
        lab.add_subscriber(self.primary_db, "bob", "primary.mcx.lab", ["other.mcx.lab"])
        lab.add_binding(self.partner_db, "alice", "mig.partner.mcx.lab", "primary.mcx.lab",
                        "primary.mcx.lab", LINK_URL)
        lab.add_binding(self.partner_db, "bob", "mig.partner.mcx.lab", "primary.mcx.lab",
                        "primary.mcx.lab", LINK_URL)
        lab.add_binding(self.partner_db, "dave", "mig.partner.mcx.lab", "primary.mcx.lab",
                        "dead.mcx.lab", DEAD_URL)
        self.hss = lab.start_hss(self.primary_db, PRIMARY_ADDR, HSS_PORT)
        cfg = lab.primary_config("primary", self.primary_db, PRIMARY_ADDR, PRIMARY_DIA_PORT,
                                 LINK_URL, PRIMARY_ADDR, HSS_PORT)
        self.primary = lab.start_mms("primary", "primary", cfg)
        cfg = lab.partner_config("partner", self.partner_db, PARTNER_ADDR, PARTNER_DIA_PORT)
        self.partner = lab.start_mms("partner", "partner", cfg)

    def probe(self, user, expect=2001, items=1, count=1, interval_ms=0, peer="mms.partner.mcx.lab",
              peer_port=None, background=False, burst=0):
        peer_port = peer_port or PARTNER_DIA_PORT
        argv = [self.args.probe, "mar",
                "--diameter-identity", "probe.partner.mcx.lab", "--diameter-realm",
                "partner.mcx.lab", "--diameter-address", PROBE_ADDR, "--diameter-port",
                str(PROBE_PORT), "--diameter-state-dir", self.lab.path("probe-fd"),
                "--peer-identity", peer, "--peer-realm", "partner.mcx.lab",
                "--peer-address", PARTNER_ADDR, "--peer-port", str(peer_port),
                "--impi", "%s@mig.partner.mcx.lab" % user,
                "--impu", "sip:%s@mig.partner.mcx.lab" % user,
                "--k", mmslab.K, "--opc", mmslab.OPC, "--items", str(items),
                "--expect", str(expect), "--count", str(count), "--interval-ms",
                str(interval_ms), "--burst", str(burst)]
        if background:
            return subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True)
        r = subprocess.run(argv, capture_output=True, text=True, timeout=120)
        rc = r.returncode
        if rc != 0 and r.stderr.strip():
            print("probe stderr: " + r.stderr.strip()[-500:])
        return rc, r.stdout.strip()


def parse_lines(text):
    out = []
    for line in text.splitlines():
        fields = dict(f.split("=", 1) for f in line.split() if "=" in f)
        if "req" in fields:
            out.append(fields)
    return out


def case_done_when(env):
    rc, out = env.probe("alice")
    check(rc == 0 and "ok=yes" in out,
          "MAR for a partner identity -> primary vectors under partner identities, UE accepts "
          "them (%s)" % out)
    rc, out = env.probe("alice", items=3)
    check(rc == 0 and "ok=yes" in out, "MAR with 3 items -> 3 vectors a UE accepts (%s)" % out)
    rc, out = env.probe("alice", burst=300)
    check(rc == 0, "300 MARs in flight at once through partner, primary and HSS all get "
          "vectors a UE accepts (%s)" % out)
    rc, out = env.probe("nobody", expect=5001)
    check(rc == 0 and "ok=yes" in out, "MAR for an unbound identity -> 5001 (%s)" % out)
    rc, out = env.probe("bob", expect=5003)
    check(rc == 0 and "ok=yes" in out,
          "MAR for a subscriber not allowed to migrate here -> 5003 (%s)" % out)
    hss_log = env.hss.log_text()
    check("impi=alice@primary.mcx.lab" in hss_log, "the HSS logs the subscribers it is asked for")
    check("bob@primary.mcx.lab" not in hss_log,
          "the primary HSS was not asked for the unauthorised subscriber")
    partner_log, primary_log = env.partner.log_text(), env.primary.log_text()
    check("event=mar tid=" in partner_log and "result=SUCCESS" in partner_log
          and "latency_us=" in partner_log, "partner logs one line per MAR with tid and latency")
    check("event=link_request tid=" in primary_log and "origin=partner.mcx.lab" in primary_log,
          "primary logs one line per request with tid and origin")
    for name, text in (("partner", partner_log), ("primary", primary_log), ("hss", hss_log)):
        check(mmslab.K not in text.lower() and mmslab.OPC not in text.lower(),
              "no K/OPc in the %s log" % name)


def case_restart(env):
    probe = env.probe("alice", count=80, interval_ms=100, background=True)
    time.sleep(1.5)
    env.primary.kill()
    time.sleep(1.0)
    env.primary.start()
    ready_ms = env.primary.ready_at * 1000.0
    out, err = probe.communicate(timeout=180)
    lines = parse_lines(out)
    later = [l for l in lines if float(l["start_ms"]) >= ready_ms]
    lost = [l for l in later if l["ok"] != "yes"]
    during = [l for l in lines if float(l["start_ms"]) < ready_ms and l["ok"] != "yes"]
    print("restart: %d requests, %d failed before the primary was ready again, %d after"
          % (len(lines), len(during), len(lost)))
    check(len(lines) == 80, "the probe ran every request (%d)" % len(lines))
    check(len(later) >= 20, "requests ran after the restart (%d)" % len(later))
    check(not lost, "no request after the restart was lost (%s)" % lost[:3])


def case_primary_down(env):
    env.primary.stop()
    rc, out = env.probe("alice", expect=5012)
    fields = parse_lines(out)
    ms = float(fields[0]["end_ms"]) - float(fields[0]["start_ms"]) if fields else -1
    print("primary down: MAA after %.0f ms (link timeout 2000 ms)" % ms)
    check(rc == 0 and "ok=yes" in out, "primary down -> 5012 from the partner (%s)" % out)
    # SIGTERM with 50 MARs waiting for the absent primary: clean stop (exit 0, checked at
    # clean-up), and every waiting MAR is answered 5012 before the Diameter core goes.
    burst = env.probe("alice", expect=5012, burst=50, background=True)
    time.sleep(1.0)
    status = env.partner.stop()
    out, err = burst.communicate(timeout=60)
    check(status == 0, "partner stops cleanly (exit 0) with MARs in flight (status %s)" % status)
    check("ok=50" in out, "MARs in flight at SIGTERM are answered 5012 (%s)" % out.strip())
    env.partner.start()
    env.primary.start()
    rc, out = env.probe("alice")
    check(rc == 0 and "ok=yes" in out, "after the restart MARs succeed again (%s)" % out)
    # a binding whose primary MMS never answers does not disturb the others
    rc, out = env.probe("dave", expect=5012)
    check(rc == 0 and "ok=yes" in out, "MAR for a binding to a dead primary MMS -> 5012 (%s)" % out)
    rc, out = env.probe("alice")
    check(rc == 0 and "ok=yes" in out, "MARs to the live primary still succeed (%s)" % out)


def link_probe(env, ca, cert=None, key=None):
    argv = [env.args.probe, "link", "--url", TLS_URL, "--impi", "carol@primary.mcx.lab",
            "--impu", "sip:carol@primary.mcx.lab", "--tls-ca", ca, "--wait-ms", "3000"]
    if cert:
        argv += ["--tls-cert", cert, "--tls-key", key]
    r = subprocess.run(argv, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout.strip()


def case_tls(env):
    lab = env.lab
    ca = mmslab.make_ca(lab, "ca")
    rogue_ca = mmslab.make_ca(lab, "rogue-ca")
    server = mmslab.make_cert(lab, "primary-cert", "mms.primary.mcx.lab", ca,
                       ["mms.primary.mcx.lab", PRIMARY_ADDR])
    client = mmslab.make_cert(lab, "partner-cert", "mms.partner.mcx.lab", ca)
    rogue = mmslab.make_cert(lab, "rogue-cert", "mms.partner.mcx.lab", rogue_ca)
    cfg = lab.primary_config("primary-tls", env.primary_db, PRIMARY_ADDR, TLS_PRIMARY_DIA_PORT,
                             TLS_URL,
                             PRIMARY_ADDR, HSS_PORT, tls=(server[0], server[1], ca[0]),
                             identity="mms2.primary.mcx.lab")
    lab.start_mms("primary-tls", "primary", cfg)
    tls_db = env.args.db or lab.path("partner-tls.db")
    lab.add_binding(tls_db, "carol", "mig.partner.mcx.lab", "primary.mcx.lab",
                    "primary.mcx.lab", TLS_URL)
    cfg = lab.partner_config("partner-tls", tls_db, PARTNER_ADDR, TLS_PARTNER_DIA_PORT,
                             tls=(client[0], client[1], ca[0]), peer_name="mms.primary.mcx.lab",
                             identity="mms2.partner.mcx.lab")
    partner = lab.start_mms("partner-tls", "partner", cfg)
    rc, out = env.probe("carol", peer="mms2.partner.mcx.lab", peer_port=TLS_PARTNER_DIA_PORT)
    check(rc == 0 and "ok=yes" in out, "MAR over a tls+tcp:// link with mutual certificates "
          "-> vectors a UE accepts (%s)" % out)
    rc, out = link_probe(env, ca[0], client[0], client[1])
    check(rc == 0 and "SUCCESS" in out, "direct TLS request with the right client certificate "
          "is answered (%s)" % out)
    rc, out = link_probe(env, ca[0])
    check(rc == 3, "a client without a certificate is refused (%s)" % out)
    rc, out = link_probe(env, ca[0], rogue[0], rogue[1])
    check(rc == 3, "a client certificate from another CA is refused (%s)" % out)
    partner.stop()
    cfg = lab.partner_config("partner-rogue", tls_db, PARTNER_ADDR, TLS_PARTNER_DIA_PORT,
                             tls=(rogue[0], rogue[1], ca[0]), peer_name="mms.primary.mcx.lab",
                             identity="mms2.partner.mcx.lab")
    lab.start_mms("partner-rogue", "partner", cfg)
    rc, out = env.probe("carol", expect=5012, peer="mms2.partner.mcx.lab",
                        peer_port=TLS_PARTNER_DIA_PORT)
    check(rc == 0 and "ok=yes" in out,
          "a partner with a wrong certificate gets no vectors (MAR -> 5012) (%s)" % out)


CASES = {"done_when": case_done_when, "restart": case_restart,
         "primary_down": case_primary_down, "tls": case_tls}


def main():
    ap = argparse.ArgumentParser()
    for opt in ("--hss", "--mms", "--ctl", "--probe"):
        ap.add_argument(opt, required=True)
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--net", type=int, default=41, help="third octet of the 127.0.N.x addresses")
    ap.add_argument("--db", help="store URI for both systems (default: fresh SQLite files)")
    args = ap.parse_args()
    set_net(args.net)
    env = None
    try:
        env = Env(args)
        CASES[args.case](env)
    except Exception as e:  # a set-up failure is a test failure, with the reason
        failures.append("exception: %s" % e)
        print("FAIL  %s" % e)
    finally:
        if env:
            for problem in env.lab.cleanup():
                check(False, problem)
            if failures:
                print("logs kept in %s" % env.lab.dir)
            else:
                shutil.rmtree(env.lab.dir, ignore_errors=True)
    print("%s: %d failure(s)" % (args.case, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
