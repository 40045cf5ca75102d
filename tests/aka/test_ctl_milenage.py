#!/usr/bin/python3
"""mcx-ctl milenage / auts: every TS 35.208 set reproduced exactly (set 1 line by line),
AUTS decoding (hex and base64, protocol-facts §2.4 examples A and B), and usage errors:
one line on stderr naming the option, nothing on stdout, exit 2.

usage: test_ctl_milenage.py PATH/mcx-ctl PATH/milenage-35208.tsv
"""
import subprocess
import sys

FAILURES = []


def run(ctl, *args):
    proc = subprocess.run([ctl, *args], capture_output=True, text=True, timeout=None)
    return proc.returncode, proc.stdout, proc.stderr


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what)


def load_sets(path):
    with open(path, encoding="ascii") as f:
        header = f.readline().rstrip("\n").split("\t")
        rows = [dict(zip(header, line.rstrip("\n").split("\t"))) for line in f if line.strip()]
    return rows


def expected_output(s):
    sqn = int(s["SQN"], 16) ^ int(s["f5_AK"], 16)
    autn = "%012x" % sqn + s["AMF"] + s["f1_MAC-A"]
    return ("opc={OPc}\nmac_a={f1_MAC-A}\nmac_s={f1star_MAC-S}\nres={f2_RES}\nck={f3_CK}\n"
            "ik={f4_IK}\nak={f5_AK}\nak_star={f5star_AKstar}\n").format(**s) + "autn=%s\n" % autn


def test_sets(ctl, sets):
    check(len(sets) == 19, "19 sets in the data file")
    for s in sets:
        base = ["--k", s["K"], "--rand", s["RAND"], "--sqn", s["SQN"], "--amf", s["AMF"]]
        for key_args in (["--op", s["OP"]], ["--opc", s["OPc"]]):
            rc, out, err = run(ctl, "milenage", *base, *key_args)
            check(rc == 0 and err == "", "set %s %s: exit 0, no stderr" % (s["set"], key_args[0]))
            check(out == expected_output(s), "set %s %s: output\n%s" % (s["set"], key_args[0], out))


def test_set1_literal(ctl):
    rc, out, _ = run(ctl, "milenage", "--k", "465b5ce8b199b49faa5f0a2ee238a6bc",
                     "--op=cdc202d5123e20f62b6d676ac72cb318",
                     "--rand", "23553CBE9637A89D218AE64DAE47BF35", "--sqn", "ff9bb4d0b607",
                     "--amf", "b9b9")
    check(rc == 0, "set 1 literal exit 0")
    check(out == "opc=cd63cb71954a9f4e48a5994e37a02baf\n"
                 "mac_a=4a9ffac354dfafb3\n"
                 "mac_s=01cfaf9ec4e871e9\n"
                 "res=a54211d5e3ba50bf\n"
                 "ck=b40ba9a3c58b2a05bbf0d987b21bf8cb\n"
                 "ik=f769bcd751044604127672711c6d3441\n"
                 "ak=aa689c648370\n"
                 "ak_star=451e8beca43b\n"
                 "autn=55f328b43577b9b94a9ffac354dfafb3\n", "set 1 literal output:\n" + out)


def test_auts(ctl):
    a = ["--k", "000102030405060708090a0b0c0d0e0f", "--opc", "000102030405060708090a0b0c0d0e0f",
         "--rand", "00" * 16]
    for auts in ("hxGg7J4WN98X+As4TuQ=", "8711a0ec9e1637df17f80b384ee4", "hxGg7J4WN98X+As4TuQ"):
        rc, out, _ = run(ctl, "auts", *a, "--auts", auts)
        check(rc == 0, "example A auts %s: exit 0" % auts)
        check(out.startswith("sqn_ms=00000000001f\nmac_s=ok\n"), "example A output:\n" + out)
        check("next_sqn=000000000021\n" in out, "example A next SQN (SEQ 1, IND 1)")
    rc, out, _ = run(ctl, "auts", *a, "--auts", "8711a0ec9e1637df17f80b384ee5")
    check(rc == 1, "tampered MAC-S: exit 1 (got %d)" % rc)
    check("mac_s=FAIL\n" in out and "next_sqn" not in out, "tampered MAC-S output:\n" + out)

    b = ["--k", "90dca4eda45b53cf0f12d7c9c3bc6a89", "--opc", "cb9cccc4b9258e6dca4760379fb82581",
         "--rand", "9fddc72092c6ad036b6e464789315b78"]
    for auts in ("4f2039392ddd4bb4316ed4a14688", "TyA5OS3dS7QxbtShRog="):
        rc, out, _ = run(ctl, "auts", *b, "--auts", auts)
        check(rc == 0 and out.startswith("sqn_ms=000000000001\nmac_s=ok\n"),
              "example B %s:\n%s" % (auts, out))
    rc, out, _ = run(ctl, "auts", *b[:2], "--op", "00" * 16, *b[4:], "--auts",
                     "4f2039392ddd4bb4316ed4a14688")
    check(rc == 1 and "mac_s=FAIL" in out, "example B with a wrong OP: MAC-S fails")


