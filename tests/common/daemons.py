"""The daemons of a Python test harness: write their YAML configuration, start mcx-hss,
mcx-cscf or mcx-mms with a log file, wait for the line saying it is ready, stop it (SIGTERM,
wait, SIGKILL). Standard library only; everything listens on loopback addresses the caller
chooses.

Imported by path (tests are run from the build directory):

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
    import daemons

    procs = []
    try:
        hss = daemons.Daemon("hss", [HSS, "--config", cfg], log_path).start()
        procs.append(hss)
        ...
    finally:
        codes = daemons.stop_all(procs)
"""
import os
import signal
import socket
import subprocess
import time

READY = "event=ready"  # mcx-hss, mcx-mms
CSCF_READY = "event=cscf_started"  # mcx-cscf


def free_port(host, kind=socket.SOCK_STREAM):
    """A port the kernel reports free on host right now (TCP by default)."""
    s = socket.socket(socket.AF_INET, kind)
    try:
        s.bind((host, 0))
        return s.getsockname()[1]
    finally:
        s.close()


def write_file(path, text):
    """Writes text to path and returns path."""
    with open(path, "w") as f:
        f.write(text)
    return path


def hss_config(database, identity, realm, address, port, state_dir, log_level="info",
               accept=None):
    """mcx-hss YAML: store URI, Diameter identity/realm, listen address/port, freeDiameter state
    directory, and the peers it accepts (default: every host of its realm)."""
    accept = accept if accept is not None else ["*." + realm]
    return f"""hss:
  database: {database}
  log_level: {log_level}
diameter:
  identity: {identity}
  realm: {realm}
  address: {address}
  port: {port}
  state_dir: {state_dir}
  accept: [{", ".join('"%s"' % a for a in accept)}]
"""


def cscf_config(address, sip_port, domain, dia_port, state_dir, routes, peers, cx_timeout="3s",
                workers=2, auth_items=1, log_level="info", tcp=None, visited_network=None):
    """mcx-cscf YAML for one domain: SIP and Diameter on address; routes are (match, host)
    pairs sending Cx requests to host in the realm domain, peers are (identity, address, port)
    triples."""
    sip = f"address: {address}, port: {sip_port}, workers: {workers}"
    if tcp is not None:
        sip += ", tcp: %s" % ("true" if tcp else "false")
    route_text = "".join('  - {match: "%s", realm: %s, host: %s}\n' % (match, domain, host)
                         for match, host in routes)
    peer_text = "".join("    - {identity: %s, address: %s, port: %d}\n" % peer for peer in peers)
    visited = f"  visited_network: {visited_network}\n" if visited_network else ""
    return f"""log: {{level: {log_level}}}
sip: {{{sip}}}
registrar:
  server_name: sip:scscf.{domain}:{sip_port}
{visited}  service_route: "<sip:orig@{address}:{sip_port};lr>"
  auth_items: {auth_items}
  cx_timeout: {cx_timeout}
routes:
{route_text}diameter:
  identity: cscf.{domain}
  realm: {domain}
  address: {address}
  port: {dia_port}
  state_dir: {state_dir}
  peers:
{peer_text}"""


class Daemon:
    """One daemon process: argv, its log file (appended to, so a restart keeps the history)
    and the log text that says it is ready."""

    def __init__(self, name, argv, log_path, ready=READY):
        self.name, self.argv, self.log_path, self.ready = name, argv, log_path, ready
        self.popen = None

    def log_text(self):
        """The whole log so far ("" before the first start)."""
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def start(self, timeout=30.0):
        """Starts the process and waits for one more ready line than the log had. Raises
        RuntimeError (with the end of the log) when it exits first or is not ready within
        timeout seconds; it is stopped then. Returns self."""
        before = self.log_text().count(self.ready)
        with open(self.log_path, "ab") as log:
            self.popen = subprocess.Popen(self.argv, stdout=log, stderr=subprocess.STDOUT,
                                          stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log_text().count(self.ready) > before:
                return self
            if self.popen.poll() is not None:
                raise RuntimeError("%s exited with status %s before it was ready; end of %s:\n%s"
                                   % (self.name, self.popen.returncode, self.log_path,
                                      self.log_text()[-3000:]))
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("%s: '%s' not logged within %.0f s; end of %s:\n%s"
                           % (self.name, self.ready, timeout, self.log_path,
                              self.log_text()[-3000:]))

    def running(self):
        return self.popen is not None and self.popen.poll() is None

    def stop(self, timeout=30.0):
        """SIGTERM, wait up to timeout seconds, then SIGKILL. Returns the exit status (negative:
        the signal that ended it; None when it was never started)."""
        if self.popen is None:
            return None
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()
        return self.popen.returncode


def start_hss_cscf(procs, work, hss, cscf, database, domain, hss_addr, cscf_addr):
    """One home domain: mcx-hss (database, Diameter on hss_addr) and mcx-cscf (SIP over UDP on
    cscf_addr, every Cx request to that HSS), with configurations, logs (hss.log, cscf.log) and
    freeDiameter state under work. Appends each daemon to procs as it starts (so the caller's
    stop_all() stops whatever did) and returns the SIP port."""
    hss_port = free_port(hss_addr)
    dia_port = free_port(cscf_addr)
    sip_port = free_port(cscf_addr, socket.SOCK_DGRAM)
    hss_cfg = write_file(os.path.join(work, "hss.yaml"), hss_config(
        database, f"hss.{domain}", domain, hss_addr, hss_port, os.path.join(work, "hss-fd")))
    cscf_cfg = write_file(os.path.join(work, "cscf.yaml"), cscf_config(
        cscf_addr, sip_port, domain, dia_port, os.path.join(work, "cscf-fd"),
        routes=[("*", f"hss.{domain}")], peers=[(f"hss.{domain}", hss_addr, hss_port)]))
    procs.append(Daemon("mcx-hss", [hss, "--config", hss_cfg], os.path.join(work, "hss.log")))
    procs[-1].start()
    procs.append(Daemon("mcx-cscf", [cscf, "--config", cscf_cfg], os.path.join(work, "cscf.log"),
                        ready=CSCF_READY))
    procs[-1].start()
    return sip_port


def stop_all(procs, timeout=30.0):
    """Stops the daemons in the reverse order of procs; returns their exit statuses in that
    (reverse) order."""
    return [p.stop(timeout) for p in reversed(procs)]
