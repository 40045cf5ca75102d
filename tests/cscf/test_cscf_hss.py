#!/usr/bin/python3
"""Integration test: mcx-cscf against a real mcx-hss (SQLite store provisioned with mcx-ctl),
all on loopback.

 1. SIPp (Debian sip-tester 3.6.1) registers and de-registers N AKA users (IMS-AKA, RFC 3310).
    SIPp 3.6.1 cuts a RES that contains a 0x00 byte, so ~3% of its AKA answers are wrong and
    get 403 (as they must); its scenario restarts such a registration with a fresh challenge
    (at most 3 tries). A user that fails 3 times is a real failure. Retries are reported.
 2. SIPp registers an MD5 (SIP Digest) subscriber.
 3. A test UE (this script; RES/AUTS from `mcx-ctl milenage`) with the wrong key gets 403.
 4. Resynchronisation: the test UE answers the first challenge with auts= for an SQN ahead of
    the HSS; it gets a second 401 whose AUTN carries an SQN above it, and then 200.
 5. Retransmission of the answered REGISTER gets the same bytes back.

usage: test_cscf_hss.py MCX_CSCF MCX_HSS MCX_CTL SCENARIO WORK_DIR [USERS]
"""
import base64
import hashlib
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import daemons  # noqa: E402

CSCF, HSS, CTL, SCENARIO, WORK = sys.argv[1:6]
USERS = int(sys.argv[6]) if len(sys.argv) > 6 else 100
RATE = int(os.environ.get("MCX_SIPP_RATE", "50"))    # new users per second
LIMIT = int(os.environ.get("MCX_SIPP_LIMIT", "20"))  # users in progress at once
HSS_ADDR, CSCF_ADDR, UE_ADDR = "127.0.88.1", "127.0.88.2", "127.0.88.3"
DOMAIN = "mcx.lab"
DB = os.path.join(WORK, "hss.db")

failures = []


def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what, flush=True)
    if not cond:
        failures.append(what)


def ctl(*args):
    return subprocess.run([CTL, "--db", "sqlite:" + DB] + list(args), check=True,
                          capture_output=True, text=True).stdout


def key_without_zero(rng):
    return bytes(rng.randrange(1, 256) for _ in range(16))


def xnn(b):
    return "".join("\\x%02x" % c for c in b)


def provision(rng):
    """Writes the subscribers; returns {name: (k, op)}."""
    creds = {}
    rows = ["impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners"]
    for i in range(USERS):
        name = "aka%03d" % i
        k, op = key_without_zero(rng), key_without_zero(rng)
        creds[name] = (k, op)
        rows.append(f"{name}@{DOMAIN},sip:{name}@{DOMAIN},{k.hex()},{op.hex()},,8000,0,"
                    f"Digest-AKAv1-MD5,")
    for name in ("wrongkey", "resync"):
        k, op = key_without_zero(rng), key_without_zero(rng)
        creds[name] = (k, op)
        rows.append(f"{name}@{DOMAIN},sip:{name}@{DOMAIN},{k.hex()},{op.hex()},,8000,0,"
                    f"Digest-AKAv1-MD5,")
    csv = os.path.join(WORK, "subscribers.csv")
    with open(csv, "w") as f:
        f.write("\n".join(rows) + "\n")
    ctl("subscriber", "import", csv)
    k, op = key_without_zero(rng), key_without_zero(rng)
    ctl("subscriber", "add", "--impi", f"carol@{DOMAIN}", "--impu", f"sip:carol@{DOMAIN}",
        "--k", k.hex(), "--op", op.hex(), "--scheme", "SIP Digest", "--password", "carol-lab-pw")
    return creds


