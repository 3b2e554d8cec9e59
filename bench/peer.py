"""Claim Tracker next to Datasette on the same rows, over HTTP, in one run.

    make bench-install      # Datasette (a dev-only dependency) into .venv
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench \\
        .venv/bin/python bench/peer.py [--repeat 5] [--sqlite /tmp/peer.sqlite3]

The PostgreSQL database holds the rows (`manage.py generate_claims --claims 1000000
--links 1000000`). The script copies the tables the pages read into a SQLite file
(once; --rebuild copies again) and gives Datasette its best set-up for them: an
index on every column the requests filter or sort on, an FTS5 index on the claim
text and context, and the file opened immutable, so Datasette may cache its counts.

Then it serves the tracker with gunicorn (the project's gunicorn.conf.py, only the
address changed) and Datasette (`datasette serve -i`, limits raised so no request is
cut short), and requests the same things of both, alternating, --repeat times each:
the claim list with facets, one speaker, a date range sorted, one topic (a
many-to-many), a full-text search and the CSV of every claim. It prints the medians,
the ratio (Datasette's time over the tracker's: above 1, the tracker is faster) and
the physical references measured in the same run: count(*) and a bare
`COPY claims_claim TO STDOUT`.
"""

import argparse
import csv
import io
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")

from slow_clients import free_port, start_gunicorn, started  # noqa: E402

# Table: the columns copied (the ones the pages show or filter on).
TABLES = {
    "claims_outlet": ["id", "name", "slug", "kind", "country"],
    "claims_speaker": ["id", "name", "slug", "kind", "affiliation", "country"],
    "claims_topic": ["id", "title", "slug"],
    "claims_subject": ["id", "name", "slug", "kind"],
    "claims_source": [
        "id", "title", "kind", "outlet_id", "authors", "url", "published_on",
        "published_on_precision",
    ],
    "claims_claim": [
        "id", "text", "kind", "speaker_id", "speaker_role", "stated_on",
        "stated_on_precision", "source_id", "via_id", "context", "created_at",
    ],
    "claims_claim_topics": ["id", "claim_id", "topic_id"],
    "claims_claim_subjects": ["id", "claim_id", "subject_id"],
    "claims_link": ["id", "claim_a_id", "claim_b_id", "kind", "note", "created_at"],
}  # fmt: skip
FOREIGN_KEYS = {
    "claims_source": {"outlet_id": "claims_outlet"},
    "claims_claim": {
        "speaker_id": "claims_speaker",
        "source_id": "claims_source",
        "via_id": "claims_outlet",
    },
    "claims_claim_topics": {"claim_id": "claims_claim", "topic_id": "claims_topic"},
    "claims_claim_subjects": {"claim_id": "claims_claim", "subject_id": "claims_subject"},
    "claims_link": {"claim_a_id": "claims_claim", "claim_b_id": "claims_claim"},
}
INDEXES = [
    ("claims_claim", "speaker_id"),
    ("claims_claim", "stated_on"),
    ("claims_claim", "kind"),
    ("claims_claim", "via_id"),
    ("claims_claim", "source_id"),
    ("claims_claim_topics", "topic_id"),
    ("claims_claim_topics", "claim_id"),
    ("claims_claim_subjects", "subject_id"),
    ("claims_claim_subjects", "claim_id"),
]


