#!/usr/bin/python3
"""Runs a store test program against a fresh database of one backend.

usage: store_harness.py --backend sqlite|mongodb COMMAND [ARGS...]

The literal argument @URI in COMMAND/ARGS is replaced by the database URI:
  sqlite   sqlite:<new temporary directory>/store.db
  mongodb  a real `mongod` when one is on PATH, otherwise tests/store/mongo_mock_server.py
           (python3-mockupdb wire protocol + python3-mongomock storage); either way on 127.0.0.1,
           a free port, a fresh data directory, started here and always stopped here.
It prints which server a run used, then exits with the command's status.
"""
import argparse
import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def _die_with_parent():
    """preexec_fn: the server gets SIGTERM if this harness dies, even by SIGKILL."""
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _exit_on_sigterm():
    """meson's timeout sends SIGTERM: leave through the finally blocks that stop the server."""
    def handler(signum, frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, handler)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_for_port(port, proc, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('database server exited with status %s' % proc.returncode)
        try:
            with socket.create_connection(('127.0.0.1', port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError('database server did not listen on 127.0.0.1:%d' % port)


def start_mongo(workdir, port=None):
    """Starts a MongoDB server (port: a free one when None). Returns (process, uri, what)."""
    port = port or free_port()
    log = open(os.path.join(workdir, 'server.log'), 'a')
    mongod = shutil.which('mongod')
    if mongod:
        datadir = os.path.join(workdir, 'db')
        os.makedirs(datadir, exist_ok=True)
        cmd = [mongod, '--dbpath', datadir, '--bind_ip', '127.0.0.1', '--port', str(port),
               '--quiet']
        what = 'real mongod (%s)' % mongod
    else:
        cmd = ['/usr/bin/python3', os.path.join(HERE, 'mongo_mock_server.py'), '--port',
               str(port)]
        what = 'MongoDB wire-protocol test server (mockupdb + mongomock, no mongod on PATH)'
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                            preexec_fn=_die_with_parent)
    try:
        wait_for_port(port, proc)
    except Exception:
        stop(proc)
        log.close()
        with open(os.path.join(workdir, 'server.log')) as f:
            sys.stderr.write(f.read())
        raise
    return proc, 'mongodb://127.0.0.1:%d/mcx_test' % port, what


def stop(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--backend', choices=['sqlite', 'mongodb'], required=True)
    parser.add_argument('command', nargs=argparse.REMAINDER)
    args = parser.parse_args()
    if not args.command:
        parser.error('no command')
    _exit_on_sigterm()
    workdir = tempfile.mkdtemp(prefix='mcx-store-test-')
    proc = child = None
    try:
        if args.backend == 'sqlite':
            uri = 'sqlite:' + os.path.join(workdir, 'store.db')
            print('store harness: backend=sqlite file=%s' % uri[7:], flush=True)
        else:
            proc, uri, what = start_mongo(workdir)
            print('store harness: backend=mongodb server=%s uri=%s' % (what, uri), flush=True)
        env = dict(os.environ, MCX_TEST_WORKDIR=workdir)
        cmd = [uri if a == '@URI' else a for a in args.command]
        child = subprocess.Popen(cmd, env=env)
        return child.wait()
    finally:
        if child:
            stop(child)
        if proc:
            stop(proc)
            if proc.returncode not in (0, -15):
                print('store harness: database server exited with %s' % proc.returncode)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
