"""Measure claim matching: does each linked claim find its partners among its top five?

    .venv/bin/python bench/match.py                      # the seed corpus alone, SQLite
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ct_bench \
        .venv/bin/python bench/match.py --random 50      # at scale, and 50 random claims

The labels are the seed corpus's links of kind "same statement" and "corroborates"
(the editors' own judgement, 36 links). For each link, each end is matched as an
existing claim (its links not used: they are what is measured) and the other end
must be among its five best suggestions; recall@5 is the share of the ends that
find their partner, by kind. claims.matching.WEIGHTS were chosen on the links with
an even position (in id order), "tuned on"; the odd ones are "held out".

Without DATABASE_URL the corpus is loaded into a new SQLite file (106 claims). On
a database the seed was loaded into before `generate_claims` filled it, each claim's
partners must be found among a million; on one filled without it, where the seed
cannot go beside the generated subjects, the script times 50 claims drawn at random
instead. Beside
recall: the median and 95th percentile time of one suggestion list through
claims.matching (every query included), and, as the floor in the same run, a bare
`count(*)` of the claims.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
os.environ.setdefault("SECRET_KEY", "bench-only")
SCRATCH = None
if "DATABASE_URL" not in os.environ:
    SCRATCH = Path(tempfile.mkdtemp()) / "match.sqlite3"
    os.environ["DATABASE_URL"] = f"sqlite:///{SCRATCH}"

import django

django.setup()

from django.conf import settings
from django.core.management import call_command
from django.db import connection
from reference import count_claims  # bench/reference.py

from claims import matching
from claims.importers import SeedError, load_corpus
from claims.models import Claim, Link

KINDS = [Link.Kind.SAME_STATEMENT, Link.Kind.CORROBORATES]


def prepare():
    """Whether the seed corpus is here (loaded now if it can be)."""
    if SCRATCH is not None:
        call_command("migrate", verbosity=0)
    if Claim.objects.filter(import_ref="000-01").exists():
        return True
    try:
        load_corpus()
    except SeedError as error:
        # generate_claims made its subjects under other slugs: the seed cannot go
        # beside them (load it first, then generate, to measure recall at scale).
        print(f"The seed corpus cannot be loaded here ({error}); timing only.")
        return False
    return True


def time_only(count=50):
    """Suggestion lists for `count` claims drawn uniformly (by sample_key)."""
    claims = Claim.objects.filter(sample_key__gte=0.5).order_by("sample_key")[:count]
    times, cut_short = [], 0
    for claim in claims.select_related("speaker"):
        started = time.perf_counter()
        probe = matching.Probe.of(claim)
        matching.suggest(probe)
        times.append(time.perf_counter() - started)
        cut_short += probe.words_cut_short
    print(
        f"{cut_short} of {len(times)} similar-words searches stopped at their budget "
        f"of {settings.MATCHING_WORDS_BUDGET_MS} ms"
    )
    return times


def seed_links():
    links = Link.objects.filter(
        kind__in=KINDS, claim_a__import_ref__isnull=False, claim_b__import_ref__isnull=False
    ).select_related("claim_a", "claim_b")
    return list(links.order_by("pk"))


def measure(links, show_misses):
    """{(half, kind): [found, ends]}, the times, and the misses."""
    found = {}
    times, misses = [], []
    for number, link in enumerate(links):
        half = "tuned on" if number % 2 == 0 else "held out"
        for claim, partner in ((link.claim_a, link.claim_b), (link.claim_b, link.claim_a)):
            started = time.perf_counter()
            probe = matching.Probe.of(claim, exclude_linked=False)
            top = matching.suggest(probe, limit=5)
            times.append(time.perf_counter() - started)
            hit = partner.pk in {suggestion.claim.pk for suggestion in top}
            counts = found.setdefault((half, link.kind), [0, 0])
            counts[0] += hit
            counts[1] += 1
            if not hit:
                misses.append((link.kind, claim, partner, top))
    if show_misses:
        for kind, claim, partner, top in misses:
            print(f"\nmissed ({kind}): {claim.import_ref} {claim.text[:80]}")
            print(f"  partner {partner.import_ref}: {partner.text[:80]}")
            for suggestion in top:
                print(f"  got {suggestion.claim.import_ref} {suggestion.score:.2f}")
    return found, times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--misses", action="store_true", help="list the partners not found")
    parser.add_argument(
        "--random",
        type=int,
        default=0,
        metavar="N",
        help="also time suggestion lists for N claims drawn at random (generated ones, at scale)",
    )
    options = parser.parse_args()
    seeded = prepare()
    total = Claim.objects.count()
    if seeded:
        links = seed_links()
        found, times = measure(links, options.misses)
        print(f"\n{connection.vendor}, {total:,} claims; {len(links)} seed links\n")
        report(found)
    else:
        times = time_only()
        print(f"\n{connection.vendor}, {total:,} claims")
    times.sort()
    p95 = times[max(0, round(0.95 * len(times)) - 1)]
    print(
        f"\none suggestion list: median {statistics.median(times) * 1000:.1f} ms, "
        f"p95 {p95 * 1000:.1f} ms (over {len(times)})"
    )
    if seeded and options.random:
        times = sorted(time_only(options.random))
        p95 = times[max(0, round(0.95 * len(times)) - 1)]
        print(
            f"{len(times)} claims drawn at random: median {statistics.median(times) * 1000:.1f} "
            f"ms, p95 {p95 * 1000:.1f} ms"
        )
    print(f"floor, count(*) of the claims: {count_claims() * 1000:.1f} ms")


def report(found):
    print("  half      kind              ends  found  recall@5")
    for half in ("tuned on", "held out", None):
        for kind in (*KINDS, None):
            rows = [
                counts
                for (its_half, its_kind), counts in found.items()
                if half in (None, its_half) and kind in (None, its_kind)
            ]
            hit, count = sum(row[0] for row in rows), sum(row[1] for row in rows)
            label = kind.replace("_", " ") if kind else "both"
            print(f"  {half or 'all':<9} {label:<16} {count:>5} {hit:>6}  {hit / count:8.3f}")


if __name__ == "__main__":
    main()
