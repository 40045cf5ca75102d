#!/usr/bin/python3
"""MongoDB wire-protocol test server for the store tests (used when no `mongod` is on PATH).

python3-mockupdb speaks the wire protocol (OP_QUERY handshake, OP_MSG commands); every command
is executed by python3-mongomock, so queries, updates, $inc, sorting, unique indexes and
findAndModify have mongomock's semantics. Commands are serialised by one lock, so findAndModify
is atomic. One addition to mongomock: unique indexes on array fields are checked per element
(MongoDB's multikey semantics); mongomock only compares whole arrays.

usage: mongo_mock_server.py [--port N] [--port-file FILE]
Listens on 127.0.0.1 only, prints "port=N" on stdout (and writes it to FILE), runs until SIGTERM
or SIGINT.
"""
import argparse
import itertools
import os
import signal
import sys
import threading

import bson
import mockupdb
import mongomock
from mongomock import DuplicateKeyError, OperationFailure, WriteError, helpers
from mongomock import filtering
from mongomock.collection import Collection
from pymongo import ReturnDocument

MAX_WIRE_VERSION = 13  # MongoDB 5.0: OP_MSG, hello
FIRST_BATCH = 101


def _values_at(doc, key):
    """The values a (multikey) index holds for key in doc: array elements are indexed one by one."""
    try:
        value = helpers.get_value_by_dot(doc, key)
    except KeyError:
        value = None
    values = value if isinstance(value, list) else [value]
    return [v if isinstance(v, (str, int, float, bool, type(None))) else repr(v) for v in values]


def _index_entries(index, doc):
    """The set of key tuples doc puts into a unique index, or None when the index skips doc
    (partial filter not matching, or sparse with every key missing)."""
    keys = [key for key, _ in index['key']]
    partial = index.get('partialFilterExpression')
    if partial is not None and not filtering.filter_applies(partial, doc):
        return None
    values = [_values_at(doc, key) for key in keys]
    if index.get('sparse') and all(v == [None] for v in values):
        return None
    return set(itertools.product(*values))


def _unique_indexes(collection):
    return [(name, index) for name, index in collection._store.indexes.items()
            if index.get('unique')]


def _touches_unique(collection, update):
    """Whether an update may change a unique index key (a replacement always may). Updates
    that cannot (e.g. $inc of security.sqn) skip mongomock's O(n) uniqueness rescan."""
    if not update or not all(op.startswith('$') for op in update):
        return True
    keys = [key for _, index in _unique_indexes(collection) for key, _ in index['key']]
    for fields in update.values():
        for field in (fields if isinstance(fields, dict) else {}):
            for key in keys:
                if key == field or key.startswith(field + '.') or field.startswith(key + '.'):
                    return True
    return False


_checking = threading.local()


def _ensure_uniques_multikey(self, new_data):
    """Replacement for Collection._ensure_uniques (new_data is already stored): a key of any
    array element already held by another document is a duplicate, as in MongoDB."""
    if getattr(_checking, 'done_by_caller', False):
        return
    for name, index in _unique_indexes(self):
        wanted = _index_entries(index, new_data)
        if not wanted:
            continue
        for doc in list(self._store._documents.values()):
            if doc.get('_id') == new_data.get('_id'):
                continue
            held = _index_entries(index, doc)
            if held and held & wanted:
                raise DuplicateKeyError(
                    'E11000 duplicate key error collection: %s index: %s' % (self.name, name),
                    11000)


Collection._ensure_uniques = _ensure_uniques_multikey


