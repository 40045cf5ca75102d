#!/usr/bin/python3
"""tests/common/daemons.py: ready detection, early exit, SIGTERM then SIGKILL, and the
configuration text it writes. Uses /bin/sh stand-ins for the daemons (no network)."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemons  # noqa: E402


class DaemonTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory(prefix="mcx-daemons-test-")
        self.procs = []

    def tearDown(self):
        daemons.stop_all(self.procs, timeout=5)
        self.dir.cleanup()

    def daemon(self, script, **kw):
        d = daemons.Daemon("sh", ["/bin/sh", "-c", script],
                           os.path.join(self.dir.name, "sh.log"), **kw)
        self.procs.append(d)
        return d

    def test_ready_then_sigterm(self):
        d = self.daemon("trap 'echo bye; exit 0' TERM; echo event=ready; "
                        "while :; do sleep 0.05; done").start(timeout=10)
        self.assertTrue(d.running())
        self.assertEqual(d.stop(timeout=10), 0)
        self.assertIn("bye", d.log_text())

    def test_restart_waits_for_a_new_ready_line(self):
        d = self.daemon("echo event=ready; exec sleep 30").start(timeout=10)
        d.stop(timeout=10)
        # A second start must not take the first run's line for its own.
        d.argv = ["/bin/sh", "-c", "sleep 0.3; echo event=ready; exec sleep 30"]
        d.start(timeout=10)
        self.assertEqual(d.log_text().count("event=ready"), 2)

    def test_exit_before_ready_raises_with_the_log(self):
        d = self.daemon("echo config error at line 3; exit 2")
        with self.assertRaises(RuntimeError) as ctx:
            d.start(timeout=10)
        self.assertIn("status 2", str(ctx.exception))
        self.assertIn("config error at line 3", str(ctx.exception))

    def test_never_ready_is_stopped(self):
        d = self.daemon("exec sleep 30", ready=daemons.CSCF_READY)
        with self.assertRaises(RuntimeError):
            d.start(timeout=0.5)
        self.assertFalse(d.running())

    def test_sigkill_after_the_grace_period(self):
        d = self.daemon("trap '' TERM; echo event=ready; while :; do sleep 0.05; done")
        d.start(timeout=10)
        self.assertEqual(d.stop(timeout=0.5), -9)

    def test_stop_all_reverse_order_and_never_started(self):
        a = self.daemon("echo event=ready; exec sleep 30").start(timeout=10)
        b = daemons.Daemon("b", ["/bin/true"], os.path.join(self.dir.name, "b.log"))
        self.assertEqual(daemons.stop_all([a, b], timeout=10), [None, -15])


class ConfigTest(unittest.TestCase):
    def test_hss_config(self):
        text = daemons.hss_config("sqlite:/x.db", "hss.a.lab", "a.lab", "127.0.1.1", 3868, "/fd")
        self.assertIn("  database: sqlite:/x.db\n", text)
        self.assertIn('  accept: ["*.a.lab"]\n', text)
        self.assertIn("  port: 3868\n", text)

    def test_cscf_config_routes_and_peers(self):
        text = daemons.cscf_config("127.0.1.2", 5060, "a.lab", 3871, "/fd",
                                   routes=[("*@b.lab", "mms.a.lab"), ("*", "hss.a.lab")],
                                   peers=[("mms.a.lab", "127.0.1.3", 3870),
                                          ("hss.a.lab", "127.0.1.1", 3868)],
                                   tcp=True, visited_network="a.lab")
        self.assertIn("sip: {address: 127.0.1.2, port: 5060, workers: 2, tcp: true}\n", text)
        self.assertIn('  - {match: "*@b.lab", realm: a.lab, host: mms.a.lab}\n'
                      '  - {match: "*", realm: a.lab, host: hss.a.lab}\n', text)
        self.assertIn("    - {identity: hss.a.lab, address: 127.0.1.1, port: 3868}\n", text)
        self.assertIn("  visited_network: a.lab\n", text)
        self.assertIn("  server_name: sip:scscf.a.lab:5060\n", text)


if __name__ == "__main__":
    unittest.main()
