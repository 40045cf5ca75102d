#!/usr/bin/python3
"""Integration test of mcx-cscf's SIP transport: starts the real binary on loopback (IPv4 and
IPv6), with its Diameter peer absent, and checks over UDP and TCP: responses per RFC 3261
(Via/From/To/Call-ID/CSeq copied, To-tag added), 480 when the Cx peer is unreachable,
retransmissions answered with the same bytes, 400 naming the fault for a malformed request, a
malformed response dropped, TCP framing (several messages per write, byte-by-byte partial
writes, CRLF keep-alives, bodies), a framing error closing the connection, and a clean stop
on SIGTERM.

usage: test_cscf_transport.py MCX_CSCF_BINARY WORK_DIR
"""
import os
import signal
import socket
import subprocess
import sys
import time

BIN, WORK = sys.argv[1], sys.argv[2]
V4 = "127.0.77.1"


def free_port(family, host, kind):
    s = socket.socket(family, kind)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start(host, family, name):
    sip_port = free_port(family, host, socket.SOCK_DGRAM)
    dia_port = free_port(socket.AF_INET, "127.0.77.2", socket.SOCK_STREAM)
    peer_port = free_port(socket.AF_INET, "127.0.77.3", socket.SOCK_STREAM)
    state = os.path.join(WORK, name)
    os.makedirs(state, exist_ok=True)
    cfg = os.path.join(state, "cscf.yaml")
    with open(cfg, "w") as f:
        f.write(f"""log: {{level: info}}
sip: {{address: "{host}", port: {sip_port}, workers: 2, tcp: true, tcp_idle_timeout: 2s}}
registrar:
  server_name: sip:scscf.test.mcx.lab:{sip_port}
  service_route: "<sip:orig@127.0.77.1:{sip_port};lr>"
  cx_timeout: 2s
  cx_peer_wait: 0s
routes:
  - {{match: "*", realm: test.mcx.lab, host: hss.test.mcx.lab}}
diameter:
  identity: cscf.test.mcx.lab
  realm: test.mcx.lab
  address: 127.0.77.2
  port: {dia_port}
  state_dir: {state}/fd
  peers:
    - {{identity: hss.test.mcx.lab, address: 127.0.77.3, port: {peer_port}}}
""")
    log = open(os.path.join(state, "cscf.log"), "w")
    proc = subprocess.Popen([BIN, "--config", cfg], stdout=log, stderr=subprocess.STDOUT)
    # wait until the UDP socket answers OPTIONS
    probe = socket.socket(family, socket.SOCK_DGRAM)
    probe.settimeout(0.2)
    for _ in range(100):
        if proc.poll() is not None:
            raise SystemExit(f"mcx-cscf exited early ({proc.returncode}); see {state}/cscf.log")
        probe.sendto(options("probe", "z9hG4bKprobe" + str(time.time())), (host, sip_port))
        try:
            probe.recv(4096)
            break
        except socket.timeout:
            continue
    else:
        raise SystemExit("mcx-cscf did not answer on UDP")
    probe.close()
    return proc, sip_port


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            return proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            return -1
    return proc.returncode


def options(call_id, branch, via_host="127.0.30.1", body=b""):
    head = (f"OPTIONS sip:test.mcx.lab SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {via_host}:5061;branch={branch}\r\n"
            f"From: <sip:a@test.mcx.lab>;tag=f1\r\nTo: <sip:test.mcx.lab>\r\n"
            f"Call-ID: {call_id}\r\nCSeq: 1 OPTIONS\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode() + body


def register(call_id, branch, via_host="127.0.30.1"):
    return (f"REGISTER sip:test.mcx.lab SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {via_host}:5061;rport;branch={branch}\r\n"
            f"v: SIP/2.0/UDP 10.9.9.9;branch=z9hG4bKlower\r\n"
            f"f: \"Alice\" <sip:alice@test.mcx.lab>;tag=ua1\r\nt: <sip:alice@test.mcx.lab>\r\n"
            f"i: {call_id}\r\nCSeq: 7 REGISTER\r\nContact: <sip:alice@127.0.30.1:5061>\r\n"
            f"Expires: 600\r\nl: 0\r\n\r\n").encode()


def headers(resp):
    text = resp.decode()
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    return head[0], head[1:]


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)
    else:
        print("ok:", what)


