#!/usr/bin/python3
"""Rehearses docker/compose.yaml without a container engine (run by docker/check; issue 7).

Runs every service of the compose file from the built image's root file system (chroot), in
dependency order, with the service's own command, environment, mounted configuration files,
health check and IPv4 addresses, inside a private network namespace that this program checks is
empty (only `lo`) before it puts the compose addresses on its loopback interface: nothing leaves
that namespace. The one difference from `docker compose up` is the mongo service (no MongoDB
server is packaged in Debian): with --mongo-mock SCRIPT, tests/store/mongo_mock_server.py (a
MongoDB wire-protocol server on python3-mockupdb + python3-mongomock) serves 127.0.0.1:27017 in
the namespace and the image's /etc/hosts names it `mongo`, so the services use their mongodb://
URIs unchanged; without it, mongodb://mongo:27017/DB in the mounted files and the environment
becomes sqlite:/var/lib/mcx/DB.db (the embedded backend behind the same store interface).
Passes when every one-shot service (provision, ue) exits 0 and every daemon turns healthy and
stays up.

Usage (root, in a fresh network namespace):
    unshare --net -- compose_rehearsal.py [--mongo-mock SCRIPT] ROOTFS docker/compose.yaml LOGDIR
"""
import os
import re
import signal
import subprocess
import sys
import time

import yaml

IMAGE_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MONGO_URI = re.compile(r"mongodb://mongo(?::\d+)?/([A-Za-z0-9_]+)")


def say(text):
    print(f"compose_rehearsal: {text}", flush=True)


SQLITE_FOR_MONGO = True  # False when a MongoDB (mock) server stands in for the mongo service


def to_sqlite(text):
    if not SQLITE_FOR_MONGO:
        return text
    return MONGO_URI.sub(lambda m: f"sqlite:/var/lib/mcx/{m.group(1)}.db", text)


def tcp_listening(port):
    """Whether a TCP socket listens on port in this network namespace."""
    with open("/proc/self/net/tcp", encoding="ascii") as f:
        for line in f.readlines()[1:]:
            fields = line.split()
            if fields[1].endswith(f":{port:04X}") and fields[3] == "0A":
                return True
    return False


def seconds(value, default):
    """Compose durations as used in the file ("5s", "10s"); default when absent."""
    if value is None:
        return default
    m = re.fullmatch(r"(\d+)s", str(value))
    if not m:
        raise ValueError(f"unsupported duration {value!r}")
    return int(m.group(1))


def topological(services):
    order, seen = [], set()

    def visit(name, stack):
        if name in seen:
            return
        if name in stack:
            raise ValueError(f"depends_on cycle through {name}")
        for dep in services[name].get("depends_on") or {}:
            visit(dep, stack + [name])
        seen.add(name)
        order.append(name)

    for name in services:
        visit(name, [])
    return order


