"""Time the reading pages on whatever database DATABASE_URL names.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench \\
        .venv/bin/python bench/pages.py [--repeat 5]

Fill the database first (`manage.py generate_claims --claims 1000000 --links 1000000`).
For each page it prints the median time of --repeat requests, the number of SQL
queries and the slowest query, next to a reference in the same run: a plain
count(*) of all claims, the cost of touching every row once.
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

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, Outlet, Speaker, Subject, Topic


def timed(function, repeat):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def reading_pages():
    """The URLs timed here (and by bench/load.py): every kind of reading page."""
    claim = Claim.objects.order_by("id").first()
    if claim is None:
        sys.exit("No claims: run manage.py generate_claims first.")
    speaker = Speaker.objects.order_by("id").first()
    topic = Topic.objects.order_by("id").first()
    subject = Subject.objects.order_by("id").first()
    outlet = Outlet.objects.order_by("id").first()
    via = Claim.objects.filter(via__isnull=False).values_list("via__slug", flat=True).first()
    return [
        "/",
        "/claims/",
        "/claims/?page=2",
        f"/claims/?speaker={speaker.slug}",
        f"/claims/?outlet={outlet.slug}",
        f"/claims/?source={claim.source_id}",
        f"/claims/?via={via}",
        f"/claims/?topic={topic.slug}",
        f"/claims/?subject={subject.slug}",
        "/claims/?kind=quote",
        "/claims/?has=contradiction",
        f"/claims/?topic={topic.slug}&has=contradiction",
        "/claims/?q=sanctions",
        "/claims/?stated_after=2024-01-01&sort=oldest",
        f"/claims/{claim.pk}/",
        "/speakers/",
        f"/speakers/{speaker.slug}/",
        "/sources/",
        f"/sources/{claim.source_id}/",
        f"/topics/{topic.slug}/",
    ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--only", default="", help="Time only pages whose URL contains this.")
    args = parser.parse_args()

    client = Client()
    pages = reading_pages()
    claims = Claim.objects.count()
    reference, _ = timed(lambda: Claim.objects.count(), args.repeat)
    print(f"{connection.vendor}, {claims:,} claims; reference count(*): {reference * 1000:.0f} ms")
    print(f"{'page':55} {'median':>9} {'queries':>8} {'slowest query':>14} {'x ref':>7}")
    for url in pages:
        if args.only not in url:
            continue
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            print(f"{url:55} HTTP {response.status_code}")
            continue
        count = len(queries.captured_queries)
        slowest = max(float(q["time"]) for q in queries.captured_queries)
        reset_queries()
        median, _ = timed(lambda url=url: client.get(url), args.repeat)
        print(
            f"{url[:55]:55} {median * 1000:7.0f} ms {count:8d}"
            f" {slowest * 1000:11.0f} ms {median / reference:7.1f}"
        )


if __name__ == "__main__":
    main()
