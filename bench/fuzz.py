"""Fuzz every public URL at scale: no response may be a 5xx.

    .venv/bin/python bench/fuzz.py --cases 10000                       # SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \\
        .venv/bin/python bench/fuzz.py --cases 10000                   # PostgreSQL

It makes a database of its own (a temporary SQLite file, or a PostgreSQL database
named ct_fuzz on the server DATABASE_URL names, dropped at the end), loads the seed
corpus and --claims generated claims, and sends --cases requests drawn from
tests/strategies.py (the same strategies as the CI suite, tests/test_fuzz.py)
through the whole Django stack. It prints the responses by status and every 5xx or
unescaped payload; it exits 1 if there was any.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")
os.environ["DEBUG"] = ""


def own_database():
    """Point DATABASE_URL at a new, empty database; return a function that removes it."""
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith("postgres"):
        import psycopg

        base, _, _ = url.rpartition("/")
        with psycopg.connect(url, autocommit=True) as connection:
            connection.execute("DROP DATABASE IF EXISTS ct_fuzz WITH (FORCE)")
            connection.execute("CREATE DATABASE ct_fuzz")
        os.environ["DATABASE_URL"] = f"{base}/ct_fuzz"

        def remove():
            from django.db import connections

            connections.close_all()
            with psycopg.connect(url, autocommit=True) as connection:
                connection.execute("DROP DATABASE IF EXISTS ct_fuzz WITH (FORCE)")

        return remove
    folder = tempfile.TemporaryDirectory()
    os.environ["DATABASE_URL"] = f"sqlite:///{folder.name}/fuzz.sqlite3"
    return folder.cleanup


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--claims", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=0, help="Hypothesis's random seed.")
    options = parser.parse_args()
    remove = own_database()
    try:
        run(options)
    finally:
        remove()


def run(options):
    import django

    django.setup()
    import logging

    logging.disable(logging.WARNING)  # not a line for each 400 and 404; errors still show
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from hypothesis import HealthCheck, given, seed, settings

    from tests import strategies

    call_command("migrate", verbosity=0)
    call_command("load_seed", stdout=io.StringIO(), stderr=io.StringIO())
    call_command(
        "generate_claims", claims=options.claims, links=options.claims, seed=1, verbosity=0
    )
    client = Client()
    statuses, problems, paths = Counter(), [], Counter()

    @seed(options.seed)
    @settings(
        max_examples=options.cases,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(strategies.requests(*strategies.identifiers()))
    def fuzz(url):
        response = client.get(url)
        if response.streaming:
            b"".join(response.streaming_content)
        statuses[response.status_code] += 1
        paths[url.split("?")[0].split("/")[1] or "home"] += 1
        problems.extend(strategies.problems(response, url))

    start = time.perf_counter()
    fuzz()
    elapsed = time.perf_counter() - start
    total = sum(statuses.values())
    print(f"{connection.vendor}: {total:,} requests in {elapsed:.0f} s (seed {options.seed})")
    print("  by status: " + ", ".join(f"{code}: {n:,}" for code, n in sorted(statuses.items())))
    print("  by page:   " + ", ".join(f"/{name}: {n:,}" for name, n in paths.most_common()))
    server_errors = sum(n for code, n in statuses.items() if code >= 500)
    print(f"  5xx responses: {server_errors}; problems: {len(problems)}")
    for problem in problems[:20]:
        print(f"    {problem}")
    if problems:
        sys.exit(1)


if __name__ == "__main__":
    main()
