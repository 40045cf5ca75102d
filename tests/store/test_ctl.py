#!/usr/bin/python3
"""mcx-ctl subscriber/binding tests, run by store_harness.py on a fresh database.

usage: test_ctl.py MCX_CTL URI ROWS
ROWS is the size of the CSV import that is timed (the measurement is printed, not asserted).
"""
import hashlib
import os
import subprocess
import sys
import tempfile
import time
import unittest

CTL, URI, ROWS = sys.argv[1], sys.argv[2], int(sys.argv[3])
K = '465b5ce8b199b49faa5f0a2ee238a6bc'
OPC = 'cd63cb71954a9f4e48a5994e37a02baf'
OP = 'cdc202d5123e20f62b6d676ac72cb318'


def ctl(*args, db=True, stdin=None):
    cmd = [CTL] + (['--db', URI] if db else []) + list(args)
    return subprocess.run(cmd, capture_output=True, text=True, input=stdin, timeout=600)


def show(impi, *extra):
    r = ctl('subscriber', 'show', '--impi', impi, *extra)
    fields = {}
    for line in r.stdout.splitlines():
        name, _, value = line.partition('=')
        fields.setdefault(name, []).append(value)
    return r, fields


class SubscriberCommands(unittest.TestCase):
    def add(self, impi, *extra):
        return ctl('subscriber', 'add', '--impi', impi, '--impu', 'sip:' + impi, '--k', K,
                   *extra)

    def test_add_show_list_remove(self):
        r = self.add('alice@primary.mcx.lab', '--opc', OPC, '--impu', 'tel:+4670001',
                     '--password', 'pa55word', '--allow-partner', 'partner.mcx.lab',
                     '--sqn', '0x40', '--imsi', '001010000000001', '--msisdn', '4670001')
        self.assertEqual(r.returncode, 0, r.stderr)
        r, f = show('alice@primary.mcx.lab')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(f['impu'], ['sip:alice@primary.mcx.lab', 'tel:+4670001'])
        self.assertEqual(f['k'], ['<hidden>'])
        self.assertEqual(f['opc'], ['<hidden>'])
        self.assertEqual(f['ha1'], ['<hidden>'])
        self.assertNotIn(K, r.stdout)
        self.assertNotIn(OPC, r.stdout)
        self.assertEqual(f['sqn'], ['64'])
        self.assertEqual(f['amf'], ['8000'])
        self.assertEqual(f['scheme'], ['Digest-AKAv1-MD5', 'SIP Digest'])
        self.assertEqual(f['allowed_partner'], ['partner.mcx.lab'])
        self.assertEqual(f['imsi'], ['001010000000001'])

        r, f = show('alice@primary.mcx.lab', '--secrets')
        self.assertEqual(f['k'], [K])
        self.assertEqual(f['opc'], [OPC])
        ha1 = hashlib.md5(b'alice@primary.mcx.lab:primary.mcx.lab:pa55word').hexdigest()
        self.assertEqual(f['ha1'], [ha1])
        self.assertNotIn('pa55word', r.stdout)

        r = ctl('subscriber', 'show', '--impu', 'tel:+4670001')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('impi=alice@primary.mcx.lab', r.stdout)

        r = ctl('subscriber', 'list')
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('impi=alice@primary.mcx.lab impu=sip:alice@primary.mcx.lab,tel:+4670001 '
                      'sqn=64', r.stdout)

        r = ctl('subscriber', 'update', '--impi', 'alice@primary.mcx.lab', '--op', OP,
                '--sqn', '96', '--scheme', 'Digest-AKAv2-MD5')
        self.assertEqual(r.returncode, 0, r.stderr)
        r, f = show('alice@primary.mcx.lab', '--secrets')
        self.assertEqual(f['op'], [OP])
        self.assertNotIn('opc', f)
        self.assertEqual(f['sqn'], ['96'])
        self.assertEqual(f['scheme'], ['Digest-AKAv2-MD5'])
        self.assertEqual(f['impu'], ['sip:alice@primary.mcx.lab', 'tel:+4670001'])

        r = ctl('subscriber', 'remove', '--impi', 'alice@primary.mcx.lab')
        self.assertEqual(r.returncode, 0, r.stderr)
        r, _ = show('alice@primary.mcx.lab')
        self.assertEqual(r.returncode, 1)
        self.assertIn('not_found', r.stderr)
        self.assertEqual(ctl('subscriber', 'remove', '--impi', 'alice@primary.mcx.lab')
                         .returncode, 1)

    def test_duplicates_fail_with_1(self):
        self.assertEqual(self.add('dup@primary.mcx.lab', '--opc', OPC).returncode, 0)
        r = self.add('dup@primary.mcx.lab', '--opc', OPC)
        self.assertEqual(r.returncode, 1)
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        self.assertIn('duplicate', r.stderr)
        # another IMPI taking an existing IMPU
        r = ctl('subscriber', 'add', '--impi', 'dup2@primary.mcx.lab', '--impu',
                'sip:dup@primary.mcx.lab', '--k', K, '--opc', OPC)
        self.assertEqual(r.returncode, 1)
        self.assertIn('duplicate', r.stderr)

    def test_validation_errors_exit_2(self):
        cases = [
            ('bad hex', ['--k', 'zz' * 16, '--opc', OPC]),
            ('short k', ['--k', K[:30], '--opc', OPC]),
            ('op and opc', ['--k', K, '--op', OP, '--opc', OPC]),
            ('no op', ['--k', K]),
            ('bad amf', ['--k', K, '--opc', OPC, '--amf', '80']),
            ('bad sqn', ['--k', K, '--opc', OPC, '--sqn', '12x']),
            ('sqn too big', ['--k', K, '--opc', OPC, '--sqn', str(2 ** 48)]),
            ('unknown option', ['--k', K, '--opc', OPC, '--colour', 'red']),
            ('bad imsi', ['--k', K, '--opc', OPC, '--imsi', '00101abc']),
            ('space in impu', ['--k', K, '--opc', OPC, '--impu', 'sip:a b']),
        ]
        for name, args in cases:
            with self.subTest(name):
                r = ctl('subscriber', 'add', '--impi', 'val@primary.mcx.lab', '--impu',
                        'sip:val@primary.mcx.lab', *args)
                self.assertEqual(r.returncode, 2, (name, r.stderr))
                self.assertEqual(len(r.stderr.strip().splitlines()), 1, (name, r.stderr))
                self.assertTrue(r.stderr.startswith('mcx-ctl '), r.stderr)
        r = ctl('subscriber', 'add', '--impi', 'nodomain', '--impu', 'sip:nodomain', '--k', K,
                '--opc', OPC, '--password', 'x')
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertEqual(ctl('subscriber', 'add', '--impu', 'sip:x', '--k', K, '--opc', OPC)
                         .returncode, 2)
        self.assertEqual(ctl('subscriber', 'show').returncode, 2)
        self.assertEqual(ctl('subscriber', 'frobnicate').returncode, 2)
        self.assertEqual(ctl('subscriber', 'list', '--limit', '0').returncode, 2)
        r = subprocess.run([CTL, '--db', 'postgres://127.0.0.1/x', 'subscriber', 'list'],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        self.assertIn('unsupported database URI', r.stderr)
        r = subprocess.run([CTL, 'subscriber', 'list'], capture_output=True, text=True)
        self.assertEqual(r.returncode, 2)
        # nothing was stored by any of these
        r, _ = show('val@primary.mcx.lab')
        self.assertEqual(r.returncode, 1)

    def test_import_export(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'subs.csv')
            with open(path, 'w') as f:
                f.write('impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners\n')
                for i in range(ROWS):
                    k = '%032x' % (0x1000 + i)
                    op, opc = (OP, '') if i % 2 else ('', OPC)
                    f.write('u%06d@load.mcx.lab,sip:u%06d@load.mcx.lab;tel:+46%08d,%s,%s,%s,'
                            '8000,%d,Digest-AKAv1-MD5;SIP Digest,partner.mcx.lab\n'
                            % (i, i, i, k, op, opc, 32 * i))
            start = time.monotonic()
            r = ctl('subscriber', 'import', path)
            elapsed = time.monotonic() - start
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('imported %d subscribers' % ROWS, r.stdout)
            print('\nMEASURED: mcx-ctl subscriber import of %d rows: %.2f s wall (%.0f rows/s); '
                  'tool says: %s' % (ROWS, elapsed, ROWS / elapsed, r.stdout.strip()),
                  file=sys.stderr)

            last = ROWS - 1
            r, f = show('u%06d@load.mcx.lab' % last, '--secrets')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(f['k'], ['%032x' % (0x1000 + last)])
            self.assertEqual(f['sqn'], [str(32 * last)])
            self.assertEqual(f['impu'], ['sip:u%06d@load.mcx.lab' % last,
                                         'tel:+46%08d' % last])

            start = time.monotonic()
            r = ctl('subscriber', 'export')
            elapsed = time.monotonic() - start
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('secrets', r.stderr)
            lines = [l for l in r.stdout.splitlines() if '@load.mcx.lab' in l]
            self.assertEqual(len(lines), ROWS)
            print('MEASURED: export of %d rows: %.2f s' % (ROWS, elapsed), file=sys.stderr)
            row = [l for l in lines if l.startswith('u000001@')][0]
            self.assertEqual(row, 'u000001@load.mcx.lab,sip:u000001@load.mcx.lab;tel:+4600000001,'
                                  '%032x,%s,,8000,32,Digest-AKAv1-MD5;SIP Digest,'
                                  'partner.mcx.lab,,,' % (0x1001, OP))

            # The export is a backup: it imports into a fresh database and exports the same.
            header = r.stdout.splitlines()[0]
            backup = os.path.join(tmp, 'backup.csv')
            with open(backup, 'w') as f:
                f.write(header + '\n' + '\n'.join(lines[:50]) + '\n')
            if URI.startswith('sqlite:'):
                other = 'sqlite:' + os.path.join(tmp, 'restore.db')
            else:
                other = URI.rsplit('/', 1)[0] + '/mcx_restore'
            r = subprocess.run([CTL, '--db', other, 'subscriber', 'import', backup],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run([CTL, '--db', other, 'subscriber', 'export'],
                               capture_output=True, text=True)
            self.assertEqual(r.stdout.splitlines()[1:], lines[:50])

            # A bad row stops the import with its line number; exit 1.
            bad = os.path.join(tmp, 'bad.csv')
            with open(bad, 'w') as f:
                f.write('impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners\n')
                f.write('ok1@bad.mcx.lab,sip:ok1@bad.mcx.lab,%s,,%s,,,,\n' % (K, OPC))
                f.write('bad@bad.mcx.lab,sip:bad@bad.mcx.lab,%s,,%s,,,,\n' % (K[:10], OPC))
            r = ctl('subscriber', 'import', bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn('bad.csv:3: k: expected 32 hex digits', r.stderr)
            self.assertNotIn(K[:10], r.stderr)
            # A duplicate row: exit 1, with its line.
            with open(bad, 'w') as f:
                f.write('impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners\n')
                f.write('u000003@load.mcx.lab,sip:new@x,%s,,%s,,,,\n' % (K, OPC))
            r = ctl('subscriber', 'import', bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn('duplicate', r.stderr)
            # The line is the duplicate's, also when rows after it were read (MongoDB batches).
            with open(bad, 'w') as f:
                f.write('impi,impu,k,op,opc,amf,sqn,schemes,allowed_partners\n')
                f.write('ok2@bad.mcx.lab,sip:ok2@bad.mcx.lab,%s,,%s,,,,\n' % (K, OPC))
                f.write('u000004@load.mcx.lab,sip:new4@x,%s,,%s,,,,\n' % (K, OPC))
                f.write('ok3@bad.mcx.lab,sip:ok3@bad.mcx.lab,%s,,%s,,,,\n' % (K, OPC))
            r = ctl('subscriber', 'import', bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn('bad.csv:3: duplicate', r.stderr)
            self.assertIn('stopped at line 3; 1 subscribers before it were imported', r.stderr)
            self.assertEqual(show('ok2@bad.mcx.lab')[0].returncode, 0)
            self.assertEqual(show('ok3@bad.mcx.lab')[0].returncode, 1)
            with open(bad, 'w') as f:
                f.write('impi,impu,k\n')
            r = ctl('subscriber', 'import', bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn('missing column op', r.stderr)
            self.assertEqual(ctl('subscriber', 'import').returncode, 2)
            self.assertEqual(ctl('subscriber', 'import', os.path.join(tmp, 'none.csv'))
                             .returncode, 1)


class BindingCommands(unittest.TestCase):
    ARGS = ['--partner-impi', 'alice@partner.mcx.lab', '--partner-impu',
            'sip:alice@partner.mcx.lab', '--primary-impi', 'alice@primary.mcx.lab',
            '--primary-impu', 'sip:alice@primary.mcx.lab', '--primary-system',
            'primary.mcx.lab', '--primary-mms', 'tcp://127.0.10.1:7300']

    def test_binding_cycle(self):
        r = ctl('binding', 'add', *self.ARGS)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = ctl('binding', 'add', *self.ARGS)
        self.assertEqual(r.returncode, 1)
        self.assertIn('duplicate', r.stderr)
        for key in (['--partner-impi', 'alice@partner.mcx.lab'],
                    ['--partner-impu', 'sip:alice@partner.mcx.lab'],
                    ['--primary-impi', 'alice@primary.mcx.lab'],
                    ['--primary-impi', 'alice@primary.mcx.lab', '--primary-system',
                     'primary.mcx.lab']):
            r = ctl('binding', 'show', *key)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('primary_mms=tcp://127.0.10.1:7300', r.stdout)
            self.assertIn('partner_impi=alice@partner.mcx.lab', r.stdout)
        r = ctl('binding', 'list')
        self.assertIn('partner_impi=alice@partner.mcx.lab', r.stdout)
        self.assertEqual(ctl('binding', 'remove', '--partner-impi', 'alice@partner.mcx.lab')
                         .returncode, 0)
        r = ctl('binding', 'show', '--partner-impi', 'alice@partner.mcx.lab')
        self.assertEqual(r.returncode, 1)

    HEADER = 'partner_impi,partner_impus,primary_impi,primary_impus,primary_system,primary_mms'

    @staticmethod
    def row(name, system='primary.mcx.lab', mms='tcp://127.0.10.1:7300', partner_impus=None,
            primary=None):
        """One binding CSV line: NAME@bulk.partner.mcx.lab bound to PRIMARY (default NAME)
        @SYSTEM."""
        if partner_impus is None:
            partner_impus = 'sip:%s@bulk.partner.mcx.lab' % name
        primary = primary or name
        return '%s@bulk.partner.mcx.lab,%s,%s@%s,sip:%s@%s,%s,%s' % (
            name, partner_impus, primary, system, primary, system, system, mms)

    def write_csv(self, path, lines, header=None):
        with open(path, 'w') as f:
            f.write((header or self.HEADER) + '\n' + ''.join(l + '\n' for l in lines))

    def exists(self, name):
        return ctl('binding', 'show', '--partner-impi',
                   '%s@bulk.partner.mcx.lab' % name).returncode == 0

    def test_binding_import_export(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, 'bindings.csv')
            lines = []
            for i in range(ROWS):
                # every third user has two partner IMPUs; two primary systems take turns
                system = 'primary.mcx.lab' if i % 2 == 0 else 'other.mcx.lab'
                impus = 'sip:b%06d@bulk.partner.mcx.lab' % i
                if i % 3 == 0:
                    impus += ';tel:+4699%06d' % i
                lines.append(self.row('b%06d' % i, system, 'tcp://127.0.10.%d:7300' % (1 + i % 2),
                                      impus))
            self.write_csv(path, lines)
            start = time.monotonic()
            r = ctl('binding', 'import', path)
            elapsed = time.monotonic() - start
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('imported %d bindings' % ROWS, r.stdout)
            print('\nMEASURED: mcx-ctl binding import of %d rows: %.2f s wall (%.0f rows/s); '
                  'tool says: %s' % (ROWS, elapsed, ROWS / elapsed, r.stdout.strip()),
                  file=sys.stderr)
            r = ctl('binding', 'show', '--partner-impu', 'tel:+4699%06d' % (ROWS - 1 - (ROWS - 1) % 3))
            self.assertEqual(r.returncode, 0, r.stderr)
            r = ctl('binding', 'show', '--primary-impi', 'b%06d@other.mcx.lab' % (ROWS - 1),
                    '--primary-system', 'other.mcx.lab')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn('partner_impi=b%06d@bulk.partner.mcx.lab' % (ROWS - 1), r.stdout)
            self.assertIn('primary_mms=tcp://127.0.10.2:7300', r.stdout)

            r = ctl('binding', 'export')
            self.assertEqual(r.returncode, 0, r.stderr)
            out = r.stdout.splitlines()
            self.assertEqual(out[0], self.HEADER)
            exported = [l for l in out[1:] if '@bulk.partner.mcx.lab' in l]
            self.assertEqual(exported, sorted(lines))

            # export -> import into a fresh database -> the same export
            backup = os.path.join(tmp, 'backup.csv')
            with open(backup, 'w') as f:
                f.write(r.stdout)
            if URI.startswith('sqlite:'):
                other = 'sqlite:' + os.path.join(tmp, 'restore.db')
            else:
                other = URI.rsplit('/', 1)[0] + '/mcx_restore_bindings'
            r2 = subprocess.run([CTL, '--db', other, 'binding', 'import', backup],
                                capture_output=True, text=True)
            self.assertEqual(r2.returncode, 0, r2.stderr)
            self.assertIn('imported %d bindings' % (len(out) - 1), r2.stdout)
            r2 = subprocess.run([CTL, '--db', other, 'binding', 'export'], capture_output=True,
                                text=True)
            self.assertEqual(r2.returncode, 0, r2.stderr)
            self.assertEqual(r2.stdout, r.stdout)

            bad = os.path.join(tmp, 'bad.csv')
            # A duplicate row: exit 1 with its line; the rows before it stay, those after not.
            for n, (name, dup) in enumerate((
                    ('partner impi', self.row('b000007')),
                    ('partner impu', self.row('x1', partner_impus='sip:b000008@bulk.partner.mcx.lab')),
                    ('primary impi in its system',
                     self.row('x2', system='other.mcx.lab', primary='b000009')))):
                with self.subTest(name):
                    self.write_csv(bad, [self.row('d%d' % n), dup, self.row('e%d' % n)])
                    r = ctl('binding', 'import', bad)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertIn('bad.csv:3: duplicate', r.stderr)
                    self.assertIn('stopped at line 3; 1 bindings before it were imported',
                                  r.stderr)
                    self.assertTrue(self.exists('d%d' % n))
                    self.assertFalse(self.exists('e%d' % n))
                    self.assertFalse(self.exists('x%d' % n))
            # the same primary IMPI in another primary system is not a duplicate
            r = ctl('binding', 'import', '-', stdin=self.HEADER + '\n' +
                    self.row('x3', system='third.mcx.lab', primary='b000009') + '\n')
            self.assertEqual(r.returncode, 0, r.stderr)
            # a duplicate within the file, after a batch boundary (MongoDB: 1000 per batch)
            self.write_csv(bad, [self.row('f%04d' % i) for i in range(1100)] +
                           [self.row('f0005')] + [self.row('g%04d' % i) for i in range(50)])
            r = ctl('binding', 'import', bad)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn('bad.csv:1102: duplicate', r.stderr)
            self.assertIn('1100 bindings before it were imported', r.stderr)
            self.assertTrue(self.exists('f1099'))
            self.assertFalse(self.exists('g0000'))
            # a duplicate followed by a bad row: the duplicate (first in the file) is reported
            self.write_csv(bad, [self.row('h1'), self.row('h1'), 'h2@x,sip:h2@x'])
            r = ctl('binding', 'import', bad)
            self.assertEqual(r.returncode, 1, r.stderr)
            self.assertIn('bad.csv:3: duplicate', r.stderr)
            self.assertIn('1 bindings before it were imported', r.stderr)

            # Bad rows: exit 1 with the line; the rows before stay.
            for name, line, reason in (
                    ('field count', 'k@x,sip:k@x,k@y', '3 fields, the header names 6'),
                    ('no partner impu', self.row('k', partner_impus=''),
                     'partner_impus: at least one is required'),
                    ('empty impu item', self.row('k', partner_impus='sip:a@x;;sip:b@x'),
                     'partner_impus: empty or too long item'),
                    ('mms not a URL', self.row('k', mms='127.0.10.1'), 'URL'),
                    ('empty system', self.row('k', system=''), 'primary_system'),
                    ('unterminated quote', self.row('k') + ',"x', 'quote')):
                with self.subTest(name):
                    tag = 'ok-' + name.replace(' ', '')
                    self.write_csv(bad, [self.row(tag), line])
                    r = ctl('binding', 'import', bad)
                    self.assertEqual(r.returncode, 1, r.stderr)
                    self.assertIn('bad.csv:3: ', r.stderr)
                    self.assertIn(reason, r.stderr)
                    self.assertIn('stopped at line 3; 1 bindings before it were imported',
                                  r.stderr)
                    self.assertTrue(self.exists(tag))
                    self.assertFalse(self.exists('k'))
            # Headers
            self.write_csv(bad, [self.row('m')], header=self.HEADER.rsplit(',', 1)[0])
            r = ctl('binding', 'import', bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn('bad.csv:1: header: missing column primary_mms', r.stderr)
            self.write_csv(bad, [self.row('m') + ',x'], header=self.HEADER + ',colour')
            r = ctl('binding', 'import', bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn("unknown column 'colour'", r.stderr)
            # columns in another order, from stdin
            cols = self.HEADER.split(',')
            vals = self.row('n').split(',')
            r = ctl('binding', 'import', '-', stdin=','.join(reversed(cols)) + '\n' +
                    ','.join(reversed(vals)) + '\n')
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertTrue(self.exists('n'))
            open(bad, 'w').close()
            r = ctl('binding', 'import', bad)
            self.assertEqual(r.returncode, 1)
            self.assertIn('empty file', r.stderr)
            self.assertEqual(ctl('binding', 'import').returncode, 2)
            self.assertEqual(ctl('binding', 'import', 'a.csv', 'b.csv').returncode, 2)
            self.assertEqual(ctl('binding', 'export', 'x').returncode, 2)
            r = ctl('binding', 'import', os.path.join(tmp, 'none.csv'))
            self.assertEqual(r.returncode, 1)
            self.assertIn('cannot open', r.stderr)

    def test_binding_validation(self):
        args = list(self.ARGS)
        args[args.index('--primary-mms') + 1] = '127.0.10.1'
        r = ctl('binding', 'add', *args)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn('URL', r.stderr)
        r = ctl('binding', 'add', *self.ARGS[:-2])
        self.assertEqual(r.returncode, 2)
        self.assertIn('missing --primary-mms', r.stderr)
        self.assertEqual(ctl('binding', 'show').returncode, 2)
        self.assertEqual(ctl('binding', 'show', '--primary-system', 'x').returncode, 2)
        self.assertEqual(ctl('binding', 'remove').returncode, 2)
        self.assertEqual(ctl('binding', 'nope').returncode, 2)


if __name__ == '__main__':
    print('mcx-ctl tests on %s' % URI.split(':')[0], file=sys.stderr)
    unittest.main(argv=[sys.argv[0], '-v'])