def udp_checks(host, family, port):
    s = socket.socket(family, socket.SOCK_DGRAM)
    s.bind((host, 0))
    s.settimeout(10)
    dst = (host, port)

    req = register("udp-reg-1", "z9hG4bKudp1")
    s.sendto(req, dst)
    first = s.recv(65535)
    status, hdrs = headers(first)
    check(status == "SIP/2.0 480 Temporarily Unavailable", f"[{host}] REGISTER without Cx peer -> 480 ({status})")
    vias = [h for h in hdrs if h.startswith("Via: ")]
    check(len(vias) == 2 and "branch=z9hG4bKudp1" in vias[0] and "z9hG4bKlower" in vias[1],
          f"[{host}] both Via headers copied in order")
    local = s.getsockname()
    check(f";rport={local[1]}" in vias[0] and f";received={local[0]}" in vias[0],
          f"[{host}] top Via gets rport and received (RFC 3581): {vias[0]}")
    to = [h for h in hdrs if h.startswith("To: ")]
    check(len(to) == 1 and ";tag=" in to[0], f"[{host}] To-tag added")
    check("Call-ID: udp-reg-1" in hdrs and "CSeq: 7 REGISTER" in hdrs, f"[{host}] Call-ID and CSeq copied")
    check('From: "Alice" <sip:alice@test.mcx.lab>;tag=ua1' in hdrs, f"[{host}] From copied")

    s.sendto(req, dst)  # retransmission
    again = s.recv(65535)
    check(again == first, f"[{host}] retransmission answered with the same bytes")

    bad = (b"REGISTER sip:test.mcx.lab SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.30.1:5061;branch=z9hG4bKbad\r\n"
           b"From: <sip:alice@test.mcx.lab>;tag=1\r\nTo: <sip:alice@test.mcx.lab>\r\n"
           b"Call-ID: bad\r\nCSeq: 1 INVITE\r\n\r\n")
    s.sendto(bad, dst)
    status, _ = headers(s.recv(65535))
    check(status == "SIP/2.0 400 CSeq method does not match the request method",
          f"[{host}] malformed request -> 400 naming the fault ({status})")

    # a malformed response and pure garbage are dropped: the next datagram we get answers the
    # OPTIONS sent after them
    s.sendto(b"SIP/2.0 200 OK\r\nVia: broken\r\n\r\n", dst)
    s.sendto(b"\x00\xff garbage \r\n\r\n", dst)
    s.sendto(b"SIP/2.0 200 OK\r\n\r\n", dst)
    s.sendto(options("after-garbage", "z9hG4bKafter"), dst)
    status, hdrs = headers(s.recv(65535))
    check(status == "SIP/2.0 200 OK" and "Call-ID: after-garbage" in hdrs,
          f"[{host}] malformed response dropped, server still answers")
    s.close()


def recv_messages(sock, count):
    """Reads count SIP messages (Content-Length framing) from a TCP socket."""
    buf = b""
    out = []
    while len(out) < count:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65535)
            if not chunk:
                return out
            buf += chunk
        head, rest = buf.split(b"\r\n\r\n", 1)
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        while len(rest) < length:
            rest += sock.recv(65535)
        out.append(head + b"\r\n\r\n" + rest[:length])
        buf = rest[length:]
    return out


def tcp_checks(host, family, port):
    c = socket.create_connection((host, port), timeout=10)
    # keep-alive, then two requests (one with a body) in one write
    c.sendall(b"\r\n\r\n" + options("tcp-1", "z9hG4bKt1") + options("tcp-2", "z9hG4bKt2", body=b"hello"))
    msgs = recv_messages(c, 2)
    check(len(msgs) == 2, f"[{host}] TCP: two requests in one write -> two responses")
    if len(msgs) == 2:
        check(b"Call-ID: tcp-1" in msgs[0] and b"Call-ID: tcp-2" in msgs[1],
              f"[{host}] TCP: responses in order")
    # one request byte by byte
    req = register("tcp-reg", "z9hG4bKt3")
    for i in range(len(req)):
        c.send(req[i:i + 1])
        if i % 50 == 0:
            time.sleep(0.001)
    msgs = recv_messages(c, 1)
    check(len(msgs) == 1 and msgs[0].startswith(b"SIP/2.0 480") and b"Call-ID: tcp-reg" in msgs[0],
          f"[{host}] TCP: partial writes -> one complete response")
    # a 3000-byte body and a second request, in 7-byte pieces
    data = options("tcp-body", "z9hG4bKt4", body=b"x" * 3000) + options("tcp-after", "z9hG4bKt5")
    for i in range(0, len(data), 7):
        c.send(data[i:i + 7])
    msgs = recv_messages(c, 2)
    check(len(msgs) == 2 and b"Call-ID: tcp-body" in msgs[0] and b"Call-ID: tcp-after" in msgs[1],
          f"[{host}] TCP: body and next request split in 7-byte pieces -> two responses")
    c.close()
    # a silent connection is closed after tcp_idle_timeout (2 s here)
    c = socket.create_connection((host, port), timeout=30)
    c.sendall(b"REGISTER sip:test.mcx.lab SIP/2.0\r\nVia: SIP/2.0/TCP h")  # and nothing more
    data = c.recv(65535)
    check(data == b"", f"[{host}] TCP: an idle connection with a partial message is closed")
    c.close()
    # a message without Content-Length on a stream is a framing error: connection closed
    c = socket.create_connection((host, port), timeout=10)
    c.sendall(options("nolen", "z9hG4bKnl").replace(b"Content-Length: 0\r\n", b""))
    data = c.recv(65535)
    check(data == b"", f"[{host}] TCP: missing Content-Length closes the connection")
    c.close()


def main():
    os.makedirs(WORK, exist_ok=True)
    for host, family, name in ((V4, socket.AF_INET, "v4"), ("::1", socket.AF_INET6, "v6")):
        proc, port = start(host, family, name)
        try:
            udp_checks(host, family, port)
            tcp_checks(host, family, port)
        finally:
            rc = stop(proc)
        check(rc == 0, f"[{host}] mcx-cscf stops cleanly on SIGTERM (exit {rc})")
    if failures:
        print(f"{len(failures)} check(s) failed")
        return 1
    print("all transport checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