class Rehearsal:
    def __init__(self, rootfs, compose_path, logdir, mongo_mock=None):
        self.rootfs = rootfs
        self.base = os.path.dirname(os.path.abspath(compose_path))
        with open(compose_path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.logdir = logdir
        self.daemons = {}  # name -> Popen
        self.logs = {}
        self.mongo_mock = mongo_mock

    def chroot_cmd(self, argv):
        return ["chroot", self.rootfs] + argv

    def env_of(self, svc):
        """The service's environment over the image's (docker/check runs this program with the
        image's ENV, as a container would have it)."""
        env = dict(os.environ)
        env.setdefault("PATH", IMAGE_PATH)
        env.setdefault("HOME", "/root")
        for key, value in (svc.get("environment") or {}).items():
            env[key] = to_sqlite(str(value))
        return env

    def setup_network(self):
        with open("/proc/self/net/dev", encoding="ascii") as f:  # this process's namespace
            interfaces = sorted(line.split(":")[0].strip() for line in f.readlines()[2:])
        if interfaces != ["lo"]:
            raise RuntimeError(f"not a fresh network namespace (interfaces: {interfaces}); "
                               "run under `unshare --net`")
        subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
        for name, svc in self.doc["services"].items():
            for net in (svc.get("networks") or {}).values():
                ip = (net or {}).get("ipv4_address")
                if ip:
                    subprocess.run(["ip", "addr", "add", f"{ip}/32", "dev", "lo"], check=True)

    def install_mounts(self, name, svc):
        for volume in svc.get("volumes") or []:
            parts = str(volume).split(":")
            if not parts[0].startswith("./"):
                continue  # named volumes (mongo's data)
            source = os.path.normpath(os.path.join(self.base, parts[0]))
            target = os.path.join(self.rootfs, parts[1].lstrip("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(source, encoding="utf-8") as f:
                text = f.read()
            with open(target, "w", encoding="utf-8") as f:
                f.write(to_sqlite(text))
            say(f"{name}: mounted {parts[0]} at {parts[1]}"
                + (" (MongoDB URI -> SQLite)" if SQLITE_FOR_MONGO and MONGO_URI.search(text) else ""))

    def healthy(self, name, svc):
        check = svc.get("healthcheck") or {}
        test = check.get("test")
        if check.get("disable") or not test:
            return True
        if test[0] != "CMD":
            raise ValueError(f"{name}: only CMD health checks are rehearsed")
        interval = seconds(check.get("interval"), 30)
        retries = int(check.get("retries", 3))
        budget = seconds(check.get("start_period"), 0) + interval * retries
        deadline = time.monotonic() + budget
        while True:
            if self.daemons[name].poll() is not None:
                say(f"{name} exited with status {self.daemons[name].returncode} before healthy")
                return False
            rc = subprocess.run(self.chroot_cmd(test[1:]), env=self.env_of(svc),
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            if rc == 0:
                return True
            if time.monotonic() > deadline:
                say(f"{name}: health check {test[1:]} still failing after {budget}s")
                return False
            time.sleep(0.2)

    def run_service(self, name, svc):
        command = [to_sqlite(str(a)) for a in svc.get("command") or []]
        argv = self.chroot_cmd(["/usr/local/bin/mcx-lab"] + command)
        log_path = os.path.join(self.logdir, f"{name}.log")
        self.logs[name] = log_path
        self.install_mounts(name, svc)
        with open(log_path, "w", encoding="utf-8") as log:
            if svc.get("restart") == "no":
                say(f"{name}: run once: mcx-lab {' '.join(command)}")
                rc = subprocess.run(argv, env=self.env_of(svc), stdout=log, stderr=log,
                                    timeout=300).returncode
                say(f"{name}: exit status {rc}")
                return rc == 0
            proc = subprocess.Popen(argv, env=self.env_of(svc), stdout=log, stderr=log)
        self.daemons[name] = proc
        say(f"{name}: started mcx-lab {' '.join(command)} (pid {proc.pid})")
        if not self.healthy(name, svc):
            return False
        say(f"{name}: healthy")
        return True

    def start_mongo_mock(self):
        """The mongo service: the wire-protocol mock on 127.0.0.1:27017, named mongo in the
        image's /etc/hosts; or nothing (SQLite) when no mock was given."""
        if not self.mongo_mock:
            say("mongo: not run here (the services use SQLite in this rehearsal)")
            return True
        with open(os.path.join(self.rootfs, "etc/hosts"), "a", encoding="ascii") as f:
            f.write("127.0.0.1 mongo\n")
        log_path = os.path.join(self.logdir, "mongo.log")
        self.logs["mongo"] = log_path
        with open(log_path, "w", encoding="utf-8") as log:
            proc = subprocess.Popen(["/usr/bin/python3", self.mongo_mock, "--port", "27017"],
                                    stdout=log, stderr=log)
        self.daemons["mongo"] = proc
        deadline = time.monotonic() + 60
        while not tcp_listening(27017):
            if proc.poll() is not None or time.monotonic() > deadline:
                say("mongo: the MongoDB mock did not start")
                return False
            time.sleep(0.1)
        say(f"mongo: MongoDB wire-protocol mock {os.path.basename(self.mongo_mock)} on "
            f"127.0.0.1:27017 (pid {proc.pid}), /etc/hosts: mongo")
        return True

    def stop(self):
        for name, proc in reversed(list(self.daemons.items())):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in reversed(list(self.daemons.items())):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                say(f"{name} ignored SIGTERM for 30s: killing it")
                proc.kill()
                proc.wait()

    def tail(self, name, lines=15):
        try:
            with open(self.logs[name], encoding="utf-8", errors="replace") as f:
                content = f.read().splitlines()[-lines:]
        except (KeyError, OSError):
            return
        print(f"--- {name}", flush=True)
        for line in content:
            print(f"    {line[:240]}", flush=True)

    def run(self):
        services = self.doc["services"]
        self.setup_network()
        ok = True
        try:
            for name in topological(services):
                if name == "mongo":
                    if not self.start_mongo_mock():
                        ok = False
                        break
                    continue
                if not self.run_service(name, services[name]):
                    ok = False
                    break
            for name, proc in self.daemons.items():
                if proc.poll() is not None:
                    say(f"{name} is no longer running (status {proc.returncode})")
                    ok = False
        finally:
            self.stop()
        if not ok:
            for name in self.logs:
                self.tail(name)
        return ok


def main():
    global SQLITE_FOR_MONGO
    args = sys.argv[1:]
    mongo_mock = None
    if args[:1] == ["--mongo-mock"] and len(args) >= 2:
        mongo_mock = args[1]
        args = args[2:]
        SQLITE_FOR_MONGO = False
    if len(args) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    rootfs, compose_path, logdir = args
    os.makedirs(logdir, exist_ok=True)
    rehearsal = Rehearsal(rootfs, compose_path, logdir, mongo_mock)
    ok = rehearsal.run()
    ue_log = rehearsal.logs.get("ue")
    if ok and ue_log:
        with open(ue_log, encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("registered "):
                    say(f"ue: {line.strip()}")
    say("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
