"""Time the admin's import of a 10,000-claim file, next to the floor of reading it.

    createdb -h 127.0.0.1 -U postgres ct_import
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_import .venv/bin/python bench/import.py

It migrates the database, writes a claims file of --claims rows (new sources,
speakers that the first run creates and later runs match, topics, dates written
four ways) and, in one run, through the full Django stack (the test client posting
to /admin/claims/claim/import/ as a browser would): the upload and its preview, the
confirmation that writes it, and the same file uploaded again (every row
unchanged). Beside them, the references: reading the file with csv.reader (the
floor of any import) and, on PostgreSQL, a bare `COPY ... FROM STDIN` of the same
rows into a temporary table (the floor of writing them). Each line has the time,
rows per second and the process's peak memory.
"""

import argparse
import csv
import io
import os
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from claims.models import Claim

COLUMNS = [
    "text",
    "kind",
    "speaker",
    "speaker_role",
    "stated_on",
    "source_title",
    "outlet",
    "topics",
]
DATES = ["2024-10-04", "2024-10", "October 2024", "4 Oct 2024"]


def claims_file(rows, tag):
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for n in range(rows):
        writer.writerow(
            [
                f"Bench statement {tag}-{n}: the talks resume after the envoy's visit.",
                "quote" if n % 3 else "paraphrase",
                f"Bench Speaker {n % 300}",
                "envoy",
                DATES[n % 4],
                f"Bench source {tag}-{n // 20}",
                f"Bench Outlet {n // 20 % 12}",
                f"Bench topic {n % 20}; Bench topic {(n + 7) % 20}",
            ]
        )
    return out.getvalue().encode()


def memory_peak():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def timed(label, rows, work):
    Path("/proc/self/clear_refs").write_text("5")
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    print(f"{label:<44} {seconds:8.2f} s {rows / seconds:10,.0f} rows/s {memory_peak():8.0f} MB")
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--claims", type=int, default=10_000)
    args = parser.parse_args()
    setup_test_environment()  # the client keeps each response's template context
    call_command("migrate", verbosity=0)
    user, _ = get_user_model().objects.get_or_create(
        username="bench-importer", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    tag = uuid.uuid4().hex[:8]
    data = claims_file(args.claims, tag)
    rows = args.claims
    before = Claim.objects.count()
    print(
        f"{connection.vendor}, {before:,} claims before; a file of {rows:,} claims, "
        f"{len(data) / 1e6:.1f} MB"
    )

    timed(
        "reference: csv.reader over the file",
        rows,
        lambda: sum(1 for _ in csv.reader(io.StringIO(data.decode()))),
    )
    if connection.vendor == "postgresql":

        def copy():
            with connection.cursor() as cursor:
                cursor.execute(
                    "CREATE TEMP TABLE bench_rows (" + ", ".join(f"{c} text" for c in COLUMNS) + ")"
                )
                with cursor.copy("COPY bench_rows FROM STDIN WITH (FORMAT csv, HEADER)") as c:
                    c.write(data)
                cursor.execute("DROP TABLE bench_rows")

        timed("reference: bare COPY FROM of the rows", rows, copy)

    def upload():
        response = client.post(
            "/admin/claims/claim/import/", {"claims_file": SimpleUploadedFile("claims.csv", data)}
        )
        assert response.status_code == 200, response.status_code
        assert response.context["plan"].is_valid
        return response.context

    preview = timed("upload and preview (nothing written)", rows, upload)
    counts = preview["plan"].claim_counts
    assert counts["new"] == rows, counts

    first_line = {}

    def confirm():
        started = time.perf_counter()
        response = client.post(
            "/admin/claims/claim/import/",
            {"token": preview["token"], "previewed": preview["previewed"], "confirm": "1"},
        )
        assert response.status_code == 200, response.status_code
        page = b""
        for chunk in response.streaming_content:
            if b"<li>" in chunk and "at" not in first_line:
                first_line["at"] = time.perf_counter() - started
            page += chunk
        assert b"Imported:" in page, page[-500:]

    timed("confirm: write it in one transaction, streamed", rows, confirm)
    print(f"{'  its first progress line came after':<44} {first_line['at']:8.2f} s")
    assert Claim.objects.count() == before + rows
    again = timed("the same file again: preview", rows, upload)
    assert again["plan"].claim_counts["unchanged"] == rows


if __name__ == "__main__":
    main()
