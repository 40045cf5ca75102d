#!/usr/bin/python3
"""End-to-end tests of the primary/partner lab (TS 23.280 10.1.6.2) through tests/e2e/labctl:
each case brings its own topology up in its own state dir, on its own loopback addresses
(primary 127.3.N.1, partner 127.3.N.2, UEs 127.3.N.3), and always brings it down.

    lab_e2e_test.py --case NAME --source ROOT --build BUILD --work DIR --net N [--scenario XML]

Cases:
  migration     migrated registration AKAv1 and AKAv2, home registration in both systems (AKA and
                MD5), re-registration and de-registration across systems, resynchronisation
                across systems (AUTS partner -> primary), wrong K (MAC failure -> 403), identity
                with no binding -> 403, subscriber not allowed to migrate -> 403 with the primary
                HSS never asked; no secret in any log
  primary_down  primary MMS stopped: the partner MMS answers 5012 within its link budget and the
                UE gets 504 (not the CSCF's own Cx timeout); after a restart the UE registers
  sipp          SIPp registers and de-registers 100 migrated UEs with IMS-AKA (SIPp 3.6.1 cuts a
                RES at a 0x00 byte: such answers get 403 and are retried; every 403 must answer a
                cut RES and every 200 a whole one)
  load          `mcx-ue load`: 1,000 migrated UEs register once each
  demo          `./lab demo` exits 0 and prints steps 2-14, and leaves nothing running
  control       labctl itself: `up` twice says "already up", `status` and `logs`, `steps` fails
                and names the missing steps for a refused registration, `up` with a port taken
                fails naming the component with its last log lines and leaves nothing running,
                `down` stops exactly the processes in the pidfiles
  mongodb       the lab on MongoDB (`up --db mongodb://...`: a real mongod when one is on PATH,
                else tests/store/mongo_mock_server.py): migrated and home registrations, and a
                second `up` on the same server starts from fresh databases and runs the link
                over TLS (`up --tls`)"""

import argparse
import base64
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

HANG_GUARD_S = 600  # against a hung process only; nothing asserts a duration
ALICE = ("465b5ce8b199b49faa5f0a2ee238a6bc", "cdc202d5123e20f62b6d676ac72cb318")
CAROL = ("fec86ba6eb707ed08905757b1bb44b8f", "dbc59adcb6f9a0ef735477b7fadf8374")
BOB = ("4ab1deb05ca6ceb051fc98e77d026a84", "2d16c5cd1fdf6b22383584e3bef2a8d8")
DAVE_PASSWORD = "dave-lab-pw"
SECRETS = [ALICE[0], ALICE[1], CAROL[0], CAROL[1], BOB[0], BOB[1], DAVE_PASSWORD]

failures = []


def check(cond, what, detail=""):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        failures.append(what)
        if detail:
            print("  " + detail.replace("\n", "\n  ")[-3000:], flush=True)
    return cond


