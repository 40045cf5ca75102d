"""TS 23.280 10.1.6.2 steps 2-14 of one migrated registration, rebuilt from what the lab's
components logged (labctl `steps`, ./lab demo).

The UE's log (mcx-ue -v on stderr) names the registration: its last `ue.register.start` for
the IMPI gives the Call-ID and the time window. Inside that window the partner MMS `mar` line
gives the link transaction id (tid) and the binding; the primary MMS `link_request` with the
same tid, and the primary HSS `mar` for the primary IMPI, give steps 5-8; the partner CSCF
`register_challenge` / `register_ok` and the partner MMS `uar` / `sar` lines give the SIP side."""

import calendar
import os
import re

LINE = re.compile(r'(\w[\w.]*)=("(?:[^"\\]|\\.)*"|\S*)')
TS = re.compile(r"^ts=(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{3})Z")


class Event(dict):
    """One key=value log line; .ts is milliseconds since the epoch."""

    def __init__(self, line):
        super().__init__((k, v.strip('"')) for k, v in LINE.findall(line))
        m = TS.match(line)
        y, mo, d, h, mi, s, ms = (int(x) for x in m.groups())
        self.ts = calendar.timegm((y, mo, d, h, mi, s)) * 1000 + ms


def read_events(path):
    events = []
    try:
        with open(path, errors="replace") as f:
            for line in f:
                if TS.match(line):
                    events.append(Event(line))
    except FileNotFoundError:
        pass
    return events


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def ms(us):
    return "%.1f ms" % (int(us) / 1000.0) if us and us.isdigit() else "? ms"


def find(events, lo, hi, event, **match):
    """Events named event with ts in [lo, hi] whose fields equal match."""
    return [e for e in events if e.get("event") == event and lo <= e.ts <= hi and
            all(e.get(k) == v for k, v in match.items())]