def copy_to_sqlite(connection, path):
    """The tables the pages read, from PostgreSQL into a new SQLite file at `path`."""
    path.unlink(missing_ok=True)
    target = sqlite3.connect(path)
    target.execute("PRAGMA journal_mode = OFF")
    target.execute("PRAGMA synchronous = OFF")
    for table, columns in TABLES.items():
        keys = FOREIGN_KEYS.get(table, {})
        # Declared types, so that SQLite stores the CSV's numbers as numbers.
        definitions = ", ".join(
            "id INTEGER PRIMARY KEY"
            if column == "id"
            else f"{column} INTEGER REFERENCES {keys[column]}(id)"
            if column in keys
            else f"{column} TEXT"
            for column in columns
        )
        target.execute(f"CREATE TABLE {table} ({definitions})")
        placeholders = ", ".join("?" for _ in columns)
        buffer = io.StringIO()
        with connection.cursor() as cursor:
            statement = f"COPY (SELECT {', '.join(columns)} FROM {table}) TO STDOUT WITH CSV"
            with cursor.copy(statement) as copy:
                for data in copy:
                    buffer.write(bytes(data).decode())
        buffer.seek(0)
        rows = ([value if value != "" else None for value in row] for row in csv.reader(buffer))
        target.executemany(f"INSERT INTO {table} VALUES ({placeholders})", rows)
        target.commit()
    for table, column in INDEXES:
        target.execute(f"CREATE INDEX {table}_{column} ON {table} ({column})")
    # Datasette finds a table's full-text index by content="<table>", double-quoted.
    target.execute(
        "CREATE VIRTUAL TABLE claims_claim_fts USING fts5"
        '(text, context, content="claims_claim", content_rowid="id")'
    )
    target.execute("INSERT INTO claims_claim_fts (claims_claim_fts) VALUES ('rebuild')")
    target.execute("ANALYZE")
    target.commit()
    target.close()


def start_datasette(port, path, folder):
    datasette = ROOT / ".venv/bin/datasette"
    if not datasette.exists():
        raise SystemExit("Datasette is not installed: run `make bench-install`.")
    settings = {
        "sql_time_limit_ms": 600_000,
        "facet_time_limit_ms": 600_000,
        "num_sql_threads": 3,
        "max_csv_mb": 0,
        "default_page_size": 50,
    }
    options = [item for key, value in settings.items() for item in ("--setting", key, str(value))]
    log = folder / "datasette.log"
    process = subprocess.Popen(
        [str(datasette), "serve", "-i", str(path), "--port", str(port), *options],
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    return started(process, port, log)


def fetch(port, path):
    """Seconds to GET `path` and read the whole body; the status must be 200."""
    start = time.perf_counter()
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=900) as response:
        while response.read(1 << 20):
            pass
        assert response.status == 200, (path, response.status)
    return time.perf_counter() - start


