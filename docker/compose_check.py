#!/usr/bin/python3
"""Structural check of docker/compose.yaml (run by docker/check; issue 7).

`docker compose config` proves the file is valid Compose; this proves it is the lab: the
services and networks the issue asks for, health checks, the mounted configuration files exist
and agree with the addresses the services get, and the inter-system link joins only the MMSs.
Usage: compose_check.py [docker/compose.yaml]. Exit 0 when every check passes, 1 otherwise.
"""
import os
import sys

import yaml

PRIMARY = ["hss", "mms-primary", "cscf-primary"]
PARTNER = ["hss-partner", "mms-partner", "cscf-partner"]
DAEMONS = PRIMARY + PARTNER
ONE_SHOT = ["provision", "ue"]


class Checker:
    def __init__(self, path):
        self.path = path
        self.base = os.path.dirname(os.path.abspath(path))
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.failures = 0
        self.passes = 0
        self.configs = {}  # service -> parsed mounted YAML configuration

    def check(self, ok, what):
        if ok:
            self.passes += 1
        else:
            self.failures += 1
            print(f"compose_check: FAIL: {what}")
        return ok

    def services(self):
        return self.doc.get("services") or {}

    def networks_of(self, name):
        nets = self.services()[name].get("networks") or {}
        if isinstance(nets, list):
            return {n: {} for n in nets}
        return {n: (v or {}) for n, v in nets.items()}

    def ips_of(self, name):
        return {v.get("ipv4_address") for v in self.networks_of(name).values()} - {None}

    def service_with_ip(self, ip):
        for name in self.services():
            if ip in self.ips_of(name):
                return name
        return None

    def run(self):
        services = self.services()
        for name in ["mongo"] + DAEMONS + ONE_SHOT:
            self.check(name in services, f"service {name} exists")
        if self.failures:
            return
        self.check(str(services["mongo"].get("image", "")).split(":")[0] == "mongo",
                   "mongo uses the official mongo image")
        for net in ("primary", "partner", "link"):
            self.check(net in (self.doc.get("networks") or {}), f"network {net} is declared")
        for name in PRIMARY:
            self.check("primary" in self.networks_of(name), f"{name} is on network primary")
            self.check("partner" not in self.networks_of(name), f"{name} is not on partner")
        for name in PARTNER:
            self.check("partner" in self.networks_of(name), f"{name} is on network partner")
            self.check("primary" not in self.networks_of(name), f"{name} is not on primary")
        on_link = sorted(n for n in services if "link" in self.networks_of(n))
        self.check(on_link == ["mms-partner", "mms-primary"],
                   f"only the two MMSs join network link (found {on_link})")
        for name in ["mongo"] + DAEMONS:
            test = (services[name].get("healthcheck") or {}).get("test")
            self.check(bool(test) and test != ["NONE"], f"{name} has a health check")
        for name in ONE_SHOT:
            self.check(services[name].get("restart") == "no", f"{name} runs once (restart: no)")
        ue_command = services["ue"].get("command") or []
        self.check(ue_command[:2] == ["ue", "register"], "ue runs `mcx-ue register`")
        for name, svc in services.items():
            for dep in svc.get("depends_on") or {}:
                self.check(dep in services, f"{name} depends on an existing service {dep}")
        self.check_ports()
        self.check_mounts()
        self.check_addresses()

    def check_ports(self):
        published = {}
        for name in ("cscf-partner", "cscf-primary"):
            published[name] = [str(p) for p in self.services()[name].get("ports") or []]
        self.check(any(p.endswith(":5060/udp") for p in published["cscf-partner"]),
                   "partner CSCF publishes SIP 5060/udp for a client on the host")
        self.check(any(p.endswith(":5060/tcp") for p in published["cscf-partner"]),
                   "partner CSCF publishes SIP 5060/tcp for a client on the host")

    def check_mounts(self):
        for name in DAEMONS + ["ue"]:
            svc = self.services()[name]
            command = svc.get("command") or []
            config = command[command.index("--config") + 1] if "--config" in command else None
            if not self.check(config is not None, f"{name} is started with --config"):
                continue
            mounted = None
            for volume in svc.get("volumes") or []:
                parts = str(volume).split(":")
                if len(parts) >= 2 and parts[1] == config:
                    mounted = parts[0]
                    self.check(parts[0].startswith("./config/"),
                               f"{name}: configuration comes from docker/config/ ({parts[0]})")
                    self.check(parts[2:] == ["ro"], f"{name}: configuration is mounted read-only")
            if not self.check(mounted is not None, f"{name}: {config} is mounted from a file"):
                continue
            source = os.path.normpath(os.path.join(self.base, mounted))
            if not self.check(os.path.isfile(source), f"{name}: {source} exists"):
                continue
            with open(source, encoding="utf-8") as f:
                try:
                    self.configs[name] = yaml.safe_load(f)
                except yaml.YAMLError as e:
                    self.check(False, f"{name}: {source} is YAML ({e})")

    def check_addresses(self):
        configs = self.configs
        identities = {}
        for name in DAEMONS:
            cfg = configs.get(name) or {}
            dia = cfg.get("diameter") or {}
            own = self.ips_of(name)
            self.check(dia.get("address") in own,
                       f"{name}: diameter.address {dia.get('address')} is its own ({own})")
            identities[name] = dia.get("identity")
            if "sip" in cfg:
                self.check(cfg["sip"].get("address") in own,
                           f"{name}: sip.address {cfg['sip'].get('address')} is its own")
        for name in DAEMONS:
            dia = (configs.get(name) or {}).get("diameter") or {}
            for peer in dia.get("peers") or []:
                target = self.service_with_ip(peer.get("address"))
                if not self.check(target is not None,
                                  f"{name}: Diameter peer {peer.get('address')} is a service"):
                    continue
                shared = set(self.networks_of(name)) & set(self.networks_of(target))
                self.check(bool(shared), f"{name} and its Diameter peer {target} share a network")
                self.check(peer.get("identity") == identities.get(target),
                           f"{name}: peer identity {peer.get('identity')} is {target}'s")
                target_port = ((configs.get(target) or {}).get("diameter") or {}).get("port")
                self.check(peer.get("port") == target_port,
                           f"{name}: peer port {peer.get('port')} is {target}'s ({target_port})")
        link = ((configs.get("mms-primary") or {}).get("mms") or {}).get("link") or {}
        listen = link.get("listen", "")
        host = listen.removeprefix("tcp://").rsplit(":", 1)[0]
        link_ip = (self.networks_of("mms-primary").get("link") or {}).get("ipv4_address")
        self.check(host == link_ip, f"primary MMS listens on its link address ({listen})")
        env = self.services()["provision"].get("environment") or {}
        self.check(env.get("MCX_PRIMARY_MMS_URL") == listen,
                   "the partner's bindings name the primary MMS's link URL")
        ue = configs.get("ue") or {}
        sip = (configs.get("cscf-partner") or {}).get("sip") or {}
        self.check(ue.get("server") == f"{sip.get('address')}:{sip.get('port')}",
                   f"ue registers at the partner CSCF ({ue.get('server')})")
        self.check(ue.get("local") in self.ips_of("ue"), "ue binds its own address")
        self.check(str(ue.get("impi", "")).endswith("@mig.partner.mcx.lab"),
                   "ue uses a migrated (partner) identity")


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__),
                                                              "compose.yaml")
    checker = Checker(path)
    checker.run()
    print(f"{checker.passes} passed, {checker.failures} failed")
    return 1 if checker.failures else 0


if __name__ == "__main__":
    sys.exit(main())
