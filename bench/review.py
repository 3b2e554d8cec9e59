"""Time the extraction assist's review screen on whatever database DATABASE_URL names.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench \\
        .venv/bin/python bench/review.py [--repeat 3]

Each source that the seed corpus loaded into the database (`load_seed`, then, for
scale, `generate_claims`) is pasted again into "New source from text", through the
whole Django stack as an editor: the median time of --repeat reviews (extraction,
each candidate's speaker resolved against every speaker and alias, each
candidate's possible matches among every claim), with how many candidates and
queries it took, next to a bare count(*) of the claims in the same run. The editor
it logs in as is made inside a transaction that is rolled back: nothing is kept.
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

from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from reference import count_claims  # bench/reference.py

from claims.models import Claim, Source, Speaker, SpeakerAlias


def review(client, source):
    return client.post(
        reverse("admin:claims_source_from_text"),
        {
            "_step": "extract",
            "title": f"{source.title} (again)",
            "kind": source.kind,
            "outlet": "",
            "authors": "",
            "url": "https://example.org/again",
            "published_on": str(source.published_on or ""),
            "published_on_precision": source.published_on_precision,
            "language": source.language or "en",
            "full_text": source.full_text,
        },
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    options = parser.parse_args()
    seeded = Source.objects.filter(claims__import_ref__isnull=False).distinct().order_by("pk")
    if not seeded.exists():
        sys.exit("No seed sources here: run `manage.py load_seed` first.")
    print(
        f"{connection.vendor}, {Claim.objects.count():,} claims, {Speaker.objects.count():,} "
        f"speakers, {SpeakerAlias.objects.count():,} aliases"
    )
    print(f"{'source':<52} {'words':>6} {'candidates':>10} {'queries':>8} {'median':>9}")
    with transaction.atomic():
        editor = get_user_model().objects.create_superuser("bench-review-editor", "", None)
        client = Client()
        client.force_login(editor)
        for source in seeded:
            times = []
            for _ in range(options.repeat):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = review(client, source)
                    times.append(time.perf_counter() - started)
                if response.status_code != 200 or "formset" not in response.context_data:
                    sys.exit(f"{source.pk}: the review screen answered {response.status_code}")
            candidates = len(response.context_data["formset"].forms)
            print(
                f"{source.title[:52]:<52} {len(source.full_text.split()):>6} {candidates:>10} "
                f"{len(queries.captured_queries):>8} {statistics.median(times) * 1000:>6.0f} ms"
            )
        transaction.set_rollback(True)
    print(f"reference, count(*) of the claims: {count_claims(options.repeat) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
