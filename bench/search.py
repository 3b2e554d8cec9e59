"""Time full-text search over 50 different queries on whatever database DATABASE_URL names.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench \\
        .venv/bin/python bench/search.py [--repeat 3]

Fill the database first (`manage.py generate_claims --claims 1000000 --links
1000000`). The queries are common and rare words, phrases, alternatives,
exclusions, Russian words, words that match nothing, and speakers' names and
aliases taken from the database. Each is requested --repeat times through the
full Django stack (`/claims/?q=...`, the default relevance order, its facets);
the script prints each query's median and what the page said of the total, then
the median and 95th percentile over every request, next to a plain count(*) of
all claims timed in the same run.
"""

import argparse
import os
import re
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("ALLOWED_HOSTS", "testserver")

import django

django.setup()

from django.db import connection, reset_queries
from django.test import Client
from django.test.utils import CaptureQueriesContext

from claims.models import Claim, Speaker, SpeakerAlias

WORDS = [
    # common in generated claims
    "sanctions", "Taliban", "Kabul", "envoy", "delegation", "Russia", "China",
    "recognise", "ambassador", "trade", "security", "guarantees", "humanitarian",
    # rarer
    "Turkmenistan", "delisting", "preconditions", "principle", "accredited",
    "comment", "review", "Tashkent", "Emirate", "caretaker", "protested",
    # in no claim
    "zeppelin", "marmalade",
    # Russian
    "Кабул", "санкции", "посла",
    # phrases, alternatives, exclusions, several words
    '"will not recognise"', '"without preconditions"', '"for the first time since 2021"',
    '"Moscow Format"', "Qatar or Turkey", "sanctions -Russia", "envoy Kabul",
    "Iran Pakistan trade", '"human rights" commitment',
]  # fmt: skip


def queries(count):
    """WORDS, then speakers' names and aliases from the database, up to `count`."""
    found = list(WORDS)
    names = Speaker.objects.order_by("id").values_list("name", flat=True)
    aliases = SpeakerAlias.objects.order_by("id").values_list("name", flat=True)
    for name in [*aliases[:6], *names[:20]]:
        if len(found) >= count:
            break
        if name not in found:
            found.append(name)
    return found[:count]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()

    client = Client()
    claims = Claim.objects.count()
    references = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        Claim.objects.count()
        references.append(time.perf_counter() - start)
    reference = statistics.median(references)
    print(f"{connection.vendor}, {claims:,} claims; reference count(*): {reference * 1000:.0f} ms")
    print(f"{'search':42} {'median':>9} {'queries':>8}  total shown")
    every = []
    for q in queries(args.queries):
        url = "/claims/?" + urlencode({"q": q})
        reset_queries()  # each request resets the log; the capture counts from here
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            print(f"{q[:42]:42} HTTP {response.status_code}")
            continue
        heading = re.search(rb"id=\"results-heading\">(.*?)</h2>", response.content, re.S)
        shown = re.sub(r"\s+", " ", heading[1].decode()).strip() if heading else ""
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            client.get(url)
            times.append(time.perf_counter() - start)
        every += times
        print(
            f"{q[:42]:42} {statistics.median(times) * 1000:7.0f} ms"
            f" {len(captured.captured_queries):8d}  {shown[:60]}"
        )
    every.sort()
    p95 = every[max(0, round(0.95 * len(every)) - 1)]
    print(
        f"\n{len(every)} requests: median {statistics.median(every) * 1000:.0f} ms,"
        f" 95th percentile {p95 * 1000:.0f} ms; count(*) {reference * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