def run_sipp(sip_port, csv_rows, calls, name):
    csv = os.path.join(WORK, name + ".csv")
    with open(csv, "w") as f:
        f.write("SEQUENTIAL\n" + "\n".join(csv_rows) + "\n")
    sdir = os.path.join(WORK, name)
    os.makedirs(sdir, exist_ok=True)
    for old in os.listdir(sdir):
        os.unlink(os.path.join(sdir, old))
    shutil.copy(SCENARIO, os.path.join(sdir, "register.xml"))
    cmd = ["sipp", f"{CSCF_ADDR}:{sip_port}", "-sf", "register.xml", "-inf", csv,
           "-i", UE_ADDR, "-m", str(calls), "-r", str(RATE), "-l", str(LIMIT), "-auth_uri", DOMAIN,
           "-trace_err", "-trace_logs", "-trace_msg", "-nostdin", "-timeout", "120s",
           "-timeout_error", "-max_recv_loops", "100"]
    res = subprocess.run(cmd, cwd=sdir, capture_output=True, text=True, timeout=300)
    ok = re.search(r"Successful call\s*\|\s*\d+\s*\|\s*(\d+)", res.stdout)
    bad = re.search(r"Failed call\s*\|\s*\d+\s*\|\s*(\d+)", res.stdout)
    retries = 0
    for log in os.listdir(sdir):
        if log.endswith("_logs.log"):
            with open(os.path.join(sdir, log)) as f:
                retries += sum(1 for line in f if "RETRY" in line)
    messages = ""
    for log in os.listdir(sdir):
        if log.endswith("_messages.log"):
            with open(os.path.join(sdir, log), errors="replace") as f:
                messages += f.read()
    errors = ""
    for log in os.listdir(sdir):
        if log.endswith("_errors.log"):
            with open(os.path.join(sdir, log)) as f:
                errors += f.read()[:2000]
    return (res.returncode, int(ok.group(1)) if ok else -1, int(bad.group(1)) if bad else -1,
            retries, errors, messages)


def classify_answers(messages, creds):
    """Pairs every AKA answer SIPp sent with the status it got and recomputes that RES: returns
    counts of (status, RES has a 0x00 byte). SIPp 3.6.1 cuts a RES at its first 0x00 byte."""
    pending = {}
    counts = {}
    for block in messages.split("-----------------------------------------------"):
        cid = re.search(r"Call-ID: (\S+)", block)
        if not cid:
            continue
        cid = cid.group(1)
        auth = re.search(r'Authorization: Digest username="([^"@]+)@[^"]*".*?[ ,]nonce="([^"]+)"',
                         block)
        if auth and "REGISTER sip:" in block:
            pending[cid] = (auth.group(1), auth.group(2))
            continue
        status = re.search(r"SIP/2.0 (\d{3})", block)
        if status and cid in pending and status.group(1) in ("200", "403"):
            user, nonce = pending.pop(cid)
            k, op = creds[user]
            res = milenage(k, op, base64.b64decode(nonce)[:16])["res"]
            key = (status.group(1), 0 in res)
            counts[key] = counts.get(key, 0) + 1
    return counts


# ---- the test UE: real RES/AUTS from mcx-ctl milenage ----

def milenage(k, op, rand, sqn="000000000000", amf="8000"):
    out = subprocess.run([CTL, "milenage", "--k", k.hex(), "--op", op.hex(), "--rand", rand.hex(),
                          "--sqn", sqn, "--amf", amf], check=True, capture_output=True,
                         text=True).stdout
    return {kv.split("=")[0]: bytes.fromhex(kv.split("=")[1]) for kv in out.split()}


