"""Reading pages and exports read from a replica, when READ_REPLICA names one.

A replica (PostgreSQL streaming replication, say) takes the reading load off the
primary. The reading pages and the exports (`claims.views.reader`) run inside
`reading()`; their queries go to the replica. Everything else reads the primary:
the admin, so that an editor sees what they just saved, sessions and accounts, and
every write, always.
A reading page lags the primary by the replication delay (usually under a second).
"""

import contextlib
import contextvars

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS

_reading = contextvars.ContextVar("reading", default=False)


@contextlib.contextmanager
def reading():
    """Queries inside go to the replica, if there is one."""
    token = _reading.set(True)
    try:
        yield
    finally:
        _reading.reset(token)


def read_chunks(chunks):
    """A streamed body's chunks, each produced inside `reading()` (it runs after the view)."""
    chunks = iter(chunks)
    while True:
        with reading():
            chunk = next(chunks, None)
        if chunk is None:
            return
        yield chunk


# Sessions and accounts are read where they are written: a login is seen at once.
PRIMARY_APPS = {"auth", "sessions", "admin", "contenttypes"}


class ReadReplicaRouter:
    def db_for_read(self, model, **hints):
        if model._meta.app_label in PRIMARY_APPS:
            return None
        if settings.READ_REPLICA and _reading.get():
            return settings.READ_REPLICA
        return None

    def db_for_write(self, model, **hints):
        # An object read from the replica is saved to the primary; any other write
        # goes where Django would send it (the primary, or a database named with using()).
        instance = hints.get("instance")
        if (
            settings.READ_REPLICA
            and getattr(instance, "_state", None)
            and (instance._state.db == settings.READ_REPLICA)
        ):
            return DEFAULT_DB_ALIAS
        return None

    def allow_relation(self, obj1, obj2, **hints):
        # The replica holds the primary's rows: an object from either relates to both.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, settings.READ_REPLICA}:
            return True
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        # The replica's schema comes from the primary, by replication.
        return False if settings.READ_REPLICA and db == settings.READ_REPLICA else None
