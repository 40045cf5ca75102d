#!/usr/bin/python3
"""Captures the MAR/MAA exchanges of test_hss_cx on loopback with tshark and checks that
Wireshark's dissector decodes them as Diameter Cx (command 303, application 16777216) with no
malformed packet and no expert warning or error.

usage: test_hss_tshark.py --test PATH/test_hss_cx --hss PATH/mcx-hss

The HSS gets its own free port on 127.0.10.1; the capture filter is that TCP port on `lo`, and the
port is decoded as Diameter (-d tcp.port==N,diameter). The capture runs every test_hss_cx test
whose name starts with mar_ (all schemes, several items, resync, 5001/5002/5006 answers); it
leaves out missing_avp_mar, whose 5005 answers come from freeDiameter's core with an empty
Failed-AVP group, which Wireshark flags as an expert warning ("Data is empty"). Exits 77 (skipped) only when tshark is not
installed or cannot capture on `lo` here. The capture holds test keys only and is deleted.
"""
import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HSS_ADDR = '127.0.10.1'
SKIP = 77
# Wireshark expert severities (epan/proto.h): PI_WARN 0x00600000, PI_ERROR 0x00800000.
PI_WARN = 0x00600000
# A TCP reset when a test process closes its connection is a TCP expert warning, not Diameter.
TCP_TEARDOWN = 'Connection reset (RST)'


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HSS_ADDR, 0))
        return s.getsockname()[1]


def stop(proc):
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_capture(tshark, port, pcap, log_path):
    """Starts tshark; returns the process once it reports that capturing started, else None."""
    log = open(log_path, 'w')
    proc = subprocess.Popen([tshark, '-i', 'lo', '-f', 'tcp port %d' % port, '-w', pcap],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 30  # hang guard only
    while time.monotonic() < deadline:
        with open(log_path) as f:
            text = f.read()
        if 'Capturing on' in text:
            time.sleep(0.5)  # the capture filter is installed just after the message
            return proc
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    stop(proc)
    with open(log_path) as f:
        sys.stderr.write(f.read())
    return None


def fields(tshark, pcap, port, display_filter, names):
    cmd = [tshark, '-r', pcap, '-d', 'tcp.port==%d,diameter' % port, '-Y', display_filter,
           '-T', 'fields', '-E', 'separator=|', '-E', 'occurrence=a', '-E', 'aggregator=,']
    for name in names:
        cmd += ['-e', name]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [line.split('|') for line in out.splitlines() if line.strip()]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--test', required=True)
    ap.add_argument('--hss', required=True)
    args = ap.parse_args()

    tshark = shutil.which('tshark')
    if not tshark:
        print('SKIP: tshark is not installed')
        return SKIP
    workdir = tempfile.mkdtemp(prefix='mcx-hss-tshark-')
    capture = None
    try:
        port = free_port()
        pcap = os.path.join(workdir, 'cx.pcap')
        capture = start_capture(tshark, port, pcap, os.path.join(workdir, 'tshark.log'))
        if capture is None:
            print('SKIP: tshark cannot capture on lo here')
            return SKIP
        db = 'sqlite:' + os.path.join(workdir, 'hss.db')
        run = subprocess.run([args.test, '--hss', args.hss, '--db', db, '--hss-port', str(port),
                              '--only', 'mar_*'], timeout=600)
        if run.returncode != 0:
            print('FAIL: test_hss_cx exited with %d' % run.returncode)
            return 1
        time.sleep(1)  # let the last segments reach the capture file
        stop(capture)
        capture = None

        rows = fields(tshark, pcap, port, 'diameter',
                      ['frame.number', 'diameter.cmd.code', 'diameter.applicationId',
                       'diameter.flags.request', 'diameter.Result-Code'])
        mar = [r for r in rows if r[1] == '303' and r[3] in ('1', 'True')]
        maa = [r for r in rows if r[1] == '303' and r[3] in ('0', 'False')]
        print('diameter messages: %d, MAR: %d, MAA: %d' % (len(rows), len(mar), len(maa)))
        ok = True
        if not mar or not maa:
            print('FAIL: no MAR/MAA decoded as Diameter command 303')
            ok = False
        for r in mar + maa:
            if r[2] != '16777216':
                print('FAIL: frame %s has application %s, not 16777216 (Cx)' % (r[0], r[2]))
                ok = False
        successes = [r for r in maa if '2001' in r[4].split(',')]
        if not successes:
            print('FAIL: no MAA with Result-Code 2001')
            ok = False

        # The Cx AVPs are decoded by name: vectors and the SIP Digest data.
        detail = subprocess.run([tshark, '-r', pcap, '-d', 'tcp.port==%d,diameter' % port, '-V',
                                 '-Y', 'diameter.cmd.code == 303'],
                                check=True, capture_output=True, text=True).stdout
        for name in ('SIP-Auth-Data-Item', 'SIP-Authentication-Scheme', 'SIP-Authenticate',
                     'Confidentiality-Key', 'Integrity-Key', 'SIP-Digest-Authenticate',
                     'Digest-HA1', 'Public-Identity', 'SIP-Number-Auth-Items'):
            if name not in detail:
                print('FAIL: AVP %s not decoded by name' % name)
                ok = False

        malformed = fields(tshark, pcap, port, '_ws.malformed', ['frame.number'])
        if malformed:
            print('FAIL: malformed packets: %s' % ', '.join(r[0] for r in malformed))
            ok = False
        severities = fields(tshark, pcap, port, '_ws.expert', ['frame.number', '_ws.expert.severity',
                                                                '_ws.expert.message'])
        for r in severities:
            messages = r[2].split(',')
            for i, sev in enumerate(r[1].split(',')):
                message = messages[i] if i < len(messages) else ''
                if message == TCP_TEARDOWN:
                    continue
                if sev and int(sev, 0) >= PI_WARN:
                    print('FAIL: expert warning/error in frame %s: %s' % (r[0], message))
                    ok = False
        print('PASS' if ok else 'FAIL')
        return 0 if ok else 1
    finally:
        if capture is not None:
            stop(capture)
        if os.environ.get("KEEP") is None:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