class Backend:
    """Executes MongoDB commands on mongomock; one lock serialises them all."""

    def __init__(self):
        self.client = mongomock.MongoClient()
        self.lock = threading.Lock()
        self.cursors = {}
        self.cursor_ids = itertools.count(1000)
        self.connection_ids = itertools.count(1)

    # -- replies --
    @staticmethod
    def error(code, message):
        return {'ok': 0, 'code': code, 'errmsg': message}

    def cursor_reply(self, ns, docs, batch_size, first=True):
        batch_size = batch_size or (FIRST_BATCH if first else len(docs))
        batch, rest = docs[:batch_size], docs[batch_size:]
        cursor_id = 0
        if rest:
            cursor_id = next(self.cursor_ids)
            self.cursors[cursor_id] = (ns, rest)
        key = 'firstBatch' if first else 'nextBatch'
        return {'ok': 1, 'cursor': {'id': bson.int64.Int64(cursor_id), 'ns': ns, key: batch}}

    # -- commands --
    def hello(self, cmd, db):
        return {'ok': 1, 'ismaster': True, 'isWritablePrimary': True, 'helloOk': True,
                'minWireVersion': 0, 'maxWireVersion': MAX_WIRE_VERSION,
                'maxBsonObjectSize': 16 * 1024 * 1024, 'maxMessageSizeBytes': 48000000,
                'maxWriteBatchSize': 100000, 'connectionId': next(self.connection_ids),
                'readOnly': False}

    def insert(self, cmd, db):
        """Batch insert: the unique indexes are read once per batch (a set per index) instead
        of once per document, so large imports stay linear."""
        coll = db[cmd['insert']]
        ordered = cmd.get('ordered', True)
        indexes = _unique_indexes(coll)
        held = {}
        for name, index in indexes:
            held[name] = set()
            for doc in coll._store._documents.values():
                held[name] |= _index_entries(index, doc) or set()
        n, errors = 0, []
        _checking.done_by_caller = True
        try:
            for i, doc in enumerate(cmd.get('documents', [])):
                entries = {name: _index_entries(index, doc) or set() for name, index in indexes}
                clash = [name for name in entries if entries[name] & held[name]]
                try:
                    if clash:
                        raise DuplicateKeyError(
                            'E11000 duplicate key error collection: %s index: %s'
                            % (coll.name, clash[0]), 11000)
                    coll.insert_one(doc)
                    n += 1
                    for name in entries:
                        held[name] |= entries[name]
                except DuplicateKeyError as e:
                    errors.append({'index': i, 'code': 11000, 'errmsg': str(e)})
                    if ordered:
                        break
        finally:
            _checking.done_by_caller = False
        reply = {'ok': 1, 'n': n}
        if errors:
            reply['writeErrors'] = errors
        return reply

    def update(self, cmd, db):
        coll = db[cmd['update']]
        n = modified = 0
        upserted, errors = [], []
        for i, spec in enumerate(cmd.get('updates', [])):
            q, u = spec.get('q', {}), spec.get('u', {})
            upsert, multi = spec.get('upsert', False), spec.get('multi', False)
            try:
                if isinstance(u, list):
                    raise OperationFailure('pipeline updates are not supported')
                _checking.done_by_caller = not upsert and not _touches_unique(coll, u)
                try:
                    if u and all(k.startswith('$') for k in u):
                        result = (coll.update_many if multi else coll.update_one)(
                            q, u, upsert=upsert)
                    else:
                        result = coll.replace_one(q, u, upsert=upsert)
                finally:
                    _checking.done_by_caller = False
                n += result.matched_count
                modified += result.modified_count
                if result.upserted_id is not None:
                    n += 1
                    upserted.append({'index': i, '_id': result.upserted_id})
            except DuplicateKeyError as e:
                errors.append({'index': i, 'code': 11000, 'errmsg': str(e)})
                if cmd.get('ordered', True):
                    break
            except (OperationFailure, WriteError, ValueError) as e:
                errors.append({'index': i, 'code': 2, 'errmsg': str(e)})
                if cmd.get('ordered', True):
                    break
        reply = {'ok': 1, 'n': n, 'nModified': modified}
        if upserted:
            reply['upserted'] = upserted
        if errors:
            reply['writeErrors'] = errors
        return reply

    def delete(self, cmd, db):
        coll = db[cmd['delete']]
        n = 0
        for spec in cmd.get('deletes', []):
            q = spec.get('q', {})
            result = coll.delete_one(q) if spec.get('limit', 0) == 1 else coll.delete_many(q)
            n += result.deleted_count
        return {'ok': 1, 'n': n}

    def find(self, cmd, db):
        coll = db[cmd['find']]
        cursor = coll.find(cmd.get('filter', {}), cmd.get('projection'))
        if cmd.get('sort'):
            cursor = cursor.sort(list(cmd['sort'].items()))
        if cmd.get('skip'):
            cursor = cursor.skip(int(cmd['skip']))
        limit = abs(int(cmd.get('limit', 0) or 0))
        if limit:
            cursor = cursor.limit(limit)
        docs = list(cursor)
        batch = int(cmd.get('batchSize', 0) or 0)
        if cmd.get('singleBatch'):
            batch = len(docs) or 1
        return self.cursor_reply('%s.%s' % (db.name, coll.name), docs, batch)

    def getMore(self, cmd, db):
        cursor_id = int(cmd['getMore'])
        if cursor_id not in self.cursors:
            return self.error(43, 'cursor id %d not found' % cursor_id)
        ns, docs = self.cursors.pop(cursor_id)
        batch = int(cmd.get('batchSize', 0) or 0) or len(docs)
        reply = self.cursor_reply(ns, docs, batch, first=False)
        if reply['cursor']['id']:
            # keep the same id for the rest, as a server would
            new_id = int(reply['cursor']['id'])
            self.cursors[cursor_id] = self.cursors.pop(new_id)
            reply['cursor']['id'] = bson.int64.Int64(cursor_id)
        return reply

    def killCursors(self, cmd, db):
        killed = []
        for cursor_id in cmd.get('cursors', []):
            if self.cursors.pop(int(cursor_id), None) is not None:
                killed.append(cursor_id)
        return {'ok': 1, 'cursorsKilled': killed, 'cursorsNotFound': [], 'cursorsAlive': [],
                'cursorsUnknown': []}

    def findAndModify(self, cmd, db):
        coll = db[cmd['findAndModify']]
        query, sort = cmd.get('query', {}), cmd.get('sort')
        sort = list(sort.items()) if sort else None
        fields = cmd.get('fields')
        try:
            if cmd.get('remove'):
                value = coll.find_one_and_delete(query, projection=fields, sort=sort)
                return {'ok': 1, 'value': value,
                        'lastErrorObject': {'n': 1 if value else 0}}
            update = cmd.get('update', {})
            after = ReturnDocument.AFTER if cmd.get('new') else ReturnDocument.BEFORE
            if update and all(k.startswith('$') for k in update):
                fn = coll.find_one_and_update
            else:
                fn = coll.find_one_and_replace
            existed = coll.count_documents(query) > 0
            _checking.done_by_caller = (not cmd.get('upsert', False)
                                        and not _touches_unique(coll, update))
            try:
                value = fn(query, update, projection=fields, sort=sort,
                           upsert=cmd.get('upsert', False), return_document=after)
            finally:
                _checking.done_by_caller = False
        except DuplicateKeyError as e:
            return self.error(11000, str(e))
        except (OperationFailure, WriteError, ValueError) as e:
            return self.error(2, str(e))
        return {'ok': 1, 'value': value,
                'lastErrorObject': {'n': 1 if (existed or value) else 0,
                                    'updatedExisting': existed}}

    def createIndexes(self, cmd, db):
        coll = db[cmd['createIndexes']]
        before = len(coll.index_information()) if coll.name in db.list_collection_names() else 0
        try:
            existing = coll._store.indexes
            for spec in cmd.get('indexes', []):
                if spec.get('name') in existing:
                    continue  # already there: a no-op, as on a MongoDB server
                options = {k: v for k, v in spec.items() if k in
                           ('unique', 'sparse', 'partialFilterExpression', 'expireAfterSeconds')}
                coll.create_index(list(spec['key'].items()), name=spec.get('name'), **options)
        except DuplicateKeyError as e:
            return self.error(11000, str(e))
        except OperationFailure as e:
            return self.error(85, str(e))
        return {'ok': 1, 'numIndexesBefore': before,
                'numIndexesAfter': len(coll.index_information()),
                'createdCollectionAutomatically': before == 0}

    def listIndexes(self, cmd, db):
        coll = db[cmd['listIndexes']]
        docs = []
        for name, info in coll.index_information().items():
            doc = {'v': 2, 'key': dict(info['key']), 'name': name}
            doc.update({k: v for k, v in info.items() if k not in ('key', 'v')})
            docs.append(doc)
        return self.cursor_reply('%s.%s' % (db.name, coll.name), docs, 0)

    def count(self, cmd, db):
        return {'ok': 1, 'n': db[cmd['count']].count_documents(cmd.get('query') or {})}

    def aggregate(self, cmd, db):
        coll = db[cmd['aggregate']]
        docs = list(coll.aggregate(cmd.get('pipeline', [])))
        batch = int(cmd.get('cursor', {}).get('batchSize', 0) or 0)
        return self.cursor_reply('%s.%s' % (db.name, coll.name), docs, batch)

    def drop(self, cmd, db):
        db.drop_collection(cmd['drop'])
        return {'ok': 1}

    def dropDatabase(self, cmd, db):
        self.client.drop_database(db.name)
        return {'ok': 1}

    def ping(self, cmd, db):
        return {'ok': 1}

    def buildInfo(self, cmd, db):
        return {'ok': 1, 'version': '5.0.0-mongomock', 'versionArray': [5, 0, 0, 0],
                'maxBsonObjectSize': 16 * 1024 * 1024}

    def endSessions(self, cmd, db):
        return {'ok': 1}

    COMMANDS = {
        'ismaster': 'hello', 'hello': 'hello', 'insert': 'insert', 'update': 'update',
        'delete': 'delete', 'find': 'find', 'getmore': 'getMore', 'killcursors': 'killCursors',
        'findandmodify': 'findAndModify', 'createindexes': 'createIndexes',
        'listindexes': 'listIndexes', 'count': 'count', 'aggregate': 'aggregate',
        'drop': 'drop', 'dropdatabase': 'dropDatabase', 'ping': 'ping',
        'buildinfo': 'buildInfo', 'endsessions': 'endSessions',
    }

    def handle(self, request):
        """mockupdb autoresponder: answers every request."""
        if not request.is_command:
            return request.fail('only commands are supported by this test server')
        cmd = dict(request.doc)
        name = request.command_name
        method = self.COMMANDS.get(name.lower()) if name else None
        if method is None:
            return request.replies(self.error(59, 'no such command: %r' % name))
        db = self.client[request.namespace or 'test']
        with self.lock:
            try:
                reply = getattr(self, method)(cmd, db)
            except Exception as e:  # report, never crash the server thread
                reply = self.error(1, '%s: %s' % (type(e).__name__, e))
        return request.replies(reply)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--port-file')
    args = parser.parse_args()

    server = mockupdb.MockupDB(port=args.port or None, request_timeout=int(1e6))
    server._address = ('127.0.0.1', args.port or None)
    backend = Backend()
    server.autoresponds(backend.handle)
    port = server.run()
    print('port=%d' % port, flush=True)
    if args.port_file:
        tmp = args.port_file + '.tmp'
        with open(tmp, 'w') as f:
            f.write('%d\n' % port)
        os.rename(tmp, args.port_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    server.stop()
    return 0


if __name__ == '__main__':
    sys.exit(main())