class Ue:
    def __init__(self, name, sip_port):
        self.name = name
        self.impi = f"{name}@{DOMAIN}"
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((UE_ADDR, 0))
        self.sock.settimeout(10)
        self.port = self.sock.getsockname()[1]
        self.dst = (CSCF_ADDR, sip_port)
        self.cseq = 0
        self.last = b""

    def register(self, auth=None, expires=600):
        self.cseq += 1
        msg = (f"REGISTER sip:{DOMAIN} SIP/2.0\r\n"
               f"Via: SIP/2.0/UDP {UE_ADDR}:{self.port};branch=z9hG4bK{self.name}{self.cseq}\r\n"
               f"From: <sip:{self.impi}>;tag=ue{self.name}\r\nTo: <sip:{self.impi}>\r\n"
               f"Call-ID: {self.name}@{UE_ADDR}\r\nCSeq: {self.cseq} REGISTER\r\n"
               f"Contact: <sip:{self.name}@{UE_ADDR}:{self.port}>\r\nExpires: {expires}\r\n"
               + (f"Authorization: {auth}\r\n" if auth else "") + "Content-Length: 0\r\n\r\n")
        self.last = msg.encode()
        self.sock.sendto(self.last, self.dst)
        return self.recv()

    def recv(self):
        data = self.sock.recv(65535)
        status = int(data.split(b" ", 2)[1])
        return status, data

    def challenge(self, data):
        m = re.search(rb'WWW-Authenticate: Digest ([^\r\n]*)', data)
        params = dict(re.findall(r'(\w+)="?([^",]*)"?', m.group(1).decode()))
        raw = base64.b64decode(params["nonce"])
        return params, raw[:16], raw[16:32]

    def auth(self, params, password, auts=None, nc="00000001"):
        realm, nonce = params["realm"], params["nonce"]
        uri, cnonce = f"sip:{DOMAIN}", "0a4f113b"
        ha1 = hashlib.md5(f"{self.impi}:{realm}:".encode() + password).hexdigest()
        ha2 = hashlib.md5(f"REGISTER:{uri}".encode()).hexdigest()
        resp = hashlib.md5(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
        if auts is not None:
            resp = ""
        h = (f'Digest username="{self.impi}", realm="{realm}", nonce="{nonce}", uri="{uri}", '
             f'response="{resp}", algorithm=AKAv1-MD5, cnonce="{cnonce}", qop=auth, nc={nc}')
        if auts is not None:
            h += f', auts="{base64.b64encode(auts).decode()}"'
        return h


def ue_checks(creds, sip_port):
    # wrong key -> 403
    ue = Ue("wrongkey", sip_port)
    status, data = ue.register()
    check(status == 401, "test UE: first REGISTER -> 401")
    params, rand, autn = ue.challenge(data)
    check(params.get("algorithm") == "AKAv1-MD5" and "ck" not in params and "ik" not in params,
          "401 offers AKAv1-MD5 without ck/ik")
    k, op = creds["wrongkey"]
    wrong_k = bytes([k[0] ^ 0x01]) + k[1:]
    res = milenage(wrong_k, op, rand)["res"]
    status, _ = ue.register(ue.auth(params, res))
    check(status == 403, f"wrong key -> 403 ({status})")

    # resynchronisation through the HSS
    ue = Ue("resync", sip_port)
    k, op = creds["resync"]
    status, data = ue.register()
    params, rand, autn = ue.challenge(data)
    sqn_ms = 0x000000100000  # far ahead of the HSS (SEQ 32768)
    m = milenage(k, op, rand, sqn="%012x" % sqn_ms, amf="0000")
    conc = bytes(a ^ b for a, b in zip(sqn_ms.to_bytes(6, "big"), m["ak_star"]))
    auts = conc + m["mac_s"]
    status, data = ue.register(ue.auth(params, b"", auts=auts))
    check(status == 401, f"auts -> fresh 401 ({status})")
    params2, rand2, autn2 = ue.challenge(data)
    m2 = milenage(k, op, rand2)
    sqn_new = int.from_bytes(bytes(a ^ b for a, b in zip(autn2[:6], m2["ak"])), "big")
    check(rand2 != rand and sqn_new > sqn_ms,
          f"new challenge after resync carries SQN {sqn_new:#x} > SQN_MS {sqn_ms:#x}")
    status, data = ue.register(ue.auth(params2, m2["res"]))
    check(status == 200, f"resynchronised UE registers -> 200 ({status})")
    check(b"P-Associated-URI: <sip:resync@mcx.lab>" in data, "200 carries P-Associated-URI")
    first = data
    ue.sock.sendto(ue.last, ue.dst)  # retransmission of the answered REGISTER
    _, again = ue.recv()
    check(again == first, "retransmitted REGISTER -> the same 200, from the cache")
    status, data = ue.register(expires=0)
    params3, rand3, _ = ue.challenge(data)
    status, data = ue.register(ue.auth(params3, milenage(k, op, rand3)["res"]), expires=0)
    check(status == 200 and b"Contact:" not in data, "de-registration -> 200 without contacts")


def main():
    if not shutil.which("sipp"):
        print("skip: sipp (Debian sip-tester) is not installed")
        return 77
    os.makedirs(WORK, exist_ok=True)
    for f in os.listdir(WORK):
        p = os.path.join(WORK, f)
        shutil.rmtree(p) if os.path.isdir(p) else os.unlink(p)
    rng = random.Random(20261125)
    creds = provision(rng)
    procs = []
    try:
        sip_port = daemons.start_hss_cscf(procs, WORK, HSS, CSCF, "sqlite:" + DB, DOMAIN,
                                          HSS_ADDR, CSCF_ADDR)
        rows = []
        for i in range(USERS):
            name = "aka%03d" % i
            k, op = creds[name]
            rows.append(f"{name};{DOMAIN};[authentication username={name}@{DOMAIN} "
                        f"aka_K={xnn(k)} aka_OP={xnn(op)} aka_AMF=\\x80\\x00]")
        started = time.monotonic()
        rc, ok, bad, retries, errors, messages = run_sipp(sip_port, rows, USERS, "sipp_aka")
        took = time.monotonic() - started
        print(f"SIPp AKA: users={USERS} successful={ok} failed={bad} retries_after_403={retries} "
              f"exit={rc} seconds={took:.2f} rate={RATE}/s limit={LIMIT}")
        if errors:
            print("SIPp errors:\n" + errors)
        check(rc == 0 and ok == USERS and bad == 0,
              f"SIPp registers and de-registers {USERS} AKA users (retries: {retries})")
        counts = classify_answers(messages, creds)
        print(f"SIPp AKA answers: 200 {counts.get(('200', False), 0)}, 403 with a 0x00 in RES "
              f"{counts.get(('403', True), 0)}, 200 with a 0x00 in RES "
              f"{counts.get(('200', True), 0)}, 403 without {counts.get(('403', False), 0)}")
        check(counts.get(("200", True), 0) == 0 and counts.get(("403", False), 0) == 0 and
              counts.get(("200", False), 0) >= 2 * USERS,
              "every 403 answers a RES that SIPp truncated at a 0x00 byte, every 200 a whole RES")

        rows = [f"carol;{DOMAIN};[authentication username=carol@{DOMAIN} password=carol-lab-pw]"]
        rc, ok, bad, retries, errors, _ = run_sipp(sip_port, rows, 1, "sipp_md5")
        if errors:
            print("SIPp errors:\n" + errors)
        check(rc == 0 and ok == 1 and retries == 0, "SIPp registers an MD5 (SIP Digest) subscriber")

        ue_checks(creds, sip_port)
        with open(os.path.join(WORK, "cscf.log")) as f:
            log = f.read()
        check(all(s not in log.lower() for s in ("xres=", "res=", "ck=", "ik=", "ha1=")),
              "no secret fields in the mcx-cscf log")
    finally:
        codes = daemons.stop_all(procs)
    check(codes == [0, 0], f"mcx-cscf and mcx-hss stop cleanly ({codes})")
    if failures:
        print(f"{len(failures)} check(s) failed; logs in {WORK}")
        return 1
    print("all mcx-cscf + mcx-hss checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
