"""Process harness for the mcx-mms tests (tests/mms, tests/conformance): writes YAML configs,
provisions a fresh SQLite database with mcx-ctl, starts mcx-hss / mcx-mms on loopback, waits
for their `event=ready` log line and always stops exactly the processes it started."""

import atexit
import os
import signal
import subprocess
import sys
import tempfile
import time

# libnng 1.5.2 (Debian 12) REQ race, fixed in later NNG: req0_pipe_close() closes the pipe's
# send aio before it takes the socket lock and takes the pipe off the ready list; a request
# scheduled onto that pipe in between (a new request or a resend, on another thread) hands the
# pipe a reference to the request message, the TCP transport refuses the closed aio without
# completing it, and that reference is never dropped. So when a primary MMS goes away, the
# partner can lose one request message per closed connection (a 112-byte nng_msg and its
# chunk, 328 bytes in all), allocated by mms_partner_link_request(); mcx-mms got its reply or
# error as usual. Reproduced at will with a libnng whose window in req0_pipe_close() is
# widened (tests/mms/README.md).
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")


def nng_req_race_leaks(text):
    """The number of request messages a log's only sanitizer report says were lost to the
    libnng 1.5.2 REQ pipe-close race, or 0 when the report (if any) is anything else: another
    sanitizer error, a leak not allocated by mms_partner_link_request(), or more lost messages
    than connections that closed (event=link_down lines)."""
    if "ERROR: LeakSanitizer" not in text or "ERROR: AddressSanitizer" in text \
            or "runtime error:" in text or text.count("ERROR: LeakSanitizer") != 1:
        return 0
    report = text.split("ERROR: LeakSanitizer", 1)[1].split("SUMMARY:", 1)[0]
    blocks = [b for b in report.split("\n\n") if " leak of " in b]
    direct = 0
    for block in blocks:
        head = block.strip().splitlines()[0]
        if " in mms_partner_link_request " not in block:
            return 0
        if head.startswith("Direct leak of 112 byte(s)"):
            direct += int(head.split(" in ")[1].split()[0])
        elif not head.startswith("Indirect leak of "):
            return 0
    if direct == 0 or direct > text.count("event=link_down"):
        return 0
    return direct


# The lab's example subscriber (TS 35.208 set 1 keys).
K = "465b5ce8b199b49faa5f0a2ee238a6bc"
OPC = "cd63cb71954a9f4e48a5994e37a02baf"


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True)


def make_ca(lab, name):
    """A self-signed EC CA in the lab directory: (cert path, key path)."""
    key, crt = lab.path(name + ".key"), lab.path(name + ".pem")
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
    openssl("req", "-x509", "-new", "-key", key, "-subj", "/CN=" + name, "-days", "2",
            "-sha256", "-out", crt)
    return crt, key


def make_cert(lab, name, cn, ca, sans=None):
    """An EC certificate for cn (DNS subjectAltNames sans, default cn) signed by ca."""
    key, csr, crt = lab.path(name + ".key"), lab.path(name + ".csr"), lab.path(name + ".pem")
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", key)
    openssl("req", "-new", "-key", key, "-subj", "/CN=" + cn, "-out", csr)
    ext = lab.write(name + ".ext", "subjectAltName=%s\n" % ",".join(
        "DNS:" + s for s in (sans or [cn])))
    openssl("x509", "-req", "-in", csr, "-CA", ca[0], "-CAkey", ca[1], "-CAcreateserial",
            "-days", "2", "-sha256", "-extfile", ext, "-out", crt)
    return crt, key


def db_uri(db):
    """A store URI from a path (SQLite) or a URI given as-is (mongodb://..., sqlite:...)."""
    return db if ("://" in db or db.startswith("sqlite:")) else "sqlite:" + db


def port_base(net):
    """First of ten ports reserved for the test network 127.0.NET.x (30000 + 10 * NET)."""
    return 30000 + 10 * net