class Lab:
    def __init__(self, args):
        self.args = args
        self.labctl = os.path.join(args.source, "tests", "e2e", "labctl")
        self.state = os.path.join(args.work, "state")
        self.primary = "127.3.%d.1" % args.net
        self.partner = "127.3.%d.2" % args.net
        self.ue_addr = "127.3.%d.3" % args.net
        self.ue_bin = os.path.join(args.build, "ue", "mcx-ue")
        self.ctl_bin = os.path.join(args.build, "db", "mcx-ctl")
        self.logs = os.path.join(self.state, "logs")
        self.is_up = False

    def ctl(self, *args, check_rc=True):
        r = subprocess.run([self.labctl, "--build", self.args.build, "--state", self.state] +
                           list(args), capture_output=True, text=True, timeout=HANG_GUARD_S)
        if check_rc and r.returncode != 0:
            raise RuntimeError("labctl %s: exit %d\n%s%s" % (" ".join(args), r.returncode,
                                                             r.stdout, r.stderr))
        return r

    def up(self, *extra):
        self.is_up = True
        self.ctl("up", "--primary-addr", self.primary, "--partner-addr", self.partner, *extra)

    def down(self):
        if self.is_up:
            self.ctl("down", check_rc=False)
            self.is_up = False

    def ue(self, command, impi, creds, server, *extra, state=None, port=None):
        """mcx-ue from the test UE address (a fixed local port keeps one Contact)."""
        local = self.ue_addr + (":%d" % port if port else "")
        args = [self.ue_bin, command, "--server", server + ":5060", "--impi", impi,
                "--k", creds[0], "--op", creds[1], "--local", local]
        if state:
            args += ["--state", os.path.join(self.args.work, state)]
        return subprocess.run(args + list(extra), capture_output=True, text=True,
                              timeout=HANG_GUARD_S)

    def log(self, name):
        with open(os.path.join(self.logs, name + ".log"), errors="replace") as f:
            return f.read()

    def log_lines(self, name, *needles, wait=True):
        """The lines of name's log holding every needle. A daemon may log an event just after
        the answer that reached the UE, so with wait the log is re-read for a while until one
        such line is there (a guard, nothing asserts a duration)."""
        for _ in range(100 if wait else 1):
            lines = [line for line in self.log(name).splitlines()
                     if all(n in line for n in needles)]
            if lines:
                break
            time.sleep(0.05)
        return lines

    def check_logs_clean(self):
        """No secret, no sanitizer report in any daemon log, and every start of a daemon ended
        with its clean stop line (a crash on SIGTERM or a SIGKILL leaves none)."""
        for name in os.listdir(self.logs):
            with open(os.path.join(self.logs, name), errors="replace") as f:
                text = f.read()
            if name.startswith("ue-"):
                continue
            cscf = name.startswith(("primary-cscf", "partner-cscf"))
            starts = text.count("event=cscf_started" if cscf else "event=ready ")
            stops = text.count("event=cscf_stopped" if cscf else "event=stopped ")
            check(stops >= starts, "%s: each start ended with a clean stop (%d started, %d "
                  "stopped)" % (name, starts, stops), text[-1500:])
            leaked = [s for s in SECRETS if s in text]
            check(not leaked, "no secret in %s" % name, "found %d secret(s)" % len(leaked))
            bad = [m for m in ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer")
                   if m in text]
            check(not bad, "no sanitizer report in %s" % name, str(bad))


def expect(proc, code, what, text=None):
    out = proc.stdout + proc.stderr
    return check(proc.returncode == code and (text is None or text in out),
                 "%s (exit %d, want %d%s)" % (what, proc.returncode, code,
                                             ", with '%s'" % text if text else ""),
                 out)