def requests(connection, database):
    """(page, the tracker's path, Datasette's path) for each page type."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.id, s.slug FROM claims_speaker s JOIN claims_claim c ON c.speaker_id = s.id"
            " GROUP BY s.id ORDER BY count(*) DESC LIMIT 1"
        )
        speaker_id, speaker = cursor.fetchone()
        cursor.execute(
            "SELECT t.id, t.slug FROM claims_topic t JOIN claims_claim_topics m"
            " ON m.topic_id = t.id GROUP BY t.id ORDER BY count(*) DESC LIMIT 1"
        )
        topic_id, topic = cursor.fetchone()
    table = f"/{database}/claims_claim"
    through = json.dumps({"table": "claims_claim_topics", "column": "topic_id", "value": topic_id})
    return [
        (
            "/claims/ with facets",
            "/claims/",
            f"{table}?_facet=kind&_facet=speaker_id&_facet=via_id",
        ),
        ("one speaker", f"/claims/?speaker={speaker}", f"{table}?speaker_id={speaker_id}"),
        (
            "date range + sort",
            "/claims/?stated_after=2024-01-01&sort=oldest",
            f"{table}?stated_on__gte=2024-01-01&_sort=stated_on",
        ),
        (
            "one topic (many-to-many)",
            f"/claims/?topic={topic}",
            f"{table}?_through={urllib.parse.quote(through)}",
        ),
        ("full-text search q=sanctions", "/claims/?q=sanctions", f"{table}?_search=sanctions"),
        ("CSV of all claims", "/claims/export.csv", f"{table}.csv?_stream=on&_size=max"),
    ]


def matches(port, path):
    """How many claims Datasette says the page's filters select (its JSON's count)."""
    base, _, query = path.partition("?")
    url = f"http://127.0.0.1:{port}{base}.json?{query}&_size=1"
    with urllib.request.urlopen(url, timeout=900) as response:
        return json.load(response).get("filtered_table_rows_count")


def our_matches(path):
    """How many claims the tracker's list at `path` shows (its FilterSet's count)."""
    from django.http import QueryDict

    from claims.filters import ClaimFilter
    from claims.models import Claim

    filters = ClaimFilter(QueryDict(path.partition("?")[2]), queryset=Claim.objects.all())
    assert filters.is_valid(), filters.errors
    return filters.qs.count()


def references(connection, repeat):
    """Median seconds of count(*) and of a bare COPY of the claim table."""
    with connection.cursor() as cursor:

        def count():
            cursor.execute("SELECT count(*) FROM claims_claim")
            cursor.fetchone()

        def bare_copy():
            with cursor.copy("COPY claims_claim TO STDOUT") as copy:
                for _ in copy:
                    pass

        return [
            statistics.median(timed(function) for _ in range(repeat))
            for function in (count, bare_copy)
        ]


def timed(function):
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--csv-repeat", type=int, default=1)
    parser.add_argument("--sqlite", default=str(Path(tempfile.gettempdir()) / "peer.sqlite3"))
    parser.add_argument("--rebuild", action="store_true")
    options = parser.parse_args()

    import django

    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        raise SystemExit("Set DATABASE_URL to the PostgreSQL database that holds the rows.")
    path = Path(options.sqlite)
    if options.rebuild or not path.exists():
        started_at = time.perf_counter()
        copy_to_sqlite(connection, path)
        print(f"Copied to {path} in {time.perf_counter() - started_at:.0f} s.")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM claims_claim")
        claims = cursor.fetchone()[0]
    pages = requests(connection, path.stem)
    count, bare_copy = references(connection, options.repeat)
    ours_found = {label: our_matches(ours) for label, ours, _ in pages}
    connection.close()

    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        tracker_port, peer_port = free_port(), free_port()
        servers = [start_gunicorn(tracker_port, folder), start_datasette(peer_port, path, folder)]
        try:
            rows = []
            for label, ours, theirs in pages:
                repeat = options.csv_repeat if label.startswith("CSV") else options.repeat
                fetch(tracker_port, ours), fetch(peer_port, theirs)  # warm both
                times = {"ours": [], "theirs": []}
                for _ in range(repeat):
                    times["ours"].append(fetch(tracker_port, ours))
                    times["theirs"].append(fetch(peer_port, theirs))
                found = (ours_found[label], matches(peer_port, theirs.replace(".csv", "")))
                rows.append(
                    (
                        label,
                        statistics.median(times["ours"]),
                        statistics.median(times["theirs"]),
                        found,
                    )
                )
        finally:
            for server in servers:
                server.send_signal(signal.SIGTERM)
                server.wait(30)

    print(
        f"\n{claims:,} claims; median of {options.repeat} (CSV: {options.csv_repeat}), "
        "alternating, over HTTP"
    )
    print(f"{'page':<32} {'Claim Tracker':>14} {'Datasette':>12} {'ratio':>7}   claims matched")
    for label, ours, theirs, (ours_found, theirs_found) in rows:
        ratio = theirs / ours
        print(
            f"{label:<32} {ours * 1000:>11,.0f} ms {theirs * 1000:>9,.0f} ms {ratio:>6.2f}x"
            f"   {ours_found:,} / {theirs_found:,}"
        )
    print("(claims matched: the tracker's count / Datasette's; search stems only on ours)")
    print(
        f"\nreferences: count(*) of claims_claim {count * 1000:,.0f} ms; "
        f"bare COPY claims_claim TO STDOUT {bare_copy * 1000:,.0f} ms"
    )


if __name__ == "__main__":
    main()