class Proc:
    """One daemon with its log file."""

    def __init__(self, lab, name, argv):
        self.lab, self.name, self.argv = lab, name, argv
        self.log_path = os.path.join(lab.dir, name + ".log")
        self.popen = None
        self.ready_at = None

    def start(self, ready_timeout=30.0):
        before = self.log_text().count("event=ready") if os.path.exists(self.log_path) else 0
        log = open(self.log_path, "ab")
        self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL)
        log.close()
        if self not in self.lab.procs:
            self.lab.procs.append(self)
        self.wait_ready(before, ready_timeout)
        return self

    def log_text(self):
        with open(self.log_path, "r", errors="replace") as f:
            return f.read()

    def wait_ready(self, before, timeout):
        """Waits for one more `event=ready` line than there were (restarts append)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_text()
            if text.count("event=ready") > before:
                self.ready_at = time.monotonic()
                return
            if self.popen.poll() is not None:
                raise RuntimeError("%s exited with %s before it was ready:\n%s"
                                   % (self.name, self.popen.returncode, text[-3000:]))
            time.sleep(0.05)
        raise RuntimeError("%s not ready within %.0f s:\n%s"
                           % (self.name, timeout, self.log_text()[-3000:]))

    def stop(self, timeout=15.0):
        """SIGTERM, then SIGKILL after timeout. Returns the exit status."""
        if self.popen is None or self.popen.poll() is not None:
            return self.popen.returncode if self.popen else None
        self.popen.send_signal(signal.SIGTERM)
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise RuntimeError("%s did not stop on SIGTERM" % self.name)

    def kill(self):
        if self.popen is not None and self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait()


class Lab:
    """A temporary directory, the binaries, and the processes started from it."""

    def __init__(self, hss, mms, ctl, keep=False):
        self.hss, self.mms, self.ctl = hss, mms, ctl
        self.dir = tempfile.mkdtemp(prefix="mcx-mms-test-")
        self.procs = []
        self.keep = keep
        atexit.register(self.cleanup)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, self._on_signal)

    def _on_signal(self, signum, frame):
        self.cleanup()
        sys.exit(128 + signum)

    def cleanup(self):
        """Stops every process; returns the problems seen: a daemon that did not exit 0 on
        SIGTERM, or a sanitizer report in its log."""
        problems = []
        for p in reversed(self.procs):
            try:
                status = p.stop(10)
                lost = nng_req_race_leaks(p.log_text())
                if lost and status in (-signal.SIGABRT, 23):  # LeakSanitizer's exits
                    # Known libnng 1.5.2 defect (see nng_req_race_leaks): reported, not
                    # counted; any other sanitizer report still fails the test.
                    print("WARN  %s: libnng 1.5.2 REQ pipe-close race lost %d request "
                          "message(s) (LeakSanitizer), not counted" % (p.name, lost))
                    p.known_leak = True
                elif status not in (0, None):
                    problems.append("%s exited with status %s" % (p.name, status))
            except Exception as e:
                p.kill()
                problems.append(str(e))
        for p in self.procs:
            text = p.log_text() if os.path.exists(p.log_path) else ""
            if getattr(p, "known_leak", False):
                continue
            for marker in SANITIZER_MARKERS:
                if marker in text:
                    problems.append("%s log has a sanitizer report (%s)" % (p.name, marker))
        self.procs = []
        return problems

    def path(self, name):
        return os.path.join(self.dir, name)

    def run_ctl(self, db, *args):
        r = subprocess.run([self.ctl, "--db", db_uri(db)] + list(args),
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("mcx-ctl %s failed: %s" % (" ".join(args), r.stderr.strip()))

    def add_subscriber(self, db, user, domain, allow):
        args = ["subscriber", "add", "--impi", "%s@%s" % (user, domain),
                "--impu", "sip:%s@%s" % (user, domain), "--k", K, "--opc", OPC]
        for a in allow:
            args += ["--allow-partner", a]
        self.run_ctl(db, *args)

    def add_binding(self, db, user, partner_domain, primary_domain, primary_system, url):
        self.run_ctl(db, "binding", "add",
                     "--partner-impi", "%s@%s" % (user, partner_domain),
                     "--partner-impu", "sip:%s@%s" % (user, partner_domain),
                     "--primary-impi", "%s@%s" % (user, primary_domain),
                     "--primary-impu", "sip:%s@%s" % (user, primary_domain),
                     "--primary-system", primary_system, "--primary-mms", url)

    def write(self, name, text):
        with open(self.path(name), "w") as f:
            f.write(text)
        return self.path(name)

    def start_hss(self, db, address, port, identity="hss.primary.mcx.lab",
                  realm="primary.mcx.lab"):
        cfg = self.write("hss.yaml", """hss:
  database: %s
diameter:
  identity: %s
  realm: %s
  address: %s
  port: %d
  state_dir: %s
  accept: ["*.%s"]
""" % (db_uri(db), identity, realm, address, port, self.path("hss-fd"), realm))
        return Proc(self, "hss", [self.hss, "--config", cfg]).start()

    def primary_config(self, name, db, address, port, listen, hss_address, hss_port,
                       partners=("partner.mcx.lab",), tls=None,
                       identity="mms.primary.mcx.lab"):
        tls_text = ""
        if tls:
            tls_text = "    tls: {cert: %s, key: %s, ca: %s}\n" % tls
        return self.write(name + ".yaml", """mms:
  system_id: primary.mcx.lab
  database: %s
  partners: [%s]
  hss: {realm: primary.mcx.lab, host: hss.primary.mcx.lab, timeout: 2s}
  link:
    listen: %s
%sdiameter:
  identity: %s
  realm: primary.mcx.lab
  address: %s
  port: %d
  state_dir: %s
  peers:
    - {identity: hss.primary.mcx.lab, address: %s, port: %d}
""" % (db_uri(db), ", ".join(partners), listen, tls_text, identity, address, port,
       self.path(name + "-fd"), hss_address, hss_port))

    def partner_config(self, name, db, address, port, timeout="2s", resends=1, tls=None,
                       peer_name=None, identity="mms.partner.mcx.lab"):
        tls_text = ""
        if tls:
            tls_text = "    tls: {cert: %s, key: %s, ca: %s%s}\n" % (
                tls + ((", peer_name: " + peer_name) if peer_name else "",))
        return self.write(name + ".yaml", """mms:
  system_id: partner.mcx.lab
  database: %s
  server_name: sip:scscf.partner.mcx.lab:5060
  link:
    timeout: %s
    resends: %d
    reconnect_min: 50ms
    reconnect_max: 500ms
%sdiameter:
  identity: %s
  realm: partner.mcx.lab
  address: %s
  port: %d
  state_dir: %s
  accept: ["*.partner.mcx.lab"]
""" % (db_uri(db), timeout, resends, tls_text, identity, address, port,
       self.path(name + "-fd")))

    def start_mms(self, name, role, cfg):
        return Proc(self, name, [self.mms, "--role", role, "--config", cfg]).start()