def test_usage_errors(ctl):
    k = ["--k", "465b5ce8b199b49faa5f0a2ee238a6bc"]
    opc = ["--opc", "cd63cb71954a9f4e48a5994e37a02baf"]
    rand = ["--rand", "23553cbe9637a89d218ae64dae47bf35"]
    sqn = ["--sqn", "ff9bb4d0b607"]
    amf = ["--amf", "b9b9"]
    cases = [
        ("milenage", ["--k", "465b5ce8b199b49faa5f0a2ee238a6bg", *opc, *rand, *sqn, *amf], "--k"),
        ("milenage", ["--k", "465b5ce8b199b49faa5f0a2ee238a6", *opc, *rand, *sqn, *amf], "--k"),
        ("milenage", [*k, *opc, "--rand", "23553cbe", *sqn, *amf], "--rand"),
        ("milenage", [*k, *opc, *rand, "--sqn", "ff9bb4d0b6070", *amf], "--sqn"),
        ("milenage", [*k, *opc, *rand, "--sqn", "ff9bb4d0b60", *amf], "--sqn"),
        ("milenage", [*k, *opc, *rand, *sqn, "--amf", "b9b9b9"], "--amf"),
        ("milenage", [*k, *opc, *rand, *sqn], "--amf"),
        ("milenage", [*k, *opc, *rand, *sqn, "--amf"], "--amf"),
        ("milenage", [*opc, *rand, *sqn, *amf], "--k"),
        ("milenage", [*k, *rand, *sqn, *amf], "--op"),
        ("milenage", [*k, *opc, "--op", "00" * 16, *rand, *sqn, *amf], "--op"),
        ("milenage", [*k, *opc, "--opc", "00" * 16, *rand, *sqn, *amf], "--opc"),
        ("milenage", [*k, *opc, *rand, *sqn, *amf, "--colour", "blue"], "--colour"),
        ("milenage", [*k, *opc, *rand, *sqn, *amf, "stray"], "stray"),
        ("milenage", [*k, "--op", "xyz", *rand, *sqn, *amf], "--op"),
        ("auts", [*k, *opc, *rand], "--auts"),
        ("auts", [*k, *opc, *rand, "--auts", "not base64 !"], "--auts"),
        ("auts", [*k, *opc, *rand, "--auts", "hxGg7J4WN98X+As4"], "--auts"),
        ("auts", [*k, *opc, *rand, "--auts", "8711a0ec9e1637df17f80b384e"], "--auts"),
        ("auts", [*k, *opc, "--rand", "00", "--auts", "8711a0ec9e1637df17f80b384ee4"], "--rand"),
        ("auts", [*k, *opc, *rand, *sqn, "--auts", "8711a0ec9e1637df17f80b384ee4"], "--sqn"),
    ]
    for cmd, args, name in cases:
        rc, out, err = run(ctl, cmd, *args)
        what = "%s %s" % (cmd, " ".join(args))
        check(rc == 2, "%s: exit 2 (got %d)" % (what, rc))
        check(out == "", "%s: nothing on stdout" % what)
        check(err.count("\n") == 1 and name in err, "%s: one-line error naming %s: %r"
              % (what, name, err))


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    ctl, tsv = sys.argv[1], sys.argv[2]
    test_sets(ctl, load_sets(tsv))
    test_set1_literal(ctl)
    test_auts(ctl)
    test_usage_errors(ctl)
    if FAILURES:
        print("%d check(s) failed" % len(FAILURES))
        return 1
    print("all mcx-ctl milenage/auts checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