# ---- cases ----
def case_migration(lab):
    lab.up()
    mig, pri, par = "alice@mig.partner.mcx.lab", lab.primary, lab.partner
    expect(lab.ue("register", mig, ALICE, par, state="alice.state", port=5071), 0,
           "migrated registration AKAv1 at the partner", "registered sip:" + mig)
    mars = lab.log_lines("partner-mms", "event=mar", "impi=" + mig, "result=SUCCESS")
    check(len(mars) == 1 and "primary_impi=alice@primary.mcx.lab" in mars[0],
          "the partner MMS fetched the vector from the primary for alice", "\n".join(mars))
    hss = lab.log_lines("primary-hss", "event=mar", "impi=alice@primary.mcx.lab")
    check(len(hss) == 1 and "result=2001" in hss[0], "the primary HSS answered one MAR for alice",
          "\n".join(hss))
    check(not lab.log_lines("partner-hss", "alice", wait=False),
          "the partner HSS never heard of alice")
    expect(lab.ue("register", mig, ALICE, par, "--algorithm", "AKAv2-MD5", state="alice.state",
                  port=5071), 0, "migrated registration AKAv2", "registered")
    check(bool(lab.log_lines("primary-hss", "event=mar", "impi=alice@primary.mcx.lab",
                             'scheme="Digest-AKAv2-MD5"')),
          "the AKAv2 vector came from the primary HSS")
    expect(lab.ue("refresh", mig, ALICE, par, state="alice.state", port=5071), 0,
           "migrated re-registration", "registered")
    check(bool(lab.log_lines("partner-mms", "event=sar", "impi=" + mig, "type=2",
                             "diameter=2001")),
          "re-registration: SAR RE_REGISTRATION answered by the partner MMS")
    expect(lab.ue("deregister", mig, ALICE, par, state="alice.state", port=5071), 0,
           "migrated de-registration", "deregistered")
    check(bool(lab.log_lines("partner-cscf", "event=deregister_ok", "impi=" + mig)) and
          bool(lab.log_lines("partner-mms", "event=sar", "impi=" + mig, "type=5",
                             "diameter=2001")),
          "de-registration: the partner CSCF removed alice, SAR USER_DEREGISTRATION answered by "
          "the partner MMS")
    expect(lab.ue("register", mig, ALICE, par, "--transport", "tcp", state="alice.state"),
           0, "migrated registration over TCP", "registered")
    # home registrations in both systems; alice's own ISIM also registers at home
    expect(lab.ue("register", "alice@primary.mcx.lab", ALICE, pri, state="alice.state"), 0,
           "home registration in the primary system (AKA)", "registered")
    expect(lab.ue("register", "dave@primary.mcx.lab", CAROL, pri, "--algorithm", "MD5",
                  "--password", DAVE_PASSWORD), 0,
           "home registration in the primary system (MD5)", "registered")
    expect(lab.ue("register", "bob@partner.mcx.lab", BOB, par, state="bob.state"), 0,
           "home registration in the partner system (AKA)", "registered")
    check(len(lab.log_lines("partner-hss", "event=mar", "impi=bob@partner.mcx.lab")) == 1 and
          not lab.log_lines("partner-mms", "bob@", wait=False),
          "bob was served by the partner HSS only")
    expect(lab.ue("deregister", "bob@partner.mcx.lab", BOB, par, state="bob.state"), 0,
           "home de-registration in the partner system", "deregistered")
    # resynchronisation across systems: a UE SQN far ahead of the primary HSS
    with open(os.path.join(lab.args.work, "ahead.state"), "w") as f:
        f.write("version=1\ndelta=268435456\nseq_ms=%s\n" % ",".join(["9000"] * 32))
    p = lab.ue("register", mig, ALICE, par, "-v", state="ahead.state")
    expect(p, 0, "resynchronisation across systems", "auts=")
    check(bool(lab.log_lines("partner-mms", "event=mar", "impi=" + mig, "resync=yes",
                             "result=SUCCESS")) and
          bool(lab.log_lines("primary-hss", "event=mar", "impi=alice@primary.mcx.lab",
                             "resync=1", "result=2001")),
          "AUTS travelled partner -> primary (partner MMS resync=yes, primary HSS resync=1)")
    with open(os.path.join(lab.args.work, "ahead.state")) as f:
        seqs = [int(x) for x in f.read().split("seq_ms=")[1].split(",")]
    check(max(seqs) > 9000, "the second challenge carried an SQN above the UE's (%d)" % max(seqs))
    # wrong K: the UE finds the MAC wrong, sends the empty answer, the S-CSCF answers 403
    wrong = ("%032x" % (int(ALICE[0], 16) ^ 1), ALICE[1])
    expect(lab.ue("register", mig, wrong, par), 5, "wrong K -> MAC failure, 403", "403")
    # no binding
    before = len(lab.log_lines("primary-mms", "event=link_request", wait=False))
    expect(lab.ue("register", "mallory@mig.partner.mcx.lab", ALICE, par), 6,
           "identity with no binding -> 403", "403")
    check(bool(lab.log_lines("partner-mms", "impi=mallory@mig.partner.mcx.lab", "diameter=5001"))
          and
          len(lab.log_lines("primary-mms", "event=link_request", wait=False)) == before,
          "unbound identity: refused by the partner MMS, nothing sent to the primary")
    # not allowed to migrate to this partner
    expect(lab.ue("register", "carol@mig.partner.mcx.lab", CAROL, par), 6,
           "subscriber not allowed to migrate -> 403", "403")
    check(bool(lab.log_lines("primary-mms", "event=link_request", "impi=carol@primary.mcx.lab",
                             "result=NOT_AUTHORIZED")),
          "the primary MMS refused carol (NOT_AUTHORIZED)")
    check(not lab.log_lines("primary-hss", "carol@", wait=False),
          "the primary HSS was never asked about carol")
    lab.down()
    lab.check_logs_clean()


