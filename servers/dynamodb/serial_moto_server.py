"""moto's server, answering one request at a time (same arguments as `moto_server`).

DynamoDB makes each request atomic: a conditional write checks and writes as one step, and a
TransactWriteItems applies all of its actions or none. moto's DynamoDB backend takes no lock, and its
threaded server runs requests side by side: a conditional update can interleave with another write to
the same item, and TransactWriteItems deep-copies the whole table to roll back on cancellation, so a
concurrent write to that table fails ("dictionary changed size during iteration") or is undone by the
restore. Holding one lock per request gives tests the atomicity the real service guarantees; the
client still sends its requests concurrently and sees them applied in some order, as against AWS.
"""
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication

_lock = threading.Lock()
_dispatch = DomainDispatcherApplication.__call__


def _one_at_a_time(self, environ, start_response):
    with _lock:
        # moto builds the whole response inside the call; list() drains any lazy body under the lock
        return list(_dispatch(self, environ, start_response))


DomainDispatcherApplication.__call__ = _one_at_a_time

if __name__ == "__main__":
    from moto.server import main

    main()
