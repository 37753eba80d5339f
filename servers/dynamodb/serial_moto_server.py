"""moto's server, answering one request at a time (same arguments as `moto_server`).

DynamoDB makes each request atomic: a conditional write checks and writes as one step, and a
TransactWriteItems applies all of its actions or none. moto's DynamoDB backend takes no lock, and its
threaded server runs requests side by side: a conditional update can interleave with another write to
the same item, and TransactWriteItems deep-copies the whole table to roll back on cancellation, so a
concurrent write to that table fails ("dictionary changed size during iteration") or is undone by the
restore. Holding one lock per request gives tests the atomicity the real service guarantees; the
client still sends its requests concurrently and sees them applied in some order, as against AWS.
"""
import copy
import threading

import moto.dynamodb.models as dynamodb_models
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_lock = threading.Lock()
_dispatch = DomainDispatcherApplication.__call__


def _one_at_a_time(self, environ, start_response):
    with _lock:
        # moto builds the whole response inside the call; list() drains any lazy body under the lock
        return list(_dispatch(self, environ, start_response))


DomainDispatcherApplication.__call__ = _one_at_a_time


class _TableCopiedOncePerTransaction:
    """`copy` as moto's DynamoDB models see it. TransactWriteItems deep-copies the table of each of its
    actions before applying any (to roll back on cancellation): 100 actions on one table made 100 copies
    of the same table. Within one transaction the first copy is handed out again (the same state, since
    nothing is applied until all copies are taken); elsewhere it is the standard module."""

    tables = None

    def deepcopy(self, value, memo=None):
        if self.tables is not None and isinstance(value, dynamodb_models.Table):
            if id(value) not in self.tables:
                self.tables[id(value)] = copy.deepcopy(value)
            return self.tables[id(value)]
        return copy.deepcopy(value, memo)

    def __getattr__(self, name):
        return getattr(copy, name)


_copy = _TableCopiedOncePerTransaction()
dynamodb_models.copy = _copy
_transact_write_items = dynamodb_models.DynamoDBBackend.transact_write_items


def _transact_copying_once(self, transact_items):
    _copy.tables = {}
    try:
        return _transact_write_items(self, transact_items)
    finally:
        _copy.tables = None


dynamodb_models.DynamoDBBackend.transact_write_items = _transact_copying_once

if __name__ == "__main__":
    from moto.server import main

    main()