def case_primary_down(lab):
    lab.up("--link-timeout", "2s")
    mig, par = "alice@mig.partner.mcx.lab", lab.partner
    expect(lab.ue("register", mig, ALICE, par, state="alice.state"), 0,
           "migrated registration before the outage", "registered")
    lab.ctl("stop", "primary-mms")
    started = time.monotonic()
    p = lab.ue("register", mig, ALICE, par, state="alice.state")
    took = time.monotonic() - started
    print("UE answer with the primary MMS stopped after %.2f s (link budget 2 s, CSCF Cx "
          "timeout 3 s)" % took)
    expect(p, 8, "primary MMS stopped -> 504", "504")
    mar = lab.log_lines("partner-mms", "event=mar", "impi=" + mig, "diameter=5012")
    check(len(mar) == 1, "the partner MMS answered 5012 (UNABLE_TO_COMPLY) when its link budget "
          "ran out", "\n".join(lab.log_lines("partner-mms", "event=mar")))
    if mar:
        print("partner MMS: %s" % mar[0])
    failed = lab.log_lines("partner-cscf", "event=cx_failed", "request=MAR", "result=5012",
                           "status=504")
    check(len(failed) == 1 and "outcome=0" in failed[0],
          "the 504 answers the partner MMS's 5012 (an answer within the CSCF's Cx timeout, not "
          "its own timer)", "\n".join(lab.log_lines("partner-cscf", "cx_failed")))
    ups = len(lab.log_lines("partner-mms", "event=link_up", wait=False))
    lab.ctl("start", "primary-mms")
    for _ in range(400):  # the partner redials with back-off; no duration is asserted
        if len(lab.log_lines("partner-mms", "event=link_up", wait=False)) > ups:
            break
        time.sleep(0.05)
    expect(lab.ue("register", mig, ALICE, par, state="alice.state"), 0,
           "migrated registration after the primary MMS restarted", "registered")
    lab.down()
    lab.check_logs_clean()


def milenage_res(ctl, k, op, rand):
    out = subprocess.run([ctl, "milenage", "--k", k, "--op", op, "--rand", rand.hex(), "--sqn",
                          "000000000000", "--amf", "8000"], check=True, capture_output=True,
                         text=True).stdout
    return bytes.fromhex(dict(kv.split("=") for kv in out.split())["res"])