def build_steps(log_dir, ue_log, impi):
    """Returns (steps, missing): steps is a list of (number, who, what) lines; missing names
    every step whose log lines were not found."""
    ue = read_events(ue_log)
    starts = [e for e in ue if e.get("event") == "ue.register.start" and e.get("impi") == impi]
    if not starts:
        return [], ["2-14 (no ue.register.start for %s in %s)" % (impi, ue_log)]
    start = starts[-1]
    call_id = start.get("call_id")
    ends = [e for e in ue if e.get("event") == "ue.register.end" and e.get("call_id") == call_id]
    end = ends[-1] if ends else None
    # a daemon may log an event just after the answer it sent reached the UE: allow for that
    lo, hi = start.ts, (end.ts if end else start.ts + 60000) + 250
    challenges = [e for e in ue if e.get("event") == "ue.challenge" and
                  e.get("call_id") == call_id]
    logs = {n: read_events(os.path.join(log_dir, n + ".log")) for n in
            ("partner-cscf", "partner-mms", "primary-mms", "primary-hss")}
    ue_text = read_text(ue_log)
    tail = ue_text[ue_text.rfind("Call-ID: " + call_id) - 2000:] if call_id else ""
    server = re.search(r"--- send to (\S+) ---", ue_text)
    ue_addr = call_id.split("@")[-1] if call_id and "@" in call_id else "?"

    steps, missing = [], []

    def step(n, who, what, ok):
        if ok:
            steps.append((n, who, what))
        else:
            missing.append(str(n))

    pmms, qmms, hss, cscf = (logs["partner-mms"], logs["primary-mms"], logs["primary-hss"],
                             logs["partner-cscf"])
    uar = find(pmms, lo, hi, "uar", impi=impi)
    step(2, "UE -> partner mcx-cscf",
         "REGISTER %s from %s to %s (Call-ID %s); I-CSCF UAR answered %s by the partner MMS in "
         "%s" % (start.get("impu"), ue_addr, server.group(1) if server else "?", call_id,
                 uar[0].get("diameter") if uar else "?",
                 ms(uar[0].get("latency_us")) if uar else "?"), bool(uar))
    mars = [e for e in find(pmms, lo, hi, "mar", impi=impi) if e.get("tid")]
    ok_mars = [e for e in mars if e.get("result") == "SUCCESS" and e.get("diameter") == "2001"]
    mar = ok_mars[-1] if ok_mars else (mars[-1] if mars else None)
    resync = " (resynchronisation: RAND||AUTS forwarded)" if mar and mar.get("resync") == "yes" \
        else ""
    step(3, "partner mcx-cscf -> partner mcx-mms",
         "Cx MAR User-Name=%s Public-Identity=%s scheme=%s items=%s%s" % (
             impi, mar.get("impu") if mar else "?", mar.get("scheme") if mar else "?",
             mar.get("items") if mar else "?", resync), mar is not None)
    step(4, "partner mcx-mms", "binding lookup: %s -> %s (%s), primary system %s" % (
        impi, mar.get("primary_impi") if mar else "?", mar.get("primary_impu") if mar else "?",
        mar.get("primary_system") if mar else "?"), mar is not None and mar.get("primary_impi"))
    link = find(qmms, lo, hi, "link_request", tid=mar.get("tid")) if mar else []
    link = link[-1] if link else None
    step(5, "partner mcx-mms -> primary mcx-mms (NNG)",
         "GetSipAuthInfoRequest tid=%s origin=%s impi=%s" % (
             link.get("tid") if link else "?", link.get("origin") if link else "?",
             link.get("impi") if link else "?"), link is not None)
    # the HSS answers before it logs: its line may come a little after the primary MMS's, so
    # take the first HSS MAR for the primary IMPI from the moment the link request arrived
    arrived = link.ts - int(link.get("latency_us", "0") or 0) // 1000 - 1 if link else hi
    hmar = find(hss, max(lo, arrived), hi, "mar", impi=mar.get("primary_impi") if mar else "")
    hmar = hmar[0] if hmar else None
    step(6, "primary mcx-mms -> primary mcx-hss",
         "Cx MAR User-Name=%s Public-Identity=%s scheme=%s resync=%s" % (
             hmar.get("impi") if hmar else "?", hmar.get("impu") if hmar else "?",
             hmar.get("scheme") if hmar else "?", hmar.get("resync") if hmar else "?"),
         hmar is not None)
    step(7, "primary mcx-hss -> primary mcx-mms",
         "Cx MAA result=%s items=%s (HSS %s)" % (
             hmar.get("result") if hmar else "?", hmar.get("items") if hmar else "?",
             ms(hmar.get("latency_us")) if hmar else "?"),
         hmar is not None and hmar.get("result") == "2001")
    step(8, "primary mcx-mms -> partner mcx-mms (NNG)",
         "GetSipAuthInfoResponse result=%s tid=%s (primary MMS %s)" % (
             link.get("result") if link else "?", link.get("tid") if link else "?",
             ms(link.get("latency_us")) if link else "?"),
         link is not None and link.get("result") == "SUCCESS")
    step(9, "partner mcx-mms", "binding lookup: %s -> %s" % (
        mar.get("primary_impi") if mar else "?", impi),
        mar is not None and mar.get("result") == "SUCCESS")
    step(10, "partner mcx-mms -> partner mcx-cscf",
         "Cx MAA result=%s vectors=%s User-Name=%s (partner MMS %s)" % (
             mar.get("diameter") if mar else "?", mar.get("vectors") if mar else "?", impi,
             ms(mar.get("latency_us")) if mar else "?"),
         mar is not None and mar.get("diameter") == "2001")
    chal = find(cscf, lo, hi, "register_challenge", impi=impi)
    answered = [c for c in challenges if c.get("outcome") == "answered"]
    auts = [c for c in challenges if c.get("outcome") in ("auts", "resync", "sync_failure")]
    step(11, "partner mcx-cscf -> UE",
         "401 WWW-Authenticate Digest algorithm=%s nonce=base64(RAND||AUTN)%s; UE: MAC-A ok, "
         "SQN %s fresh" % (
             chal[-1].get("algorithm") if chal else "?",
             " (%d challenges, first answered with auts=)" % len(chal) if auts else "",
             answered[-1].get("sqn") if answered else "?"), bool(chal) and bool(answered))
    sar = [e for e in find(pmms, lo, hi, "sar", impi=impi) if e.get("type") in ("1", "2")]
    step(12, "UE -> partner mcx-cscf",
         "REGISTER Authorization: Digest (RES as password), checked against XRES; then Cx SAR "
         "%s -> partner mcx-mms answered %s (%s)" % (
             "RE_REGISTRATION" if sar and sar[-1].get("type") == "2" else "REGISTRATION",
             sar[-1].get("diameter") if sar else "?", ms(sar[-1].get("latency_us")) if sar else "?"),
         bool(sar) and sar[-1].get("diameter") == "2001")
    reg = find(cscf, lo, hi, "register_ok", impi=impi)
    route = re.search(r"Service-Route: (\S+)", tail)
    pau = re.search(r"P-Associated-URI: (\S+)", tail)
    step(13, "partner mcx-cscf -> UE", "200 OK Service-Route: %s P-Associated-URI: %s" % (
        route.group(1) if route else "?", pau.group(1) if pau else "?"),
        bool(reg) and route is not None)
    done = end is not None and end.get("result") == "registered"
    step(14, "UE", "registered as %s in the partner SIP core (%d ms from the first REGISTER "
         "to 200 OK, contacts=%s)" % (start.get("impu"), (end.ts - start.ts) if end else -1,
                                      reg[-1].get("contacts") if reg else "?"), done and bool(reg))
    return steps, missing


def print_steps(lab, impi, ue_log=None):
    """Prints the steps of impi's last registration; returns 0 when all of 2-14 were found."""
    ue_log = ue_log or os.path.join(lab.log_dir, "ue-migrated.log")
    steps, missing = build_steps(lab.log_dir, ue_log, impi)
    print("TS 23.280 10.1.6.2: %s registers in the partner MC system with credentials held by "
          "its primary MC system (from the logs in %s)" % (impi, lab.log_dir))
    for n, who, what in steps:
        print("%3d  %-42s %s" % (n, who, what))
    if missing:
        print("MISSING steps: %s (see %s)" % (", ".join(missing), lab.log_dir))
        return 1
    print("all steps 2-14 happened")
    return 0
