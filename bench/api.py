"""Time the JSON API's pages, shallow and deep, next to the database's own floor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench .venv/bin/python bench/api.py

Run it on a database `generate_claims` filled. Through the full Django stack (the
test client, as a program calls the API): the first page of /api/claims/, and pages
deep in the list, reached with the cursor the API would have given there (built
once, outside the timing, from the claim at that position); a filtered page
(one speaker) and its deep page. Beside them, the references in the same run: a
bare `count(*)` of the table, and the keyset read the deep page amounts to, in
plain SQL (`SELECT id ... WHERE (stated_on, id) < (...) ORDER BY ... LIMIT 50`).
Each figure is the median of --repeat requests.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.core import signing
from django.db import connection
from django.test import Client
from django.test.utils import setup_test_environment

from claims import api
from claims.models import Claim


def median_ms(action, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def cursor_at(rows, offset):
    claim = rows.order_by("-stated_on", "-id")[offset]
    position = [claim.stated_on.isoformat() if claim.stated_on else None, claim.pk]
    return signing.dumps({"sort": "newest", "after": position}, salt=api.CURSOR_SALT), claim


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup_test_environment()
    client = Client()
    total = Claim.objects.count()
    print(f"{connection.vendor}, {total:,} claims; median of {args.repeat} requests")

    def get(query):
        response = client.get("/api/claims/", query)
        assert response.status_code == 200, response.content[:300]

    def line(label, ms):
        print(f"{label:<58} {ms:9.1f} ms")

    with connection.cursor() as cursor:
        line(
            "reference: SELECT count(*) FROM claims_claim",
            median_ms(lambda: cursor.execute("SELECT count(*) FROM claims_claim"), args.repeat),
        )
    line("first page (50 claims)", median_ms(lambda: get({}), args.repeat))
    everything = Claim.objects.all()
    for depth in (total // 2, total - 100):
        cursor, claim = cursor_at(everything, depth)
        line(
            f"page after claim {depth:,} (keyset cursor)",
            median_ms(lambda cursor=cursor: get({"cursor": cursor}), args.repeat),
        )
        if connection.vendor == "postgresql" and claim.stated_on:
            sql = (
                "SELECT id FROM claims_claim WHERE (stated_on, id) < (%s, %s) "
                "ORDER BY stated_on DESC NULLS LAST, id DESC LIMIT 51"
            )
            params = [claim.stated_on, claim.pk]
            with connection.cursor() as raw:
                line(
                    "  reference: the same keyset read in bare SQL (ids only)",
                    median_ms(
                        lambda raw=raw, sql=sql, params=params: raw.execute(sql, params),
                        args.repeat,
                    ),
                )
    speaker = Claim.objects.exclude(speaker=None).values_list("speaker__slug", flat=True)[0]
    mine = Claim.objects.filter(speaker__slug=speaker)
    count = mine.count()
    line(
        f"one speaker's first page ({count:,} claims)",
        median_ms(lambda: get({"speaker": speaker}), args.repeat),
    )
    if count > 100:
        cursor, _claim = cursor_at(mine, count - 60)
        line(
            "one speaker, their last page (keyset cursor)",
            median_ms(lambda: get({"speaker": speaker, "cursor": cursor}), args.repeat),
        )


if __name__ == "__main__":
    main()