def case_sipp(lab):
    if not shutil.which("sipp"):
        print("skip: sipp (Debian sip-tester) is not installed")
        return 77
    users = 100
    lab.up("--users", str(users))
    creds = {}
    rows = ["SEQUENTIAL"]
    with open(os.path.join(lab.state, "load-ue.csv")) as f:
        for line in list(f)[1:users + 1]:
            impi, _, k, op = line.strip().split(",")[:4]
            name = impi.split("@")[0]
            creds[name] = (k, op)
            xk = "".join("\\x%s" % k[i:i + 2] for i in range(0, 32, 2))
            xop = "".join("\\x%s" % op[i:i + 2] for i in range(0, 32, 2))
            rows.append("%s;mig.partner.mcx.lab;[authentication username=%s aka_K=%s aka_OP=%s "
                        "aka_AMF=\\x80\\x00]" % (name, impi, xk, xop))
    sdir = os.path.join(lab.args.work, "sipp")
    os.makedirs(sdir, exist_ok=True)
    with open(os.path.join(sdir, "users.csv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    shutil.copy(lab.args.scenario, os.path.join(sdir, "register.xml"))
    cmd = ["sipp", lab.partner + ":5060", "-sf", "register.xml", "-inf", "users.csv",
           "-i", lab.ue_addr, "-m", str(users), "-r", "50", "-l", "20",
           "-auth_uri", "mig.partner.mcx.lab", "-trace_err", "-trace_logs", "-trace_msg",
           "-nostdin", "-timeout", "300s", "-timeout_error", "-max_recv_loops", "100"]
    res = subprocess.run(cmd, cwd=sdir, capture_output=True, text=True, timeout=HANG_GUARD_S)
    ok = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", res.stdout)
    bad = re.search(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", res.stdout)
    texts = {}
    for name in os.listdir(sdir):
        for kind in ("_logs.log", "_messages.log", "_errors.log"):
            if name.endswith(kind):
                with open(os.path.join(sdir, name), errors="replace") as f:
                    texts[kind] = texts.get(kind, "") + f.read()
    retries = texts.get("_logs.log", "").count("RETRY")
    print("SIPp: %d migrated users, successful=%s failed=%s retries_after_403=%d exit=%d" % (
        users, ok.group(1) if ok else "?", bad.group(1) if bad else "?", retries, res.returncode))
    check(res.returncode == 0 and ok and int(ok.group(1)) == users and bad and
          int(bad.group(1)) == 0, "SIPp registers and de-registers %d migrated AKA users" % users,
          texts.get("_errors.log", "")[:2000] + res.stdout[-1500:])
    # every 403 answers a RES that SIPp cut at a 0x00 byte, every 200 a whole RES
    counts, pending = {}, {}
    for block in texts.get("_messages.log", "").split("-" * 47):
        cid = re.search(r"Call-ID: (\S+)", block)
        if not cid:
            continue
        auth = re.search(r'Authorization: Digest username="([^"@]+)@[^"]*".*?[ ,]nonce="([^"]+)"',
                         block)
        if auth and "REGISTER sip:" in block:
            pending[cid.group(1)] = (auth.group(1), auth.group(2))
            continue
        status = re.search(r"SIP/2.0 (\d{3})", block)
        if status and cid.group(1) in pending and status.group(1) in ("200", "403"):
            user, nonce = pending.pop(cid.group(1))
            k, op = creds[user]
            res_bytes = milenage_res(lab.ctl_bin, k, op, base64.b64decode(nonce)[:16])
            key = (status.group(1), 0 in res_bytes)
            counts[key] = counts.get(key, 0) + 1
    print("SIPp answers: %s" % counts)
    check(counts.get(("200", True), 0) == 0 and counts.get(("403", False), 0) == 0 and
          counts.get(("200", False), 0) >= 2 * users,
          "every 403 answers a RES cut at 0x00, every 200 a whole RES")
    check(len(lab.log_lines("primary-mms", "event=link_request", "result=SUCCESS")) >= users,
          "every user's vectors came from the primary system")
    lab.down()
    lab.check_logs_clean()


def case_load(lab):
    users = 1000
    t0 = time.monotonic()
    lab.up("--users", str(users))
    print("lab up with %d generated migrated users in %.1f s" % (users, time.monotonic() - t0))
    p = subprocess.run([lab.ue_bin, "load", "--users-csv", os.path.join(lab.state, "load-ue.csv"),
                        "--users", str(users), "--rate", "500", "--duration", "2",
                        "--server", lab.partner + ":5060", "--local", lab.ue_addr, "--json"],
                       capture_output=True, text=True, timeout=HANG_GUARD_S)
    report = {}
    try:
        report = json.loads(p.stdout)
    except ValueError:
        pass
    print("mcx-ue load: %s" % p.stdout.strip())
    check(p.returncode == 0 and report.get("failed") == 0 and
          report.get("registered") == report.get("started") and
          report.get("registered", 0) >= users,
          "%d migrated UEs register through the partner MMS" % users, p.stdout + p.stderr[-2000:])
    served = len(lab.log_lines("primary-mms", "event=link_request", "result=SUCCESS"))
    check(served >= users, "the primary MMS served %d vector requests" % served)
    lab.down()
    lab.check_logs_clean()


def case_demo(lab):
    env = dict(os.environ, MCX_LAB_STATE=lab.state, MCX_LAB_BUILD_DIR=lab.args.build,
               MCX_LAB_PRIMARY_ADDR=lab.primary, MCX_LAB_PARTNER_ADDR=lab.partner,
               MCX_LAB_UE_ADDR=lab.ue_addr)
    lab.is_up = True  # down again in any case
    p = subprocess.run([os.path.join(lab.args.source, "lab"), "demo"], env=env,
                       capture_output=True, text=True, timeout=HANG_GUARD_S)
    print(p.stdout)
    check(p.returncode == 0, "./lab demo exits 0", p.stderr)
    for n in range(2, 15):
        check(re.search(r"^\s*%d\s+\S" % n, p.stdout, re.M) is not None, "step %d printed" % n)
    check("all steps 2-14 happened" in p.stdout, "the demo says every step happened")
    status = lab.ctl("status", check_rc=False)
    check(status.returncode == 3 and "running" not in status.stdout,
          "nothing is left running after the demo", status.stdout)
    lab.is_up = False
    lab.check_logs_clean()


def case_control(lab):
    lab.up()
    again = lab.ctl("up", "--primary-addr", lab.primary, "--partner-addr", lab.partner)
    check("already up" in again.stderr, "a second `up` says the lab is already up", again.stderr)
    status = lab.ctl("status")
    pids = {}
    for line in status.stdout.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[2] == "running":
            pids[fields[0]] = int(fields[1])
    check(len(pids) == 6, "status shows six running processes", status.stdout)
    for name, pid in pids.items():
        with open(os.path.join(lab.state, "run", name + ".pid")) as f:
            check(int(f.read()) == pid, "%s: status pid matches its pidfile" % name)
    logs = lab.ctl("logs", "partner-mms")
    check("event=ready" in logs.stdout and "role=partner" in logs.stdout,
          "`logs partner-mms` prints the partner MMS log")
    check(lab.ctl("logs", "nobody", check_rc=False).returncode == 1, "`logs` of an unknown name "
          "fails")
    # a refused registration: steps must not claim success
    p = lab.ue("register", "carol@mig.partner.mcx.lab", CAROL, lab.partner, "-v")
    with open(os.path.join(lab.args.work, "carol-ue.log"), "w") as f:
        f.write(p.stderr)
    steps = lab.ctl("steps", "--impi", "carol@mig.partner.mcx.lab", "--ue-log",
                    os.path.join(lab.args.work, "carol-ue.log"), check_rc=False)
    check(steps.returncode == 1 and "MISSING steps" in steps.stdout and "7" in
          steps.stdout.split("MISSING steps:")[-1],
          "`steps` fails and names the missing steps of a refused registration", steps.stdout)
    lab.down()
    for name, pid in pids.items():
        check(not os.path.exists("/proc/%d" % pid) or
              open("/proc/%d/stat" % pid).read().rsplit(")", 1)[1].split()[0] == "Z",
              "down stopped %s (pid %d)" % (name, pid))
    # a Diameter port taken on the partner address: up names partner-hss and cleans up
    import socket
    blocker = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    blocker.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    blocker.bind((lab.partner, 3869))
    blocker.listen(1)
    try:
        lab.is_up = True
        failed = lab.ctl("up", "--primary-addr", lab.primary, "--partner-addr", lab.partner,
                         check_rc=False)
    finally:
        blocker.close()
    check(failed.returncode == 1 and "partner-hss" in failed.stderr and "ts=" in failed.stderr,
          "up with the partner HSS port taken fails naming partner-hss with its log lines",
          failed.stderr)
    status = lab.ctl("status", check_rc=False)
    check(status.returncode == 3 and "running" not in status.stdout,
          "nothing is left running after the failed up", status.stdout)
    lab.down()
    lab.check_logs_clean()


def start_mongodb(lab):
    """A MongoDB server on 127.0.0.1 for this case; returns (Popen, port) or None (skip)."""
    work = lab.args.work
    port_file = os.path.join(work, "mongo.port")
    if shutil.which("mongod"):
        port = 27000 + lab.args.net
        os.makedirs(os.path.join(work, "mongo-data"))
        argv = ["mongod", "--bind_ip", "127.0.0.1", "--port", str(port), "--dbpath",
                os.path.join(work, "mongo-data")]
    else:
        probe = subprocess.run(["/usr/bin/python3", "-c", "import mockupdb, mongomock"],
                               capture_output=True)
        if probe.returncode != 0:
            return None
        port = None
        argv = ["/usr/bin/python3", os.path.join(lab.args.source, "tests", "store",
                                                 "mongo_mock_server.py"), "--port-file", port_file]
    proc = subprocess.Popen(argv, stdout=open(os.path.join(work, "mongo.log"), "w"),
                            stderr=subprocess.STDOUT)
    for _ in range(600):
        if port is None and os.path.exists(port_file):
            with open(port_file) as f:
                text = "".join(c for c in f.read() if c.isdigit())
            port = int(text) if text else None
        if port is not None:
            try:
                import socket
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return proc, port
            except OSError:
                pass
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    raise RuntimeError("the MongoDB server did not start (see %s/mongo.log)" % work)


def case_mongodb(lab):
    started = start_mongodb(lab)
    if started is None:
        print("skip: no mongod and no python3-mockupdb/python3-mongomock")
        return 77
    server, port = started
    try:
        uri = "mongodb://127.0.0.1:%d" % port
        for round_no in (1, 2):  # the second round also runs the link over TLS
            lab.up("--db", uri, "--users", "5", *(["--tls"] if round_no == 2 else []))
            check("database=mongodb" in lab.log("primary-hss"),
                  "round %d: the primary HSS runs on MongoDB" % round_no)
            expect(lab.ue("register", "alice@mig.partner.mcx.lab", ALICE, lab.partner), 0,
                   "round %d: migrated registration on MongoDB" % round_no, "registered")
            if round_no == 2:
                check(bool(lab.log_lines("partner-mms", "event=link_up", "url=tls+tcp://")),
                      "round 2: the partner MMS dialled the primary over tls+tcp://")
            expect(lab.ue("register", "bob@partner.mcx.lab", BOB, lab.partner), 0,
                   "round %d: home registration in the partner system" % round_no, "registered")
            expect(lab.ue("register", "carol@mig.partner.mcx.lab", CAROL, lab.partner), 6,
                   "round %d: carol not allowed -> 403" % round_no, "403")
            listed = subprocess.run([lab.ctl_bin, "--db", uri + "/mcx_lab_primary", "subscriber",
                                     "list", "--limit", "100"], capture_output=True, text=True)
            count = listed.stdout.count("impi=")
            check(count == 8, "round %d: the primary database holds exactly the lab's 8 "
                  "subscribers (%d)" % (round_no, count), listed.stderr)
            lab.down()
        lab.check_logs_clean()
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True,
                    choices=["migration", "primary_down", "sipp", "load", "demo", "mongodb",
                             "control"])
    ap.add_argument("--source", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--net", type=int, required=True)
    ap.add_argument("--scenario")
    args = ap.parse_args()
    args.work = os.path.abspath(args.work)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    lab = Lab(args)

    def on_signal(signum, frame):
        lab.down()
        sys.exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, on_signal)
    rc = None
    try:
        rc = globals()["case_" + args.case](lab)
    except Exception as e:  # report, then stop the topology below
        check(False, "case %s raised %s: %s" % (args.case, type(e).__name__, e))
    finally:
        lab.down()
    if rc == 77:
        return 77
    print("%d check(s) failed; logs in %s" % (len(failures), lab.logs) if failures else
          "all %s checks passed" % args.case)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
