#!/usr/bin/python3
"""mcx-ue on the wire: register, deregister, resynchronisation, MAC failure, 401 loop, 5xx,
UDP retransmission, timeout, -v, --config and the load generator, against the scripted registrar
of ue_sip_responder.py on 127.0.0.1 over UDP and TCP.

usage: ue_loopback_test.py MCX_UE MCX_CTL"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import traceback

sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ue_sip_responder import Responder, Subscriber  # noqa: E402

K = "465b5ce8b199b49faa5f0a2ee238a6bc"
OPC = "cd63cb71954a9f4e48a5994e37a02baf"
OP = "cdc202d5123e20f62b6d676ac72cb318"
IMPI = "alice@mig.partner.mcx.lab"
HANG_GUARD_S = 300  # only against a hung client; no test asserts a duration

MCX_UE, MCX_CTL = sys.argv[1], sys.argv[2]
TMP = tempfile.mkdtemp(prefix="ue_loopback.")


def sub(**kw):
    return Subscriber(IMPI, K, OPC, **kw)


def ue(command, server, *extra, transport="udp", state=None, keys=True):
    args = [MCX_UE, command, "--server", "127.0.0.1:%d" % server, "--transport", transport]
    if keys:
        args += ["--impi", IMPI, "--k", K, "--opc", OPC]
    if state:
        args += ["--state", state]
    args += list(extra)
    return subprocess.run(args, capture_output=True, text=True, timeout=HANG_GUARD_S)


def expect(proc, code, what):
    if proc.returncode != code:
        raise AssertionError("%s: exit %d, expected %d\nstdout: %s\nstderr: %s" %
                             (what, proc.returncode, code, proc.stdout, proc.stderr))


def kinds(responder):
    return [k for k, _ in responder.events]


def read_state(path):
    with open(path) as f:
        text = f.read()
    return [int(x) for x in re.search(r"seq_ms=([0-9,]+)", text).group(1).split(",")]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---- tests ----

def test_register_akav1(transport):
    state = os.path.join(TMP, "akav1-%s.state" % transport)
    with Responder(MCX_CTL, [sub(seq=40)], transport=transport) as r:
        p = ue("register", r.port, transport=transport, state=state)
    expect(p, 0, "register")
    assert "registered sip:%s" % IMPI in p.stdout, p.stdout
    assert "Service-Route: <sip:orig@scscf.test.invalid;lr>" in p.stdout, p.stdout
    assert "P-Associated-URI: <sip:%s>" % IMPI in p.stdout, p.stdout
    assert "expires 600 s" in p.stdout, p.stdout
    assert kinds(r) == ["challenge", "registered"], r.events
    first_auth = r.requests[0][2]
    assert first_auth["response"] == "" and first_auth["nonce"] == "", first_auth
    # The SQN state file now holds SEQ 41 in slot 41 % 32 = 9.
    seq_ms = read_state(state)
    assert seq_ms[9] == 41 and sum(seq_ms) == 41, seq_ms


def test_register_akav2_with_op():
    with Responder(MCX_CTL, [sub()], algorithm="AKAv2-MD5") as r:
        p = subprocess.run(
            [MCX_UE, "register", "--server", "127.0.0.1:%d" % r.port, "--impi", IMPI, "--k", K,
             "--op", OP, "--algorithm", "AKAv2-MD5"],
            capture_output=True, text=True, timeout=HANG_GUARD_S)
    expect(p, 0, "AKAv2 register")
    assert kinds(r) == ["challenge", "registered"], r.events
    assert r.requests[0][2]["algorithm"] == "AKAv2-MD5", r.requests[0]


def test_md5(transport):
    s = sub(password="secret pass")
    with Responder(MCX_CTL, [s], transport=transport, algorithm="MD5") as r:
        p = ue("register", r.port, "--algorithm", "MD5", "--password", "secret pass",
               transport=transport)
        expect(p, 0, "MD5 register")
        p = ue("register", r.port, "--algorithm", "MD5", "--password", "wrong",
               transport=transport)
        expect(p, 6, "MD5 wrong password")
        assert "forbidden" in p.stderr, p.stderr
    assert kinds(r) == ["challenge", "registered", "challenge", "response_bad"], r.events


def test_resynchronisation(transport):
    """UE SQN ahead of the network: auts, AUTS verified by mcx-ctl, second challenge succeeds."""
    state = os.path.join(TMP, "resync-%s.state" % transport)
    with open(state, "w") as f:
        f.write("version=1\ndelta=268435456\nseq_ms=%s\n" % ",".join(["1000"] * 32))
    with Responder(MCX_CTL, [sub(seq=0)], transport=transport) as r:
        p = ue("register", r.port, transport=transport, state=state)
    expect(p, 0, "register with resync")
    assert kinds(r) == ["challenge", "resync", "challenge", "registered"], r.events
    assert dict(r.events)["resync"] == 1000, r.events
    assert "auts" in r.requests[1][2] and r.requests[1][2]["response"] != "", r.requests[1]
    seq_ms = read_state(state)
    assert seq_ms[1001 % 32] == 1001, seq_ms


def test_mac_failure(transport):
    state = os.path.join(TMP, "mac-%s.state" % transport)
    with Responder(MCX_CTL, [sub()], transport=transport, corrupt_mac=True) as r:
        p = ue("register", r.port, transport=transport, state=state)
    expect(p, 5, "MAC failure")
    assert "mac_failure" in p.stderr and "MAC" in p.stderr, p.stderr
    assert kinds(r) == ["challenge", "empty_response"], r.events
    auth = r.requests[1][2]
    assert auth["response"] == "" and "auts" not in auth and auth["nonce"] != "", auth
    assert not os.path.exists(state), "state file written although nothing was accepted"


def test_auth_loop():
    with Responder(MCX_CTL, [sub()], always_challenge=True) as r:
        p = ue("register", r.port)
    expect(p, 7, "401 loop")
    assert "auth_loop" in p.stderr, p.stderr


def test_server_error(transport):
    with Responder(MCX_CTL, [sub()], transport=transport, final_status=504) as r:
        p = ue("register", r.port, transport=transport)
    expect(p, 8, "504")
    assert "504" in p.stderr, p.stderr


def test_udp_retransmission():
    with Responder(MCX_CTL, [sub()], drop_first=2) as r:
        p = ue("register", r.port, "--t1-ms", "50")
    expect(p, 0, "register after two lost requests")
    first = [req for req in r.requests if req[0] == "1 REGISTER"]
    assert len(first) == 3, r.requests
    assert len({req[1] for req in first}) == 1, "retransmissions must reuse the branch"


def test_timeout(transport):
    with Responder(MCX_CTL, [sub()], transport=transport, silent=True) as r:
        p = ue("register", r.port, "--t1-ms", "10", transport=transport)
    expect(p, 4, "timeout")
    assert "timeout" in p.stderr and "timer F" in p.stderr, p.stderr
    copies = len(r.requests)
    if transport == "udp":
        assert copies >= 5, r.requests  # 0, 10, 30, 70, 150, 310, 630 ms
    else:
        assert copies == 1, r.requests


def test_transport_error():
    p = ue("register", free_port(), transport="tcp")
    expect(p, 3, "TCP connect refused")
    assert "connect" in p.stderr, p.stderr


def test_deregister(transport):
    with Responder(MCX_CTL, [sub()], transport=transport) as r:
        p = ue("deregister", r.port, transport=transport)
    expect(p, 0, "deregister")
    assert "deregistered sip:" in p.stdout, p.stdout
    assert all(req[3] == "0" for req in r.requests), r.requests


def test_verbose_hides_ck_ik():
    with Responder(MCX_CTL, [sub()]) as r:
        p = ue("register", r.port, "-v")
    expect(p, 0, "register -v")
    err = p.stderr
    assert "REGISTER sip:mig.partner.mcx.lab SIP/2.0" in err, err
    assert "SIP/2.0 401 Unauthorized" in err and "SIP/2.0 200 OK" in err, err
    assert 'ck="<hidden>"' in err and 'ik="<hidden>"' in err, err
    for secret in re.findall(r'\b(?:ck|ik)="([0-9a-f]{32})"', err):
        raise AssertionError("ck/ik value printed: " + secret)
    assert K not in err and OPC not in err


def test_config_file():
    cfg = os.path.join(TMP, "ue.yaml")
    state = os.path.join(TMP, "cfg.state")
    with Responder(MCX_CTL, [sub()], transport="tcp") as r:
        with open(cfg, "w") as f:
            f.write("impi: %s\nk: %s\nopc: %s\namf: '8000'\nstate: %s\nserver: 127.0.0.1:%d\n"
                    "transport: tcp\nexpires: 300\n" % (IMPI, K, OPC, state, r.port))
        p = subprocess.run([MCX_UE, "register", "--config", cfg], capture_output=True, text=True,
                           timeout=HANG_GUARD_S)
    expect(p, 0, "register --config")
    assert "expires 300 s" in p.stdout, p.stdout
    assert os.path.exists(state)
    with open(cfg, "a") as f:
        f.write("imp: typo\n")
    p = subprocess.run([MCX_UE, "register", "--config", cfg], capture_output=True, text=True,
                       timeout=HANG_GUARD_S)
    expect(p, 2, "unknown config key")
    assert "unknown key 'imp'" in p.stderr, p.stderr


def test_usage_errors():
    p = subprocess.run([MCX_UE, "register", "--server", "127.0.0.1:5", "--impi", IMPI],
                       capture_output=True, text=True, timeout=HANG_GUARD_S)
    expect(p, 2, "missing --k")
    p = subprocess.run([MCX_UE, "register", "--server", "127.0.0.1:5", "--impi", IMPI, "--k", K,
                        "--opc", "12"], capture_output=True, text=True, timeout=HANG_GUARD_S)
    expect(p, 2, "short OPc")
    assert "12" not in p.stderr.split(":", 1)[1] or "hex digits" in p.stderr, p.stderr
    p = subprocess.run([MCX_UE, "fly"], capture_output=True, text=True, timeout=HANG_GUARD_S)
    expect(p, 2, "unknown command")
    p = subprocess.run([MCX_UE, "--help"], capture_output=True, text=True, timeout=HANG_GUARD_S)
    expect(p, 0, "--help")
    assert "exit codes" in p.stdout and "MAC failure" in p.stdout


def test_load(transport):
    users = []
    csv = os.path.join(TMP, "users-%s.csv" % transport)
    with open(csv, "w") as f:
        f.write("impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners\n")
        for i in range(20):
            impi = "load%03d@mig.partner.mcx.lab" % i
            users.append(Subscriber(impi, K, OPC))
            f.write("%s,sip:%s,%s,,%s,8000,0,Digest-AKAv1-MD5,\n" % (impi, impi, K, OPC))
    with Responder(MCX_CTL, users, transport=transport) as r:
        p = subprocess.run([MCX_UE, "load", "--users-csv", csv, "--users", "20", "--rate", "40",
                            "--duration", "1", "--server", "127.0.0.1:%d" % r.port,
                            "--transport", transport, "--json"],
                           capture_output=True, text=True, timeout=HANG_GUARD_S)
    expect(p, 0, "load")
    report = json.loads(p.stdout)
    registered = kinds(r).count("registered")
    assert report["registered"] == registered and registered >= 20, (report, r.events)
    assert report["failed"] == 0 and report["started"] == report["registered"], report
    lat = report["latency_ms"]
    assert 0 < lat["p50"] <= lat["p90"] <= lat["p99"] <= lat["max"], lat
    assert report["registrations_per_s"] > 0, report
    assert set(report["failures"]) == {"auth_loop", "forbidden", "server_error", "timeout",
                                       "mac_failure", "other"}, report


def test_load_failures_counted():
    csv = os.path.join(TMP, "users-fail.csv")
    with open(csv, "w") as f:
        f.write("impi,k,opc\n%s,%s,%s\n" % (IMPI, K, OPC))
    with Responder(MCX_CTL, [sub()], final_status=503) as r:
        p = subprocess.run([MCX_UE, "load", "--users-csv", csv, "--rate", "20", "--duration",
                            "0.2", "--server", "127.0.0.1:%d" % r.port],
                           capture_output=True, text=True, timeout=HANG_GUARD_S)
    expect(p, 10, "load with failures")
    assert re.search(r"failures: .*server_error=[1-9]", p.stdout), p.stdout
    assert "registered=0" in p.stdout, p.stdout


def main():
    tests = [
        (test_register_akav1, "udp"), (test_register_akav1, "tcp"),
        (test_register_akav2_with_op,), (test_md5, "udp"), (test_md5, "tcp"),
        (test_resynchronisation, "udp"), (test_resynchronisation, "tcp"),
        (test_mac_failure, "udp"), (test_mac_failure, "tcp"), (test_auth_loop,),
        (test_server_error, "udp"), (test_server_error, "tcp"), (test_udp_retransmission,),
        (test_timeout, "udp"), (test_timeout, "tcp"), (test_transport_error,),
        (test_deregister, "udp"), (test_deregister, "tcp"), (test_verbose_hides_ck_ik,),
        (test_config_file,), (test_usage_errors,), (test_load, "udp"), (test_load, "tcp"),
        (test_load_failures_counted,),
    ]
    only = os.environ.get("UE_TEST_ONLY")
    failed = 0
    try:
        for t in tests:
            name = t[0].__name__ + ("[%s]" % t[1] if len(t) > 1 else "")
            if only and only not in name:
                continue
            try:
                t[0](*t[1:])
                print("ok   " + name, flush=True)
            except Exception:
                failed += 1
                print("FAIL " + name, flush=True)
                traceback.print_exc()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    print("%d failed" % failed)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
