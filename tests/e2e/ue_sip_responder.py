#!/usr/bin/python3
"""A small scripted SIP registrar for testing mcx-ue on loopback (UDP and TCP, 127.0.0.1).

It challenges REGISTER with real IMS-AKA vectors: RAND from os.urandom, and AUTN/RES/CK/IK from
`mcx-ctl milenage` (the project's Milenage, run as a separate program). It checks the UE's digest
response with the RFC 2617 formula (password = RES for AKAv1, the RFC 4169 password for AKAv2, the
user's password for MD5), verifies AUTS with `mcx-ctl auts` and resynchronises its SQN like the
project's HSS (lib/aka/aka.h policy), and answers 200 OK with Service-Route and P-Associated-URI.

Behaviours for negative tests: corrupt MAC-A, always challenge (401 loop), a fixed final status
(e.g. 504), drop the first N requests (UDP retransmission), stay silent (timeout).

Standard library only. Run standalone: ue_sip_responder.py MCX_CTL --transport udp --impi I --k K
--opc OPC (prints the port, serves until killed)."""

import base64
import hashlib
import hmac
import os
import re
import socket
import subprocess
import threading

COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length"}


class Subscriber:
    def __init__(self, impi, k, opc, amf="8000", password=None, seq=0):
        self.impi, self.k, self.opc, self.amf, self.password = impi, k, opc, amf, password
        self.seq = seq  # SEQ of the last vector issued (HSS side)


def parse_message(data):
    """Returns (start_line, headers as list of (lower name, value)) of one SIP message."""
    head = data.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
    lines = head.split("\r\n")
    headers = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and headers:
            headers[-1] = (headers[-1][0], headers[-1][1] + " " + line.strip())
            continue
        name, _, value = line.partition(":")
        name = name.strip().lower()
        headers.append((COMPACT.get(name, name), value.strip()))
    return lines[0], headers


def header(headers, name):
    for n, v in headers:
        if n == name:
            return v
    return None


def digest_params(value):
    """Parses 'Digest a="b", c=d' into a dict (quotes removed)."""
    if not value or not value.lower().startswith("digest"):
        return None
    params = {}
    for m in re.finditer(r'([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]+)', value[6:]):
        params[m.group(1).lower()] = m.group(3) if m.group(3) is not None else m.group(2)
    return params


def md5_hex(data):
    return hashlib.md5(data).hexdigest()


def digest_response(user, realm, password, method, uri, nonce, qop=None, nc=None, cnonce=None):
    """RFC 2617 request-digest with MD5; password is bytes."""
    ha1 = md5_hex(user.encode() + b":" + realm.encode() + b":" + password)
    ha2 = md5_hex((method + ":" + uri).encode())
    if qop:
        return md5_hex(":".join([ha1, nonce, nc, cnonce, qop, ha2]).encode())
    return md5_hex(":".join([ha1, nonce, ha2]).encode())


def akav2_password(res, ik, ck):
    mac = hmac.new(res + ik + ck, b"http-digest-akav2-password", hashlib.md5).digest()
    return base64.b64encode(mac)


