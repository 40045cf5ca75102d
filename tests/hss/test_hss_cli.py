#!/usr/bin/python3
"""mcx-hss command line, configuration errors, readiness and clean stop.

usage: test_hss_cli.py PATH/mcx-hss

Checks --help/--version, usage errors (exit 2), configuration errors naming file:line (exit 2),
a start-up failure (exit 1), and a normal run on 127.0.10.1 with a fresh SQLite database: the
pidfile and the event=ready line, the listener bound to the configured address only, and a
clean stop on SIGINT and on SIGTERM (exit 0, pidfile removed). Every process started here is
stopped here.
"""
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

HSS = None
ADDR = '127.0.10.1'


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((ADDR, 0))
        return s.getsockname()[1]


def listeners(port):
    """(address, port) pairs of listening TCP sockets on port, from /proc/net/tcp{,6}."""
    found = []
    for table in ('/proc/net/tcp', '/proc/net/tcp6'):
        try:
            with open(table) as f:
                next(f)
                for line in f:
                    parts = line.split()
                    local, state = parts[1], parts[3]
                    addr, hexport = local.split(':')
                    if state == '0A' and int(hexport, 16) == port:
                        if len(addr) == 8:
                            addr = socket.inet_ntop(socket.AF_INET, bytes.fromhex(addr)[::-1])
                        found.append(addr)
        except FileNotFoundError:
            pass
    return found


class HssCli(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix='mcx-hss-cli-')
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path, 'w') as f:
            f.write(text)
        return path

    def run_hss(self, *args):
        return subprocess.run([HSS] + list(args), capture_output=True, text=True, timeout=120)

    def config(self, port, extra_hss='', extra_diameter=''):
        return self.write('hss.yaml',
                          'hss:\n'
                          '  database: sqlite:%s/hss.db\n'
                          '%s'
                          'diameter:\n'
                          '  address: %s\n'
                          '  port: %d\n'
                          '  state_dir: %s/state\n'
                          '%s' % (self.dir, extra_hss, ADDR, port, self.dir, extra_diameter))

    def test_help_and_version(self):
        r = self.run_hss('--version')
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r'^mcx-hss \d+\.\d+\.\d+')
        r = self.run_hss('--help')
        self.assertEqual(r.returncode, 0)
        self.assertIn('--config FILE', r.stdout)

    def test_check_config_and_lab_example(self):
        example = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'hss-ext',
                               'mcx-hss.yaml')
        r = self.run_hss('--config', example, '--check-config')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('identity hss.primary.mcx.lab, 127.0.10.1:3868', r.stdout)
        # Defaults: the lab's primary HSS.
        r = self.run_hss('--config', self.write('min.yaml', 'hss: {database: x.db}\n'), '-t')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('identity hss.primary.mcx.lab, 127.0.10.1:3868', r.stdout)

    def test_usage_errors(self):
        r = self.run_hss()
        self.assertEqual(r.returncode, 2)
        self.assertIn('--config FILE is required', r.stderr)
        r = self.run_hss('--bogus')
        self.assertEqual(r.returncode, 2)
        r = self.run_hss('--config', os.path.join(self.dir, 'missing.yaml'))
        self.assertEqual(r.returncode, 2)
        self.assertIn('missing.yaml', r.stderr)

    def test_config_errors_name_file_and_line(self):
        cases = [
            ('hss:\n  database: x.db\n  databse: y\n', "hss.yaml:3: unknown key 'databse'"),
            ('hss:\n  max_auth_items: 3\n', "missing key 'database'"),
            ('hss:\n  database: x.db\n  max_auth_items: 9\n', "hss.yaml:3: key 'hss.max_auth_items'"),
            ('hss:\n  database: x.db\n  log_level: loud\n', "hss.yaml:3: key 'hss.log_level'"),
            ('hss:\n  database: x.db\ndiameter:\n  port: 0\n', "hss.yaml:4: key 'diameter.port'"),
            ('hss:\n  database: x.db\ndiameter:\n  listen: 1.2.3.4\n',
             "hss.yaml:4: unknown key 'listen'"),
            ('hss:\n  database: x.db\nextra: 1\n', "hss.yaml:3: unknown key 'extra'"),
            ('diameter: {}\n', "missing key 'hss'"),
        ]
        for text, expect in cases:
            path = self.write('hss.yaml', text)
            r = self.run_hss('--config', path)
            self.assertEqual(r.returncode, 2, text)
            self.assertIn(expect, r.stderr, text)
            self.assertIn(path, r.stderr)

    def test_start_failure_is_reported(self):
        path = self.config(free_port(), extra_diameter='  identity: "not an identity"\n')
        r = self.run_hss('--config', path)
        self.assertEqual(r.returncode, 1)
        self.assertIn('event=start_failed stage=diameter_init', r.stderr)

    def start(self, port, pidfile, extra_diameter=''):
        with open(os.path.join(self.dir, 'hss.log'), 'w') as log:
            p = subprocess.Popen([HSS, '--config', self.config(port, extra_diameter=extra_diameter),
                                  '--pidfile', pidfile], stdout=log, stderr=subprocess.STDOUT)
        self.procs.append(p)
        deadline = time.monotonic() + 30  # hang guard only
        while not os.path.exists(pidfile):
            self.assertIsNone(p.poll(), self.log())
            self.assertLess(time.monotonic(), deadline, 'no pidfile: ' + self.log())
            time.sleep(0.05)
        return p

    def log(self):
        with open(os.path.join(self.dir, 'hss.log')) as f:
            return f.read()

    def test_ready_listen_and_stop(self):
        for sig, name in ((signal.SIGINT, 'SIGINT'), (signal.SIGTERM, 'SIGTERM')):
            port = free_port()
            pidfile = os.path.join(self.dir, 'hss.pid')
            p = self.start(port, pidfile)
            with open(pidfile) as f:
                self.assertEqual(int(f.read()), p.pid)
            log = self.log()
            self.assertIn('event=ready identity=hss.primary.mcx.lab realm=primary.mcx.lab '
                          'listen=127.0.10.1 port=%d tls=off database=sqlite max_auth_items=5'
                          % port, log)
            # freeDiameter would listen on every address; we bind the configured one only.
            self.assertEqual(listeners(port), [ADDR])
            p.send_signal(sig)
            status = p.wait(timeout=60)
            log = self.log()
            self.assertIn('event=stopping signal=%s' % name, log)
            self.assertEqual(status, 0, '%s: exit status %d\n%s' % (name, status, log))
            self.assertFalse(os.path.exists(pidfile))
            self.assertIn('event=stopped status=0', log)
            self.assertEqual(listeners(port), [])


if __name__ == '__main__':
    HSS = sys.argv.pop(1)
    unittest.main(verbosity=2)
