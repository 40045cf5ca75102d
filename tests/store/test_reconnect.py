#!/usr/bin/python3
"""The MongoDB backend survives a database restart: with the server down a lookup answers
`unavailable` (no crash, no hang), and once it is back the same open store (the same libmongoc
client pool) answers `ok` again without being reopened.

usage: test_reconnect.py TEST_STORE MCX_CTL
Starts the server itself on 127.0.0.1 (a real mongod when on PATH, else the mockupdb + mongomock
test server, see store_harness.py) and always stops it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import store_harness  # noqa: E402

TEST_STORE, CTL = sys.argv[1], sys.argv[2]
IMPI = 'reconnect@primary.mcx.lab'
K = '465b5ce8b199b49faa5f0a2ee238a6bc'


def provision(uri):
    r = subprocess.run([CTL, '--db', uri, 'subscriber', 'add', '--impi', IMPI, '--impu',
                        'sip:' + IMPI, '--k', K, '--opc', K], capture_output=True, text=True)
    # 1: already there (a real mongod keeps its data over the restart)
    assert r.returncode in (0, 1), r.stderr
    if r.returncode == 1:
        assert 'duplicate' in r.stderr, r.stderr


def ask(probe):
    probe.stdin.write('get\n')
    probe.stdin.flush()
    return probe.stdout.readline().strip()


def main():
    store_harness._exit_on_sigterm()
    workdir = tempfile.mkdtemp(prefix='mcx-store-reconnect-')
    server = probe = None
    try:
        server, uri, what = store_harness.start_mongo(workdir)
        print('reconnect test: server=%s uri=%s' % (what, uri), flush=True)
        port = int(uri.split(':')[2].split('/')[0])
        uri += '?serverSelectionTimeoutMS=500&heartbeatFrequencyMS=500'
        provision(uri)
        probe = subprocess.Popen([TEST_STORE, '--probe', uri, IMPI], stdin=subprocess.PIPE,
                                 stdout=subprocess.PIPE, text=True)
        first = ask(probe)
        assert first == 'ok', first

        store_harness.stop(server)
        down = ask(probe)
        print('server stopped: lookup says %s' % down, flush=True)
        assert down == 'unavailable', down

        server, _, _ = store_harness.start_mongo(workdir, port)
        provision(uri)
        answers = []
        for _ in range(60):  # a bounded number of tries, not a time limit
            answers.append(ask(probe))
            if answers[-1] == 'ok':
                break
            time.sleep(0.5)
        print('server restarted: lookups say %s' % ' '.join(answers), flush=True)
        assert answers[-1] == 'ok', answers
        assert probe.poll() is None, 'probe died'
        print('PASS: same store handle recovered after the restart')
        return 0
    finally:
        if probe:
            probe.stdin.close()
            try:
                probe.wait(timeout=30)
            except subprocess.TimeoutExpired:
                probe.kill()
                probe.wait()
        if server:
            store_harness.stop(server)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