class Responder:
    """Scripted registrar. Start with start(); stop() always closes every socket."""

    def __init__(self, mcx_ctl, subscribers, transport="udp", algorithm="AKAv1-MD5",
                 realm=None, corrupt_mac=False, always_challenge=False, final_status=None,
                 drop_first=0, silent=False, qop="auth", expires_granted=None):
        self.mcx_ctl = mcx_ctl
        self.subs = {s.impi: s for s in subscribers}
        self.transport = transport
        self.algorithm = algorithm
        self.realm = realm
        self.corrupt_mac = corrupt_mac
        self.always_challenge = always_challenge
        self.final_status = final_status
        self.drop_first = drop_first
        self.silent = silent
        self.qop = qop
        self.expires_granted = expires_granted
        self.challenges = {}  # nonce -> dict(impi, rand, xres, ck, ik)
        self.events = []  # (kind, detail) for the test's assertions
        self.requests = []  # every REGISTER received: (cseq, branch, authorization params)
        self.lock = threading.Lock()
        self.running = False
        self.sock = None
        self.threads = []
        self.conns = []

    # ---- network side of AKA ----
    def milenage(self, sub, rand_hex, sqn):
        args = [self.mcx_ctl, "milenage", "--k", sub.k, "--opc", sub.opc, "--rand", rand_hex,
                "--sqn", "%012x" % sqn, "--amf", sub.amf]
        out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
        return dict(line.split("=", 1) for line in out.split())

    def verify_auts(self, sub, rand_hex, auts_b64):
        args = [self.mcx_ctl, "auts", "--k", sub.k, "--opc", sub.opc, "--rand", rand_hex,
                "--auts", auts_b64]
        proc = subprocess.run(args, capture_output=True, text=True)
        values = dict(line.split("=", 1) for line in proc.stdout.split() if "=" in line)
        return proc.returncode == 0 and values.get("mac_s") == "ok", values

    def new_challenge(self, sub, realm, stale=False):
        sub.seq += 1
        sqn = (sub.seq << 5) | (sub.seq & 31)
        rand = os.urandom(16)
        v = self.milenage(sub, rand.hex(), sqn)
        autn = bytearray.fromhex(v["autn"])
        if self.corrupt_mac:
            autn[15] ^= 0x01
        nonce = base64.b64encode(rand + bytes(autn)).decode()
        alg = self.algorithm
        if alg == "MD5":
            nonce = os.urandom(16).hex()
        self.challenges[nonce] = dict(impi=sub.impi, rand=rand.hex(), xres=bytes.fromhex(v["res"]),
                                      ck=bytes.fromhex(v["ck"]), ik=bytes.fromhex(v["ik"]))
        self.events.append(("challenge", sub.seq))
        www = 'Digest realm="%s", nonce="%s", algorithm=%s' % (realm, nonce, alg)
        if self.qop:
            www += ', qop="%s"' % self.qop
        if alg != "MD5":
            www += ', ck="%s", ik="%s"' % (v["ck"], v["ik"])
        if stale:
            www += ", stale=true"
        return 401, ["WWW-Authenticate: " + www]

    # ---- SIP ----
    def handle(self, data):
        """Returns the response bytes for one request, or None to stay silent."""
        start, headers = parse_message(data)
        if not start.startswith("REGISTER "):
            return None
        uri = start.split(" ")[1]
        cseq = header(headers, "cseq") or ""
        via = header(headers, "via") or ""
        branch = (re.search(r"branch=([^;,\s]+)", via) or [None, None])[1]
        auth = digest_params(header(headers, "authorization"))
        with self.lock:
            self.requests.append((cseq, branch, auth, header(headers, "expires")))
            if self.drop_first > 0:
                self.drop_first -= 1
                return None
        if self.silent:
            return None
        status, extra = self.decide(uri, headers, auth)
        return self.build_response(headers, status, extra)

    def decide(self, uri, headers, auth):
        if self.final_status:
            return self.final_status, []
        if not auth or "username" not in auth:
            return 403, []
        sub = self.subs.get(auth["username"])
        if not sub:
            return 403, []
        realm = self.realm or auth.get("realm") or sub.impi.split("@")[1]
        nonce = auth.get("nonce", "")
        if self.always_challenge or nonce == "":
            return self.new_challenge(sub, realm)
        ch = self.challenges.pop(nonce, None)
        if ch is None or ch["impi"] != sub.impi:
            return self.new_challenge(sub, realm, stale=True)
        qop = auth.get("qop")
        args = (auth.get("uri", ""), nonce, qop, auth.get("nc"), auth.get("cnonce"))
        if "auts" in auth:
            ok, values = self.verify_auts(sub, ch["rand"], auth["auts"])
            if not ok:
                self.events.append(("auts_bad", auth["auts"]))
                return 403, []
            if auth.get("response") != digest_response(sub.impi, realm, b"", "REGISTER", *args):
                self.events.append(("auts_response_bad", None))
                return 403, []
            sub.seq = int(values["seq_ms"])  # SEQ_HE = SEQ_MS, next vector SEQ_MS + 1
            self.events.append(("resync", sub.seq))
            return self.new_challenge(sub, realm)
        if auth.get("response", "") == "":
            self.events.append(("empty_response", None))
            return 403, []
        if self.algorithm == "AKAv1-MD5":
            password = ch["xres"]
        elif self.algorithm == "AKAv2-MD5":
            password = akav2_password(ch["xres"], ch["ik"], ch["ck"])
        else:
            password = (sub.password or "").encode()
        if auth.get("algorithm", "MD5").upper() != self.algorithm.upper():
            self.events.append(("wrong_algorithm", auth.get("algorithm")))
            return 403, []
        if auth["response"] != digest_response(sub.impi, realm, password, "REGISTER", *args):
            self.events.append(("response_bad", sub.impi))
            return 403, []
        self.events.append(("registered", sub.impi))
        expires = header(headers, "expires") or "600"
        contact = header(headers, "contact")
        extra = ["Service-Route: <sip:orig@scscf.test.invalid;lr>",
                 "P-Associated-URI: <sip:%s>" % sub.impi]
        if contact and expires != "0":
            granted = self.expires_granted if self.expires_granted is not None else expires
            extra.append("Contact: %s;expires=%s" % (contact, granted))
        return 200, extra

    @staticmethod
    def build_response(headers, status, extra):
        reasons = {200: "OK", 401: "Unauthorized", 403: "Forbidden", 500: "Server Internal Error",
                   503: "Service Unavailable", 504: "Server Time-out"}
        lines = ["SIP/2.0 %d %s" % (status, reasons.get(status, "Other"))]
        for name, value in headers:
            if name == "via":
                lines.append("Via: " + value)
        for name, label in (("from", "From"), ("to", "To"), ("call-id", "Call-ID"),
                            ("cseq", "CSeq")):
            value = header(headers, name) or ""
            if name == "to" and "tag=" not in value:
                value += ";tag=resp1"
            lines.append("%s: %s" % (label, value))
        lines += extra
        lines.append("Content-Length: 0")
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    # ---- sockets ----
    def start(self):
        family = socket.AF_INET
        if self.transport == "udp":
            self.sock = socket.socket(family, socket.SOCK_DGRAM)
        else:
            self.sock = socket.socket(family, socket.SOCK_STREAM)
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        if self.transport == "tcp":
            self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        t = threading.Thread(target=self.serve_udp if self.transport == "udp" else self.serve_tcp,
                             daemon=True)
        t.start()
        self.threads.append(t)
        return self

    def serve_udp(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            reply = self.safe_handle(data)
            if reply:
                self.sock.sendto(reply, peer)

    def serve_tcp(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn.settimeout(0.2)
            with self.lock:
                self.conns.append(conn)
            t = threading.Thread(target=self.serve_conn, args=(conn,), daemon=True)
            t.start()
            self.threads.append(t)

    def serve_conn(self, conn):
        buf = b""
        while self.running:
            try:
                chunk = conn.recv(65535)
            except socket.timeout:
                continue
            except OSError:
                return
            if not chunk:
                return
            buf += chunk
            while b"\r\n\r\n" in buf:
                head, rest = buf.split(b"\r\n\r\n", 1)
                m = re.search(rb"(?im)^(?:content-length|l)\s*:\s*(\d+)", head)
                body_len = int(m.group(1)) if m else 0
                if len(rest) < body_len:
                    break
                message, buf = head + b"\r\n\r\n" + rest[:body_len], rest[body_len:]
                reply = self.safe_handle(message)
                if reply:
                    try:
                        conn.sendall(reply)
                    except OSError:
                        return

    def safe_handle(self, data):
        try:
            return self.handle(data)
        except Exception as exc:  # a responder bug must show in the test, not hang it
            self.events.append(("responder_error", repr(exc)))
            return None

    def stop(self):
        self.running = False
        for c in list(self.conns):
            try:
                c.close()
            except OSError:
                pass
        if self.sock:
            self.sock.close()
        for t in self.threads:
            t.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


if __name__ == "__main__":
    import argparse
    import time

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("mcx_ctl")
    ap.add_argument("--transport", default="udp", choices=["udp", "tcp"])
    ap.add_argument("--impi", required=True)
    ap.add_argument("--k", required=True)
    ap.add_argument("--opc", required=True)
    ap.add_argument("--algorithm", default="AKAv1-MD5")
    ap.add_argument("--password")
    a = ap.parse_args()
    sub = Subscriber(a.impi, a.k, a.opc, password=a.password)
    with Responder(a.mcx_ctl, [sub], transport=a.transport, algorithm=a.algorithm) as r:
        print("listening on 127.0.0.1:%d/%s" % (r.port, a.transport), flush=True)
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
