"""Backups that restore: the whole database to one file and back.

PostgreSQL: pg_dump's custom format, restored by pg_restore in one transaction (the
triggers, indexes and history come with the rows). SQLite: the SQLite backup API,
which copies a consistent snapshot even while the app is writing.

A restore goes into an empty database only: restoring over data would mix two
states of the corpus. README, "Backups", has the commands and the drill.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections


class BackupError(Exception):
    pass


def _postgresql_environment(settings):
    """pg_dump's and pg_restore's connection, from Django's settings for the database."""
    environment = dict(os.environ)
    for variable, key in [
        ("PGHOST", "HOST"),
        ("PGPORT", "PORT"),
        ("PGUSER", "USER"),
        ("PGPASSWORD", "PASSWORD"),
        ("PGDATABASE", "NAME"),
    ]:
        if settings.get(key):
            environment[variable] = str(settings[key])
    return environment


def _tool(name):
    path = shutil.which(name)
    if not path:
        raise BackupError(
            f"{name} is not installed here; install PostgreSQL's client tools "
            "(Debian: postgresql-client) in the version of the server or newer."
        )
    return path


def _run(command, environment):
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def backup(path, using="default"):
    """Write database `using` to the file at `path`."""
    connection = connections[using]
    path = Path(path)
    if connection.vendor == "postgresql":
        environment = _postgresql_environment(connection.settings_dict)
        _run(
            [_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", path],
            environment,
        )
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"No backup for a {connection.vendor} database.")
    return path.stat().st_size


def restore(path, using="default"):
    """Load the backup at `path` into database `using`, which must be empty."""
    connection = connections[using]
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"There is no backup at {path}.")
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    if tables:
        raise BackupError(
            f"The database {connection.settings_dict['NAME']} is not empty ({len(tables)} "
            "tables): restore into an empty database."
        )
    if connection.vendor == "postgresql":
        connection.close()  # pg_restore brings its own connection
        environment = _postgresql_environment(connection.settings_dict)
        _run(
            [
                _tool("pg_restore"),
                "--no-owner",
                "--no-privileges",
                "--single-transaction",
                "--exit-on-error",
                "--dbname",
                environment.get("PGDATABASE", ""),
                path,
            ],
            environment,
        )
    elif connection.vendor == "sqlite":
        with open(path, "rb") as file:
            if file.read(16) != b"SQLite format 3\x00":
                raise BackupError(f"{path} is not an SQLite backup.")
        source = sqlite3.connect(path)
        try:
            connection.ensure_connection()
            source.backup(connection.connection)
        finally:
            source.close()
    else:
        raise BackupError(f"No restore for a {connection.vendor} database.")
